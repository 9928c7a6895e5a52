"""Text-like types: contacts, names, addresses, codes, durations, yes/no and lists.

Names and addresses keep their printed spelling (only whitespace and stray edge punctuation
change) because downstream systems match them against master data and any rewrite loses
information; comparisons that need looseness use ``fold`` instead.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "eighteen": 18,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "thirty-six": 36,
    "sixty": 60,
    "ninety": 90,
    "a": 1,
    "an": 1,
}
_UNITS = {"year": "years", "month": "months", "day": "days", "week": "weeks"}


def fold(text: str) -> str:
    """Letters and digits only, case-folded, accents off: the key to compare names by."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[^0-9a-z]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def normalise_text(raw: str) -> str:
    text = re.sub(r"\s+", " ", raw).strip(" \t:;,-|")
    if not text:
        raise ValueError("empty text")
    return text


def validate_text(value: object) -> str | None:
    return None if isinstance(value, str) and value.strip() else "empty text"


def normalise_name(raw: str) -> str:
    text = normalise_text(raw).strip(" '\"“”()")
    if not any(c.isalpha() for c in text):
        raise ValueError(f"a name has letters: {raw!r}")
    return text


def validate_name(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return "empty name"
    letters = sum(c.isalpha() for c in value)
    return None if letters >= 2 and letters >= len(value) / 3 else "mostly not letters"


def normalise_address(raw: str) -> str:
    return normalise_text(re.sub(r"\s*\n\s*", ", ", raw.strip()))


def validate_address(value: object) -> str | None:
    if not isinstance(value, str) or len(value) < 5:
        return "too short for an address"
    return None if any(c.isalpha() for c in value) else "an address has letters"


def normalise_phone(raw: str) -> str:
    match = re.search(r"\+?\(?\d[\d\s().\-/]{5,20}\d", raw)
    if match is None:
        raise ValueError(f"no phone number in {raw!r}")
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    return ("+" if text.startswith("+") else "") + digits


def validate_phone(value: object) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"\+?\d+", value):
        return "not a phone number"
    return None if 7 <= len(value.lstrip("+")) <= 15 else "a phone number has 7-15 digits"


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def normalise_email(raw: str) -> str:
    match = _EMAIL.search(raw.replace(" @", "@").replace("@ ", "@"))
    if match is None:
        raise ValueError(f"no e-mail address in {raw!r}")
    local, _, domain = match.group(0).partition("@")
    return f"{local}@{domain.lower()}"


def validate_email(value: object) -> str | None:
    return None if isinstance(value, str) and _EMAIL.fullmatch(value) else "not an e-mail address"


_URL = re.compile(
    r"(?:https?://)?(?:www\.)?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?:/\S*)?", re.I
)


def normalise_url(raw: str) -> str:
    for match in _URL.finditer(raw):
        if "@" not in raw[max(0, match.start() - 1) : match.start() + 1]:
            return match.group(0).rstrip(".,;").lower()
    raise ValueError(f"no web address in {raw!r}")


def validate_url(value: object) -> str | None:
    return None if isinstance(value, str) and _URL.fullmatch(value) else "not a web address"


_SEX = {
    "m": "M",
    "male": "M",
    "masculin": "M",
    "männlich": "M",
    "f": "F",
    "female": "F",
    "féminin": "F",
    "feminin": "F",
    "weiblich": "F",
    "w": "F",
    "x": "X",
    "<": "X",
}


def normalise_sex(raw: str) -> str:
    for token in re.findall(r"[^\W\d_]+|<", raw.lower()):
        if token in _SEX:
            return _SEX[token]
    raise ValueError(f"no sex marker in {raw!r}")


def validate_sex(value: object) -> str | None:
    return None if value in ("M", "F", "X") else "not M, F or X"


