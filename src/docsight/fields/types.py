"""Field types: each pairs a normaliser (printed text -> canonical value) with a validator.

A normaliser raises ``ValueError`` when the text holds no value of its type; a validator
returns ``None`` for a plausible value or a short reason. They are kept apart because a value
can parse and still be wrong (an IBAN whose checksum fails): such values are reported with
``valid=False`` and a low confidence instead of being dropped or silently kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docsight.fields import _dates, _ids, _money, _mrz, _text


@dataclass(frozen=True)
class FieldType:
    name: str
    normalise: Callable[[Any], Any]
    validate: Callable[[object], str | None]
    json_type: str = "string"


def _types() -> dict[str, FieldType]:
    table: list[tuple[str, Callable[[Any], Any], Callable[[object], str | None], str]] = [
        ("text", _text.normalise_text, _text.validate_text, "string"),
        ("name", _text.normalise_name, _text.validate_name, "string"),
        ("address", _text.normalise_address, _text.validate_address, "string"),
        ("date", _dates.normalise_date, _dates.validate_date, "string"),
        ("period", _dates.normalise_period, _dates.validate_period, "object"),
        ("time", _dates.normalise_time, _dates.validate_time, "string"),
        ("amount", _money.normalise_amount, _money.validate_amount, "number"),
        ("currency", _money.normalise_currency, _money.validate_currency, "string"),
        ("percent", _money.normalise_percent, _money.validate_percent, "number"),
        ("quantity", _money.normalise_quantity, _money.validate_quantity, "number"),
        ("integer", _money.normalise_integer, _money.validate_integer, "integer"),
        ("iban", _ids.normalise_iban, _ids.validate_iban, "string"),
        ("bic", _ids.normalise_bic, _ids.validate_bic, "string"),
        ("vat", _ids.normalise_vat, _ids.validate_vat, "string"),
        ("gstin", _ids.normalise_gstin, _ids.validate_gstin, "string"),
        ("ein", _ids.normalise_ein, _ids.validate_ein, "string"),
        ("abn", _ids.normalise_abn, _ids.validate_abn, "string"),
        ("tax_id", _ids.normalise_tax_id, _ids.validate_tax_id, "string"),
        ("card_last4", _ids.normalise_card_last4, _ids.validate_card_last4, "string"),
        ("account", _ids.normalise_account, _ids.validate_account, "string"),
        ("phone", _text.normalise_phone, _text.validate_phone, "string"),
        ("email", _text.normalise_email, _text.validate_email, "string"),
        ("url", _text.normalise_url, _text.validate_url, "string"),
        ("sex", _text.normalise_sex, _text.validate_sex, "string"),
        ("country", _text.normalise_country, _text.validate_country, "string"),
        ("duration", _text.normalise_duration, _text.validate_duration, "string"),
        ("boolean", _text.normalise_boolean, _text.validate_boolean, "boolean"),
        ("code", _text.normalise_code, _text.validate_code, "string"),
        ("mrz", _mrz.parse_mrz, _mrz.validate_mrz, "object"),
        ("parties", _text.normalise_parties, _text.validate_parties, "array"),
        ("line_items", _text.normalise_list, _text.validate_list, "array"),
        ("checkboxes", _text.normalise_list, _text.validate_list, "array"),
    ]
    return {name: FieldType(name, n, v, j) for name, n, v, j in table}


TYPES: dict[str, FieldType] = _types()


def normalise(type_name: str, raw: Any) -> tuple[Any, str | None]:
    """``(value, reason)``: the canonical value and why it is invalid (``None`` when valid).

    Raises ``ValueError`` when ``raw`` holds no value of the type at all.
    """
    field_type = TYPES[type_name]
    value = field_type.normalise(raw)
    return value, field_type.validate(value)
