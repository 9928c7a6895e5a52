"""Typed field extraction: a catalog of predefined fields, document templates, custom fields.

``extract(result, template_or_fields)`` reads a processed ``Result`` and returns
``FieldValue`` objects (also stored on ``result.fields``). The VLM path (``vlm.extract_with``)
asks an engine that can answer prompts and feeds its answer through the same normalisers.
"""

from pathlib import Path

from docsight.fields.classify import Classification, classify, classify_text
from docsight.fields.extract import extract, resolve_specs
from docsight.fields.templates import (
    FieldSpec,
    Template,
    builtin_templates,
    get_template,
    load_catalog,
    load_template,
    save_template,
    specs_from_json_schema,
    template_from_data,
)
from docsight.fields.types import TYPES, normalise
from docsight.models import FieldValue, Result

__all__ = [
    "TYPES",
    "Classification",
    "FieldSpec",
    "Template",
    "builtin_templates",
    "classify",
    "classify_text",
    "extract",
    "extract_requested",
    "get_template",
    "load_catalog",
    "load_template",
    "normalise",
    "resolve_specs",
    "save_template",
    "specs_from_json_schema",
    "template_from_data",
]


def extract_requested(
    result: Result, *, template: str | None = None, fields_file: str | Path | None = None
) -> list[FieldValue]:
    """What ``docsight ocr --template NAME`` / ``--fields FILE`` run after ``process``.

    ``template`` is a built-in name or ``auto`` (classify); ``fields_file`` a user template,
    field list or JSON Schema in JSON/YAML. Both given: the file's fields are added to the
    template's. Values are stored on ``result.fields`` so every export carries them.
    """
    specs: list[FieldSpec] = []
    if template is not None:
        specs.extend(resolve_specs(None if template == "auto" else template, result))
    if fields_file is not None:
        specs.extend(load_template(fields_file).specs())
    return extract(result, specs or None)
