"""Amounts, currencies, rates and quantities as printed in many locales.

The decimal separator is decided per number from its own shape: the last of ``.``/``,`` is the
decimal mark when two kinds appear (``1.234,56``, ``1,234.56``); a lone separator followed by
exactly three digits is a thousands mark (``1,234``) except after a zero (``0,125``); anything
else is a decimal mark (``12,5``). Guessing from the document's locale instead fails on the many
invoices that mix both conventions.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SYMBOLS: dict[str, str] = {
    "$": "USD",
    "US$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "RS": "INR",
    "RS.": "INR",
    "RM": "MYR",
    "S$": "SGD",
    "A$": "AUD",
    "C$": "CAD",
    "CHF": "CHF",
    "ZŁ": "PLN",
    "ZL": "PLN",
    "KČ": "CZK",
    "₩": "KRW",
    "₽": "RUB",
    "R$": "BRL",
    "₺": "TRY",
    "₫": "VND",
    "฿": "THB",
    "₱": "PHP",
    "KR": "SEK",
    "HK$": "HKD",
    "NZ$": "NZD",
    "FR.": "CHF",
}
CURRENCIES = frozenset(
    [
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CNY",
        "INR",
        "MYR",
        "SGD",
        "AUD",
        "CAD",
        "CHF",
        "PLN",
        "CZK",
        "SEK",
        "NOK",
        "DKK",
        "HUF",
        "RON",
        "BGN",
        "HRK",
        "KRW",
        "RUB",
        "BRL",
        "MXN",
        "TRY",
        "ZAR",
        "HKD",
        "NZD",
        "THB",
        "IDR",
        "PHP",
        "VND",
        "AED",
        "SAR",
        "ILS",
        "EGP",
        "NGN",
        "KES",
        "ARS",
        "CLP",
        "COP",
        "PEN",
        "TWD",
    ]
)
NUMBER = re.compile(
    r"(?<![\w.,])[-−(]?\s?\d{1,3}(?:[.,'\u00a0\u202f]\d{3})*(?:[.,]\d{1,4})?\)?(?![\w])"
    r"|(?<![\w.,])[-−(]?\d+(?:[.,]\d{1,4})?\)?(?![\w])"
)
_CODE = re.compile(r"(?<![A-Z])(" + "|".join(sorted(CURRENCIES)) + r")(?![A-Z])")


def parse_number(raw: str) -> Decimal:
    """A printed number as a ``Decimal``; parentheses or a minus make it negative."""
    text = raw.strip().replace("\u2212", "-").replace("O", "0") if _mostly_digits(raw) else raw
    negative = text.strip().startswith(("-", "(")) or text.strip().endswith(("-", ")"))
    digits = re.sub(r"[^\d.,]", "", text)
    if not digits or not any(c.isdigit() for c in digits):
        raise ValueError(f"no number in {raw!r}")
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        decimal_mark = "." if digits.rfind(".") > digits.rfind(",") else ","
    elif dots + commas == 0:
        decimal_mark = ""
    else:
        mark = "." if dots else ","
        head, _, tail = digits.rpartition(mark)
        several = digits.count(mark) > 1
        thousands = len(tail) == 3 and head.lstrip("0") != "" and (several or mark == ",")
        # several marks with a short tail (1.234.56) are an OCR slip of 1,234.56
        decimal_mark = "" if thousands or (several and len(tail) == 3) else mark
    if decimal_mark:
        whole, _, fraction = digits.rpartition(decimal_mark)
        whole = re.sub(r"[.,]", "", whole)
        normal = f"{whole or '0'}.{fraction}"
    else:
        normal = re.sub(r"[.,]", "", digits)
    try:
        value = Decimal(normal)
    except InvalidOperation as exc:  # pragma: no cover - the regex leaves digits and one dot
        raise ValueError(f"no number in {raw!r}") from exc
    return -value if negative else value


def _mostly_digits(raw: str) -> bool:
    stripped = re.sub(r"[\s.,]", "", raw)
    return sum(c.isdigit() for c in stripped) >= max(1, len(stripped) - 1)


def find_currency(raw: str) -> str | None:
    """An ISO 4217 code from a code or a symbol in ``raw``."""
    upper = raw.upper()
    match = _CODE.search(upper)
    if match:
        return match.group(1)
    for symbol in sorted(SYMBOLS, key=len, reverse=True):
        if symbol.isalpha() or symbol.endswith("."):
            if re.search(r"(?<![A-Z])" + re.escape(symbol) + r"(?![A-Z])", upper):
                return SYMBOLS[symbol]
        elif symbol in upper:
            return SYMBOLS[symbol]
    return None


def normalise_amount(raw: str) -> float:
    """The amount in ``raw`` (the last number, as totals follow their labels) as a float."""
    numbers = [m.group(0) for m in NUMBER.finditer(raw)]
    if not numbers:
        raise ValueError(f"no amount in {raw!r}")
    return float(parse_number(numbers[-1]))


def validate_amount(value: object) -> str | None:
    if not isinstance(value, float | int) or isinstance(value, bool):
        return "not a number"
    return "implausibly large" if abs(value) >= 1e12 else None


def normalise_currency(raw: str) -> str:
    code = find_currency(raw)
    if code is None:
        raise ValueError(f"no currency in {raw!r}")
    return code


def validate_currency(value: object) -> str | None:
    return None if value in CURRENCIES else "not an ISO 4217 code"


def normalise_percent(raw: str) -> float:
    match = re.search(r"(\d+(?:[.,]\d+)?)\s*%", raw) or re.search(r"(\d+(?:[.,]\d+)?)", raw)
    if match is None:
        raise ValueError(f"no rate in {raw!r}")
    return float(parse_number(match.group(1)))


def validate_percent(value: object) -> str | None:
    if not isinstance(value, float | int) or isinstance(value, bool):
        return "not a number"
    return None if 0 <= value <= 100 else "rate outside 0-100"


def normalise_quantity(raw: str) -> float:
    match = NUMBER.search(raw)
    if match is None:
        raise ValueError(f"no quantity in {raw!r}")
    return float(parse_number(match.group(0)))


def validate_quantity(value: object) -> str | None:
    if not isinstance(value, float | int) or isinstance(value, bool):
        return "not a number"
    return None if value >= 0 else "negative quantity"


def normalise_integer(raw: str) -> int:
    match = re.search(r"-?\d+", raw.replace(",", "").replace(" ", ""))
    if match is None:
        raise ValueError(f"no integer in {raw!r}")
    return int(match.group(0))


def validate_integer(value: object) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) else "not an integer"
