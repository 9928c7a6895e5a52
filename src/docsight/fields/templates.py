"""Field specs, the predefined catalog and document templates, as data.

The catalog and the built-in templates are YAML files shipped in the package so that adding a
label in another language or a field to a template is a data change reviewed like any other,
not a code change. User templates use the same shape and load from JSON or YAML; a user JSON
Schema becomes specs through ``specs_from_json_schema`` so one extraction path serves all.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from docsight.errors import ConfigurationError
from docsight.fields.types import TYPES

STRATEGIES = frozenset(
    [
        "label",
        "date",
        "total",
        "currency",
        "vendor_name",
        "vendor_address",
        "line_items",
        "mrz",
        "parties",
        "effective_date",
        "term",
        "jurisdiction",
        "signature",
        "checkboxes",
        "regex",
    ]
)


class FieldSpec(BaseModel):
    """What to extract: a name, a type, and how to find it (labels, a regex or a strategy)."""

    name: str = Field(..., pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    type: str = "text"
    description: str = ""
    labels: list[str] = Field(default_factory=list, description="Anchors printed before it.")
    regex: str | None = Field(None, description="Pattern; group 1 (or the match) is the value.")
    strategy: str = "label"
    scan: bool = Field(False, description="Also accept a value of the type found anywhere.")
    below: bool = Field(False, description="The value usually sits under its label.")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in TYPES:
            raise ValueError(f"unknown field type {value!r}; choose from {', '.join(TYPES)}")
        return value

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        if value not in STRATEGIES:
            raise ValueError(f"unknown strategy {value!r}; choose from {sorted(STRATEGIES)}")
        return value


class Template(BaseModel):
    """A document type: the fields to extract and the words that recognise it."""

    name: str = Field(..., pattern=r"^[A-Za-z0-9_\-]+$")
    title: str = ""
    description: str = ""
    keywords: list[str] = Field(default_factory=list)
    fields: list[str | FieldSpec] = Field(default_factory=list)

    def specs(self) -> list[FieldSpec]:
        """Catalog names resolved to their specs; inline specs kept as given."""
        catalog = load_catalog()
        resolved = []
        for item in self.fields:
            if isinstance(item, FieldSpec):
                resolved.append(item)
            elif item in catalog:
                resolved.append(catalog[item])
            else:
                raise ConfigurationError(
                    f"template {self.name!r} names unknown field {item!r}; "
                    "see `docsight templates show` for the catalog"
                )
        return resolved


def _data() -> Any:
    return resources.files("docsight.fields") / "data"


@cache
def load_catalog() -> dict[str, FieldSpec]:
    raw = yaml.safe_load((_data() / "catalog.yaml").read_text(encoding="utf-8"))
    return {name: FieldSpec(name=name, **spec) for name, spec in raw.items()}


@cache
def builtin_templates() -> dict[str, Template]:
    templates = {}
    for entry in sorted((_data() / "templates").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            template = Template.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
            templates[template.name] = template
    return templates


def get_template(name: str) -> Template:
    templates = builtin_templates()
    if name not in templates:
        raise ConfigurationError(
            f"unknown template {name!r}; choose from {', '.join(templates)} or pass a file"
        )
    return templates[name]


def load_template(path: str | Path) -> Template:
    """A user template (or a bare field list, or a JSON Schema) from a JSON or YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read template {path}: {exc}") from exc
    return template_from_data(data, default_name=path.stem)


def template_from_data(data: Any, *, default_name: str = "custom") -> Template:
    try:
        if isinstance(data, list):
            return Template(name=default_name, fields=data)
        if isinstance(data, dict) and "properties" in data and "fields" not in data:
            return Template(
                name=str(data.get("title") or default_name).replace(" ", "_"),
                description=str(data.get("description", "")),
                fields=list(specs_from_json_schema(data)),
            )
        if isinstance(data, dict):
            return Template.model_validate({"name": default_name, **data})
    except ValidationError as exc:
        raise ConfigurationError(f"invalid template: {exc.errors()[0]['msg']}") from exc
    raise ConfigurationError("a template is a mapping with `fields`, a list, or a JSON Schema")


def save_template(template: Template, path: str | Path) -> None:
    path = Path(path)
    data = template.model_dump(exclude_defaults=True)
    data["name"] = template.name
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


_SCHEMA_TYPES = {"number": "amount", "integer": "integer", "boolean": "boolean"}
_SCHEMA_FORMATS = {"date": "date", "email": "email", "uri": "url", "time": "time"}


def specs_from_json_schema(schema: dict[str, Any]) -> list[FieldSpec]:
    """Specs from a JSON Schema's ``properties``: catalog names reuse the catalog's rules.

    A property's ``title``/``description`` become its labels, ``pattern`` its regex, and an
    ``x-docsight-type`` keyword picks a docsight type the schema vocabulary cannot express.
    """
    catalog = load_catalog()
    specs = []
    for name, prop in dict(schema.get("properties", {})).items():
        if name in catalog and "x-docsight-type" not in prop:
            specs.append(catalog[name])
            continue
        kind = (
            prop.get("x-docsight-type")
            or _SCHEMA_FORMATS.get(prop.get("format", ""))
            or (_SCHEMA_TYPES.get(prop.get("type", "string"), "text"))
        )
        if prop.get("type") == "array":
            kind = "line_items"
        labels = [str(prop[k]) for k in ("title",) if prop.get(k)]
        labels.append(name.replace("_", " "))
        specs.append(
            FieldSpec(
                name=name,
                type=kind,
                description=str(prop.get("description", "")),
                labels=labels,
                regex=prop.get("pattern"),
                strategy="line_items" if kind == "line_items" else "label",
            )
        )
    return specs
