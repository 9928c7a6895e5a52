"""A document as visual rows, and label lookup over them.

OCR engines cut one printed row into several lines wherever a gap is wide (``Total :`` and
``9.00`` far apart on a receipt), so rows are rebuilt from line boxes by vertical overlap before
any label is searched: a value to the right of its label is then simply the rest of the row.
Pages without geometry (VLM engines) fall back to the markdown's own lines, without boxes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docsight.models import BBox, Line, PageResult, Result


@dataclass
class Segment:
    text: str
    box: BBox | None
    confidence: float | None
    start: int  # offset of this segment in its row's text


@dataclass
class Row:
    page: int
    index: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def box(self) -> BBox | None:
        boxes = [s.box for s in self.segments if s.box is not None]
        if not boxes:
            return None
        merged = boxes[0]
        for box in boxes[1:]:
            merged = merged.union(box)
        return merged

    def span(self, start: int, end: int) -> tuple[BBox | None, float | None]:
        """Box and lowest confidence of the segments covering ``text[start:end]``."""
        hit = [s for s in self.segments if s.start < end and start < s.start + len(s.text)]
        boxes = [s.box for s in hit if s.box is not None]
        box = None
        if boxes:
            box = boxes[0]
            for other in boxes[1:]:
                box = box.union(other)
        confidences = [s.confidence for s in hit if s.confidence is not None]
        if len(hit) == 1 and box is not None and hit[0].text:
            # inside one line: estimate the characters' x linearly (a value within a long line)
            only = hit[0]
            scale = box.width / len(only.text)
            lo = max(0, start - only.start)
            hi = min(len(only.text), end - only.start)
            box = BBox(x0=box.x0 + lo * scale, y0=box.y0, x1=box.x0 + hi * scale, y1=box.y1)
        return box, (min(confidences) if confidences else None)


def _page_rows(page: PageResult, start_index: int) -> list[Row]:
    if page.lines:
        return _rows_from_lines(page.number, page.lines, start_index)
    rows: list[Row] = []
    for text in page.markdown.splitlines():
        plain = re.sub(r"<[^>]+>", " ", text).strip(" #*|")
        if plain:
            row = Row(page.number, start_index + len(rows))
            row.segments.append(Segment(plain, None, None, 0))
            rows.append(row)
    return rows


def _rows_from_lines(number: int, lines: list[Line], start_index: int) -> list[Row]:
    groups: list[list[Line]] = []
    for line in sorted(lines, key=lambda item: (item.box.cy, item.box.x0)):
        placed = False
        for group in reversed(groups[-3:]):
            ref = group[0].box
            overlap = min(ref.y1, line.box.y1) - max(ref.y0, line.box.y0)
            height = min(ref.height, line.box.height) or 1
            if overlap / height > 0.5 and not any(_overlaps_x(g.box, line.box) for g in group):
                group.append(line)
                placed = True
                break
        if not placed:
            groups.append([line])
    rows: list[Row] = []
    for group in groups:
        row = Row(number, start_index + len(rows))
        offset = 0
        for line in sorted(group, key=lambda item: item.box.x0):
            row.segments.append(Segment(line.text, line.box, line.confidence, offset))
            offset += len(line.text) + 1
        rows.append(row)
    return rows


def _overlaps_x(a: BBox, b: BBox) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.3 * min(a.width, b.width)


@dataclass
class DocumentView:
    result: Result
    rows: list[Row]

    @property
    def text(self) -> str:
        return "\n".join(row.text for row in self.rows)

    def below(self, row: Row, start: int, end: int, limit: int = 2) -> list[tuple[Row, int, int]]:
        """Text spans under ``row.text[start:end]`` in the next rows of the same page."""
        anchor, _ = row.span(start, end)
        found = []
        for other in self.rows[row.index + 1 : row.index + 1 + limit]:
            if other.page != row.page:
                break
            if anchor is None:
                found.append((other, 0, len(other.text)))
                continue
            if (
                other.box is not None
                and anchor is not None
                and other.box.y0 - anchor.y1 > 3 * (anchor.height or 1)
            ):
                break
            for segment in other.segments:
                if segment.box is not None and (
                    min(segment.box.x1, anchor.x1 + anchor.width) - max(segment.box.x0, anchor.x0)
                    > 0
                ):
                    start, end = _under(segment, anchor)
                    found.append((other, segment.start + start, segment.start + end))
                    break
        return found


def _under(segment: Segment, anchor: BBox) -> tuple[int, int]:
    """The words of a wide segment that sit under the anchor (character x estimated linearly).

    Text layers often give a whole table row as one line; the value under a column label is
    then the token at the label's x, not the row's first token.
    """
    box = segment.box
    text = segment.text
    if box is None or box.width < 2 * anchor.width or " " not in text.strip():
        return 0, len(text)
    scale = box.width / max(1, len(text))
    for match in re.finditer(r"\S+", text):
        x0, x1 = box.x0 + match.start() * scale, box.x0 + match.end() * scale
        if min(x1, anchor.x1) - max(x0, anchor.x0) > 0:
            return match.start(), match.end()
    return 0, len(text)


def document_view(result: Result) -> DocumentView:
    rows: list[Row] = []
    for page in result.pages:
        rows.extend(_page_rows(page, len(rows)))
    return DocumentView(result, rows)


def label_pattern(label: str) -> re.Pattern[str]:
    """A label as a case-insensitive pattern tolerant of OCR'd spacing and punctuation."""
    words = [_tolerant(w) for w in re.split(r"[\s]+", label.strip()) if w]
    body = r"[\s.:_\-]*".join(words)
    tail = r"(?![A-Za-z0-9])" if label.strip()[-1:].isalnum() else ""  # "n°562044387"
    return re.compile(r"(?<![A-Za-z0-9])" + body + tail, re.IGNORECASE)


def _tolerant(word: str) -> str:
    """A label word that also matches with one misread letter (``Tutal``), if long enough."""
    if len(word) < 5 or not word.isalpha():
        return re.escape(word)
    variants = [
        re.escape(word[:i]) + "[A-Za-z0-9]" + re.escape(word[i + 1 :]) for i in range(len(word))
    ]
    return "(?:" + "|".join([re.escape(word), *variants]) + ")"
