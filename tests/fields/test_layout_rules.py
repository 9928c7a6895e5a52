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


def test_no_letterhead_name_is_taken_from_the_address_or_the_items(make_result) -> None:
    rows = [
        [("LOT 12, JALAN ANGSA", 10)],
        [("TAMAN BERKELEY", 10)],
        [("41150 KLANG, SELANGOR", 10)],
        [("INVOICE NO : 18287", 10)],
        [("1973 GARBAGE BAG (BLUE) RM1.25", 10)],
    ]
    values = _values(make_result(rows), ["vendor_name", "vendor_address"])
    assert "vendor_name" not in values
    assert values["vendor_address"].value == (
        "LOT 12, JALAN ANGSA, TAMAN BERKELEY, 41150 KLANG, SELANGOR"
    )


def test_address_skips_the_brand_outlet_line_and_keeps_a_numbered_outlet(make_result) -> None:
    rows = [
        [("Nando's Chickenland Malaysia", 10)],
        [("Sdn Bhd", 10)],
        [("Nando's 1 Mont Kiara", 10)],
        [("Unit G-13, Ground Floor, No.1", 10)],
        [("Jln Kiara, Mont Kiara", 10)],
        [("50480 Kuala Lumpur", 10)],
        [("Tel: 1300-88-6555", 10)],
    ]
    address = _values(make_result(rows), ["vendor_address"])["vendor_address"].value
    assert address == "Unit G-13, Ground Floor, No.1, Jln Kiara, Mont Kiara, 50480 Kuala Lumpur"
    rows = [
        [("99 SPEED MART S/B", 10)],
        [("LOT P.T. 2811, JALAN ANGSA,", 10)],
        [("41150 KLANG, SELANGOR", 10)],
        [("1317 TRILLIUM S6 BESI", 10)],
        [("GST ID. NO : 000181747712", 10)],
    ]
    address = _values(make_result(rows), ["vendor_address"])["vendor_address"].value
    assert address.endswith("41150 KLANG, SELANGOR, 1317 TRILLIUM S6 BESI")


def test_date_with_its_first_separator_faded(make_result) -> None:
    rows = [[("SHOP SDN BHD", 10)], [("2703/2018 No.:CS-20242", 10)], [("Ref CS1802/27714", 10)]]
    assert _values(make_result(rows), ["date"])["date"].value == "2018-03-27"


def test_tax_summary_total_is_not_the_total_and_cash_less_change_is(make_result) -> None:
    rows = [
        [("SHOP SDN BHD", 10)],
        [("SUB-TOTAL", 10), ("144.68", 300)],
        [("TOTAL TAX(", 10), ("8.68", 300)],
        [("TOTAL", 10)],
        [("CASH", 10), ("160.00", 300)],
        [("CHANGE", 10), ("6.65", 300)],
        [("GST SUMMARY", 10)],
        [("TOTAL :", 10), ("144.68", 200), ("8.68", 300)],
    ]
    total = _values(make_result(rows), ["total"])["total"]
    assert total.value == 153.35
    assert total.source == "cash_change"


def test_tax_summary_confirms_one_of_two_printed_totals(make_result) -> None:
    rows = [
        [("44 Type: 10 Total", 10), ("277.90", 300)],
        [("Rounding Adj", 10), ("0.00", 300)],
        [("Total Inclusive GST:", 10), ("277.00", 300)],
        [("CASH", 10), ("277.00", 300)],
        [("GST Summary", 10)],
        [("Total", 10), ("261.32", 150), ("15.68", 220), ("277.00", 300)],
    ]
    assert _values(make_result(rows), ["total"])["total"].value == 277.00


def test_total_with_a_space_after_the_decimal_point(make_result) -> None:
    rows = [
        [("Total Sales(Incl.GST 6%) RM 64 13", 10)],
        [("Rounding Adjustment RM 0.02", 10)],
        [("TOTAL", 10), ("RM 64. 15", 300)],
        [("CASH", 10), ("RM 100.00", 300)],
    ]
    assert _values(make_result(rows), ["total"])["total"].value == 64.15


def test_unlabelled_date_printed_with_the_time_of_sale_wins(make_result) -> None:
    rows = [
        [("PAID", 10)],
        [("13 MAR 2018", 10)],
        [("MR.D.I.Y.(M) SDN BHD", 10)],
        [("TOTAL", 10), ("37.10", 300)],
        [("14-03-18 21:49 SH03 ZJ20 T1", 10)],
    ]
    date = _values(make_result(rows), ["date"])["date"]
    assert date.value == "2018-03-14"
    assert date.source == "date_with_time"
    rows = [[("SHOP", 10)], [("13 MAR 2018", 10)], [("TOTAL 37.10", 10)]]
    assert _values(make_result(rows), ["date"])["date"].value == "2018-03-13"


def test_total_printed_after_the_tax_summary_is_still_the_total(make_result) -> None:
    rows = [
        [("SHOP SDN BHD", 10)],
        [("GST Summary", 10)],
        [("Code % Net Amt GST", 10)],
        [("SR 6%", 10), ("51.42", 200), ("3.08", 300)],
        [("Total", 10), ("51.42", 200), ("3.08", 300)],
        [("Item: apples", 10)],
        [("Item: pears", 10)],
        [("TOTAL", 10), ("54.50", 300)],
        [("Points earned to date", 10), ("80.00", 300)],
    ]
    assert _values(make_result(rows), ["total"])["total"].value == 54.50


def test_a_price_is_not_the_time_of_sale(make_result) -> None:
    rows = [[("SHOP", 10)], [("13 MAR 2018", 10)], [("Promo to 31/12/2018 RM 12.30", 10)]]
    assert _values(make_result(rows), ["date"])["date"].value == "2018-03-13"


def test_faded_legal_form_and_misread_registration_label(make_result) -> None:
    rows = [
        [("TAN WOON YANN", 10)],
        [("BOOK TA .K(TAMAN DAYA) SDN BND", 10)],
        [("(CO. RFG : 860671-D)", 10)],
        [("NO.53 55,57 & 59, JALAN SAGU 18,", 10)],
        [("81100 JOHOR BAHRU, JOHOR.", 10)],
        [("TEL: 07-3525333", 10)],
    ]
    values = _values(make_result(rows), ["vendor_name", "vendor_address"])
    assert values["vendor_name"].value == "BOOK TA .K(TAMAN DAYA) SDN BHD"
    assert values["vendor_address"].value == (
        "NO.53 55,57 & 59, JALAN SAGU 18, 81100 JOHOR BAHRU, JOHOR."
    )
