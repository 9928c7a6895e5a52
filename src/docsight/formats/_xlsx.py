"""XLSX: one worksheet per table, for people who open tables in a spreadsheet anyway.

Needs the optional ``xlsx`` extra (openpyxl). Cells are written as strings (numbers stay as the
OCR read them, with their separators), and values that look like formulas are neutralised as in
CSV: openpyxl would otherwise store a cell starting with ``=`` as a live formula.
"""

from __future__ import annotations

import io

from docsight.formats._common import iter_tables, table_grid
from docsight.formats._csv import neutralise
from docsight.models import Result


def to_xlsx(result: Result) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    default = workbook.active
    tables = iter_tables(result)
    for page_number, table_number, block in tables:
        assert block.table is not None
        sheet = workbook.create_sheet(title=f"p{page_number} t{table_number}")
        bold = Font(bold=True)
        for r, row in enumerate(table_grid(block.table), start=1):
            for c, text in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c, value=neutralise(text))
                if r <= block.table.header_rows:
                    cell.font = bold
        for cell in block.table.cells:
            if cell.rowspan > 1 or cell.colspan > 1:
                sheet.merge_cells(
                    start_row=cell.row + 1,
                    start_column=cell.col + 1,
                    end_row=cell.row + cell.rowspan,
                    end_column=cell.col + cell.colspan,
                )
    if tables and default is not None:
        workbook.remove(default)
    elif default is not None:
        default.title = "no tables"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
