"""Dates to ISO 8601 from the forms printed on real documents.

Numeric dates are read day-first unless that is impossible (``12/25/2018``) or the caller says
the document is American, because most of the world writes day-first and a wrong guess on an
ambiguous date cannot be detected afterwards. Month names are matched in English, French,
German, Spanish, Italian, Dutch, Portuguese, Polish and Malay, full or abbreviated.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MONTHS: dict[str, int] = {}
_NAMES = {
    1: "january jan janvier janv januar jän enero ene gennaio gen januari januário janeiro jan "
    "styczen stycznia sty",
    2: "february feb fevrier févr fev februar febrero febbraio febbr februari fevereiro fev "
    "luty lutego lut",
    3: "march mar mars marz märz maerz marzo maart março marco marca mac mrt",
    4: "april apr avril abril aprile abr kwiecien kwietnia kwi",
    5: "may mai mayo maggio mag mei maio maj maja",
    6: "june jun juin juni junio giugno giu junho czerwiec czerwca cze",
    7: "july jul juillet juil juli julio luglio lug julho lipiec lipca lip",
    8: "august aug aout août agosto ago augustus sierpien sierpnia sie ogos ogo",
    9: "september sep sept septembre septiembre settembre set setembro wrzesien wrzesnia wrz",
    10: "october oct octobre oktober okt octubre ottobre ott outubro out pazdziernik "
    "pazdziernika paz oktober",
    11: "november nov novembre noviembre novembro listopad listopada lis",
    12: "december dec decembre décembre dezember dez diciembre dic dicembre dezembro grudzien "
    "grudnia gru dis disember",
}


def _fold(text: str) -> str:
    """Lower case without accents, so ``Décembre`` and ``decembre`` match one table entry."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


for _number, _words in _NAMES.items():
    for _word in _words.split():
        MONTHS.setdefault(_fold(_word), _number)

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_SEP = r"[\s./\-,]*"
_ORD = r"(?:st|nd|rd|th|er|e|º|\.)?"
_YEAR = r"(\d{4}|'?\d{2})"
_DAY = r"(\d{1,2})"
# a year may run into the time without a space on receipts: "10 Mar 201818:24"
_AFTER_YEAR = r"(?:(?!\d)|(?<=\d{4})(?=\d{1,2}:\d\d))"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    (
        re.compile(
            r"(?<![\w/-])(\d{1,2})(?:[-.]|\s?/\s?)(\d{1,2})(?:[-.]|\s?/\s?)(\d{4}|\d{2})"
            + _AFTER_YEAR
        ),
        "numeric",
    ),
    (re.compile(r"(?<!\d)(\d{1,2})\s(\d{1,2})\s(\d{4})(?!\d)"), "numeric"),
    # OCR'd spacing: "18-11 -18", "05 02-18"
    (
        re.compile(r"(?<![\w.,/-])(\d{1,2})(?:\s?[-/]\s?|\s)(\d{1,2})\s?[-/]\s?(\d{2})(?![\w.,/])"),
        "numeric",
    ),
    # compact day-month-year on till slips: "27032018"
    (re.compile(r"(?<!\d)([0-2]\d|3[01])(0[1-9]|1[0-2])(20\d{2})(?!\d)"), "numeric"),
    # the first separator lost in a faded print: "2703/2018" (the second one still shows)
    (
        re.compile(r"(?<![\w/.\-])([0-2]\d|3[01])(0[1-9]|1[0-2])[/.\-](20\d{2})(?![\w/.\-])"),
        "numeric",
    ),
    (re.compile(r"(?<!\d)(20\d{2}|19\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])(?!\d)"), "ymd"),
    # 25th day of December, 2018 / 25 December 2018 / 25-Dec-18 / 1er janvier 2020
    (
        re.compile(
            _DAY
            + _ORD
            + r"(?:\s+day)?(?:\s+(?:of|de|del|di|van))?"
            + _SEP
            + r"("
            + _MONTH_RE
            + r")\.?"
            + r"(?:\s+(?:de|del))?"
            + _SEP
            + _YEAR
            + _AFTER_YEAR,
        ),
        "dmy",
    ),
    # December 25, 2018 / Dec 25th 2018
    (
        re.compile(
            r"(" + _MONTH_RE + r")\.?" + _SEP + _DAY + _ORD + r",?" + _SEP + _YEAR + _AFTER_YEAR
        ),
        "mdy",
    ),
    # 2018 December 25 (rare, East Asian order written out)
    (
        re.compile(r"(\d{4})" + _SEP + r"(" + _MONTH_RE + r")\.?" + _SEP + _DAY + r"(?!\d)"),
        "ymonthd",
    ),
]


