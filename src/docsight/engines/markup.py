"""Nanonets-style markdown from an engine's text lines and (optionally) layout regions.

The CPU engines find lines with boxes; this module turns them into the same markup the VLMs
write (DESIGN.md §2), so one parser serves every engine and their outputs compare on equal
terms. It never invents text: every input line's text appears exactly once in the output
(with `<`, `>` and `*` escaped; an end-of-line hyphen stays as printed).

How a page is put together:

1. Duplicate layout blocks are dropped, then each line goes to the block holding most of it, or
   its middle (a table first, else the smallest such block); lines no block claims stay free.
2. Number-like lines at the outer edge of the top or bottom margin become ``<page_number>``.
   A table or table-like figure block is cut at wide vertical gaps; what isn't grid is text.
3. Blocks and free lines are put in reading order (``_markup_order``): bands at wide gaps,
   columns at gutters (what crosses a gutter separates bands, unless the columns go on beside
   it), rows top to bottom; header and footer blocks in the margins open and close the page.
4. Each piece is rendered: tables as HTML rebuilt from line geometry, figures as ``<img>`` with
   their caption (unless their text is a grid or sentences), titles as headings, formulas as
   ``$$…$$``, the rest as paragraphs whose wrapped lines are joined while receipt-like rows keep
   their line breaks.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from statistics import median

from docsight.engines._markup_order import Box, Orderer
from docsight.engines._markup_table import grid_quality, render_table, table_rows
from docsight.engines._markup_text import Row, find_page_numbers, flow, looks_like_math
from docsight.models import BlockKind, LayoutBlock, Line

# Who claims a line that two blocks both cover: a table, since its grid needs every cell
# (layout models also box single cells as text); otherwise the smaller block, which is the more
# specific one (a title or formula inside a text block, a text column under a loose figure box).
_CLAIMS_FIRST = BlockKind.TABLE
_CAPTION_START = re.compile(r"^(?:fig(?:ure)?|chart|graph|photo|image|plate|exhibit|map)\b", re.I)
# Share of the page height at the top and bottom where running headers and footers sit.
_MARGIN = 0.12
# Inside a figure, this much text is more likely a mislabelled text region than chart labels.
_FIGURE_TEXT_LIMIT = 300
# A word for telling running text from labels: two letters or more.
_WORDS = re.compile(r"[^\W\d_]{2,}")


@dataclass
class _Unit:
    """A piece of the page that is ordered as a whole: a layout block, or one free line."""

    kind: BlockKind | None
    box: Box
    lines: list[Line] = field(default_factory=list)
    caption: list[Line] = field(default_factory=list)
    page_number: str | None = None


def _box(b: Line | LayoutBlock) -> Box:
    return Box(b.box.x0, b.box.y0, b.box.x1, b.box.y1)


def _union(boxes: list[Box]) -> Box:
    return Box(
        min(b.x0 for b in boxes),
        min(b.y0 for b in boxes),
        max(b.x1 for b in boxes),
        max(b.y1 for b in boxes),
    )


def _inside(line: Box, block: Box) -> float:
    """Share of the line's area inside the block."""
    w = min(line.x1, block.x1) - max(line.x0, block.x0)
    h = min(line.y1, block.y1) - max(line.y0, block.y0)
    area = max(line.w, 1e-6) * max(line.h, 1e-6)
    return max(0.0, w) * max(0.0, h) / area


def _claims(line: Line | Box, block: Box) -> bool:
    """Whether a block holds a line: most of its area, or its middle, sticking out of it little.

    Engines pad line boxes above and below the ink while layout boxes hug it, so a line of a
    tight one-line block (a footer, a heading) may have half its box outside that block.
    """
    lb = line if isinstance(line, Box) else _box(line)
    if _inside(lb, block) >= 0.5:
        return True
    overhang = max(block.x0 - lb.x0, lb.x1 - block.x1)
    return block.y0 <= lb.cy <= block.y1 and block.x0 <= lb.cx <= block.x1 and overhang <= lb.h


_TEXT_KINDS = {BlockKind.TEXT, BlockKind.TITLE, BlockKind.LIST}
_PAGE_FIGURE = 0.6  # share of the page area
_UNSURE = 0.7  # layout confidence below which a page-sized figure is doubted


def _area(box: Box) -> float:
    return max(0.0, box.w) * max(0.0, box.h)


