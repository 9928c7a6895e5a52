"""Candidates: every place a field's value might be, scored before one is chosen.

Scores are raw evidence (how the value was found, how specific its label, whether it
validates, how sure the OCR was); ``confidence.calibrate`` maps the winner's score to a
probability measured on real documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from docsight.fields._layout import DocumentView, Row, label_pattern
from docsight.fields.templates import FieldSpec, load_catalog
from docsight.fields.types import normalise
from docsight.models import BBox

SEPARATORS = re.compile(r"^[\s:：=\-–|.]*")


@dataclass
class Candidate:
    value: Any
    raw: str
    score: float
    page: int | None = None
    box: BBox | None = None
    source: str = "label"
    error: str | None = None
    order: int = 0  # row index, for "last one wins" rules


def make(
    spec: FieldSpec, raw: Any, score: float, row: Row | None, start: int, end: int, source: str
) -> Candidate | None:
    """A candidate when ``raw`` holds a value of the spec's type, else ``None``."""
    try:
        value, error = normalise(spec.type, raw)
    except ValueError:
        return None
    box, ocr_confidence = row.span(start, end) if row is not None else (None, None)
    if ocr_confidence is not None:
        score *= 0.6 + 0.4 * ocr_confidence
    if error is not None:
        score *= 0.3
    return Candidate(
        value,
        raw.strip() if isinstance(raw, str) else str(raw),
        score,
        row.page if row else None,
        box,
        source,
        error,
        row.index if row else 0,
    )


@cache
def _competing_labels(field_name: str) -> tuple[re.Pattern[str], ...]:
    """Longer labels of other fields, so ``date`` does not read the ``due date`` row."""
    catalog = load_catalog()
    own = (
        {label.lower() for label in catalog[field_name].labels} if field_name in catalog else set()
    )
    others = {
        label.lower()
        for name, spec in catalog.items()
        if name != field_name
        for label in spec.labels
    }
    return tuple(label_pattern(label) for label in sorted(others - own, key=len, reverse=True))


def _shadowed(field_name: str, text: str, start: int, end: int) -> bool:
    for pattern in _competing_labels(field_name):
        for match in pattern.finditer(text):
            if (
                match.start() <= start
                and end <= match.end()
                and (match.end() - match.start()) > (end - start)
            ):
                return True
    return False


def label_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    """Values beside (same row) or below a printed label."""
    labels = sorted(spec.labels, key=len, reverse=True)
    if not labels:
        return
    longest = max(len(label) for label in labels)
    patterns = [(label, label_pattern(label)) for label in labels]
    for row in view.rows:
        text = row.text
        seen_end = -1
        for label, pattern in patterns:
            for match in pattern.finditer(text):
                if match.start() < seen_end or _shadowed(spec.name, text, *match.span()):
                    continue
                seen_end = max(seen_end, match.end())
                specificity = 0.75 + 0.25 * min(1.0, len(label) / max(12, longest))
                rest_start = match.end() + len(SEPARATORS.match(text[match.end() :])[0])  # type: ignore[index]
                rest = text[rest_start:]
                found = None
                if rest.strip() and not spec.below:
                    found = make(spec, rest, 0.9 * specificity, row, rest_start, len(text), "label")
                if found is None:
                    for other, start, end in view.below(row, match.start(), match.end()):
                        found = make(
                            spec,
                            other.text[start:end],
                            0.75 * specificity * 0.9 ** (other.index - row.index - 1),
                            other,
                            start,
                            end,
                            "label_below",
                        )
                        if found is not None:
                            break
                if found is None and not spec.below:
                    found = _value_row(view, spec, row, specificity)
                if found is not None:
                    yield found


def _value_row(
    view: DocumentView, spec: FieldSpec, row: Row, specificity: float
) -> Candidate | None:
    """A label ending its row with the value alone on the next row (``Total ...`` / ``54.50``)."""
    if row.index + 1 >= len(view.rows):
        return None
    below = view.rows[row.index + 1]
    text = below.text.strip()
    if below.page != row.page or len(text) > 20 or sum(c.isalpha() for c in text) > 3:
        return None
    return make(spec, text, 0.6 * specificity, below, 0, len(below.text), "label_next_row")


def regex_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    if not spec.regex:
        return
    pattern = re.compile(spec.regex, re.IGNORECASE | re.MULTILINE)
    for row in view.rows:
        for match in pattern.finditer(row.text):
            group = 1 if pattern.groups else 0
            found = make(spec, match.group(group), 0.85, row, *match.span(group), "regex")
            if found is not None:
                yield found


_SCAN = {
    "iban": r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b",
    "email": r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}",
    "url": r"(?:https?://|www\.)[^\s]+",
    "phone": r"(?<![\w])\+?\(?\d[\d\s().\-/]{6,18}\d(?![\w])",
    "vat": r"\b(?:ATU\d{8}|[A-Z]{2}\d{8,12}|FR[A-Z0-9]{2}\d{9}|NL\d{9}B\d{2})\b",
    "gstin": r"\b\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]\b",
    "time": r"(?<!\d)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[AaPp][Mm])?",
}


def scan_candidates(view: DocumentView, spec: FieldSpec) -> Iterator[Candidate]:
    """Values of the type found anywhere; weak evidence unless the type has a checksum."""
    pattern = _SCAN.get(spec.type)
    if pattern is None or not spec.scan:
        return
    base = 0.6 if spec.type in ("iban", "gstin", "vat", "email") else 0.4
    for row in view.rows:
        for match in re.finditer(pattern, row.text):
            found = make(spec, match.group(0), base, row, *match.span(), "scan")
            if found is not None:
                yield found
