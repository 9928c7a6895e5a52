"""JSON: the result model itself, the one format that loses nothing.

Its JSON Schema is published at ``docs/result.schema.json`` (``scripts/gen_schemas.py``).
"""

from __future__ import annotations

from typing import Any

from docsight.models import Result


def to_json(result: Result) -> str:
    return result.model_dump_json(indent=2) + "\n"


def result_schema() -> dict[str, Any]:
    """The schema of what ``to_json`` writes (serialisation mode: computed values as dumped)."""
    schema = Result.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