def _dedupe(blocks: list[LayoutBlock], width: int, height: int) -> list[LayoutBlock]:
    """Drop the duplicates layout models emit.

    A block of the same kind inside another adds nothing but a split paragraph; two blocks of
    different kinds over the same region are one region, kept as a table when one of them is
    (figure/table confusions) and otherwise as the more confident reading; a figure around a
    table is dropped, its text read as text.
    """
    drop: set[int] = set()
    for i, b in enumerate(blocks):
        bb = _box(b)
        for j, o in enumerate(blocks):
            if i == j or j in drop:
                continue
            ob = _box(o)
            inner, outer = _inside(bb, ob), _inside(ob, bb)
            if b.kind is BlockKind.FIGURE and o.kind is BlockKind.TABLE and outer >= 0.8:
                # A "figure" holding a table is a boxed form or page, not a picture.
                drop.add(i)
                break
            if (
                b.kind is BlockKind.FIGURE
                and o.kind in _TEXT_KINDS
                and outer >= 0.8
                and _area(bb) >= _PAGE_FIGURE * width * height
                and (b.confidence or 0.0) < _UNSURE
            ):
                # An unsure "figure" spanning most of the page around the page's own text blocks
                # is the layout model mistaking a scan's speckle or border for a picture.
                drop.add(i)
                break
            if inner < 0.8:
                continue
            if b.kind is o.kind:
                # Strictly inside, or the later of two equal boxes.
                if outer < 0.8 or i > j:
                    drop.add(i)
                    break
            elif outer >= 0.8 and _keeps(o, b, j < i):
                drop.add(i)
                break
    return [b for i, b in enumerate(blocks) if i not in drop]


def _keeps(a: LayoutBlock, b: LayoutBlock, a_first: bool) -> bool:
    """Whether ``a`` wins over ``b`` for one region both cover."""
    if BlockKind.TABLE in (a.kind, b.kind):
        return a.kind is BlockKind.TABLE
    ca, cb = a.confidence or 0.0, b.confidence or 0.0
    return ca > cb or (ca == cb and a_first)


def _assign(lines: list[Line], blocks: list[LayoutBlock]) -> tuple[list[list[Line]], list[Line]]:
    claimed: list[list[Line]] = [[] for _ in blocks]
    free: list[Line] = []
    for line in lines:
        lb = _box(line)
        best: tuple[bool, float, int] | None = None
        for i, block in enumerate(blocks):
            if not _claims(lb, _box(block)):
                continue
            key = (block.kind is _CLAIMS_FIRST, -_box(block).w * _box(block).h, i)
            if best is None or key > best:
                best = key
        if best is None:
            free.append(line)
        else:
            claimed[best[2]].append(line)
    return claimed, free


def _pair_captions(units: list[_Unit], page_height: int) -> list[_Unit]:
    """Move each caption next to its figure into that figure's ``<img>``; return the rest."""
    objects = [u for u in units if u.kind in (BlockKind.FIGURE, BlockKind.TABLE)]
    kept: list[_Unit] = []
    for unit in units:
        if unit.kind is not BlockKind.CAPTION or not unit.lines or not objects:
            kept.append(unit)
            continue
        target = min(objects, key=lambda o: _vertical_distance(o.box, unit.box))
        close = _vertical_distance(target.box, unit.box) <= 0.08 * max(page_height, 1)
        overlaps = min(target.box.x1, unit.box.x1) - max(target.box.x0, unit.box.x0) > 0
        if (
            target.kind is BlockKind.FIGURE
            and close
            and overlaps
            and not target.caption
            and _reads_like_caption(unit.lines)
        ):
            target.caption = unit.lines
        else:
            kept.append(unit)
    return kept


def _reads_as_prose(rows: list[Row]) -> bool:
    """Lines of sentences: two or more lines of five or more words hold most of the text.

    Chart labels are short and scattered (axis ticks, legend entries, one title); a paragraph
    the layout model took for a picture is lines of running words.
    """
    wordy = [r for r in rows if r.segments == 1 and len(_WORDS.findall(r.text)) >= 5]
    total = sum(len(r.text) for r in rows)
    return len(wordy) >= 2 and sum(len(r.text) for r in wordy) >= 0.6 * total


