from __future__ import annotations

from docsight.fields import extract
from docsight.fields._lineitems import items_from_table
from docsight.models import Table


def _values(result, fields):
    return {v.name: v for v in extract(result, fields)}


def test_cash_rounding_picks_the_payable_total(make_result) -> None:
    rows = [
        [("SHOP SDN BHD", 10)],
        [("TOTAL AMT....", 10), ("60.31", 300)],
        [("ROUNDING ADJ...", 10), ("-0.01", 300)],
        [("CASH", 10), ("70.30", 300)],
    ]
    assert _values(make_result(rows), ["total"])["total"].value == 60.30


def test_total_skips_quantity_and_exclusive_lines(make_result) -> None:
    rows = [
        [("Total Qty: 7", 10), ("51.42", 300)],
        [("Total Sales (Excluding GST) :", 10), ("51.42", 300)],
        [("Total GST", 10), ("3.08", 300)],
        [("Total Sales (Inclusive of GST)", 10)],
        [("54.50", 300)],
    ]
    assert _values(make_result(rows), ["total"])["total"].value == 54.50


def test_letterhead_name_block_and_address_after_registration(make_result) -> None:
    rows = [
        [("RESTAURANT JIAWEI", 10)],
        [("JIAWEI HOUSE", 10)],
        [("002693074-K", 10)],
        [("(GST ID No: 001147416576)", 10)],
        [("13, JLN TASIK UTAMA 8", 10)],
        [("57000 KUALA LUMPUR", 10)],
        [("INVOICE", 10)],
    ]
    values = _values(make_result(rows), ["vendor_name", "vendor_address"])
    assert values["vendor_name"].value == "RESTAURANT JIAWEI JIAWEI HOUSE"
    assert values["vendor_address"].value == "13, JLN TASIK UTAMA 8, 57000 KUALA LUMPUR"


def test_value_under_a_column_label_inside_one_wide_line(make_result) -> None:
    rows = [
        [("Klant      Order       Factuur datum     Factuur", 0)],
        [("SCONL0303  SCONL000    08-09-2022        VF1005193039", 0)],
    ]
    values = _values(make_result(rows), ["invoice_number"])
    assert values["invoice_number"].value == "VF1005193039"


def test_contract_signing_date_and_obligation_term(make_result) -> None:
    rows = [
        [("CONFIDENTIALITY AGREEMENT between Acme Corp. and Beta LLC.", 10)],
        [("The Company may not hire any employee for a period of one year from today.", 10)],
        [("The obligations under this Agreement shall terminate five (5) years from the", 10)],
        [("date hereof. This Agreement is governed by the laws of the State of Texas.", 10)],
        [("IN WITNESS WHEREOF the parties have signed. Date: 3/15/2018", 10)],
    ]
    values = _values(make_result(rows), "contract")
    assert values["term"].value == "5 years"
    assert values["effective_date"].value == "2018-03-15"  # month-first in a US contract
    assert values["jurisdiction"].value == "Texas"


def test_line_items_without_quantity_column() -> None:
    table = Table(
        n_rows=2,
        n_cols=2,
        header_rows=1,
        grid=[["Service", "Unit price"], ["Hosting", "4.11"]],
    )
    assert items_from_table(table) == [{"description": "Hosting", "unit_price": 4.11}]
    assert items_from_table(Table(n_rows=1, n_cols=1, grid=[["x"]])) == []
