"""Machine-readable zones of passports (TD3, 2x44) and ID cards (TD1, 3x30), per ICAO 9303.

Every check digit is verified and reported by name rather than collapsed to one flag: a reader
that sees "document number check fails" knows to re-read that one field, not the whole zone.
OCR reads the filler ``<`` as ``K``, ``«`` or spaces often enough that those are repaired first.
"""

from __future__ import annotations

import re
from typing import Any

_WEIGHTS = (7, 3, 1)


def check_digit(text: str) -> str:
    total = 0
    for index, char in enumerate(text):
        if char.isdigit():
            value = int(char)
        elif char.isalpha():
            value = ord(char) - 55
        else:
            value = 0
        total += value * _WEIGHTS[index % 3]
    return str(total % 10)


def _clean_lines(raw: str) -> list[str]:
    lines = []
    for line in raw.replace("«", "<").splitlines():
        compact = re.sub(r"\s+", "", line.upper())
        if len(compact) >= 28 and compact.count("<") >= 1:
            lines.append(compact)
    return lines


def _date(yymmdd: str, *, future: bool) -> str | None:
    if not yymmdd.isdigit():
        return None
    year = int(yymmdd[:2])
    century = 2000 if (future or year < 40) else 1900
    return f"{century + year:04d}-{yymmdd[2:4]}-{yymmdd[4:6]}"


def _name(field: str) -> tuple[str, str]:
    surname, _, given = field.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def parse_mrz(raw: str) -> dict[str, Any]:
    """The fields of a TD3 or TD1 zone with ``checks`` (name -> passed); ``ValueError`` if none."""
    lines = _clean_lines(raw)
    for start in range(len(lines)):
        if len(lines) - start >= 2 and all(len(x) == 44 for x in lines[start : start + 2]):
            return _td3(lines[start], lines[start + 1])
        if len(lines) - start >= 3 and all(len(x) == 30 for x in lines[start : start + 3]):
            return _td1(*lines[start : start + 3])
    raise ValueError("no TD1 or TD3 machine-readable zone")


def _td3(first: str, second: str) -> dict[str, Any]:
    surname, given = _name(first[5:44])
    number, birth, expiry = second[0:9], second[13:19], second[21:27]
    optional = second[28:42]
    composite = second[0:10] + second[13:20] + second[21:43]
    checks = {
        "document_number": check_digit(number) == second[9],
        "date_of_birth": check_digit(birth) == second[19],
        "expiry_date": check_digit(expiry) == second[27],
        "optional_data": check_digit(optional) == second[42]
        or (second[42] == "<" and set(optional) == {"<"}),
        "composite": check_digit(composite) == second[43],
    }
    return {
        "format": "TD3",
        "document_type": first[0:2].replace("<", ""),
        "issuing_country": first[2:5].replace("<", ""),
        "surname": surname,
        "given_names": given,
        "document_number": number.replace("<", ""),
        "nationality": second[10:13].replace("<", ""),
        "date_of_birth": _date(birth, future=False),
        "sex": second[20].replace("<", "X"),
        "expiry_date": _date(expiry, future=True),
        "checks": checks,
        "valid": all(checks.values()),
    }


def _td1(first: str, second: str, third: str) -> dict[str, Any]:
    surname, given = _name(third)
    number, birth, expiry = first[5:14], second[0:6], second[8:14]
    composite = first[5:30] + second[0:7] + second[8:15] + second[18:29]
    checks = {
        "document_number": check_digit(number) == first[14],
        "date_of_birth": check_digit(birth) == second[6],
        "expiry_date": check_digit(expiry) == second[14],
        "composite": check_digit(composite) == second[29],
    }
    return {
        "format": "TD1",
        "document_type": first[0:2].replace("<", ""),
        "issuing_country": first[2:5].replace("<", ""),
        "surname": surname,
        "given_names": given,
        "document_number": number.replace("<", ""),
        "nationality": second[15:18].replace("<", ""),
        "date_of_birth": _date(birth, future=False),
        "sex": second[7].replace("<", "X"),
        "expiry_date": _date(expiry, future=True),
        "checks": checks,
        "valid": all(checks.values()),
    }


def validate_mrz(value: object) -> str | None:
    if not isinstance(value, dict) or "checks" not in value:
        return "not a parsed MRZ"
    failed = [name for name, ok in value["checks"].items() if not ok]
    return f"MRZ check digit fails: {', '.join(failed)}" if failed else None
