"""Which way up a page is, from the detector's boxes and the recogniser's own confidence.

Scanners feed pages sideways and upside down, and phone photos lose their orientation tag on
the way through messengers. Read as it lies, such a page comes out as noise (a SROIE receipt
turned a quarter reads ``0 0 / 1010 / M 0 3 7 ...``), so the engine turns the page before it
reads it, the way OCRmyPDF's ``--rotate-pages`` does, using the two models it already runs
instead of a third:

- **Sideways** shows in the geometry alone: text lines are long and thin, so a page whose
  clear-cut boxes are mostly tall lies on its side. On 55 pages (the first 25 SROIE receipts,
  15 FUNSD forms, the 15 scribeocr pages), upright pages had at most 2 tall boxes against
  20-537 wide ones, and the same pages turned a quarter at most 2 wide boxes against 20-555
  tall ones. The one exception is the two-up index ``table_05``, whose stacked columns give 14
  tall boxes upright, and 9 tall against 12 wide turned; the next test catches it. Which of
  the two sides is up is read off a sample of the longest lines, read both ways: the right
  way reads with the higher confidence.
- **Upside down** does not show in the geometry, but in the reading: the recogniser's mean
  character probability over a page was 0.879-0.996 upright and 0.511-0.729 turned half way
  on those pages. A page read below ``FLIP_BELOW`` has its longest wide lines read again
  turned half way and its longest tall lines the other way round, and is turned when one of
  those readings is clearly surer (``FLIP_MARGIN``).

- **Slanted** pages (a phone photo, a crooked scan) are straightened when their long lines
  agree on a slant of ``MIN_SKEW`` to ``MAX_SKEW`` degrees (``skew``, ``refine_skew``): the
  cropper reads each line flat anyway, but the layout model, reading order and tables need
  level lines (reading-order CER of 19 pages tilted 3 / -6 / 10 degrees: 0.37 / 0.51 / 0.41
  as they lie, 0.23 / 0.27 / 0.25 straightened, 0.225 upright).

Pages are expected upright, so the upright page pays nothing but a count of its boxes and a
mean; a turned page costs one more detection and recognition pass, a straightened one one more
detection.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from docsight.engines._rapid_pipeline import FloatArray, ImageArray, RawLine, ink_mask

# Boxes at least this much longer one way than the other count as a line lying that way.
LINE_ASPECT = 1.5
# A page is sideways when its tall lines outnumber its wide ones by this factor, and it has
# at least MIN_LINES of them (a chart's rotated axis label must not turn a page).
SIDEWAYS_RATIO = 2.0
MIN_LINES = 3
# Straightening: lines at least LONG_LINE times as long as high give the slant.
LONG_LINE = 3.0
MIN_SKEW = 1.0
MAX_SKEW = 30.0
SKEW_SPREAD = 1.0
REFINE_SIDE = 1000
REFINE_STEP = 0.1
REFINE_STEPS = 15
# Lines read twice to decide which way up: the longest ones carry the most evidence.
SAMPLE = 8
FLIP_BELOW = 0.85
FLIP_MARGIN = 0.1

Reader = Callable[[list[ImageArray]], list[float]]


def lying_lines(quads: Sequence[FloatArray]) -> tuple[int, int]:
    """How many boxes are clearly tall and how many clearly wide (squares count for neither)."""
    tall = wide = 0
    for quad in quads:
        w, h = quad.max(axis=0) - quad.min(axis=0)
        if h >= LINE_ASPECT * w:
            tall += 1
        elif w >= LINE_ASPECT * h:
            wide += 1
    return tall, wide


def is_sideways(quads: Sequence[FloatArray]) -> bool:
    tall, wide = lying_lines(quads)
    return tall >= MIN_LINES and tall >= SIDEWAYS_RATIO * max(wide, 1)


def _longest(quads: Sequence[FloatArray], count: int) -> list[FloatArray]:
    def length(quad: FloatArray) -> float:
        span = quad.max(axis=0) - quad.min(axis=0)
        return float(span.max())

    return sorted(quads, key=length, reverse=True)[:count]


def _mean(scores: list[float]) -> float:
    return sum(scores) / len(scores) if scores else 0.0


def sideways_turn(
    img: ImageArray,
    quads: Sequence[FloatArray],
    crop: Callable[[ImageArray, FloatArray], ImageArray],
    read: Reader,
) -> int:
    """Quarter turns (``np.rot90``'s ``k``, counter-clockwise) that set a sideways page upright.

    ``crop`` turns a tall box a quarter counter-clockwise; when the longest boxes read better
    that way than turned the other way, the page needs the same quarter turn, else three.
    """
    tall = [q for q in quads if _is_tall(q)]
    crops = [crop(img, q) for q in _longest(tall, SAMPLE)]
    if not crops:
        return 0
    ccw = _mean(read(crops))
    cw = _mean(read([_half_turn(c) for c in crops]))
    return 1 if ccw >= cw else 3


def _is_tall(quad: FloatArray) -> bool:
    w, h = quad.max(axis=0) - quad.min(axis=0)
    return bool(h >= LINE_ASPECT * w)


def page_confidence(raw: Sequence[RawLine]) -> float:
    """The recogniser's mean probability per character over the page (1.0 with no text)."""
    chars = sum(len(r.chars) for r in raw)
    if not chars:
        return 1.0
    return sum(r.score * len(r.chars) for r in raw) / chars


def doubtful_turn(
    img: ImageArray,
    raw: Sequence[RawLine],
    crop: Callable[[ImageArray, FloatArray], ImageArray],
    read: Reader,
) -> int:
    """Quarter turns that make a doubtfully read page read clearly surer, or 0.

    Only a page read below ``FLIP_BELOW`` is tested. Its longest wide lines are read again
    turned half way, and its longest tall lines (which the cropper read turned a quarter
    counter-clockwise) the other way round; the best of those readings must beat the page's
    own by ``FLIP_MARGIN``. The tall lines catch a sideways page whose boxes did not settle it:
    the stacked columns of a two-up index gave 12 wide boxes against its 9 tall lines.
    """
    if page_confidence(raw) >= FLIP_BELOW:
        return 0
    read_lines = [r for r in raw if r.chars]
    wide = _longest_lines([r for r in read_lines if not _is_tall(r.quad)])
    tall = _longest_lines([r for r in read_lines if _is_tall(r.quad)])
    best, best_turn = _mean([r.score for r in wide + tall]) + FLIP_MARGIN, 0
    if wide:
        flipped = _mean(read([_half_turn(crop(img, r.quad)) for r in wide]))
        if flipped > best:
            best, best_turn = flipped, 2
    if len(tall) >= MIN_LINES:
        ccw = _mean([r.score for r in tall])
        cw = _mean(read([_half_turn(crop(img, r.quad)) for r in tall]))
        if max(ccw, cw) > best:
            best_turn = 1 if ccw >= cw else 3
    return best_turn


def skew(quads: Sequence[FloatArray]) -> float:
    """Degrees clockwise that straighten the page's long lines, or 0 when they say nothing sure.

    A long line's top edge gives its slant to a fraction of a degree. The lines must agree
    (``SKEW_SPREAD``), and a slant under ``MIN_SKEW`` is left alone: the cropper warps each
    line flat, so a slight one costs nothing, while straightening costs a detection pass and a
    resampling of the page. Beyond ``MAX_SKEW`` the page is the orientation tests' business.
    """
    angles = []
    for quad in quads:
        (x0, y0), (x1, y1), _, (x3, y3) = quad.tolist()
        width = math.hypot(x1 - x0, y1 - y0)
        if width < LONG_LINE * math.hypot(x3 - x0, y3 - y0):
            continue
        angles.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
    if len(angles) < MIN_LINES:
        return 0.0
    middle = float(np.median(angles))
    spread = float(np.median([abs(a - middle) for a in angles]))
    if spread > SKEW_SPREAD or not MIN_SKEW <= abs(middle) <= MAX_SKEW:
        return 0.0
    # A line falling to the right (y grows with x) is straightened counter-clockwise.
    return -middle


def refine_skew(img: ImageArray, quads: Sequence[FloatArray], deskew: float) -> float:
    """``deskew`` made exact by the page's ink: the turn whose rows of ink are sharpest.

    The detector's boxes put the slant 5-10% short (2.4 for 3 degrees, 9.5 for 10 on the UNLV
    pages), enough to leave a two-column page's lines crossing the gutter. Within a degree and
    a half of the boxes' figure, the turn that makes the row sums of ink change most sharply
    from row to row lays the lines flattest (the projection-profile method). Only ink inside
    the detected lines counts, so a figure or a rule does not pull the angle; it is measured
    on a copy shrunk to ``REFINE_SIDE`` pixels, a few milliseconds per angle tried.
    """
    h, w = img.shape[:2]
    scale = min(1.0, REFINE_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(cv2.resize(img, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    text = np.zeros(small.shape[:2], dtype=np.uint8)
    polygons = [np.round(q * scale).astype(np.int32) for q in quads]
    cv2.fillPoly(text, polygons, 1)
    ink = (ink_mask(small) * text).astype(np.float32)
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)
    best, best_score = deskew, 0.0  # no ink in the lines: the boxes' figure stands
    for step in range(-REFINE_STEPS, REFINE_STEPS + 1):
        degrees = deskew + step * REFINE_STEP
        # OpenCV turns counter-clockwise for a positive angle; ``deskew`` is clockwise.
        turn = cv2.getRotationMatrix2D(centre, -degrees, 1.0)
        flat = cv2.warpAffine(ink, turn, (ink.shape[1], ink.shape[0]))
        score = float(np.sum(np.diff(flat.sum(axis=1)) ** 2))
        if score > best_score:
            best, best_score = degrees, score
    return best


def _longest_lines(lines: list[RawLine]) -> list[RawLine]:
    return sorted(lines, key=lambda r: len(r.chars), reverse=True)[:SAMPLE]


def _half_turn(image: ImageArray) -> ImageArray:
    return np.ascontiguousarray(np.rot90(image, 2))


__all__ = [
    "FLIP_BELOW",
    "doubtful_turn",
    "is_sideways",
    "lying_lines",
    "page_confidence",
    "refine_skew",
    "sideways_turn",
    "skew",
]