_COUNTRY_NAMES = {
    "united states": "USA",
    "usa": "USA",
    "american": "USA",
    "united kingdom": "GBR",
    "british": "GBR",
    "germany": "DEU",
    "german": "DEU",
    "deutsch": "DEU",
    "france": "FRA",
    "french": "FRA",
    "française": "FRA",
    "italy": "ITA",
    "italian": "ITA",
    "spain": "ESP",
    "spanish": "ESP",
    "netherlands": "NLD",
    "dutch": "NLD",
    "india": "IND",
    "indian": "IND",
    "malaysia": "MYS",
    "malaysian": "MYS",
    "canada": "CAN",
    "canadian": "CAN",
    "australia": "AUS",
    "australian": "AUS",
    "poland": "POL",
    "polish": "POL",
    "china": "CHN",
    "chinese": "CHN",
    "japan": "JPN",
    "japanese": "JPN",
    "singapore": "SGP",
    "belgium": "BEL",
    "belgian": "BEL",
    "switzerland": "CHE",
    "swiss": "CHE",
    "austria": "AUT",
    "ireland": "IRL",
    "sweden": "SWE",
    "portugal": "PRT",
    "brazil": "BRA",
    "mexico": "MEX",
    "utopia": "UTO",
}


def normalise_country(raw: str) -> str:
    lowered = raw.lower()
    for name in sorted(_COUNTRY_NAMES, key=len, reverse=True):
        if re.search(r"\b" + re.escape(name) + r"\b", lowered):
            return _COUNTRY_NAMES[name]
    match = re.search(r"\b[A-Z]{3}\b", raw) or re.search(r"\b[A-Z]{2}\b", raw)
    if match is None:
        raise ValueError(f"no country in {raw!r}")
    return match.group(0)


def validate_country(value: object) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"[A-Z]{2,3}", value)
    return None if ok else "not an ISO 3166 code"


def normalise_duration(raw: str) -> str:
    """``two (2) years`` -> ``2 years``; the digit in parentheses wins over the words."""
    lowered = raw.lower()
    unit_re = r"(years?|months?|days?|weeks?)"
    match = re.search(r"\((\d+)\)\s*" + unit_re, lowered) or re.search(
        r"(\d+)\s*-?\s*" + unit_re, lowered
    )
    if match:
        return _duration(int(match.group(1)), match.group(2))
    words = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
    match = re.search(r"\b(" + words + r")[\s-]+" + unit_re, lowered)
    if match is None:
        raise ValueError(f"no duration in {raw!r}")
    return _duration(_WORD_NUMBERS[match.group(1)], match.group(2))


def _duration(count: int, unit: str) -> str:
    plural = _UNITS[unit.rstrip("s")]
    return f"{count} {plural if count != 1 else plural[:-1]}"


def validate_duration(value: object) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"\d+ (years?|months?|days?|weeks?)", value)
    return None if ok else "not a duration"


_YES = {"yes", "y", "true", "1", "x", "☑", "☒", "checked", "signed", "ja", "oui", "si", "sí"}
_NO = {"no", "n", "false", "0", "☐", "unchecked", "nein", "non"}


def normalise_boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise ValueError(f"not yes/no: {raw!r}")


def validate_boolean(value: object) -> str | None:
    return None if isinstance(value, bool) else "not true/false"


def normalise_code(raw: str) -> str:
    """Document numbers: the printed token, without the label and surrounding punctuation."""
    text = re.sub(r"(?i)^(no|nr|number|n°|nº|#)\s*[.:]?\s*", "", raw.strip())
    match = re.search(r"[#A-Za-z0-9][A-Za-z0-9\-/_.#]*[A-Za-z0-9]|[A-Za-z0-9]", text)
    if match is None or not any(c.isdigit() for c in match.group(0)):
        raise ValueError(f"no number in {raw!r}")  # words after a label are not a number
    return match.group(0)


def validate_code(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return "empty"
    if not any(c.isdigit() for c in value):
        return "a document number has digits"
    return None if len(value) <= 40 else "too long for a document number"


def normalise_list(raw: Any) -> list[Any]:
    if isinstance(raw, list):
        return raw
    raise ValueError("not a list")


def validate_list(value: object) -> str | None:
    return None if isinstance(value, list) else "not a list"


def normalise_parties(raw: Any) -> list[str]:
    if isinstance(raw, str):
        parts = [p for p in re.split(r"\n|;|\band\b", raw) if p.strip()]
    elif isinstance(raw, list):
        parts = [str(p) for p in raw]
    else:
        raise ValueError("parties are a list of names")
    return [normalise_name(p) for p in parts if any(c.isalpha() for c in p)]


def validate_parties(value: object) -> str | None:
    if not isinstance(value, list) or not value:
        return "no parties"
    return next((r for r in map(validate_name, value) if r), None)
