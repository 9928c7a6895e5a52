"""Helpers every writer shares: which pages count, and text made safe for markup formats."""

from __future__ import annotations

import re

from docsight.models import Block, BlockType, PageResult, PageStatus, Result, Table

# Characters XML 1.0 forbids even as references; HTML parsers treat them as errors too.
_XML_FORBIDDEN = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

CHECK_GLYPHS = {"unchecked": "☐", "checked": "☑", "crossed": "☒"}

#: Blocks that describe the page rather than say what the document says; a clean text drops them.
FURNITURE = frozenset({BlockType.PAGE_NUMBER, BlockType.WATERMARK})


def xml_safe(text: str) -> str:
    """Drop characters that would make an XML or HTML document ill-formed.

    Line ends become LF too: an XML parser turns a raw CR into LF anyway, so normalising
    here keeps what a reader gets equal to what we meant to write.
    """
    return _XML_FORBIDDEN.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def succeeded(page: PageResult) -> bool:
    return page.status is PageStatus.SUCCESS


def iter_tables(result: Result) -> list[tuple[int, int, Block]]:
    """``(page number, table number on that page, block)`` for every parsed table."""
    found: list[tuple[int, int, Block]] = []
    for page in result.pages:
        if not succeeded(page):
            continue
        index = 0
        for block in page.blocks:
            if block.type is BlockType.TABLE and block.table is not None:
                index += 1
                found.append((page.number, index, block))
    return found


def number(value: float) -> str:
    """A coordinate as short text: at most two decimals, never an exponent."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def table_grid(table: Table) -> list[list[str]]:
    """The table's grid, or one rebuilt from its cells when the parser left the grid out."""
    if table.grid:
        return table.grid
    grid = [["" for _ in range(table.n_cols)] for _ in range(table.n_rows)]
    for cell in table.cells:
        for r in range(cell.row, min(cell.row + cell.rowspan, table.n_rows)):
            for c in range(cell.col, min(cell.col + cell.colspan, table.n_cols)):
                grid[r][c] = cell.text
    return grid