def _reads_like_caption(lines: list[Line]) -> bool:
    """Short, or opening like one (``Figure 2``): layout models also call body text a caption."""
    text = " ".join(ln.text.strip() for ln in sorted(lines, key=lambda ln: ln.box.y0))
    return len(text) <= 200 or bool(_CAPTION_START.match(text))


def _vertical_distance(a: Box, b: Box) -> float:
    return max(0.0, max(a.y0, b.y0) - min(a.y1, b.y1))


class _Composer:
    def __init__(self, lines: list[Line], width: int, height: int) -> None:
        heights = [ln.box.height for ln in lines if ln.box.height > 0]
        self.body_height = median(heights) if heights else max(height, 1) * 0.012
        self.width = width
        self.height = height

    def orderer(self) -> Orderer[_Unit]:
        return Orderer(
            box=lambda u: u.box,
            line_chars=lambda u: [len(ln.text.strip()) for ln in u.lines],
            is_object=lambda u: u.kind in (BlockKind.TABLE, BlockKind.FIGURE),
            line_height=self.body_height,
        )

    def compose(self, units: list[_Unit]) -> str:
        # Running headers and footers the layout model found in the margins frame the page:
        # read them first and last, not as lines of whichever column they happen to sit under.
        top = [u for u in units if u.kind is BlockKind.HEADER and u.box.y1 <= _MARGIN * self.height]
        bottom = [
            u
            for u in units
            if u.kind is BlockKind.FOOTER and u.box.y0 >= (1 - _MARGIN) * self.height
        ]
        framing = {id(u) for u in top + bottom}
        body = [u for u in units if id(u) not in framing]
        parts: list[str] = []
        for group in (top, body, bottom):
            for leaf in self.orderer().order(group):
                parts.extend(self.render_leaf(leaf))
        return "\n\n".join(p for p in parts if p.strip())

    def render_leaf(self, leaf: list[list[_Unit]]) -> list[str]:
        out: list[str] = []
        pending: list[Row] = []
        for row in leaf:
            run: list[_Unit] = []
            for unit in row:
                if unit.kind is None:
                    run.append(unit)
                    continue
                if run:
                    pending.append(_row([ln for u in run for ln in u.lines]))
                    run = []
                out.extend(flow(pending, self.body_height, headings=True))
                pending = []
                out.extend(self.render_unit(unit))
            if run:
                pending.append(_row([ln for u in run for ln in u.lines]))
        out.extend(flow(pending, self.body_height, headings=True))
        return out

    def render_unit(self, unit: _Unit) -> list[str]:
        if unit.page_number is not None:
            return [f"<page_number>{_escape_markdown(unit.page_number)}</page_number>"]
        kind = unit.kind
        if kind is BlockKind.PAGE_NUMBER and unit.lines:
            # From a layout source that labels page numbers itself; keep its text whole.
            text = " ".join(r.text for r in self.rows(unit.lines))
            return [f"<page_number>{text}</page_number>"]
        if kind is BlockKind.FIGURE:
            return self.render_figure(unit)
        if not unit.lines:
            return []
        if kind is BlockKind.TABLE and _renders_as_table(unit):
            return [render_table(unit.lines)]
        if kind is BlockKind.TITLE:
            rows = self.rows(unit.lines)
            if len(rows) <= 3:
                text = " ".join(r.text for r in rows)
                tallest = max(r.box.h for r in rows)
                level = 1 if tallest >= 1.6 * self.body_height else 2
                return [f"{'#' * level} {text}"]
        if kind is BlockKind.EQUATION:
            text = " ".join(r.text for r in self.rows(unit.lines))
            if looks_like_math(text):
                return [f"$${text}$$"]
        return self.render_text(unit.lines)

    def render_figure(self, unit: _Unit) -> list[str]:
        caption = " ".join(r.text for r in self.rows(unit.caption)) if unit.caption else ""
        rows = self.rows(unit.lines) if unit.lines else []
        inner = " ".join(r.text for r in rows)
        if _renders_as_table(unit):
            body = [render_table(unit.lines)]
        elif len(inner) > _FIGURE_TEXT_LIMIT or _reads_as_prose(rows):
            # That much text, or lines of sentences, in a "picture" is a text region the
            # layout model mislabelled.
            body = self.render_text(unit.lines)
        else:
            body = []
        if body:
            # Not a picture after all, so its caption is no picture's caption: plain text,
            # above or below the rest as it sits on the page.
            if not unit.caption:
                return body
            text = self.render_text(unit.caption)
            above = (
                _union([_box(ln) for ln in unit.caption]).cy
                < _union([_box(ln) for ln in unit.lines]).cy
            )
            return [*text, *body] if above else [*body, *text]
        if caption and inner:
            return [f"<img>{caption} ({inner})</img>"]
        return [f"<img>{caption or inner or 'figure'}</img>"]

    def render_text(self, lines: list[Line]) -> list[str]:
        """Paragraphs of a text region, itself read column by column if it holds columns."""
        orderer = Orderer[Line](
            box=_box,
            line_chars=lambda ln: [len(ln.text.strip())],
            is_object=lambda ln: False,
            line_height=self.body_height,
        )
        out: list[str] = []
        for leaf in orderer.order(lines):
            out.extend(flow([_row(r) for r in leaf], self.body_height, headings=False))
        return out

    def rows(self, lines: list[Line]) -> list[Row]:
        orderer = Orderer[Line](
            box=_box, line_chars=lambda ln: [], is_object=lambda ln: False, line_height=1.0
        )
        return [_row(r) for r in orderer.rows(lines)]