def _year(text: str) -> int:
    text = text.lstrip("'")
    year = int(text)
    if len(text) == 2:  # a pivot: invoices from the 1970s are rarer than from the 2060s
        year += 2000 if year < 70 else 1900
    return year


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, *, dayfirst: bool = True) -> list[tuple[date, int, int]]:
    """Every date in ``text`` with its character span, in order of appearance."""
    folded = _fold(text)
    found: list[tuple[date, int, int]] = []
    taken: list[tuple[int, int]] = []
    for pattern, order in _PATTERNS:
        for match in pattern.finditer(folded):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            if order in ("dmy", "mdy", "ymonthd") and _word_cut(folded, match):
                continue
            value = _interpret(match.groups(), order, dayfirst)
            if value is not None:
                found.append((value, start, end))
                taken.append((start, end))
    found.sort(key=lambda item: item[1])
    return found


def _word_cut(text: str, match: re.Match[str]) -> bool:
    """True when a month name is only the start of a longer word (``mar`` in ``market``)."""
    for index, group in enumerate(match.groups(), start=1):
        if group and _fold(group) in MONTHS and not group.isdigit():
            end = match.end(index)
            if end < len(text) and text[end].isalpha():
                return True
            begin = match.start(index)
            if begin > 0 and text[begin - 1].isalpha():
                return True
    return False


def _interpret(groups: tuple[str | None, ...], order: str, dayfirst: bool) -> date | None:
    parts = [g or "" for g in groups]
    if order == "ymd":
        return _make(int(parts[0]), int(parts[1]), int(parts[2]))
    if order == "numeric":
        first, second, year = int(parts[0]), int(parts[1]), _year(parts[2])
        if dayfirst:
            return _make(year, second, first) or _make(year, first, second)
        return _make(year, first, second) or _make(year, second, first)
    if order == "dmy":
        return _make(_year(parts[2]), MONTHS[_fold(parts[1])], int(parts[0]))
    if order == "mdy":
        return _make(_year(parts[2]), MONTHS[_fold(parts[0])], int(parts[1]))
    return _make(int(parts[0]), MONTHS[_fold(parts[1])], int(parts[2]))


def parse_date(raw: str, *, dayfirst: bool = True) -> date:
    """The first date in ``raw``; ``ValueError`` when there is none."""
    found = find_dates(raw, dayfirst=dayfirst)
    if not found:
        raise ValueError(f"no date in {raw!r}")
    return found[0][0]


def normalise_date(raw: str) -> str:
    return parse_date(raw).isoformat()


def validate_date(value: object) -> str | None:
    """Reject dates no business document carries, which are nearly always misreads."""
    if not isinstance(value, str):
        return "not an ISO date string"
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return "not an ISO date"
    if not 1900 <= parsed.year <= 2100:
        return "year out of range"
    return None


def normalise_period(raw: str) -> dict[str, str]:
    """``01/03/2023 - 31/03/2023`` -> ``{"start": ..., "end": ...}``; needs two dates."""
    found = find_dates(raw)
    if len(found) < 2:
        raise ValueError(f"a period needs two dates: {raw!r}")
    return {"start": found[0][0].isoformat(), "end": found[1][0].isoformat()}


def validate_period(value: object) -> str | None:
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        return "not a period"
    return "ends before it starts" if value["end"] < value["start"] else None


_TIME = re.compile(
    r"(?<!\d)([01]?\d|2[0-3])[:.h]([0-5]\d)(?:[:.]([0-5]\d))?\s*([ap]\.?m\.?)?", re.I
)


def normalise_time(raw: str) -> str:
    match = _TIME.search(raw)
    if match is None:
        raise ValueError(f"no time in {raw!r}")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    meridiem = (match[4] or "").lower().replace(".", "")
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def validate_time(value: object) -> str | None:
    ok = isinstance(value, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d", value)
    return None if ok else "not a time"
