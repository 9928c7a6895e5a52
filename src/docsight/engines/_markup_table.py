"""HTML tables rebuilt from the text lines inside a table region.

OCR engines see text, not rules, so the grid is inferred from where the text sits: rows are
lines sharing a baseline, columns are the x-intervals between gutters that (almost) no cell
crosses. A few spanning cells, such as a group heading over two columns, may bridge a gutter
that is still clearly emptier than the columns on either side; they become ``colspan`` cells
rather than fusing two columns for the whole table.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html import escape
from statistics import median

import numpy as np

from docsight.engines._markup_order import Box, channels, same_row
from docsight.models import BBox, Line

_NUMERIC = re.compile(r"^[\s$€£¥%()+\-–.,:/*#0-9]+$")


@dataclass
class _Cell:
    text: str
    col: int
    span: int


@dataclass
class _GridRow:
    cells: list[_Cell]
    box: Box
    lines: list[Line] = field(default_factory=list)


def _box(line: Line) -> Box:
    return Box(line.box.x0, line.box.y0, line.box.x1, line.box.y1)


def split_on_word_gaps(line: Line) -> list[Line]:
    """Split a line where its words are far apart, when the engine gave word boxes.

    Engines join neighbouring table cells into one line when the gutter is narrow; word boxes,
    where known, show the gap. Only done when the words spell the line exactly, so no text is
    lost or reordered.
    """
    words = line.words
    if len(words) < 2 or " ".join(w.text for w in words) != " ".join(line.text.split()):
        return [line]
    gap = 1.2 * max(line.box.height, 1.0)
    pieces: list[list[int]] = [[0]]
    for i in range(1, len(words)):
        if words[i].box.x0 - words[i - 1].box.x1 > gap:
            pieces.append([i])
        else:
            pieces[-1].append(i)
    if len(pieces) == 1:
        return [line]
    out: list[Line] = []
    for piece in pieces:
        ws = [words[i] for i in piece]
        box = BBox(
            x0=min(w.box.x0 for w in ws),
            y0=min(w.box.y0 for w in ws),
            x1=max(w.box.x1 for w in ws),
            y1=max(w.box.y1 for w in ws),
        )
        out.append(Line(text=" ".join(w.text for w in ws), box=box, words=ws))
    return out


def table_rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by baseline, top to bottom, left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.box.cy, ln.box.x0)):
        b = _box(line)
        if rows:
            last = rows[-1]
            nearest = min(last, key=lambda o: abs(o.box.cy - b.cy))
            if same_row(_box(nearest), b):
                last.append(line)
                continue
        rows.append([line])
    for row in rows:
        row.sort(key=lambda ln: ln.box.x0)
    return rows


def column_spans(rows: list[list[Line]]) -> list[tuple[float, float]]:
    """Column x-intervals, split at gutters in the projection of all cells."""
    cells = [ln for row in rows for ln in row]
    if not cells:
        return []
    x0 = min(c.box.x0 for c in cells)
    x1 = max(c.box.x1 for c in cells)
    origin = int(np.floor(x0))
    size = int(np.ceil(x1)) - origin + 1
    diff = np.zeros(size + 1, dtype=np.int32)
    for c in cells:
        a, e = _ink_extent(c)
        diff[int(a) - origin] += 1
        diff[int(np.ceil(e)) - origin] -= 1
    cover = np.cumsum(diff)[:size]
    min_gap = max(3.0, 0.4 * median(c.box.height for c in cells))
    clean = channels(cover, 0, min_gap) + _tight_gutters(cover, min_gap, len(rows))
    gutters = list(clean)
    for allowed in range(1, len(rows) // 5 + 1):
        for a, e in channels(cover, allowed, min_gap):
            # Holding two clean gutters means a sparse column lies inside: keep that column.
            if sum(1 for ca, ce in clean if a <= ca and ce <= e) <= 1:
                gutters.append((a, e))
    merged: list[list[int]] = []
    for a, e in sorted(gutters):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([a, e])
    bounds = [float(origin)] + [origin + (a + e) / 2 for a, e in merged] + [float(x1)]
    return list(itertools.pairwise(bounds))


def _ink_extent(line: Line) -> tuple[float, float]:
    """Where a cell's ink starts and ends: its words' boxes where the engine gave them.

    A detector pads each line's box by a few pixels on either side; in a tightly set table
    (``$1,767.4`` ``$2,160.0`` 14 px apart at 300 dpi) the padded boxes touch, and the
    projection of line boxes shows no gutter between columns that the print separates.
    """
    if line.words:
        return min(w.box.x0 for w in line.words), max(w.box.x1 for w in line.words)
    return line.box.x0, line.box.x1


def _tight_gutters(cover: np.ndarray, min_gap: float, nrows: int) -> list[tuple[int, int]]:
    """Gutters narrower than a word space, kept only between columns filled in most rows.

    Engines split a date from a description a few pixels away because they saw the gap; a
    single row split that way is a stray word space, a whole column of them is a column.
    """
    runs = channels(cover, 0, 1.0)
    out: list[tuple[int, int]] = []
    for a, e in runs:
        if e - a >= min_gap:
            continue
        left = int(cover[max(0, a - 3) : a].max(initial=0))
        right = int(cover[e : e + 3].max(initial=0))
        if min(left, right) >= max(3, nrows // 2 + 1):
            out.append((a, e))
    return out


def _place(line: Line, spans: list[tuple[float, float]]) -> tuple[int, int]:
    """First column a line covers and how many columns it covers."""
    hit = [
        i
        for i, (a, b) in enumerate(spans)
        if min(b, line.box.x1) - max(a, line.box.x0) > 0.25 * min(b - a, line.box.width)
    ]
    if not hit:
        nearest = min(
            range(len(spans)), key=lambda i: abs((spans[i][0] + spans[i][1]) / 2 - line.box.cx)
        )
        return nearest, 1
    return hit[0], hit[-1] - hit[0] + 1


def _looks_like_header(first: list[_Cell], rest: list[list[_Cell]]) -> bool:
    """Call a first row a header when it holds words over rows of numbers, or only words."""
    if not rest or not first:
        return False
    texts = [c.text for c in first if c.text]
    if not texts or any(_NUMERIC.match(t) for t in texts):
        return False
    numeric_below = sum(1 for row in rest for c in row if c.text and _NUMERIC.match(c.text))
    return numeric_below > 0 or len(texts) >= 2


def _grid(lines: list[Line]) -> tuple[list[_GridRow], int]:
    pieces = [p for ln in lines for p in split_on_word_gaps(ln)]
    rows = table_rows(pieces)
    spans = column_spans(rows)
    grid: list[_GridRow] = []
    for row in rows:
        cells: dict[int, _Cell] = {}
        for ln in row:
            col, span = _place(ln, spans)
            text = ln.text.strip()
            if col in cells:
                cell = cells[col]
                cell.text = f"{cell.text} {text}".strip()
                cell.span = max(cell.span, span)
            else:
                cells[col] = _Cell(text, col, span)
        out: list[_Cell] = []
        col = 0
        for c in sorted(cells.values(), key=lambda c: c.col):
            if c.col < col:  # a spanning cell already covers this column: keep text, no new cell
                out[-1].text = f"{out[-1].text} {c.text}".strip()
                continue
            out.extend(_Cell("", k, 1) for k in range(col, c.col))
            out.append(c)
            col = c.col + c.span
        out.extend(_Cell("", k, 1) for k in range(col, len(spans)))
        box = Box(
            min(ln.box.x0 for ln in row),
            min(ln.box.y0 for ln in row),
            max(ln.box.x1 for ln in row),
            max(ln.box.y1 for ln in row),
        )
        grid.append(_GridRow(out, box, row))
    return _merge_continuations(grid), len(spans)


def _merge_continuations(grid: list[_GridRow]) -> list[_GridRow]:
    """Fold a wrapped cell's second line back into the row it continues.

    A row with an empty first column, only words, fewer cells than the row above and no more
    than line spacing below it is the rest of that row's text, not a row of its own.
    """
    out: list[_GridRow] = []
    for row in grid:
        prev = out[-1] if out else None
        filled = [c for c in row.cells if c.text]
        if (
            prev is not None
            and row.cells
            and not row.cells[0].text
            and prev.cells[0].text
            and filled
            and all(not _NUMERIC.match(c.text) for c in filled)
            and len(filled) < sum(1 for c in prev.cells if c.text)
            and row.box.y0 - prev.box.y1 <= 0.8 * row.box.h
            and _same_columns(prev, row)
        ):
            for cell in filled:
                target = next(c for c in prev.cells if c.col <= cell.col < c.col + c.span)
                target.text = f"{target.text} {cell.text}".strip()
            prev.box = Box(prev.box.x0, prev.box.y0, max(prev.box.x1, row.box.x1), row.box.y1)
            continue
        out.append(row)
    return out


def _same_columns(prev: _GridRow, row: _GridRow) -> bool:
    starts = {c.col for c in prev.cells}
    return all(c.col in starts for c in row.cells if c.text)


def grid_quality(lines: list[Line]) -> tuple[int, int, float]:
    """Rows, columns and the share of filled cells the lines would make as a table."""
    grid, ncols = _grid(lines)
    total = sum(c.span for row in grid for c in row.cells) or 1
    filled = sum(c.span for row in grid for c in row.cells if c.text)
    return len(grid), ncols, filled / total


def render_table(lines: list[Line]) -> str:
    """Render the lines as an HTML table; every line's text lands in exactly one cell."""
    grid, _ = _grid(lines)
    header = _looks_like_header(grid[0].cells, [r.cells for r in grid[1:]]) if grid else False
    html = ["<table>"]
    for r, grid_row in enumerate(grid):
        tag = "th" if header and r == 0 else "td"
        cells_html = "".join(
            f"<{tag}{_colspan(c.span)}>{escape(c.text, quote=False)}</{tag}>"
            for c in grid_row.cells
        )
        html.append(f"<tr>{cells_html}</tr>")
    html.append("</table>")
    return "\n".join(html)


def _colspan(span: int) -> str:
    return f' colspan="{span}"' if span > 1 else ""


__all__ = ["column_spans", "grid_quality", "render_table", "split_on_word_gaps", "table_rows"]
