"""Identifiers with a published structure: IBAN, BIC, VAT and tax numbers, cards.

Checksums are verified wherever the issuer defines one, because an OCR slip in one digit is the
commonest error on these fields and a checksum is the only cheap way to catch it; formats with
no checksum (EIN, most BICs) are checked for shape and known prefixes only.
"""

from __future__ import annotations

import re

IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NL": 18,
    "NO": 15,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "SA": 24,
    "SC": 31,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
}
COUNTRIES = frozenset(IBAN_LENGTHS) | frozenset(
    [
        "US",
        "CA",
        "AU",
        "NZ",
        "IN",
        "CN",
        "JP",
        "KR",
        "SG",
        "MY",
        "TH",
        "ID",
        "PH",
        "VN",
        "HK",
        "TW",
        "ZA",
        "NG",
        "KE",
        "MX",
        "AR",
        "CL",
        "CO",
        "PE",
    ]
)


def _compact(raw: str) -> str:
    return re.sub(r"[\s.\-/]", "", raw).upper()


def _mod97(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text)) % 97


def normalise_iban(raw: str) -> str:
    match = re.search(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", _compact(raw.upper().replace("IBAN", "")))
    if match is None:
        raise ValueError(f"no IBAN in {raw!r}")
    return match.group(0)


def validate_iban(value: object) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", value):
        return "not an IBAN"
    length = IBAN_LENGTHS.get(value[:2])
    if length is None:
        return "unknown IBAN country"
    if len(value) != length:
        return f"IBAN of {value[:2]} has {length} characters"
    return None if _mod97(value[4:] + value[:4]) == 1 else "IBAN checksum (mod 97) fails"


def normalise_bic(raw: str) -> str:
    match = re.search(r"(?<![A-Z])[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?(?![A-Z0-9])", raw.upper())
    if match is None:
        raise ValueError(f"no BIC in {raw!r}")
    return match.group(0)


def validate_bic(value: object) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", value):
        return "not a BIC"
    return None if value[4:6] in COUNTRIES else "unknown BIC country"


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


# --- EU VAT: shape per country, checksum where the member state publishes one --------------

VAT_SHAPES = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "GB": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
    "XI": r"\d{9}",
    "CHE": r"\d{9}",
}


