"""Plain text in reading order, from the parsed blocks rather than the raw markdown.

Pages are separated by a form feed, as ``pdftotext`` does, so page boundaries survive without
any markup. The *clean* variant drops page furniture (page numbers, watermarks) for users who
feed the text to search or an LLM and do not want "14" or "CONFIDENTIAL" in the middle of it.
"""

from __future__ import annotations

import re

from docsight.formats._common import CHECK_GLYPHS, FURNITURE, succeeded, table_grid
from docsight.models import Block, BlockType, PageResult, Result, Table


def to_text(result: Result, *, clean: bool = False) -> str:
    return "\f".join(_page_text(page, clean=clean) for page in result.pages)


def to_clean_text(result: Result) -> str:
    return to_text(result, clean=True)


def _page_text(page: PageResult, *, clean: bool) -> str:
    if not succeeded(page):
        return ""
    if not page.blocks:
        # Not parsed (or nothing found): the engine's lines, else its markdown, beat nothing.
        fallback = page.text or page.markdown
        return fallback.strip() + "\n" if fallback.strip() else ""
    parts = [
        text
        for block in page.blocks
        if not (clean and block.type in FURNITURE)
        if (text := block_text(block))
    ]
    return "\n\n".join(parts) + "\n" if parts else ""


def block_text(block: Block) -> str:
    kind = block.type
    if kind is BlockType.LIST:
        if block.ordered:
            numbered = zip(_numbers(block), block.items, strict=True)
            return "\n".join(f"{number} {item}" for number, item in numbered)
        return "\n".join(f"- {item}" for item in block.items)
    if kind is BlockType.TABLE and block.table is not None:
        rows = ["\t".join(_one_line(cell) for cell in row) for row in _text_grid(block.table)]
        if block.table.caption:
            rows.insert(0, block.table.caption)
        return "\n".join(rows)
    if kind is BlockType.EQUATION:
        return block.latex if block.latex is not None else block.text
    if kind is BlockType.IMAGE:
        return f"[Image: {block.text}]" if block.text else "[Image]"
    if kind is BlockType.SIGNATURE:
        return f"[Signature: {block.text}]" if block.text else "[Signature]"
    if kind is BlockType.CHECKBOX and block.checkbox is not None:
        return f"{CHECK_GLYPHS[block.checkbox.state]} {block.checkbox.label}".rstrip()
    if kind is BlockType.SEPARATOR:
        return ""
    return block.text


_NUMBER = re.compile(r"^\s*(\d{1,3}[.)])\s")


def _numbers(block: Block) -> list[str]:
    """Each ordered item's number as printed (``3.``, ``13)``), from the block's markdown.

    A page often continues a list from the previous one or skips numbers; renumbering from 1
    would change what the document says. Items whose number cannot be found count on from the
    last one found.
    """
    lines = block.markdown.split("\n")
    found = [m.group(1) if (m := _NUMBER.match(line)) else None for line in lines]
    if len(found) != len(block.items):
        found = [None] * len(block.items)
    numbers: list[str] = []
    last = 0
    for number in found:
        if number is None:
            last += 1
            numbers.append(f"{last}.")
        else:
            last = int(number[:-1])
            numbers.append(number)
    return numbers


def _text_grid(table: Table) -> list[list[str]]:
    """Rows of tab-separated cells in which a spanned cell is written once, at its origin.

    The grid repeats a spanning cell's text in every position it covers, which suits a
    spreadsheet; in text it would say "SOON HUAT MACHINERY SOON HUAT MACHINERY" and double
    every title row (on 100 SROIE receipts, the text export read 0.0035 F1 below the engine's
    own lines for that alone).
    """
    if not table.cells:
        return table_grid(table)
    grid = [["" for _ in range(table.n_cols)] for _ in range(table.n_rows)]
    for cell in table.cells:
        if cell.row < table.n_rows and cell.col < table.n_cols:
            grid[cell.row][cell.col] = cell.text
    return grid


def _one_line(text: str) -> str:
    """A cell on one line: tabs and newlines inside it would break the row/column shape."""
    return " ".join(text.split())
