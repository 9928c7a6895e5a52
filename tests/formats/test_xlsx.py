import io

import pytest

from docsight.formats import export
from docsight.models import Result

openpyxl = pytest.importorskip("openpyxl", reason="the xlsx extra (openpyxl) is not installed")


def test_one_sheet_per_table_with_spans_merged(result: Result) -> None:
    data = export(result, "xlsx")
    assert isinstance(data, bytes) and data.startswith(b"PK")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["p1 t1"]
    sheet = workbook["p1 t1"]
    assert sheet["A1"].value == "Region" and sheet["A1"].font.bold
    assert sheet["C3"].value == "-12.50"
    assert sheet["A4"].value == "'=SUM(B3:C3)"  # text, never a live formula
    assert sheet["A4"].data_type == "s"
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:A2", "B1:C1"}


def test_document_without_tables_gives_one_empty_sheet(result: Result) -> None:
    for page in result.pages:
        page.blocks = [b for b in page.blocks if b.table is None]
    workbook = openpyxl.load_workbook(io.BytesIO(export(result, "xlsx")))  # type: ignore[arg-type]
    assert workbook.sheetnames == ["no tables"]
