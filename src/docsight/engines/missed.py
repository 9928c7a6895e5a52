"""Glyphs of text height that no detected box covers: the places the detector missed a word.

The detector finds lines, and a line of one narrow glyph barely registers: a receipt's
quantity column of lone ``1`` (SROIE 050: seven of them, 7 px wide, none boxed) or a short
word set apart from its row. Such ink is found in the page's ink mask as components as tall as
the page's letters that lie outside every box, grouped into words by their gaps, and each group
is handed to the recogniser like any detected box. A group is kept only where the recogniser
reads it confidently: a smudge or a stamp's fragment reads as nothing or as doubt.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]

# A component's height, in the page's median ink height (letters with their ascenders): a
# lowercase ``a`` is ~0.6 of it, a ``1`` or a capital ~0.85-1.0.
_MIN_HEIGHT, _MAX_HEIGHT = 0.55, 1.4
# Wider than this (ink heights) is a rule, a box or a logo, not a glyph or two.
_MAX_WIDTH = 3.0
# Components this close (ink heights) on one row are one word.
_WORD_GAP = 0.6
# A bar: no wider than this share of its height, and this share of its box inked.
_BAR_WIDTH, _BAR_FILL = 0.2, 0.8
# Groups wider than this (ink heights) are not a missed word but a missed region: a picture.
_MAX_GROUP = 10.0
# How far along its row (ink heights) a missed word may lie from the row's detected text.
_ROW_REACH = 8.0
# Margin (ink heights) around a group, the paper the recogniser sees about a detected word.
_PAD_X, _PAD_Y = 0.4, 0.3
# Boxes grow by this (ink heights) before the coverage test: a detected word's stray ends.
_COVER_PAD = 0.1
# At most this many groups per page: a page of missed ink is a page the detector failed
# differently (a photo, a texture), and reading it all would cost a second page.
_MAX_GROUPS = 40
# Glyph-sized components, covered or not, past which the page is noise (a dense 300 dpi page
# of text has ~10,000 letters); the coverage test holds one flag per component and box.
_MAX_CANDIDATES = 30_000
# Uncovered glyph-sized components past which the page is that case already (60,000 specks
# took 2 s to group).
_MAX_PARTS = 10 * _MAX_GROUPS


def components(ink: NDArray[Any]) -> NDArray[np.int32]:
    """The ink mask's 8-connected components' stats (``cv2.CC_STAT_*`` columns), background first.

    Both searches below read the same components: the engine labels the page once and hands
    the stats to each (``stats=``) instead of labelling it twice.
    """
    return np.asarray(cv2.connectedComponentsWithStats(ink, connectivity=8)[2])


def missed_words(
    ink: NDArray[Any],
    boxes: list[tuple[float, float, float, float]],
    ink_height: float,
    stats: NDArray[np.int32] | None = None,
) -> list[FloatArray]:
    """Quads (clockwise from top left, page pixels) around ink groups that no box covers.

    ``ink``: the page's ink mask (1 on ink); ``boxes``: the detected lines' bounding boxes;
    ``ink_height``: the median height of the detected lines' letters, in page pixels.
    """
    if ink_height < 4 or ink.size == 0:
        return []
    stats = components(ink) if stats is None else stats
    if len(stats) <= 1:
        return []
    x, y, w, h = (stats[1:, k].astype(np.float64) for k in range(4))
    keep = (
        (h >= _MIN_HEIGHT * ink_height)
        & (h <= _MAX_HEIGHT * ink_height)
        & (w <= _MAX_WIDTH * ink_height)
    )
    if int(keep.sum()) > _MAX_CANDIDATES:
        return []  # noise of glyph size everywhere: not a page with a few missed words
    if boxes and keep.any():
        pad = _COVER_PAD * ink_height
        b = np.asarray(boxes, dtype=np.float64)
        bx0, by0, bx1, by1 = b[:, 0] - pad, b[:, 1] - pad, b[:, 2] + pad, b[:, 3] + pad
        idx = np.flatnonzero(keep)
        cx0, cy0 = x[idx, None], y[idx, None]
        cx1, cy1 = cx0 + w[idx, None], cy0 + h[idx, None]
        touching = (cx0 < bx1) & (cx1 > bx0) & (cy0 < by1) & (cy1 > by0)
        keep[idx[touching.any(axis=1)]] = False
    if int(keep.sum()) > _MAX_PARTS:
        return []  # a page of uncovered ink: grouping it would be quadratic, and pointless
    area = stats[1:, 4].astype(np.float64)
    # A lone solid bar is a dash of a dashed rule or a frame's broken side (FUNSD 0001477983
    # read six of them as ``1``): a printed ``1`` has a flag and a foot, so it is wider or
    # less filled. A bar inside a word (``Il``) is kept with its word.
    bar = (w <= _BAR_WIDTH * h) & (area >= _BAR_FILL * w * h)
    parts = sorted(
        (float(x[i]), float(y[i]), float(x[i] + w[i]), float(y[i] + h[i]), bool(bar[i]))
        for i in np.flatnonzero(keep)
    )
    groups = _group(parts, ink_height)
    height, width = ink.shape[:2]
    quads: list[FloatArray] = []
    for gx0, gy0, gx1, gy1 in groups:
        if gx1 - gx0 > _MAX_GROUP * ink_height or not _beside_text(
            (gx0, gy0, gx1, gy1), boxes, ink_height
        ):
            continue
        px, py = _PAD_X * ink_height, _PAD_Y * ink_height
        x0, y0 = max(0.0, gx0 - px), max(0.0, gy0 - py)
        x1, y1 = min(float(width), gx1 + px), min(float(height), gy1 + py)
        quads.append(_quad(x0, y0, x1, y1))
    return quads if len(quads) <= _MAX_GROUPS else []


def _beside_text(
    group: tuple[float, float, float, float],
    boxes: list[tuple[float, float, float, float]],
    ink_height: float,
    reach_heights: float = _ROW_REACH,
) -> bool:
    """Whether a detected line shares the group's row within ``reach_heights`` ink heights.

    A missed word belongs to a row of text (a quantity before its item, a value after its
    label); glyph-like ink far from any text is a figure's or a stamp's (scribeocr
    multicol_02 read a chart's marks as ``D 0``).
    """
    return _row(group, boxes, ink_height, reach_heights) is not None


def _quad(x0: float, y0: float, x1: float, y1: float) -> FloatArray:
    """The box as a quad, clockwise from top left: what the recogniser's crops take."""
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def _group(
    parts: list[tuple[float, float, float, float, bool]], ink_height: float
) -> list[tuple[float, float, float, float]]:
    """Components joined into words, a lone bar left out.

    Words: components on one row (overlapping by half the shorter) closer than ``_WORD_GAP``
    ink heights; ``parts`` are sorted by their left edge and say whether each is a bar.
    """
    groups: list[list[float]] = []  # x0, y0, x1, y1, components, bars
    gap = _WORD_GAP * ink_height
    for x0, y0, x1, y1, bar in parts:
        for g in reversed(groups):
            overlap = min(y1, g[3]) - max(y0, g[1])
            if overlap >= 0.5 * min(y1 - y0, g[3] - g[1]) and x0 - g[2] <= gap:
                g[0], g[1] = min(g[0], x0), min(g[1], y0)
                g[2], g[3] = max(g[2], x1), max(g[3], y1)
                g[4] += 1
                g[5] += bar
                break
        else:
            groups.append([x0, y0, x1, y1, 1, float(bar)])
    return [(g[0], g[1], g[2], g[3]) for g in groups if not (g[4] == 1 and g[5])]


# A colon's dot, in ink heights: no taller or wider than this, at least this, and this share
# of its box inked (a dot is round or square; a stroke's fragment is not).
_DOT_MAX, _DOT_MIN, _DOT_FILL = 0.4, 0.05, 0.45
# A dot's box at most this elongated (a 2 x 5 px dot of a thin 300 dpi face), and the two
# dots' areas within this ratio of each other.
_DOT_ASPECT, _DOT_AREAS = 2.5, 2.5
# The colon's two dots: centres this close across (ink heights), the blank between them and
# the whole colon's height within these bounds (a period under an apostrophe is not one).
_COLON_DX = 0.25
_COLON_GAP = (0.1, 0.7)
_COLON_SPAN = (0.35, 1.05)
# A third dot this many colon gaps above or below the pair makes it a run of a dotted rule
# (a frame drawn in dots: FUNSD 0012947358, SROIE 073), not a colon.
_CHAIN_GAP = 1.3
# A colon between a label and its value may stand in a column of its own, far from both
# (SROIE 024: ``TOTAL TAX          :          3.12``, 10 ink heights from either).
_COLON_REACH = 30.0
# Colons of one column on rows without text past which the column is a rule (``_separator``).
_SEPARATOR_BLANKS = 2


def missed_colons(
    ink: NDArray[Any],
    boxes: list[tuple[float, float, float, float]],
    ink_height: float,
    stats: NDArray[np.int32] | None = None,
) -> list[tuple[FloatArray, tuple[float, float, float, float]]]:
    """Colons that no box covers: quads a line of text tall, each with the colon's own box.

    A colon set apart in a column of its own (``Sub Total      :      RM 68.87``) is two dots
    and nothing else: no detector finds a line there, and ``missed_words`` skips ink that
    small. Two dots of a size, one above the other at a colon's spacing, on clean paper and
    on a row of text, are handed to the recogniser with a line's height of paper around them
    (the colon's box, inside the quad, says which ink is the colon's), so the recogniser,
    not this geometry, says whether they read as ``:``.
    """
    if ink_height < 4 or ink.size == 0:
        return []
    stats = components(ink) if stats is None else stats
    if len(stats) <= 1 or len(stats) > _MAX_CANDIDATES:
        return []
    x, y, w, h, area = (stats[1:, k].astype(np.float64) for k in range(5))
    loose = _uncovered(ink.shape[:2], boxes, _COVER_PAD * ink_height, x, y, w, h)
    lo, hi = max(2.0, _DOT_MIN * ink_height), _DOT_MAX * ink_height
    dot = (
        loose
        & (w >= lo)
        & (w <= hi)
        & (h >= lo)
        & (h <= hi)
        & (np.maximum(w, h) <= _DOT_ASPECT * np.minimum(w, h))
        & (area >= _DOT_FILL * w * h)
    )
    order = np.flatnonzero(dot)
    if not len(order) or len(order) > _MAX_PARTS:
        return []
    order = order[np.argsort(y[order])]
    free = np.flatnonzero(loose)
    cx = x + w / 2
    used: set[int] = set()
    colons: list[tuple[float, float, float, float]] = []
    for i in (int(k) for k in order):
        if i in used:
            continue
        for j in (int(k) for k in order):
            if y[j] - y[i] > _COLON_SPAN[1] * ink_height:
                break  # sorted by top: every later dot starts lower still
            if j == i or j in used or y[j] <= y[i]:
                continue
            gap = y[j] - (y[i] + h[i])
            span = y[j] + h[j] - y[i]
            if not (
                abs(cx[i] - cx[j]) <= _COLON_DX * ink_height
                and _COLON_GAP[0] * ink_height <= gap <= _COLON_GAP[1] * ink_height
                and _COLON_SPAN[0] * ink_height <= span <= _COLON_SPAN[1] * ink_height
                and max(area[i], area[j]) <= _DOT_AREAS * min(area[i], area[j])
            ):
                continue
            colon = (min(x[i], x[j]), y[i], max(x[i] + w[i], x[j] + w[j]), y[j] + h[j])
            if _in_chain(i, j, order, cx, y, h, gap, ink_height) or not _clean(
                colon, span, 2, free, x, y, w, h
            ):
                continue
            used.update((i, j))
            colons.append(colon)
            break
    beside = [_beside_text(c, boxes, ink_height, _COLON_REACH) for c in colons]
    found: list[tuple[FloatArray, tuple[float, float, float, float]]] = []
    height, width = ink.shape[:2]
    for k, colon in enumerate(colons):
        if not beside[k] or _separator(k, colons, beside, ink_height):
            continue
        # A line's paper around it (the colon sits on the baseline, its top dot near
        # x-height): what the recogniser expects beside a glyph.
        gx0, gy0, gx1, gy1 = colon
        span = gy1 - gy0
        x0, x1 = max(0.0, gx0 - span), min(float(width), gx1 + span)
        y0, y1 = max(0.0, gy1 - 1.5 * span), min(float(height), gy1 + 0.4 * span)
        quad = _quad(x0, y0, x1, y1)
        found.append((quad, (gx0 - x0, gy0 - y0, gx1 - x0, gy1 - y0)))
    return found if len(found) <= _MAX_GROUPS else []


def _separator(
    k: int,
    colons: list[tuple[float, float, float, float]],
    beside: list[bool],
    ink_height: float,
) -> bool:
    """Whether colon ``k`` belongs to a column of colons that runs on past the text's rows.

    A court filing's caption is split by a column of colons, one per line, down blank rows as
    well as written ones (scribeocr filing_01): a rule drawn in colons, which transcriptions
    leave out. A label's colon stands on its row; a column of them (a receipt's ``Sub Total
    :`` / ``Service Charge :``) keeps to the rows that hold text.
    """
    centre = (colons[k][0] + colons[k][2]) / 2
    column = [
        b
        for c, b in zip(colons, beside, strict=True)
        if abs((c[0] + c[2]) / 2 - centre) <= _COLON_DX * ink_height
    ]
    return column.count(False) >= _SEPARATOR_BLANKS


def _uncovered(
    shape: tuple[int, ...],
    boxes: list[tuple[float, float, float, float]],
    pad: float,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    w: NDArray[np.float64],
    h: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Which components' boxes touch no detected box grown by ``pad``.

    Every component of the page is tested (the colon test needs the specks too), so the boxes
    are painted once and each component looks up its sum in the integral image: linear in
    the components, where the pairwise test was components x boxes.
    """
    height, width = shape
    cover = np.zeros((height, width), dtype=np.uint8)
    for bx0, by0, bx1, by1 in boxes:
        left, top = max(0, math.floor(bx0 - pad)), max(0, math.floor(by0 - pad))
        right, bottom = min(width, math.ceil(bx1 + pad)), min(height, math.ceil(by1 + pad))
        cover[top:bottom, left:right] = 1
    total = cv2.integral(cover)
    c0, r0 = x.astype(np.intp), y.astype(np.intp)
    c1, r1 = c0 + w.astype(np.intp), r0 + h.astype(np.intp)
    inside = total[r1, c1] - total[r0, c1] - total[r1, c0] + total[r0, c0]
    return np.asarray(inside == 0)


def _clean(
    colon: tuple[float, float, float, float],
    span: float,
    own: int,
    free: NDArray[np.intp],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    w: NDArray[np.float64],
    h: NDArray[np.float64],
) -> bool:
    """Whether no uncovered ink but its ``own`` parts lies within ``span`` of a colon or mark.

    A printed colon stands on blank paper; two specks of a speckled scan (FUNSD 00283813)
    have more specks about them, and the recogniser reads a clean pair of them as ``:``.
    """
    gx0, gy0, gx1, gy1 = colon
    near = (
        (x[free] < gx1 + span)
        & (x[free] + w[free] > gx0 - span)
        & (y[free] < gy1 + 0.5 * span)
        & (y[free] + h[free] > gy0 - 0.5 * span)
    )
    return int(near.sum()) <= own


def _in_chain(
    i: int,
    j: int,
    order: NDArray[np.intp],
    cx: NDArray[np.float64],
    y: NDArray[np.float64],
    h: NDArray[np.float64],
    gap: float,
    ink_height: float,
) -> bool:
    """Whether dots ``i`` (above) and ``j`` continue into a dot above ``i`` or below ``j``.

    A colon is two dots with paper above and below; a dotted rule repeats them at one pitch.
    Stacked colons (``Address :`` over a row of ``:``) sit a line apart, well past
    ``_CHAIN_GAP`` colon gaps.
    """
    reach = _CHAIN_GAP * gap + 2.0
    near = np.abs(cx[order] - cx[i]) <= _COLON_DX * ink_height
    above = y[i] - (y[order] + h[order])
    below = y[order] - (y[j] + h[j])
    chained = near & (((above >= 0) & (above <= reach)) | ((below >= 0) & (below <= reach)))
    return bool(chained.any())


# A lone mark (``-``, ``=``, ``*``, ``+``), in ink heights: at least this long on its longer
# side (shorter is a dot, the colon search's), at most this wide and this tall (taller is a
# glyph, ``missed_words``'), its parts joined across this much paper (the bars of ``=``).
_MARK_MIN, _MARK_WIDTH, _MARK_HEIGHT, _MARK_JOIN = 0.25, 1.0, _MIN_HEIGHT, 0.3
# Paper about a mark (ink heights across, half that up and down) that no other loose ink may
# touch: the dashes of a rule a line above (SROIE 013) stay outside it.
_MARK_CLEAR = 0.6
# A twin of a mark on its row within this many ink heights makes both a leader's dashes.
_MARK_RUN = 3.0
# A mark is one to three parts (``=`` is two bars; a blurred ``*`` may break up).
_MARK_PARTS = 3


def missed_marks(
    ink: NDArray[Any],
    boxes: list[tuple[float, float, float, float]],
    ink_height: float,
    stats: NDArray[np.int32] | None = None,
    skip: list[tuple[float, float, float, float]] | None = None,
) -> list[tuple[FloatArray, tuple[float, float, float, float]]]:
    """Small marks no box covers (a lone ``-``, ``=``, ``*``): quads with the mark's own box.

    A receipt sets a dash, an equals sign or an asterisk in a column of its own (SROIE 013:
    ``Total Items      =      1.00``; 017: ``0      *      UNIT``), as it does a colon: no
    detector boxes it and ``missed_words`` skips ink shorter than a letter. Loose components
    of a mark's size are joined into marks; a mark on clean paper on a row of text is handed
    to the recogniser at the row's own height (where it stands in that height tells ``-`` from
    ``_``), which says what it is. ``skip``: boxes already taken (the colons).
    """
    if ink_height < 4 or ink.size == 0:
        return []
    stats = components(ink) if stats is None else stats
    if len(stats) <= 1 or len(stats) > _MAX_CANDIDATES:
        return []
    x, y, w, h = (stats[1:, k].astype(np.float64) for k in range(4))
    # A flat mark just above a line lies in that line's box margin (SROIE 017's dash, 1 px
    # into the box below it) without being read there: only a box over its centre covers it.
    one = np.ones_like(w)
    loose = _uncovered(ink.shape[:2], boxes, 0.0, x + w // 2, y + h // 2, one, one)
    small = (np.maximum(w, h) <= _MARK_WIDTH * ink_height) & (h < _MARK_HEIGHT * ink_height)
    # Any small ink about a mark makes it a rule's dash or a speck among specks, whether a box
    # covers that ink or not (a dashed rule runs on under the next line's box: SROIE 013).
    free = np.flatnonzero(loose | small)
    small &= loose & (np.maximum(w, h) >= max(2.0, _DOT_MIN * ink_height))
    order = np.flatnonzero(small)
    if not len(order) or len(order) > _MAX_PARTS:
        return []
    join = _MARK_JOIN * ink_height
    marks: list[list[float]] = []  # x0, y0, x1, y1, parts
    for i in order[np.argsort(x[order])]:
        x0, y0, x1, y1 = x[i], y[i], x[i] + w[i], y[i] + h[i]
        for m in marks:
            if x0 - m[2] <= join and m[0] - x1 <= join and y0 - m[3] <= join and m[1] - y1 <= join:
                m[0], m[1], m[2], m[3] = min(m[0], x0), min(m[1], y0), max(m[2], x1), max(m[3], y1)
                m[4] += 1
                break
        else:
            marks.append([x0, y0, x1, y1, 1.0])
    taken = skip or []
    height, width = ink.shape[:2]
    found: list[tuple[FloatArray, tuple[float, float, float, float]]] = []
    for k, (gx0, gy0, gx1, gy1, parts) in enumerate(marks):
        mark = (gx0, gy0, gx1, gy1)
        mw, mh = gx1 - gx0, gy1 - gy0
        if (
            _in_run(k, marks, ink_height)
            or parts > _MARK_PARTS
            or max(mw, mh) < _MARK_MIN * ink_height
            or mw > _MARK_WIDTH * ink_height
            or mh > _MARK_HEIGHT * ink_height
            or any(_overlaps(mark, t) for t in taken)
        ):
            continue
        inside = (
            (x[free] >= gx0)
            & (x[free] + w[free] <= gx1)
            & (y[free] >= gy0)
            & (y[free] + h[free] <= gy1)
        )
        if not _clean(mark, _MARK_CLEAR * ink_height, int(inside.sum()), free, x, y, w, h):
            continue
        row = _row(mark, boxes, ink_height, _COLON_REACH, centre=True)
        if row is None:
            continue
        # The row's own height about the mark, and as wide as a glyph with paper either side:
        # a crop taller than wide is read as a vertical line.
        ry0, ry1 = min(row[1], gy0), max(row[3], gy1)
        half = max(0.75 * (ry1 - ry0), mw / 2 + 0.5 * ink_height)
        cx = (gx0 + gx1) / 2
        x0, x1 = max(0.0, cx - half), min(float(width), cx + half)
        y0, y1 = max(0.0, ry0), min(float(height), ry1)
        quad = _quad(x0, y0, x1, y1)
        found.append((quad, (gx0 - x0, gy0 - y0, gx1 - x0, gy1 - y0)))
    return found if len(found) <= _MAX_GROUPS else []


def _in_run(k: int, marks: list[list[float]], ink_height: float) -> bool:
    """Whether mark ``k`` has a twin on its row within ``_MARK_RUN`` ink heights.

    Leaders and dashed rules repeat one dash along a row (FUNSD 0001485288's ``- - - - -``
    after each label, SROIE 012's rules between totals); a receipt's lone ``=`` or ``*``
    stands alone on its row.
    """
    x0, y0, x1, y1, _ = marks[k]
    cy, w, h = (y0 + y1) / 2, x1 - x0, y1 - y0
    for j, (ox0, oy0, ox1, oy1, _) in enumerate(marks):
        if j == k or abs((oy0 + oy1) / 2 - cy) > _MARK_JOIN * ink_height:
            continue
        if max(ox0 - x1, x0 - ox1) > _MARK_RUN * ink_height:
            continue
        ow, oh = ox1 - ox0, oy1 - oy0
        if max(ow, w) <= 2 * min(ow, w) + 2 and max(oh, h) <= 2 * min(oh, h) + 2:
            return True
    return False


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _row(
    group: tuple[float, float, float, float],
    boxes: list[tuple[float, float, float, float]],
    ink_height: float,
    reach_heights: float,
    centre: bool = False,
) -> tuple[float, float, float, float] | None:
    """The nearest detected line on the group's row within ``reach_heights``, if any.

    ``centre``: the row must hold the group's centre (a dash is too flat to overlap half of
    a row by its own height, but it stands inside the row's band).
    """
    gx0, gy0, gx1, gy1 = group
    reach = reach_heights * ink_height
    best: tuple[float, float, float, float] | None = None
    best_gap = math.inf
    for box in boxes:
        x0, y0, x1, y1 = box
        if centre:
            on_row = y0 <= (gy0 + gy1) / 2 <= y1
        else:
            on_row = min(y1, gy1) - max(y0, gy0) >= 0.5 * (gy1 - gy0)
        gap = max(x0 - gx1, gx0 - x1, 0.0)
        if on_row and gap <= reach and gap < best_gap:
            best, best_gap = box, gap
    return best


__all__ = ["missed_colons", "missed_marks", "missed_words"]
