"""List bullets printed beside a line, found in the page image and written into it as ■ / •.

A bullet is a solid square or disc set a little apart from its item's first word. The text
detector was trained on words, so an isolated square is left out of every box (scribeocr
multicol_06: five of its six ``■`` got no box; the sixth, boxed alone, read ``1``) and the
items of a list run together into one paragraph. So bullets are found geometrically, where one
can be: left of each line's first word, on that line's row, a single compact ink component
about as wide as it is tall, at least a fifth of the line box high (a full stop is smaller),
filled (a frame is a checkbox, ``engines.checkboxes``), alone in that margin and centred on
the row. The mark goes into the line as its first word, so the composer starts a list item.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from docsight.models import BBox, Line, Word

SQUARE = "■"
ROUND = "•"
# Glyphs a line may already open with: the recogniser saw the bullet.
_MARKS = frozenset("■•●▪◆◼⬛·‣○□☐☑☒*-–—")
# How far left of the first word a bullet may sit, and the least blank before that word, in
# line-box heights (multicol_06: a 17 px square 0.5 box heights before the text).
_REACH = 2.5
_CLEAR = 0.1
# Its side, in line-box heights (the detector pads boxes to 1.4-1.9 times the letters).
_MIN_SIDE, _MAX_SIDE = 0.2, 0.65
# Inked share of its bounding box: a square fills it, a disc ~0.78; a frame or a letter less.
# ``find_checkboxes`` takes only components filled below 0.75, so no mark is found twice.
_MIN_FILL = 0.75
_SQUARE_FILL = 0.9
# Blank paper a bullet has before it within the window, in line-box heights (multicol_06:
# 1.45; a receipt's asterisk between ``ROLL`` and ``1.5000``: 0.55).
_MARGIN = 1.0
# A line this short covering the bullet is the bullet misread (``1``, ``I``): it goes.
_STRAY_CHARS = 2


def add_bullets(ink: NDArray[Any], lines: list[Line]) -> list[Line]:
    """``lines`` with a bullet word opening each line that has one printed before it.

    ``ink``: the page's ink mask, 1 on ink (``checkboxes.ink_mask``).
    """
    if not lines or ink.size == 0:
        return lines
    found: dict[int, tuple[str, BBox]] = {}
    for index, line in enumerate(lines):
        text = line.text.strip()
        if len(text) <= _STRAY_CHARS or text[0] in _MARKS:
            continue
        bullet = _bullet_before(ink, line)
        # Ink inside another line the recogniser read is that line's (a receipt's ``*``).
        if bullet is not None and not any(
            _covers(other.box, bullet[1])
            for other in lines
            if other is not line and len(other.text.strip()) > _STRAY_CHARS
        ):
            found[index] = bullet
    if not found:
        return lines
    strays = {
        i
        for i, line in enumerate(lines)
        if len(line.text.strip()) <= _STRAY_CHARS
        and any(_covers(line.box, box) for _, box in found.values())
    }
    out: list[Line] = []
    for index, line in enumerate(lines):
        if index in strays:
            continue
        if index in found:
            mark, box = found[index]
            words = list(line.words) or [
                Word(text=line.text, box=line.box, confidence=line.confidence)
            ]
            line = Line(
                text=f"{mark} {line.text}",
                box=line.box.union(box),
                confidence=line.confidence,
                words=[Word(text=mark, box=box, confidence=0.9), *words],
            )
        out.append(line)
    return out


def _bullet_before(ink: NDArray[Any], line: Line) -> tuple[str, BBox] | None:
    h = line.box.height
    if h <= 0:
        return None
    start = min((w.box.x0 for w in line.words), default=line.box.x0)
    x0 = max(0, int(start - _REACH * h))
    x1 = int(start - _CLEAR * h)
    y0, y1 = max(0, int(line.box.y0)), min(ink.shape[0], int(np.ceil(line.box.y1)))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    window = np.ascontiguousarray(ink[y0:y1, x0:x1])
    n, _, stats, _ = cv2.connectedComponentsWithStats(window, connectivity=8)
    specks = max(2, int(0.02 * h * h))
    parts = [stats[i] for i in range(1, n) if stats[i][4] > specks]
    if len(parts) != 1:
        return None  # nothing there, or text of another column, a rule, a label
    x, y, w, hh, area = (int(v) for v in parts[0])
    wh = window.shape[0]
    if x == 0 or y == 0 or y + hh >= wh:  # runs on out of the margin: part of something else
        return None
    if x < _MARGIN * h:  # a bullet opens its line: blank paper before it, not a word's end
        return None
    if not (_MIN_SIDE * h <= min(w, hh) and max(w, hh) <= _MAX_SIDE * h):
        return None
    if not 0.7 <= w / hh <= 1.43:
        return None
    fill = area / (w * hh)
    if fill < _MIN_FILL:
        return None
    centre = y + hh / 2
    if not 0.2 * wh <= centre <= 0.8 * wh:
        return None
    box = BBox(x0=float(x0 + x), y0=float(y0 + y), x1=float(x0 + x + w), y1=float(y0 + y + hh))
    return (SQUARE if fill >= _SQUARE_FILL else ROUND), box


def _covers(a: BBox, b: BBox) -> bool:
    """Whether box ``a`` holds most of box ``b``."""
    dx = min(a.x1, b.x1) - max(a.x0, b.x0)
    dy = min(a.y1, b.y1) - max(a.y0, b.y0)
    return dx > 0 and dy > 0 and dx * dy >= 0.5 * b.width * b.height


__all__ = ["ROUND", "SQUARE", "add_bullets"]
