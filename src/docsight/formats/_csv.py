"""CSV: tables as data, one combined long file or one rectangular file per table; and fields.

Cells come from each table's expanded ``grid`` (a spanned cell repeats in every slot it covers),
so every row has the same width and a spreadsheet lines them up. Rows and columns count from 1,
as a spreadsheet does.

OCR text is attacker-controlled: a scanned ``=HYPERLINK(...)`` must not become a live formula
when the file is opened in Excel or LibreOffice (OWASP "CSV injection"). Values starting with a
formula trigger are prefixed with ``'``, except plain numbers such as ``-12.50`` or ``+3``, which
stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import re

from docsight.formats._common import iter_tables, table_grid
from docsight.models import Result

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*%?")

COMBINED_HEADER = ("page", "table", "row", "col", "text")
FIELDS_HEADER = ("name", "type", "value", "raw", "confidence", "page", "valid", "error", "source")


def neutralise(value: str) -> str:
    """``value`` made inert as a spreadsheet formula, keeping signed numbers as numbers."""
    if value.startswith(_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_csv(result: Result) -> str:
    """Every table cell of the document, one row each: ``page,table,row,col,text``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COMBINED_HEADER)
    for page_number, table_number, block in iter_tables(result):
        assert block.table is not None
        for r, row in enumerate(table_grid(block.table), start=1):
            for c, text in enumerate(row, start=1):
                writer.writerow((page_number, table_number, r, c, neutralise(text)))
    return buffer.getvalue()


def tables_to_csv(result: Result) -> dict[str, str]:
    """One rectangular CSV per table, keyed by a file name that sorts in document order."""
    files: dict[str, str] = {}
    for page_number, table_number, block in iter_tables(result):
        assert block.table is not None
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows([neutralise(text) for text in row] for row in table_grid(block.table))
        files[f"page{page_number:03d}-table{table_number:02d}.csv"] = buffer.getvalue()
    return files


def fields_to_csv(result: Result) -> str:
    """Extracted fields, one row each; structured values (parties, line items) as JSON text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELDS_HEADER)
    for field in result.fields:
        writer.writerow(
            (
                neutralise(field.name),
                neutralise(field.type),
                neutralise(value_text(field.value)),
                neutralise(field.raw or ""),
                f"{field.confidence:.3f}",
                field.page or "",
                "true" if field.valid else "false",
                neutralise(field.error or ""),
                neutralise(field.source),
            )
        )
    return buffer.getvalue()


def value_text(value: object) -> str:
    """A field value as one string: scalars as written, lists and dicts as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