def _row(lines: list[Line]) -> Row:
    ordered = sorted(lines, key=lambda ln: ln.box.x0)
    text = " ".join(_escape_markdown(ln.text.strip()) for ln in ordered)
    return Row(text=text, box=_union([_box(ln) for ln in ordered]), segments=len(ordered))


def _escape_markdown(text: str) -> str:
    """Keep engine text from reading as HTML or emphasis.

    ``<`` and ``>`` would open tags; ``*`` is escaped because receipts print
    ``***THANK YOU***``, which markdown would read as emphasis and drop. An ``&`` stays as
    printed (``AT&T``); the parser unescapes entities either way. ``_`` stays too: forms print
    blanks as runs of it, which rarely pair up as emphasis and would be unreadable escaped.
    Table cells, being HTML, get full escaping where they are rendered.
    """
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*")


def compose(lines: list[Line], blocks: list[LayoutBlock], width: int, height: int) -> str:
    """Markdown for one page from its text lines and layout blocks (which may be empty)."""
    lines = [ln for ln in lines if ln.text.strip()]
    blocks = _dedupe(blocks, width, height)
    claimed, free = _assign(lines, blocks)
    composer = _Composer(lines, width, height)
    numbers = find_page_numbers(
        _number_candidates(claimed, free, blocks, composer.body_height), height
    )
    units: list[_Unit] = []
    for block, members in zip(blocks, claimed, strict=True):
        kept = [ln for ln in members if id(ln) not in numbers]
        if block.kind is BlockKind.TABLE or (block.kind is BlockKind.FIGURE and kept):
            tables, spill = _bound_tables(block.kind, kept, composer.body_height)
            if tables:
                units.extend(
                    _Unit(BlockKind.TABLE, _union([_box(ln) for ln in t]), t) for t in tables
                )
                free.extend(spill)
                continue
        if kept or block.kind is BlockKind.FIGURE:
            # Text blocks are placed by their text (layout boxes are loose and may cover an
            # empty banner); a figure or table by its region, which is what it shows.
            boxes = [_box(ln) for ln in kept]
            if block.kind in (BlockKind.FIGURE, BlockKind.TABLE) or not boxes:
                boxes.append(_box(block))
            units.append(_Unit(block.kind, _union(boxes), kept))
    for line in lines:
        if id(line) in numbers:
            units.append(
                _Unit(BlockKind.PAGE_NUMBER, _box(line), [line], page_number=numbers[id(line)])
            )
    units.extend(_Unit(None, _box(ln), [ln]) for ln in free if id(ln) not in numbers)
    units = _absorb_header_rows(units, composer.body_height)
    units = _pair_captions(units, height)
    return composer.compose(units)


