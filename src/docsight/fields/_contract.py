"""Contract fields from running text: parties, effective date, governing law, term.

Contracts state these in a few stock phrasings ("by and between A and B", "governed by the
laws of the State of X", "for a period of two (2) years"); the finders read those phrasings
and fall back to weaker evidence (the first date) with a lower score.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from docsight.fields._candidates import Candidate, label_candidates, make
from docsight.fields._dates import find_dates
from docsight.fields._layout import DocumentView
from docsight.fields.templates import FieldSpec

US_STATES = [
    "Alabama",
    "Alaska",
    "Arizona",
    "Arkansas",
    "California",
    "Colorado",
    "Connecticut",
    "Delaware",
    "Florida",
    "Georgia",
    "Hawaii",
    "Idaho",
    "Illinois",
    "Indiana",
    "Iowa",
    "Kansas",
    "Kentucky",
    "Louisiana",
    "Maine",
    "Maryland",
    "Massachusetts",
    "Michigan",
    "Minnesota",
    "Mississippi",
    "Missouri",
    "Montana",
    "Nebraska",
    "Nevada",
    "Ohio",
    "Oklahoma",
    "Oregon",
    "Pennsylvania",
    "Tennessee",
    "Texas",
    "Utah",
    "Vermont",
    "Virginia",
    "Washington",
    "Wisconsin",
    "Wyoming",
    "New Hampshire",
    "New Jersey",
    "New Mexico",
    "New York",
    "North Carolina",
    "North Dakota",
    "Rhode Island",
    "South Carolina",
    "South Dakota",
    "West Virginia",
    "District of Columbia",
]
PLACES = sorted(
    [
        *US_STATES,
        "England and Wales",
        "England",
        "Ontario",
        "British Columbia",
        "Quebec",
        "Alberta",
        "Israel",
        "Germany",
        "France",
        "Switzerland",
        "Singapore",
        "Hong Kong",
        "Ireland",
        "Scotland",
        "Netherlands",
        "Canada",
        "Delaware",
    ],
    key=len,
    reverse=True,
)
_PLACE = "|".join(re.escape(p) for p in PLACES)


def _flat(view: DocumentView) -> str:
    return re.sub(r"\s+", " ", " ".join(row.text for row in view.rows))


def jurisdiction_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    text = _flat(view)
    pattern = re.compile(
        r"(?:governed|construed|interpreted|enforced)[^.;]{0,160}?laws?\s+of\s+(?:the\s+)?"
        r"(?:State\s+of\s+|Commonwealth\s+of\s+|Province\s+of\s+)?(" + _PLACE + r")",
        re.IGNORECASE,
    )
    matches = list(pattern.finditer(text))
    for rank, match in enumerate(matches):
        place = next(p for p in PLACES if p.lower() == match.group(1).lower())
        candidate = make(spec, place, 0.9 - 0.1 * min(rank, 3), None, 0, 0, "governing_law")
        if candidate is not None:
            yield candidate
    if not matches:
        loose = re.search(r"(?:State|Commonwealth) of (" + _PLACE + r")", text)
        if loose:
            place = next(p for p in PLACES if p.lower() == loose.group(1).lower())
            candidate = make(spec, place, 0.35, None, 0, 0, "mentioned_state")
            if candidate is not None:
                yield candidate


_EFFECTIVE = re.compile(
    r"(?:effective|dated|entered into|made|executed|signed)\s+(?:as\s+of|on|this|the)?\s*",
    re.IGNORECASE,
)


def effective_date_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    """The date in "effective/dated/made as of" near the top, else the signing date at the end.

    Numeric dates are read month-first when the contract names a US state, as SEC filings do.
    """
    yield from label_candidates(view, spec)
    text = _flat(view)
    dayfirst = not re.search(r"\b(" + "|".join(US_STATES) + r")\b", text)
    head = text[:4000]
    for match in _EFFECTIVE.finditer(head):
        dates = find_dates(head[match.end() : match.end() + 60], dayfirst=dayfirst)
        if dates and dates[0][1] < 25:
            yield from _date_candidate(spec, dates[0][0].isoformat(), 0.85, "effective_phrase")
            return
    tail = text[-2500:]
    witness = re.search(r"in witness whereof|executed (?:this|as of)|signed", tail, re.I)
    if witness:
        dates = find_dates(tail[witness.end() : witness.end() + 400], dayfirst=dayfirst)
        if dates:
            yield from _date_candidate(spec, dates[0][0].isoformat(), 0.6, "signing_date")
            return
    for match in re.finditer(r"\bdated?\s*:?\s*", tail, re.I):
        dates = find_dates(tail[match.end() : match.end() + 30], dayfirst=dayfirst)
        if dates and dates[0][1] < 5:
            yield from _date_candidate(spec, dates[0][0].isoformat(), 0.5, "signing_date")
            return
    for value, _start, _end in find_dates(head, dayfirst=dayfirst)[:1]:
        yield from _date_candidate(spec, value.isoformat(), 0.4, "first_date")


def _date_candidate(spec: FieldSpec, iso: str, score: float, source: str) -> Iterator[Candidate]:
    candidate = make(spec, iso, score, None, 0, 0, source)
    if candidate is not None and candidate.error is None:
        yield candidate


_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty-four|"
    r"thirty-six|thirty|sixty|ninety"
)
_DURATION = (
    r"((?:(?:" + _NUMBER_WORDS + r")\s*)?\(\d+\)\s*(?:years?|months?|days?)|"
    r"\d+\s*(?:years?|months?|days?)|(?:" + _NUMBER_WORDS + r")[\s-]+(?:years?|months?|days?))"
)
# "three (3) years from the date", "for a period of two years"
_TERM = re.compile(
    _DURATION + r"\s+(?:from|after|following)\b|period\s+of\s+" + _DURATION, re.IGNORECASE
)


_TERM_CONTEXT = re.compile(
    r"agreement|obligations?|confidential|terminat|expir|surviv|remain", re.I
)
_NOT_TERM_CONTEXT = re.compile(r"employ|compet|solicit|hire|notice|payment|salary|sever", re.I)


def term_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    """The first duration of the agreement or its confidentiality obligations.

    Durations of other promises (non-competition, notice, pay) are not the contract's term, so a
    duration counts only when the sentence before it speaks of the agreement or obligations.
    """
    text = _flat(view)
    for match in _TERM.finditer(text):
        sentence = text[max(0, match.start() - 200) : match.start()].rsplit(". ", 1)[-1]
        if not _TERM_CONTEXT.search(sentence) or _NOT_TERM_CONTEXT.search(sentence):
            continue
        candidate = make(spec, match.group(1) or match.group(2), 0.6, None, 0, 0, "term")
        if candidate is not None:
            yield candidate
            return


_ORG_END = (
    r"(?:,?\s+(?i:Inc|Incorporated|Corp|Corporation|LLC|L\.L\.C|Ltd|Limited|L\.P|LP|LLP|Co|"
    r"Company|plc|N\.A|S\.A|AG|GmbH|Pty)\.?)"
)
_NAME = (
    r"([A-Z0-9][\w&.'’\-¢]*(?:\s+(?:[A-Z0-9&][\w&.'’\-¢]*|of|and|de|la|du|the))*" + _ORG_END + r"?)"
)
_WORDS = r"[A-Z0-9][\w&.'’\-¢]*(?:\s+(?:[A-Z0-9&][\w&.'’\-¢]*|of|and|de|la|du|the))*"
_ORGANISATION = re.compile(r"(" + _WORDS + _ORG_END + r")(?![\w])")
_BETWEEN = re.compile(
    r"\b(?:by\s+and\s+)?between\s*:?\s+" + _NAME + r"[^;]{0,300}?\s+and\s+(?:between\s+)?" + _NAME,
)


def _clean_party(name: str) -> str | None:
    name = re.sub(r"^(?:the|The|THE|and|by|between)\s+", "", name.strip(" ,("))
    if not re.search(r"(\b[A-Z]|\bInc|\bLtd|\bCorp|\bCo)\.$", name):
        name = name.rstrip(".")
    name = re.sub(r"\s+(?:a|an|and|with|having|whose)$", "", name)
    if len(name) < 3 or _ROLE.fullmatch(name) or re.search(r"\d{3,}$", name):
        return None
    if any(p.lower() == name.lower() for p in PLACES) or sum(c.isalpha() for c in name) < 4:
        return None
    if re.fullmatch(r"(?i)(inc|corp|co|ltd|llc|lp)\.?", name):
        return None
    return name


_ROLE = re.compile(
    r"(?i)(the\s+)?(company|you|employee|executive|us|we|board(\s+of\s+directors)?|"
    r"(disclosing|receiving)\s+party|recipient|discloser|securities and exchange commission|"
    r"commission|russian federation|united states|purchaser|buyer|seller|parties)"
)


_DEFINED = re.compile(
    _NAME + r"\s*,?\s*(?:an?\s+[^()“\"]{0,80}?)?\(\s*(?:the|collectively|hereinafter|together)?"
    r"[^)“\"]{0,40}?[“\"]([^”\"]{2,40})[”\"]"
)
_NOT_PARTY_TERMS = re.compile(
    r"agreement|information|date|period|business|territory|purpose|transaction|plan|act|"
    r"services|products|property|materials|program|notes?|shares|stock|section|exhibit",
    re.IGNORECASE,
)


def parties_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    """Names given a defined role (``Acme, Inc. (the "Company")``), else ``between A and B``."""
    head = _flat(view)[:5000]
    defined: list[str] = []
    for match in _DEFINED.finditer(head):
        name = _clean_party(match.group(1))
        if (
            name
            and name not in defined
            and not _NOT_PARTY_TERMS.search(match.group(2))
            and not _NOT_PARTY_TERMS.search(name)
            and len(name.split()) <= 8
        ):
            defined.append(name)
    if len(defined) >= 2:
        candidate = make(spec, defined[:3], 0.75, None, 0, 0, "defined_terms")
        if candidate is not None:
            yield candidate
            return
    for match in _BETWEEN.finditer(head):
        names = [n for n in (_clean_party(match.group(1)), _clean_party(match.group(2))) if n]
        if len(names) == 2:
            candidate = make(spec, names, 0.7, None, 0, 0, "between")
            if candidate is not None:
                yield candidate
                return
    names = list(defined)
    for match in _ORGANISATION.finditer(head[:2000]):
        name = _clean_party(match.group(1))
        if (
            name
            and len(names) < 2
            and name.lower() not in {n.lower() for n in names}
            and len(name.split()) <= 8
        ):
            names.append(name)
    if names:
        candidate = make(spec, names, 0.5, None, 0, 0, "organisations")
        if candidate is not None:
            yield candidate
