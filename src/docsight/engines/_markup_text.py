"""Text-level judgements for the composer: page numbers, maths, headings and paragraph flow.

These are the places where geometry alone can't decide and the characters of a line tip the
balance (a line ending in an amount is a receipt row, not prose that wrapped).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from statistics import median

from docsight.engines._markup_order import Box
from docsight.models import Line

_PAGE_NUMBER_PATTERNS = (
    re.compile(r"^\d{1,4}$"),
    re.compile(r"^[ivxlc]{1,7}$"),
    re.compile(r"^\d{1,4}\s*(?:/|of)\s*\d{1,4}$", re.IGNORECASE),
    re.compile(r"^(?:page|pg\.?|p\.)\s*\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE),
)
_DECORATED = re.compile(r"^[-–—~·•]+\s*(\S.*?)\s*[-–—~·•]+$")
_AMOUNT_END = re.compile(r"(?:\d[\d.,]*\d|\d)\s*[%$€£]?\s*$")
_LIST_START = re.compile(r"^(?:[•·▪◦●○■□☐☑☒*+\-–]\s|\(?\d{1,3}[.)]\s|\(?[a-zA-Z][.)]\s)")
# A printed bullet opening a line: each such item is a block of its own, however close it sits.
_BULLET_START = re.compile(r"^[•▪◦●■◆◼‣]\s")
# "Label: value" at a line's start (engines may drop the space after the colon; not a URL).
_FIELD_START = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+)?:(?!/)")
_MATH_SYMBOLS = set("=+<>≤≥≈≠±×÷∑∫∏√∞∂∇^_πθλμσΔΣΩαβγδε")
_WORD = re.compile(r"[A-Za-z]{4,}")


def page_number_text(text: str) -> str | None:
    """Return the page number a short margin line stands for, or None when it isn't one.

    Dashes and bullets around the number are decoration and are dropped; ``Page 3 of 9`` and
    ``9/22`` are kept as written since their words carry the total.
    """
    t = text.strip()
    m = _DECORATED.match(t)
    core = m.group(1) if m else t
    if any(p.match(core) for p in _PAGE_NUMBER_PATTERNS):
        return core
    return None


def looks_like_math(text: str) -> bool:
    """Symbols and few real words: a formula the OCR read, not a sentence in an equation box."""
    t = text.strip()
    if not t:
        return False
    symbols = sum(1 for ch in t if ch in _MATH_SYMBOLS)
    words = len(_WORD.findall(t))
    return symbols >= 1 and words <= max(1, len(t.split()) // 4)


# Share of the page height at the top and bottom where a page number may sit.
_MARGIN = 0.12


def find_page_numbers(lines: list[Line], height: int) -> dict[int, str]:
    """Map ``id(line)`` to the page number for each line that is one.

    A page number is number-like, sits in the top or bottom margin with no text further out,
    and is alone on its row or at the outer end of a running header/footer of words (a row of
    numbers is a table row, whatever its position).
    """
    found: dict[int, str] = {}
    if height <= 0:
        return found
    for line in lines:
        number = page_number_text(line.text)
        if number is None:
            continue
        b = Box(line.box.x0, line.box.y0, line.box.x1, line.box.y1)
        top, bottom = b.y1 <= _MARGIN * height, b.y0 >= (1 - _MARGIN) * height
        if not (top or bottom):
            continue
        outer = [o for o in lines if (o.box.cy < b.y0 if top else o.box.cy > b.y1)]
        if outer:
            continue
        mates = [o for o in lines if o is not line and min(b.y1, o.box.y1) > max(b.y0, o.box.y0)]
        if mates and not _ends_running_row(line, mates):
            continue
        found[id(line)] = number
    return found


def _ends_running_row(line: Line, mates: list[Line]) -> bool:
    """True for ``Title ...... 14``: a number at the far end of a row of words."""
    if any(
        page_number_text(m.text) is not None or not re.search(r"[^\W\d_]{2}", m.text) for m in mates
    ):
        return False
    gap = 3 * line.box.height
    left_end = all(m.box.x0 >= line.box.x1 + gap for m in mates)
    right_end = all(m.box.x1 <= line.box.x0 - gap for m in mates)
    return left_end or right_end


@dataclass
class Row:
    """One visual line: the text of every line on one baseline, left to right, already escaped."""

    text: str
    box: Box
    segments: int

    @property
    def words(self) -> int:
        return len(self.text.split())


def heading_level(row: Row, body_height: float) -> int:
    """0 for body text, 1 or 2 for a line set clearly larger than the body text."""
    if row.segments != 1 or body_height <= 0:
        return 0
    t = row.text.strip()
    if not 1 <= row.words <= 15 or len(t) > 100 or not re.search(r"[^\W\d_]", t):
        return 0
    # A skewed long line has a tall box but body-sized characters: compare advance to height.
    if row.box.w / max(1, len(t)) < 0.3 * row.box.h:
        return 0
    ratio = row.box.h / body_height
    if ratio >= 2.2:
        return 1
    if ratio >= 1.5:
        return 2
    return 0


def flow(rows: list[Row], body_height: float, *, headings: bool) -> list[str]:
    """Rows of one column piece as markdown paragraphs.

    Wrapped prose (a full-width line followed by the next line of the same paragraph) is joined
    with spaces; anything else that sits close keeps its line break (addresses, receipts, lists);
    a gap clearly wider than the line spacing starts a new paragraph.
    """
    if not rows:
        return []
    left = min(r.box.x0 for r in rows)
    right = max(r.box.x1 for r in rows)
    h = median(r.box.h for r in rows)
    gaps = [b.box.y0 - a.box.y1 for a, b in itertools.pairwise(rows)]
    typical = median([g for g in gaps if g >= 0] or [0.0])
    para_gap = max(0.8 * h, 1.8 * typical)
    full_at = right - max(2.5 * h, 0.12 * (right - left))
    # Centred lines (letterheads, addresses on receipts, boxes in a chart) are set line by
    # line on purpose: keep their breaks rather than reading them as wrapped prose.
    centred = _centred(rows, h)

    paras: list[str] = []
    cur = ""
    cur_level = 0
    prose = False
    prev: Row | None = None
    for row in rows:
        level = heading_level(row, body_height) if headings else 0
        gap = row.box.y0 - prev.box.y1 if prev else 0.0
        bullet = prev is not None and bool(_BULLET_START.match(row.text))
        if prev is None or level != cur_level or gap > para_gap or bullet:
            if cur:
                paras.append(_render(cur, cur_level))
            cur, cur_level, prose, prev = row.text, level, False, row
            continue
        if level:
            cur = f"{cur} {row.text}"
        elif not centred and _wraps(prev, row, left, full_at, h):
            # Joined with a space, an end-of-line hyphen kept as printed (``exam- ple``):
            # rejoining broken words was lossy, and ground truths transcribe the hyphen.
            # Taking hyphens back (with rules to keep compounds such as ``COVID-`` ``related``)
            # had UNLV 8071/8087 at CER 0.045/0.024 and scribeocr multicol at word F1 0.932;
            # keeping them, 0.039/0.014 and 0.944 (scribeocr all 0.939 -> 0.942).
            cur = f"{cur} {row.text}"
            prose = True
        elif (
            prose
            and prev.box.x0 <= left + 1.5 * h
            and ((prev.box.x1 < full_at and row.box.x1 >= full_at) or _indented(prev, row, left, h))
        ):
            # In left-aligned prose, a short last line and then a new full line, or an indented
            # first line, start a new paragraph (centred lines vary in both edges: no signal).
            paras.append(cur)
            cur, prose = row.text, False
        else:
            cur = f"{cur}\n{row.text}"
            prose = False
        prev = row
    if cur:
        paras.append(_render(cur, cur_level))
    return paras


def _centred(rows: list[Row], h: float) -> bool:
    if len(rows) < 2:
        return False
    x0s = [r.box.x0 for r in rows]
    x1s = [r.box.x1 for r in rows]
    cxs = [r.box.cx for r in rows]
    ragged = max(x0s) - min(x0s) > 2 * h and max(x1s) - min(x1s) > 2 * h
    return ragged and max(cxs) - min(cxs) <= h


def _wraps(prev: Row, row: Row, left: float, full_at: float, h: float) -> bool:
    if prev.segments != 1 or row.segments != 1:
        return False
    if prev.box.x1 < full_at or prev.words < 3:
        return False
    # Receipt rows end in amounts, and phone numbers, dates and codes stand on lines of their
    # own; a sentence that ends a line with a number has more words than a receipt row.
    if prev.words < 6 and (_AMOUNT_END.search(prev.text) or _is_data(row.text)):
        return False
    if _is_data(prev.text) or _LIST_START.match(row.text):
        return False
    # Two lines that each open with a label ("Payment: ...", "Terms: ...") are fields.
    if _FIELD_START.match(prev.text) and _FIELD_START.match(row.text):
        return False
    return not _indented(prev, row, left, h)


def _is_data(text: str) -> bool:
    """Mostly digits and symbols: a number, date, code or amount rather than words."""
    chars = [c for c in text if not c.isspace()]
    letters = sum(1 for c in chars if c.isalpha())
    return bool(chars) and letters < 0.4 * len(chars)


def _indented(prev: Row, row: Row, left: float, h: float) -> bool:
    """A first-line indent: this line starts well right of the column and of the line above.

    Comparing with the line above too keeps the lines beside a drop cap, all set in by the
    same amount, in one paragraph.
    """
    return row.box.x0 > left + 1.5 * h and row.box.x0 > prev.box.x0 + 1.5 * h


def _render(text: str, level: int) -> str:
    return f"{'#' * level} {text}" if level else text


__all__ = [
    "Row",
    "find_page_numbers",
    "flow",
    "heading_level",
    "looks_like_math",
    "page_number_text",
]
