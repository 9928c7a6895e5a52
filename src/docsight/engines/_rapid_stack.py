"""Detected boxes that hold several stacked lines, cut back into lines.

The detector joins short lines that sit close above each other into one region: a receipt's
tax-code column (``SR`` on six consecutive rows) or its column of prices comes out as one
tall box, which the cropper then takes for vertical text and the recogniser reads as garbage.
The rows of such a box have blank paper between its lines, where one tall line (a heading in
large print, a vertical line of text) has none between its letters' rows, or has many thin
bands (rotated letters). So a box clearly taller than the page's lines is cut at its blank
rows into bands of about a line's height; the recogniser reads both the box and its bands,
and the engine keeps the reading it is surer of (``RapidOcrEngine._unstack``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from docsight.engines._rapid_pipeline import FloatArray, ImageArray, ink_mask, quad_size


@dataclass(frozen=True)
class StackRule:
    """When a box counts as a stack, and how its bands are kept.

    - ``min_lines``: a box is examined when it is at least this many median line heights
      tall (its upright height, before the cropper would rotate it).
    - ``band_min``/``band_max``: each band's ink height, in median ink heights of the
      page's lines; thinner bands (rules, specks) join their neighbour, taller ones mean the
      box is not a plain stack.
    - ``pad``: margin around a band's ink, in its own height, like the detector's unclip.
    """

    min_lines: float = 1.7
    band_min: float = 0.35
    band_max: float = 1.6
    pad: float = 0.35


def _rectified(img: ImageArray, quad: FloatArray) -> tuple[ImageArray, NDArray[np.float64]] | None:
    """The quad warped to an upright rectangle (never rotated) and the map back to the page."""
    w, h = (int(v) for v in quad_size(quad))
    if w < 2 or h < 2:
        return None
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    out = cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    back: NDArray[np.float64] = np.linalg.inv(m).astype(np.float64)
    return np.asarray(out, dtype=np.uint8), back


def _bands(rows: NDArray[np.bool_], min_rows: float) -> list[tuple[int, int]]:
    """Runs of inked rows, each at least ``min_rows`` tall.

    A thinner run joins its nearer neighbour when it lies within ``min_rows`` of it (an
    accent, a colon's dot, a broken stroke); farther away it is a rule or a speck, dropped.
    """
    runs: list[tuple[int, int]] = []
    start = None
    for i, inked in enumerate(rows):
        if inked and start is None:
            start = i
        elif not inked and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(rows)))
    changed = True
    while changed and len(runs) > 1:
        changed = False
        for k, (a, b) in enumerate(runs):
            if b - a >= min_rows:
                continue
            gap_up = a - runs[k - 1][1] if k > 0 else None
            gap_down = runs[k + 1][0] - b if k + 1 < len(runs) else None
            j = k - 1 if gap_down is None or (gap_up is not None and gap_up <= gap_down) else k + 1
            if min(g for g in (gap_up, gap_down) if g is not None) > min_rows:
                del runs[k]
            else:
                lo, hi = min(k, j), max(k, j)
                runs[lo : hi + 1] = [(runs[lo][0], runs[hi][1])]
            changed = True
            break
    if len(runs) == 1 and runs[0][1] - runs[0][0] < min_rows:
        return []
    return runs


def stacked_pieces(
    img: ImageArray,
    quad: FloatArray,
    line_height: float,
    ink_height: float,
    rule: StackRule | None = None,
) -> list[FloatArray]:
    """Quads of the lines stacked in ``quad``, or ``[]`` when it is not a plain stack.

    ``line_height`` is the page's median detected box height and ``ink_height`` its lines'
    median inked height, both in page pixels.
    """
    rule = rule or StackRule()
    _, h = quad_size(quad)
    if line_height <= 0 or ink_height <= 0 or h < rule.min_lines * line_height:
        return []
    rect = _rectified(img, quad)
    if rect is None:
        return []
    piece, back = rect
    binary = ink_mask(piece)
    # A row counts as inked when a speck-sized share of it is: isolated noise stays blank.
    inked = binary.sum(axis=1) >= max(2, 0.1 * ink_height)
    bands = _bands(np.asarray(inked), rule.band_min * ink_height)
    if len(bands) < 2:
        return []
    if any(b - a > rule.band_max * ink_height for a, b in bands):
        return []
    pieces: list[FloatArray] = []
    height, width = binary.shape
    for a, b in bands:
        cols = np.flatnonzero(binary[a:b].any(axis=0))
        if len(cols) == 0:
            continue
        pad = rule.pad * (b - a)
        x0, x1 = max(0.0, cols[0] - pad), min(float(width), cols[-1] + 1 + pad)
        y0, y1 = max(0.0, a - pad), min(float(height), b + pad)
        corners = np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], dtype=np.float64)
        pieces.append(cv2.perspectiveTransform(corners, back)[0].astype(np.float32))
    return pieces if len(pieces) >= 2 else []


__all__ = ["StackRule", "stacked_pieces"]
