"""HTML and pipe tables → ``Table`` with spans expanded into a rectangular grid.

VLMs write HTML that a browser would forgive but a strict parser would not: missing ``</td>``
or ``</tr>``, stray ``<br>``, attributes without quotes, rows of different lengths. The
tolerant ``html.parser`` tokenizer plus our own row/cell state machine accepts all of it;
ragged rows are padded with empty cells so every consumer gets ``n_rows x n_cols``.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from docsight.models import Table, TableCell

MAX_SPAN = 100  # a colspan of 10**9 from a broken model must not allocate a huge grid
MAX_CELLS = 20_000


class _TableHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, int, int, bool]]] = []
        self.head_rows = 0
        self.caption: list[str] = []
        self._in_head = False
        self._in_caption = False
        self._cell: list[str] | None = None
        self._cell_attrs: tuple[int, int, bool] = (1, 1, False)
        self._row: list[tuple[str, int, int, bool]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self._in_head = True
        elif tag in ("tbody", "tfoot"):
            self._close_row()
            self._in_head = False
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._close_row()
            self._row = []
            if self._in_head:
                self.head_rows += 1
        elif tag in ("td", "th"):
            self._close_cell()
            if self._row is None:
                self._row = []
            values = dict(attrs)
            self._cell = []
            self._cell_attrs = (
                _span(values.get("rowspan")),
                _span(values.get("colspan")),
                tag == "th",
            )
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr":
            self._close_row()
        elif tag == "thead":
            self._close_row()
            self._in_head = False
        elif tag == "caption":
            self._in_caption = False
        elif tag == "table":
            self._close_row()

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)
        elif data.strip() and self._row is not None:
            # Text between cells: a missing <td>; keep it rather than lose it.
            self._cell = [data]
            self._cell_attrs = (1, 1, False)

    def _close_cell(self) -> None:
        if self._cell is not None:
            if self._row is None:
                self._row = []
            text = " ".join("".join(self._cell).split())
            rowspan, colspan, header = self._cell_attrs
            self._row.append((text, rowspan, colspan, header))
            self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self._row:
            self.rows.append(self._row)
        self._row = None

    def finish(self) -> None:
        self.close()
        self._close_row()


def _span(value: str | None) -> int:
    try:
        return max(1, min(MAX_SPAN, int(str(value).strip().strip("\"'"))))
    except (TypeError, ValueError):
        return 1


def parse_html_table(html: str) -> Table:
    """Parse one ``<table>…</table>`` fragment (closing tag optional)."""
    parser = _TableHTML()
    parser.feed(html)
    parser.finish()
    return _build(parser.rows, parser.head_rows, " ".join("".join(parser.caption).split()) or None)


def _build(
    rows: list[list[tuple[str, int, int, bool]]], head_rows: int, caption: str | None
) -> Table:
    occupied: dict[tuple[int, int], str] = {}
    cells: list[TableCell] = []
    n_cols = 0
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan, header in row:
            while (r, c) in occupied:
                c += 1
            rowspan = min(rowspan, max(1, len(rows) - r))
            if len(occupied) + rowspan * colspan > MAX_CELLS:
                break
            cells.append(
                TableCell(row=r, col=c, text=text, rowspan=rowspan, colspan=colspan, header=header)
            )
            for dr in range(rowspan):
                for dc in range(colspan):
                    occupied[(r + dr, c + dc)] = text
            c += colspan
            n_cols = max(n_cols, c)
    n_rows = len(rows)
    grid = [[occupied.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)]
    if head_rows == 0:
        head_rows = _leading_header_rows(cells, n_rows, grid)
    return Table(
        n_rows=n_rows,
        n_cols=n_cols,
        header_rows=min(head_rows, n_rows),
        cells=cells,
        grid=grid,
        caption=caption,
    )


_NUMERIC = re.compile(r"^[\s$€£¥%()+\-.,:/0-9]+$")


def _leading_header_rows(cells: list[TableCell], n_rows: int, grid: list[list[str]]) -> int:
    """Rows made of ``<th>`` cells; failing that, a first row of labels above numeric rows."""
    count = 0
    for r in range(n_rows):
        row_cells = [cell for cell in cells if cell.row == r]
        if row_cells and all(cell.header for cell in row_cells):
            count += 1
        else:
            break
    if count or n_rows < 2:
        return count
    first = [text for text in grid[0] if text]
    rest = [text for row in grid[1:] for text in row if text]
    first_is_labels = bool(first) and not any(_NUMERIC.match(text) for text in first)
    rest_has_numbers = any(_NUMERIC.match(text) for text in rest)
    return 1 if first_is_labels and rest_has_numbers else 0


_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def is_pipe_separator(line: str) -> bool:
    return bool(_PIPE_SEPARATOR.match(line)) and "-" in line


def parse_pipe_table(lines: list[str]) -> Table:
    """A GitHub-style pipe table; the row before a ``|---|`` separator is the header."""
    rows: list[list[tuple[str, int, int, bool]]] = []
    header_rows = 0
    for index, line in enumerate(lines):
        if is_pipe_separator(line):
            header_rows = len(rows) if index else 0
            continue
        stripped = line.strip()
        if stripped.startswith("|"):
            stripped = stripped[1:]
        if stripped.endswith("|") and not stripped.endswith("\\|"):
            stripped = stripped[:-1]
        parts = re.split(r"(?<!\\)\|", stripped)
        texts = [unescape(part.strip().replace("\\|", "|")) for part in parts]
        rows.append([(text, 1, 1, False) for text in texts])
    table = _build(rows, 0, None)
    if header_rows:
        table.header_rows = min(header_rows, table.n_rows)
        for cell in table.cells:
            cell.header = cell.row < header_rows
    return table
