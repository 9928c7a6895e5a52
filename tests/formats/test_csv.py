import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docsight.formats import neutralise, tables_to_csv, to_csv
from docsight.models import Result


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        ("-1.234,50", "-1.234,50"),
        ("-5%", "-5%"),
        ("12", "12"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_triggers_are_neutralised_but_numbers_stay(value: str, expected: str) -> None:
    assert neutralise(value) == expected


@given(st.text(alphabet=st.sampled_from("=+-@\t\r0123456789.,%aB( "), max_size=12))
def test_no_value_leaves_as_a_formula_unless_a_number(value: str) -> None:
    out = neutralise(value)
    assert out in (value, "'" + value)
    if out.startswith(("=", "+", "-", "@", "\t", "\r")):
        # Only sign, digits and separators stay unprefixed: nothing a spreadsheet can call.
        assert re.fullmatch(r"[+-]\d[\d.,]*%?", out)


def test_combined_csv_has_one_row_per_grid_cell(result: Result) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(result))))
    assert rows[0] == ["page", "table", "row", "col", "text"]
    assert len(rows) == 1 + 4 * 3
    assert ["1", "1", "1", "3", "Revenue"] in rows  # the colspan repeats in the slot it covers
    assert ["1", "1", "3", "3", "-12.50"] in rows
    assert ["1", "1", "4", "1", "'=SUM(B3:C3)"] in rows


def test_per_table_files_are_rectangular(result: Result) -> None:
    (text,) = tables_to_csv(result).values()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Region", "Revenue", "Revenue"]
    assert {len(row) for row in rows} == {3}


def test_grid_is_rebuilt_from_cells_when_missing(result: Result) -> None:
    table = result.pages[0].blocks[5].table
    assert table is not None
    expected = tables_to_csv(result)
    table.grid = []
    assert tables_to_csv(result) == expected


def test_document_without_tables_gives_header_only(result: Result) -> None:
    for page in result.pages:
        page.blocks = [b for b in page.blocks if b.table is None]
    assert to_csv(result) == "page,table,row,col,text\r\n"
    assert tables_to_csv(result) == {}


def test_cells_with_newlines_and_quotes_round_trip(result: Result) -> None:
    table = result.pages[0].blocks[5].table
    assert table is not None
    table.grid[2][0] = 'North\n"East", 2'
    rows = list(csv.reader(io.StringIO(to_csv(result))))
    assert ["1", "1", "3", "1", 'North\n"East", 2'] in rows


def test_fields_csv_has_one_row_per_field(result: Result) -> None:
    from docsight.formats import fields_to_csv

    rows = list(csv.reader(io.StringIO(fields_to_csv(result))))
    assert rows[0][:3] == ["name", "type", "value"]
    assert len(rows) == 1 + len(result.fields)
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["total"][2] == "-1187.5"  # a number stays a number
    assert by_name["total"][3] == "'-1.187,50 EUR"  # text starting with "-" does not
    assert by_name["iban"][6:8] == ["false", "IBAN checksum fails"]
    assert by_name["seller"][2] == '{"name": "ACME <b>", "vat": "=cmd"}'
    assert by_name["due_date"][2] == "" and by_name["due_date"][5] == ""
