"""Reading order for boxes on a page: bands, then columns by whitespace gutters, then rows.

A plain XY-cut splits at every horizontal gap first and so reads two columns whose lines share
baselines (the usual case in typeset text) row by row. Here a region is first cut only at
gaps of several blank lines across its whole width (under a page header, above a full-width
footer), then vertically at a gutter. A gutter may be bridged by a few items (a title over two
columns, a wide figure or table) as long as it is still much emptier than the columns beside
it; those items become separators that cut the region into bands, each read left column, then
right column. One with column text level with it on both sides (a picture set between the
columns, its caption) cuts nothing and is read after those columns. A gutter only counts when
the sides read like columns: both like text (lines of a dozen characters or more, or a
table/figure) unless one is a narrow strip of short values level with the other's lines, or one
like text beside a panel whose rows don't pair off with it. That keeps receipts (items |
amounts) and forms (label | value) in row order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")

# Medians of this many characters per line separate text columns from label/amount columns.
MIN_COLUMN_CHARS = 12
# Layout boxes are loose by a few pixels; items are shrunk by this much so they don't bridge
# gutters.
_PAD = 2.0


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def y_overlap(a: Box, b: Box) -> float:
    return min(a.y1, b.y1) - max(a.y0, b.y0)


def same_row(a: Box, b: Box) -> bool:
    """Boxes of similar height sharing most of their vertical extent sit on one baseline.

    Unless they lie over each other: pieces of one row sit side by side, so two boxes sharing
    most of the narrower one's width are lines stacked closer than their boxes are tall. The
    detector pads each line's box, and in single-spaced print at ~100 dpi (a FUNSD form's
    paragraph: 26 px boxes on a 13 px pitch) neighbouring lines' boxes overlap by half their
    height: read as one row, the second line's words came before the first's.
    """
    ov = y_overlap(a, b)
    lo, hi = min(a.h, b.h), max(a.h, b.h)
    if ov < 0.5 * lo or ov < 0.3 * hi:
        return False
    return min(a.x1, b.x1) - max(a.x0, b.x0) <= 0.5 * min(a.w, b.w)


@dataclass
class Orderer(Generic[T]):
    """Orders items of any type through three views of them.

    ``box`` gives an item's extent; ``line_chars`` the character counts of the text lines it
    holds (used to tell text columns from narrow label/amount columns); ``is_object`` whether it
    is a table or figure, which makes its side of a gutter a real column whatever its text.
    """

    box: Callable[[T], Box]
    line_chars: Callable[[T], list[int]]
    is_object: Callable[[T], bool]
    line_height: float

    def order(self, items: Sequence[T]) -> list[list[list[T]]]:
        """Return leaves (column pieces) in reading order: lists of rows, each left to right."""
        if not items:
            return []
        split = self._split(list(items))
        if split is None:
            return [self.rows(items)]
        leaves: list[list[list[T]]] = []
        for part in split:
            leaves.extend(self.order(part))
        return leaves

    def rows(self, items: Sequence[T]) -> list[list[T]]:
        """Group items into visual rows, top to bottom, each row sorted left to right."""
        rows: list[list[T]] = []
        for item in sorted(items, key=lambda i: (self.box(i).cy, self.box(i).x0)):
            b = self.box(item)
            if rows:
                last = rows[-1]
                nearest = min(last, key=lambda o: _x_distance(self.box(o), b))
                if same_row(self.box(nearest), b):
                    last.append(item)
                    continue
            rows.append([item])
        for row in rows:
            row.sort(key=lambda i: self.box(i).x0)
        return rows

    def _split(self, items: list[T]) -> list[list[T]] | None:
        """Cut the region at a gap across it, at a gutter, or at a horizontal gap; else None.

        A gap of several blank lines across the whole region (under a page header, between a
        two-column part and a one-column part) is cut first: columns rarely break paragraphs
        at the same height, so such a gap doesn't slice through them.
        """
        if len(items) < 2:
            return None
        wide = self._bands(items, 2.0)
        if wide is not None:
            return wide
        boxes = [self.box(i) for i in items]
        x0 = min(b.x0 for b in boxes)
        x1 = max(b.x1 for b in boxes)
        if sum(max(1, len(self.line_chars(i))) for i in items) >= 4 and x1 > x0:
            # The widest few channels at each tolerance are enough; more only costs time.
            for g0, g1 in self._gutters(items, x0, x1)[:24]:
                parts = self._cut(items, g0, g1, x1 - x0)
                if parts is not None:
                    return parts
        return self._bands(items, 1.2)

    def _bands(self, items: list[T], lines: float) -> list[list[T]] | None:
        """Split where the vertical gap exceeds ``lines`` line heights."""
        ordered = sorted(items, key=lambda i: self.box(i).y0)
        bands: list[list[T]] = [[ordered[0]]]
        bottom = self.box(ordered[0]).y1
        for item in ordered[1:]:
            b = self.box(item)
            if b.y0 - bottom > lines * self.line_height:
                bands.append([item])
            else:
                bands[-1].append(item)
            bottom = max(bottom, b.y1)
        return bands if len(bands) > 1 else None

    def _gutters(self, items: list[T], x0: float, x1: float) -> list[tuple[float, float]]:
        """Vertical whitespace channels among ``items``, widest first.

        Crossings are counted per item, but the columns a channel must be emptier than are
        measured in text lines, so one paragraph block weighs as much as its lines.
        """
        origin = int(np.floor(x0))
        size = int(np.ceil(x1)) - origin + 2
        diff = np.zeros(size + 1, dtype=np.int32)
        wdiff = np.zeros(size + 1, dtype=np.int32)
        for item in items:
            b = self.box(item)
            a = int(b.x0 + _PAD) - origin
            e = int(b.x1 - _PAD) - origin
            if e > a:
                weight = max(1, len(self.line_chars(item)))
                diff[a] += 1
                diff[e] -= 1
                wdiff[a] += weight
                wdiff[e] -= weight
        cover = np.cumsum(diff)[:size]
        weight_cover = np.cumsum(wdiff)[:size]
        boxes = [self.box(i) for i in items]
        lo_edge = max(int(min(b.x0 for b in boxes)) - origin, 0)
        hi_edge = min(int(max(b.x1 for b in boxes)) - origin, size)
        min_width = max(4.0, 0.5 * self.line_height)
        out: list[tuple[float, float]] = []
        span = cover[lo_edge:hi_edge]
        weights = weight_cover[lo_edge:hi_edge]
        base = float(lo_edge + origin)
        # Clean gutters first, then ones a few items bridge, widest first at each tolerance.
        for allowed in range(max(1, len(items) // 4) + 1):
            found = [(base + a, base + e) for a, e in channels(span, allowed, min_width, weights)]
            found.sort(key=lambda g: g[0] - g[1])
            out.extend(g for g in found[:6] if g not in out)
        return out

    def _cut(self, items: list[T], g0: float, g1: float, width: float) -> list[list[T]] | None:
        mid = (g0 + g1) / 2
        crossers: set[int] = set()
        left: list[T] = []
        right: list[T] = []
        for idx, item in enumerate(items):
            b = self.box(item)
            if self._crosses(item, b, g0, g1):
                crossers.add(idx)
            elif b.cx < mid:
                left.append(item)
            else:
                right.append(item)
        if not left or not right or not self._columns(left, right, width):
            return None
        # A crosser with column text beside it on both sides is set into the columns (a picture
        # between them, its caption): it doesn't end the columns; it is read after them.
        insets = {
            idx
            for idx in crossers
            if self._beside(self.box(items[idx]), left, right=False)
            and self._beside(self.box(items[idx]), right, right=True)
        }
        # Bands: runs of non-crossing items between separators, in vertical order.
        ordered = sorted(range(len(items)), key=lambda i: (self.box(items[i]).y0, i))
        groups: list[tuple[bool, list[T]]] = []
        for idx in ordered:
            is_sep = idx in crossers and idx not in insets
            if groups and groups[-1][0] == is_sep:
                groups[-1][1].append(items[idx])
            else:
                groups.append((is_sep, [items[idx]]))
        overlap = 0.0
        parts: list[list[T]] = []
        for is_sep, members in groups:
            if is_sep:
                parts.append(members)
                continue
            inset_ids = {id(items[i]) for i in insets}
            inner = [m for m in members if id(m) in inset_ids]
            members = [m for m in members if id(m) not in inset_ids]
            lhs = [m for m in members if self.box(m).cx < mid]
            rhs = [m for m in members if self.box(m).cx >= mid]
            if lhs and rhs:
                overlap += max(
                    0.0, _extent_overlap([self.box(m) for m in lhs], [self.box(m) for m in rhs])
                )
            parts.extend(p for p in (lhs, rhs, inner) if p)
        # Side by side for at least a couple of lines somewhere, or it isn't a column layout.
        if overlap < 1.5 * self.line_height:
            return None
        return parts

    def _crosses(self, item: T, b: Box, g0: float, g1: float) -> bool:
        """Whether ``item`` spans the gutter ``g0``-``g1`` rather than edging into it.

        A single line reaching into the gutter is set across it (a headline over the columns
        beside a narrow one). A block of several lines, a table or a figure only crosses when
        it covers the gutter's middle: their boxes are loose (a layout model's figure box, a
        paragraph whose padded line boxes start a few pixels early), and one taken for a
        crosser cuts the columns into bands, interleaving a sidebar with the text beside it.
        """
        if not (b.x0 + _PAD + 1 < g1 and b.x1 - _PAD - 1 > g0):
            return False
        if len(self.line_chars(item)) <= 1 and not self.is_object(item):
            return True
        mid = (g0 + g1) / 2
        return b.x0 + _PAD < mid < b.x1 - _PAD

    def _beside(self, box: Box, side: list[T], *, right: bool) -> bool:
        """Whether an item of ``side`` sits level with ``box``, clear of it on that side."""
        for item in side:
            b = self.box(item)
            clear = b.x0 >= box.x1 - _PAD if right else b.x1 <= box.x0 + _PAD
            if clear and y_overlap(b, box) >= min(self.line_height, 0.5 * box.h):
                return True
        return False

    def _columns(self, left: list[T], right: list[T], width: float) -> bool:
        """Tell columns (read one after the other) from label/value or item/amount pairs.

        Both sides reading as text makes columns (typeset columns share baselines too, so
        pairing can't tell them from a form with long labels). One text side makes columns
        only when the other is a real panel (a quarter of the width or more) whose rows don't
        pair off with the text side's rows, as a form's labels and values or a receipt's items
        and amounts do.
        """
        lt, rt = self._texty(left), self._texty(right)
        if lt and rt:
            # Unless one side is a narrow strip of short entries, each level with a line of the
            # other side: values beside their labels ("14 March 2024" by "Invoice date").
            return not any(
                self._narrow_values(side, other, width)
                for side, other in ((left, right), (right, left))
            )
        if not (lt or rt):
            return False
        other = right if lt else left
        other_w = max(self.box(i).x1 for i in other) - min(self.box(i).x0 for i in other)
        if other_w < 0.25 * width:
            return False
        few, many = (left, right) if len(left) <= len(right) else (right, left)
        return _paired_share([self.box(i) for i in few], [self.box(i) for i in many]) < 0.6

    def _narrow_values(self, side: list[T], other: list[T], width: float) -> bool:
        if any(self.is_object(i) for i in side):
            return False
        chars = [c for i in side for c in self.line_chars(i)]
        side_w = max(self.box(i).x1 for i in side) - min(self.box(i).x0 for i in side)
        if not chars or median(chars) >= 2 * MIN_COLUMN_CHARS or side_w >= 0.25 * width:
            return False
        return _paired_share([self.box(i) for i in side], [self.box(i) for i in other]) >= 0.6

    def _texty(self, side: list[T]) -> bool:
        if any(self.is_object(i) for i in side):
            return True
        chars = [c for i in side for c in self.line_chars(i)]
        return len(chars) >= 2 and median(chars) >= MIN_COLUMN_CHARS


def channels(
    cover: np.ndarray, allowed: int, min_gap: float, density: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """Runs of ``cover`` at or under ``allowed``, between parts at least twice as dense plus two.

    The density rule lets a few items bridge a channel (a title over two columns, a group
    heading over two table columns) while a merely sparse stretch inside one column, whose
    neighbours are hardly denser, doesn't count. ``density`` (default ``cover``) is what the
    neighbours' density is read from.
    """
    low = np.concatenate(([0], (cover <= allowed).astype(np.int8), [0]))
    step = np.diff(low)
    runs = [
        (int(a), int(e))
        for a, e in zip(np.flatnonzero(step == 1), np.flatnonzero(step == -1), strict=True)
        if a > 0 and e < len(cover)
    ]
    if allowed == 0:
        return [(a, e) for a, e in runs if e - a >= min_gap]
    need = 2 * allowed + 2
    dense = cover if density is None else density
    out: list[tuple[int, int]] = []
    edges = [0, *[x for run in runs for x in run], len(cover)]
    # Segment i lies between run i-1 and run i; its peak says whether it is a column.
    peaks = [
        int(dense[edges[2 * i] : edges[2 * i + 1]].max(initial=0)) for i in range(len(runs) + 1)
    ]
    for i, (a, e) in enumerate(runs):
        if e - a >= min_gap and peaks[i] >= need and peaks[i + 1] >= need:
            out.append((a, e))
    return out


def _paired_share(few: list[Box], many: list[Box]) -> float:
    """Share of ``few`` on the baseline of, and the same size as, an item of ``many``.

    That is how a form's labels sit beside their values and a receipt's items beside amounts.
    """
    fc = np.array([b.cy for b in few])[:, None]
    fh = np.array([b.h for b in few])[:, None]
    mc = np.array([b.cy for b in many])[None, :]
    mh = np.array([b.h for b in many])[None, :]
    hi = np.maximum(fh, mh)
    aligned = (np.abs(fc - mc) <= 0.2 * hi) & (np.minimum(fh, mh) >= hi / 1.3)
    return float(aligned.any(axis=1).mean())


def _x_distance(a: Box, b: Box) -> float:
    return max(0.0, max(a.x0, b.x0) - min(a.x1, b.x1))


def _extent_overlap(a: list[Box], b: list[Box]) -> float:
    top = max(min(x.y0 for x in a), min(x.y0 for x in b))
    bottom = min(max(x.y1 for x in a), max(x.y1 for x in b))
    return bottom - top


__all__ = ["Box", "Orderer", "channels", "same_row", "y_overlap"]