def _weighted(digits: str, weights: list[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


def _vat_checksum(country: str, number: str) -> bool | None:
    """True/False for countries with a published check, None where none is implemented."""
    if country == "DE":
        product = 10
        for digit in number[:8]:
            total = (int(digit) + product) % 10 or 10
            product = (2 * total) % 11
        return (11 - product) % 10 == int(number[8])
    if country == "FR" and number[:2].isdigit():
        return int(number[:2]) == (12 + 3 * (int(number[2:]) % 97)) % 97
    if country == "IT":
        return luhn_ok(number)
    if country == "BE":
        return 97 - int(number[:8]) % 97 == int(number[8:])
    if country == "NL":
        digits = number[:9]
        return (
            _weighted(digits, [9, 8, 7, 6, 5, 4, 3, 2, -1]) % 11 == 0 or _mod97("NL" + number) == 1
        )
    if country == "AT":
        digits = number[1:]
        total = sum(
            (lambda p: p // 10 + p % 10)(int(d) * (1 if i % 2 == 0 else 2))
            for i, d in enumerate(digits[:7])
        )
        return (10 - (total + 4) % 10) % 10 == int(digits[7])
    if country == "PL":
        return _weighted(number, [6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11 == int(number[9])
    if country == "DK":
        return _weighted(number, [2, 7, 6, 5, 4, 3, 2, 1]) % 11 == 0
    if country == "FI":
        check = (11 - _weighted(number, [7, 9, 10, 5, 8, 4, 2]) % 11) % 11
        return check != 10 and check == int(number[7])
    if country == "PT":
        check = 11 - _weighted(number, [9, 8, 7, 6, 5, 4, 3, 2]) % 11
        return (0 if check >= 10 else check) == int(number[8])
    if country == "LU":
        return int(number[:6]) % 89 == int(number[6:])
    if country == "SE":
        return luhn_ok(number[:10]) and number[10:] == "01"
    if country == "ES" and number[1:8].isdigit() and number[0].isdigit():
        return "TRWAGMYFPDXBNJZSQVHLCKE"[int(number[:8]) % 23] == number[8]
    return None


def normalise_vat(raw: str) -> str:
    text = _compact(
        re.sub(r"(?i)\b(vat|tva|ust-?id(nr)?|btw|iva|nip|no|nr|number)\b[:.]?", "", raw)
    )
    match = re.search(
        r"(?<![A-Z])(ATU\d{8}|CHE\d{9}|[A-Z]{2}(?=[A-Z0-9+*]*\d{2})[A-Z0-9+*]{2,12})", text
    )
    if match is None:
        raise ValueError(f"no VAT number in {raw!r}")
    return match.group(1)


def validate_vat(value: object) -> str | None:
    if not isinstance(value, str):
        return "not a VAT number"
    country, number = (value[:3], value[3:]) if value.startswith("CHE") else (value[:2], value[2:])
    shape = VAT_SHAPES.get(country)
    if shape is None:
        return "unknown VAT country prefix"
    if not re.fullmatch(shape, number):
        return f"not the {country} VAT format"
    return None if _vat_checksum(country, number) is not False else "VAT checksum fails"


_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def normalise_gstin(raw: str) -> str:
    match = re.search(r"\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]", _compact(raw))
    if match is None:
        raise ValueError(f"no GSTIN in {raw!r}")
    return match.group(0)


def validate_gstin(value: object) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]", value
    ):
        return "not a GSTIN"
    if not 1 <= int(value[:2]) <= 38 and value[:2] != "97":
        return "unknown GSTIN state code"
    total = 0
    for index, char in enumerate(value[:14]):
        product = _GSTIN_CHARS.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    check = _GSTIN_CHARS[(36 - total % 36) % 36]
    return None if check == value[14] else "GSTIN check character fails"


EIN_PREFIXES = frozenset(
    [f"{n:02d}" for n in range(1, 7)]
    + [f"{n:02d}" for n in range(10, 17)]
    + [f"{n:02d}" for n in range(20, 28)]
    + [f"{n:02d}" for n in range(30, 49)]
    + [f"{n:02d}" for n in range(50, 69)]
    + [f"{n:02d}" for n in range(71, 78)]
    + [f"{n:02d}" for n in range(80, 89)]
    + [f"{n:02d}" for n in range(90, 96)]
    + ["98", "99"]
)


def normalise_ein(raw: str) -> str:
    match = re.search(r"(?<!\d)(\d{2})-?(\d{7})(?!\d)", raw)
    if match is None:
        raise ValueError(f"no EIN in {raw!r}")
    return f"{match.group(1)}-{match.group(2)}"


def validate_ein(value: object) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}-\d{7}", value):
        return "not an EIN"
    return None if value[:2] in EIN_PREFIXES else "EIN prefix not assigned by the IRS"


def normalise_abn(raw: str) -> str:
    match = re.search(r"(?<!\d)(\d{2})\s?(\d{3})\s?(\d{3})\s?(\d{3})(?!\d)", raw)
    if match is None:
        raise ValueError(f"no ABN in {raw!r}")
    return "".join(match.groups())


def validate_abn(value: object) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{11}", value):
        return "not an ABN"
    digits = [int(value[0]) - 1, *map(int, value[1:])]
    weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    return (
        None
        if sum(d * w for d, w in zip(digits, weights, strict=True)) % 89 == 0
        else ("ABN checksum fails")
    )


def normalise_tax_id(raw: str) -> str:
    """Any tax number: the longest run of letters/digits after its label, compacted."""
    text = re.sub(r"(?i)^.*?(?:id|no|number|nr|reg)\b[.:#]*", "", raw) or raw
    match = re.search(r"[A-Z0-9][A-Z0-9 .\-/]{4,24}[A-Z0-9]", text.upper())
    if match is None:
        raise ValueError(f"no tax number in {raw!r}")
    return _compact(match.group(0))


def validate_tax_id(value: object) -> str | None:
    if not isinstance(value, str) or not 5 <= len(value) <= 20:
        return "not a tax number"
    if not any(c.isdigit() for c in value):
        return "a tax number has digits"
    for checker in (validate_gstin, validate_vat, validate_abn):
        reason = checker(value)
        if reason is None:
            return None
        if "checksum" in reason or "check character" in reason:
            return reason
    return None


def normalise_card_last4(raw: str) -> str:
    match = re.search(r"(\d{4})(?!.*\d)", raw)
    if match is None:
        raise ValueError(f"no card digits in {raw!r}")
    return match.group(1)


def validate_card_last4(value: object) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"\d{4}", value)
    return None if ok else "not four digits"


def normalise_account(raw: str) -> str:
    match = re.search(r"[A-Z0-9][A-Z0-9\- ]{3,30}[A-Z0-9]", raw.upper().split(":")[-1])
    if match is None:
        raise ValueError(f"no account number in {raw!r}")
    return re.sub(r"[\s]", "", match.group(0))


def validate_account(value: object) -> str | None:
    if not isinstance(value, str) or sum(c.isdigit() for c in value) < 4:
        return "an account number has at least four digits"
    return None
