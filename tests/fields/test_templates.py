from __future__ import annotations

import json

import pytest

from docsight.errors import ConfigurationError
from docsight.fields import (
    FieldSpec,
    Template,
    builtin_templates,
    get_template,
    load_catalog,
    load_template,
    save_template,
)


def test_catalog_has_fifty_typed_fields() -> None:
    catalog = load_catalog()
    assert len(catalog) >= 50
    for name in (
        "iban",
        "bic",
        "vat_id",
        "gstin",
        "ein",
        "abn",
        "mrz",
        "total",
        "line_items",
        "effective_date",
        "parties",
        "jurisdiction",
        "term",
        "checkboxes",
    ):
        assert name in catalog


def test_builtin_templates_resolve() -> None:
    names = set(builtin_templates())
    assert {
        "invoice",
        "receipt",
        "bank_statement",
        "passport",
        "purchase_order",
        "utility_bill",
        "payslip",
        "contract",
    } <= names
    for template in builtin_templates().values():
        assert template.specs() and template.keywords


def test_unknown_template_and_field() -> None:
    with pytest.raises(ConfigurationError):
        get_template("nope")
    with pytest.raises(ConfigurationError):
        Template(name="x", fields=["not_a_field"]).specs()
    with pytest.raises(ValueError):
        FieldSpec(name="x", type="not_a_type")


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_save_and_load_user_template(tmp_path, suffix: str) -> None:
    template = Template(
        name="mine",
        title="Mine",
        fields=["total", FieldSpec(name="ref", type="code", labels=["our ref"])],
    )
    path = tmp_path / f"mine{suffix}"
    save_template(template, path)
    loaded = load_template(path)
    assert loaded.name == "mine"
    assert [s.name for s in loaded.specs()] == ["total", "ref"]


def test_load_field_list_and_schema(tmp_path) -> None:
    listing = tmp_path / "fields.json"
    listing.write_text(json.dumps(["total", {"name": "po", "type": "code", "labels": ["PO"]}]))
    assert [s.name for s in load_template(listing).specs()] == ["total", "po"]
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "title": "Claim",
                "properties": {
                    "amount": {"type": "number"},
                    "when": {"type": "string", "format": "date"},
                },
            }
        )
    )
    specs = load_template(schema).specs()
    assert [(s.name, s.type) for s in specs] == [("amount", "amount"), ("when", "date")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("fields: [1: 2")
    with pytest.raises(ConfigurationError):
        load_template(bad)
