import json
import subprocess
import sys
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from docsight.formats import result_schema, to_json
from docsight.models import Result

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "result.schema.json"


def test_committed_schema_is_the_models_current_schema() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == result_schema(), "stale: run python scripts/gen_schemas.py"


def test_gen_schemas_check_mode_agrees() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_schemas.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_dumped_result_validates_against_the_schema(result: Result) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(to_json(result)), schema)


def test_schema_rejects_a_broken_result(result: Result) -> None:
    data = json.loads(to_json(result))
    data["pages"][0]["blocks"][0]["type"] = "no-such-block"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, result_schema())


def test_json_round_trips_to_an_equal_result(result: Result) -> None:
    assert Result.model_validate_json(to_json(result)) == result