def _bound_tables(
    kind: BlockKind, lines: list[Line], line_height: float
) -> tuple[list[list[Line]], list[Line]]:
    """Split a table (or table-like figure) block's lines at wide vertical gaps.

    Layout models stretch a table's box down the page over the notes and totals under it.
    Rows further apart than a few lines (and than the table's own row spacing) are another
    piece; the pieces that make a grid are tables, the rest is returned as loose lines. Two
    empty lists when the block doesn't split or no piece is a table: keep it whole.
    """
    rows = table_rows(lines)
    if len(rows) < 2:
        return [], []
    spans = [(min(ln.box.y0 for ln in r), max(ln.box.y1 for ln in r)) for r in rows]
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(spans)]
    typical = median([g for g in gaps if g > 0] or [0.0])
    wide = max(3.0 * line_height, 3.0 * typical)
    pieces: list[list[Line]] = [list(rows[0])]
    bottom = spans[0][1]
    for row, (top, low) in zip(rows[1:], spans[1:], strict=True):
        if top - bottom > wide:
            pieces.append([])
        pieces[-1].extend(row)
        bottom = max(bottom, low)
    if len(pieces) == 1:
        return [], []
    # A figure whose text as a whole makes a table is one: its pieces are judged as a table's.
    whole = _renders_as_table(_Unit(kind, _union([_box(ln) for ln in lines]), lines))
    judge = BlockKind.TABLE if whole else kind
    tables = [
        p for p in pieces if _renders_as_table(_Unit(judge, _union([_box(ln) for ln in p]), p))
    ]
    if not tables:
        return [], []
    table_ids = {id(ln) for t in tables for ln in t}
    return tables, [ln for ln in lines if id(ln) not in table_ids]


def _number_candidates(
    claimed: list[list[Line]], free: list[Line], blocks: list[LayoutBlock], line_height: float
) -> list[Line]:
    """Lines that may be page numbers.

    Not a formula's indices, nor a chart's axis labels; but a line alone at the foot or head
    of a figure box, several lines away from the rest of its text, is a page number the
    layout model's box swept up (they stretch figure and table boxes to the page edge).
    """
    out = list(free)
    for block, members in zip(blocks, claimed, strict=True):
        if block.kind is BlockKind.EQUATION:
            continue
        if block.kind is not BlockKind.FIGURE:
            out.extend(members)
            continue
        for ln in members:
            b = _box(ln)
            if all(
                _vertical_distance(b, _box(o)) > 3 * line_height for o in members if o is not ln
            ):
                out.append(ln)
    return out


def _renders_as_table(unit: _Unit) -> bool:
    """Whether a table or figure block's lines make a grid worth an HTML table.

    Layout models take borderless tables for pictures, so a figure whose text fills a grid is
    one too; a chart's axis labels make a sparse grid, and a figure with much text is more
    likely a mislabelled table than a picture, hence the lower bar for it.
    """
    if not unit.lines:
        return False
    nrows, ncols, fill = grid_quality(unit.lines)
    if unit.kind is BlockKind.TABLE:
        return nrows >= 2 and ncols >= 2
    long = sum(len(ln.text) for ln in unit.lines) > _FIGURE_TEXT_LIMIT
    return nrows >= 3 and ncols >= 3 and fill >= (0.5 if long else 0.8)


def _absorb_header_rows(units: list[_Unit], line_height: float) -> list[_Unit]:
    """Pull a column-header row sitting just above a table into it.

    Layout models often start a table below its header row when the header is set apart
    (bold, shaded, ruled), leaving the header as loose text; if that row's cells fall into the
    table's columns, it is the table's first row.
    """
    absorbed: set[int] = set()
    for table in units:
        if table.kind not in (BlockKind.TABLE, BlockKind.FIGURE) or not table.lines:
            continue
        above = [
            u
            for u in units
            if u is not table
            and id(u) not in absorbed
            and u.kind in (None, BlockKind.TEXT, BlockKind.HEADER)
            and u.lines
            and table.box.y0 - 2 * line_height <= u.box.y1 <= table.box.y0 + 0.5 * line_height
            and u.box.x0 >= table.box.x0 - line_height
            and u.box.x1 <= table.box.x1 + line_height
        ]
        cells = [ln for u in above for ln in u.lines]
        rows = table_rows(cells)
        if (
            not rows
            or len(rows) > 2
            or any(len(r) < 2 for r in rows)
            or any(len(ln.text) > 40 for ln in cells)
            or not _renders_as_table(table)
        ):
            continue
        before = grid_quality(table.lines)[1]
        merged = _Unit(
            table.kind, _union([table.box, *[u.box for u in above]]), cells + table.lines
        )
        if grid_quality(merged.lines)[1] < before:
            continue
        table.lines, table.box = merged.lines, merged.box
        absorbed.update(id(u) for u in above)
    return [u for u in units if id(u) not in absorbed]


__all__ = ["compose"]
