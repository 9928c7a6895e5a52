"""Checkboxes found in the page image and written into the lines as ☐ / ☑.

Forms carry their answers in boxes, and the recogniser sees a box as a glyph at best (``□``
glued to the next word) and usually not at all: detection is trained on text, and an empty
square has none. So boxes are found geometrically: an ink component about one to two text
lines tall, roughly square, whose four sides are each inked along most of their length (a frame,
which rules out letters like ``O`` and ``D``, rounded at the corners). Ink inside the frame makes
it checked. A square that is part of a larger ruling (a table grid) is one large component, so
table cells are never taken for boxes.

The mark is then put where a reader expects it in the Nanonets conventions, in the line it sits
on, before the label to its right: a recognised box glyph at that position is replaced, otherwise
a word is inserted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from docsight.models import BBox, Line, Word

UNCHECKED = "☐"
CHECKED = "☑"
# Glyphs the recogniser uses for a box it did see (PP-OCR: the square and the CJK "mouth").
BOX_GLYPHS = frozenset("□■口☐☑☒")


@dataclass(frozen=True)
class Checkbox:
    box: BBox
    checked: bool
    fill: float  # share of inked pixels inside the frame

    @property
    def mark(self) -> str:
        return CHECKED if self.checked else UNCHECKED


def ink_mask(gray: NDArray[Any]) -> NDArray[np.uint8]:
    """1 where the page is inked (Otsu's threshold), light print on dark flipped to dark ink.

    Made once per page for the checkbox and bullet finders (~5 ms on an A4 page at 240 dpi).
    """
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if 2 * cv2.countNonZero(ink) > ink.size:  # light print on dark: ink is the minority
        ink = 1 - ink
    return np.asarray(ink, dtype=np.uint8)


def find_checkboxes(
    gray: NDArray[Any],
    line_height: float,
    *,
    max_boxes: int = 200,
    ink: NDArray[np.uint8] | None = None,
) -> list[Checkbox]:
    """Square frames between 0.35 and 1.6 line heights (6 px at least) on a side, top to bottom.

    ``ink``: ``ink_mask(gray)``, when the caller has it already.

    ``line_height`` is the median height of the detected line boxes, which the detector pads to
    1.4 to 1.9 times the height of the letters: a box is drawn about as tall as a small letter
    to twice a capital. On the FUNSD forms (~100 dpi), boxes 8 to 10 px high beside 22 px line
    boxes were lost below 0.45 line heights (7 px): 0.35 and 6 px found 12 of their 14 empty
    boxes instead of 3, with no box found where the truth has none.
    """
    if line_height <= 0 or gray.size == 0:
        return []
    if ink is None:
        ink = ink_mask(gray)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    lo, hi = max(6.0, 0.35 * line_height), 1.6 * line_height
    # Size and shape first, over all components at once: a page has thousands, few are square.
    ws, hs, areas = stats[:, 2], stats[:, 3], stats[:, 4]
    ratio = ws / np.maximum(hs, 1)
    square = (ws >= lo) & (ws <= hi) & (hs >= lo) & (hs <= hi) & (ratio >= 0.75) & (ratio <= 1.33)
    square &= areas <= 0.75 * ws * hs  # a filled square is a bullet or a blot, not a box
    square[0] = False  # the background
    found: list[Checkbox] = []
    for index in np.flatnonzero(square):
        x, y, w, h, _ = (int(v) for v in stats[index])
        component = labels[y : y + h, x : x + w] == index
        checkbox = _frame(component, ink[y : y + h, x : x + w], x, y)
        if checkbox is not None:
            found.append(checkbox)
            if len(found) > max_boxes:  # a page of squares is a grid or a pattern: trust none
                return []
    return sorted(found, key=lambda c: (c.box.y0, c.box.x0))


def _frame(component: NDArray[np.bool_], ink: NDArray[Any], x: int, y: int) -> Checkbox | None:
    h, w = component.shape
    band = max(2, round(min(w, h) * 0.2))
    sides = (
        component[:band, :].any(axis=0).mean(),
        component[-band:, :].any(axis=0).mean(),
        component[:, :band].any(axis=1).mean(),
        component[:, -band:].any(axis=1).mean(),
    )
    ordered = sorted(sides)
    # Scans break thin rules: one side may be mostly missing, but only on an empty box (an
    # inked inside with an open side is a letter such as E, not a box).
    if ordered[1] < 0.85 or ordered[0] < 0.2:
        return None
    broken = ordered[0] < 0.85
    # The four corners must be inked: rounded letters (O, D, 0) leave them empty.
    corner = max(1, band)
    corners = (
        component[:corner, :corner],
        component[:corner, -corner:],
        component[-corner:, :corner],
        component[-corner:, -corner:],
    )
    if not all(c.any() for c in corners):
        return None
    inner = ink[band:-band, band:-band]
    if inner.size == 0:
        return None
    fill = float(inner.mean())
    # A frame is thin: most of the component lies in the border band.
    frame_ink = component.sum() - component[band:-band, band:-band].sum()
    if frame_ink < 0.6 * component.sum() and fill < 0.12:
        return None
    if broken and fill >= 0.03:
        return None
    box = BBox(x0=float(x), y0=float(y), x1=float(x + w), y1=float(y + h))
    return Checkbox(box=box, checked=fill >= 0.12, fill=fill)


def merge_checkboxes(lines: list[Line], boxes: list[Checkbox]) -> list[Line]:
    """Lines with each box's mark as a word of the line it sits on (or a line of its own)."""
    out = list(lines)
    for checkbox in boxes:
        if _read_as_text(lines, checkbox.box):
            continue
        index = _line_at(out, checkbox.box)
        if index is None:
            word = Word(text=checkbox.mark, box=checkbox.box, confidence=0.9)
            out.append(Line(text=checkbox.mark, box=checkbox.box, confidence=0.9, words=[word]))
        else:
            out[index] = _with_mark(out[index], checkbox)
    return out


def _read_as_text(lines: list[Line], box: BBox) -> bool:
    """Whether the recogniser read this square as a letter or digit (``O``, ``D``, ``0``, ``8``).

    Square-looking glyphs of receipt and typewriter fonts pass every shape test; what tells them
    from a box is that recognition read them as text, while a box is either missed or read as a
    box glyph.
    """
    area = max(box.width * box.height, 1.0)
    for line in lines:
        for word in line.words:
            dx, dy = _overlap(word.box, box)
            if dx <= 0 or dy <= 0 or dx * dy < 0.3 * area:
                continue
            if not any(ch in BOX_GLYPHS for ch in word.text) and any(
                ch.isalnum() for ch in word.text
            ):
                return True
    return False


def _overlap(a: BBox, b: BBox) -> tuple[float, float]:
    dx = min(a.x1, b.x1) - max(a.x0, b.x0)
    dy = min(a.y1, b.y1) - max(a.y0, b.y0)
    return dx, dy


def _line_at(lines: list[Line], box: BBox) -> int | None:
    """The line sharing the box's row whose text starts at, or just right of, the box."""
    height = box.height
    best: tuple[float, int] | None = None
    for index, line in enumerate(lines):
        dx, dy = _overlap(line.box, box)
        if dy < 0.5 * min(height, line.box.height):
            continue
        if dx > 0:  # the line covers the box: the box is inside (or glued to) this line
            distance = 0.0
        elif line.box.x0 >= box.x1 and line.box.x0 - box.x1 <= 3 * height:
            distance = line.box.x0 - box.x1
        elif box.x0 >= line.box.x1 and box.x0 - line.box.x1 <= 3 * height:
            distance = box.x0 - line.box.x1 + 0.5  # a box after the text: the line's end
        else:
            continue
        if best is None or distance < best[0]:
            best = (distance, index)
    return best[1] if best else None


def _with_mark(line: Line, checkbox: Checkbox) -> Line:
    box = checkbox.box
    words = list(line.words) or [Word(text=line.text, box=line.box, confidence=line.confidence)]
    kept: list[Word] = []
    for word in words:
        dx, _ = _overlap(word.box, box)
        if dx > 0 and word.text[:1] in BOX_GLYPHS:  # the recogniser saw the box: replace it
            rest = word.text[1:]
            if rest:
                width = word.box.width / max(len(word.text), 1)
                kept.append(
                    Word(
                        text=rest,
                        box=word.box.model_copy(
                            update={"x0": min(word.box.x1, word.box.x0 + width)}
                        ),
                        confidence=word.confidence,
                    )
                )
            continue
        if dx > 0.5 * box.width and len(word.text) == 1 and not word.text.isalnum():
            continue  # a lone bracket or bar read from the frame
        kept.append(word)
    kept.append(Word(text=checkbox.mark, box=box, confidence=0.9))
    kept.sort(key=lambda w: w.box.x0)
    return Line(
        text=" ".join(w.text for w in kept),
        box=line.box.union(box),
        confidence=line.confidence,
        words=kept,
    )
