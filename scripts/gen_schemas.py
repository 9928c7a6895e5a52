"""Regenerate ``docs/result.schema.json`` from the result model: python scripts/gen_schemas.py.

The schema is committed so API clients can generate types without installing docsight; the
test ``tests/formats/test_json.py`` fails when the model changes and this was not re-run.
``--check`` exits 1 instead of writing when the committed file is stale (for CI).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from docsight.formats import result_schema

TARGET = Path(__file__).resolve().parent.parent / "docs" / "result.schema.json"


def render() -> str:
    return json.dumps(result_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: run python scripts/gen_schemas.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
