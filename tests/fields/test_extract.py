from __future__ import annotations

from docsight.fields import classify, extract, extract_requested, specs_from_json_schema
from docsight.fields.templates import FieldSpec
from docsight.models import Block, BlockType, Checkbox, Table

RECEIPT = [
    [("tan woon yann", 60)],
    [("BOOK TA .K (TAMAN DAYA) SDN BHD", 60)],
    [("789417-W", 200)],
    [("NO.53 55,57 & 59, JALAN SAGU 18,", 100)],
    [("TAMAN DAYA,", 180)],
    [("81100 JOHOR BAHRU,", 160)],
    [("JOHOR.", 210)],
    [("Document No : TD01167104", 50)],
    [("Date :", 50), ("25/12/2018 8:13:39 PM", 160)],
    [("CASH BILL", 190)],
    [("Sub Total :", 240), ("8.49", 400)],
    [("Total :", 240), ("9.00", 400)],
    [("Cash", 200), ("10.00", 400)],
    [("CHANGE", 200), ("1.00", 400)],
    [("GOODS SOLD ARE NOT RETURNABLE. THANK YOU", 60)],
]


def _by_name(values):
    return {v.name: v for v in values}


def test_receipt_fields_from_layout(make_result) -> None:
    result = make_result(RECEIPT)
    values = _by_name(extract(result, "receipt"))
    assert values["vendor_name"].value == "BOOK TA .K (TAMAN DAYA) SDN BHD"
    assert values["vendor_address"].value.endswith("JOHOR.")
    assert values["date"].value == "2018-12-25"
    assert values["total"].value == 9.0 and values["total"].box is not None
    assert values["subtotal"].value == 8.49
    assert "currency" not in values or values["currency"].value == "MYR"
    assert values["receipt_number"].value == "TD01167104"
    assert all(0 <= v.confidence <= 1 for v in values.values())
    assert result.fields and result.fields[0].name == "vendor_name"


def test_classification_picks_receipt_and_contract(make_result) -> None:
    assert classify(make_result(RECEIPT)).name == "receipt"
    nda = make_result(
        [
            [("MUTUAL NON-DISCLOSURE AGREEMENT", 10)],
            [("This Agreement is governed by the laws of the State of Oregon.", 10)],
            [("the Disclosing Party shall protect Confidential Information", 10)],
        ]
    )
    assert classify(nda).name == "contract"


def test_value_below_label_and_invalid_iban_kept_as_invalid(make_result) -> None:
    result = make_result(
        [
            [("Invoice No.", 300)],
            [("INV-0042", 300)],
            [("IBAN: DE89 3704 0044 0532 0130 01", 20)],
        ]
    )
    values = _by_name(extract(result, ["invoice_number", "iban"]))
    assert values["invoice_number"].value == "INV-0042"
    assert values["invoice_number"].source == "label_below"
    iban = values["iban"]
    assert not iban.valid and "mod 97" in (iban.error or "") and iban.confidence < 0.5


def test_custom_fields_by_label_regex_and_schema(make_result) -> None:
    result = make_result([[("Policy holder ref: AB-778", 10)], [("Claim CLM/2024/77 opened", 10)]])
    specs = [
        FieldSpec(name="holder_ref", type="code", labels=["policy holder ref"]),
        FieldSpec(name="claim", type="code", strategy="regex", regex=r"Claim\s+(\S+)"),
    ]
    values = _by_name(extract(result, specs))
    assert values["holder_ref"].value == "AB-778"
    assert values["claim"].value == "CLM/2024/77"
    schema = {
        "type": "object",
        "properties": {
            "claim_number": {"type": "string", "title": "Claim", "pattern": r"(CLM/\S+)"},
            "total": {"type": "number"},
        },
    }
    assert [s.name for s in specs_from_json_schema(schema)] == ["claim_number", "total"]
    assert _by_name(extract(result, schema))["claim_number"].value == "CLM/2024/77"


def test_line_items_checkboxes_signature_and_mrz(make_result) -> None:
    table = Table(
        n_rows=3,
        n_cols=4,
        header_rows=1,
        grid=[
            ["Description", "Qty", "Unit price", "Amount"],
            ["Office chair", "2", "70.00", "140.00"],
            ["Subtotal", "", "", "140.00"],
        ],
    )
    blocks = [
        Block(type=BlockType.TABLE, table=table),
        Block(type=BlockType.CHECKBOX, checkbox=Checkbox(state="checked", label="Paid")),
        Block(type=BlockType.SIGNATURE, text="J. Doe"),
    ]
    mrz = [
        [("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", 10)],
        [("L898902C36UTO7408122F1204159ZE184226B<<<<<10", 10)],
    ]
    result = make_result(mrz, blocks=blocks)
    values = _by_name(extract(result, ["line_items", "checkboxes", "signature_present", "mrz"]))
    assert values["line_items"].value == [
        {"description": "Office chair", "quantity": 2.0, "unit_price": 70.0, "amount": 140.0}
    ]
    assert values["checkboxes"].value[0]["state"] == "checked"
    assert values["signature_present"].value is True
    assert values["mrz"].value["valid"] and values["mrz"].value["document_number"] == "L898902C3"


def test_contract_fields(make_result) -> None:
    text = [
        [("This Non-Disclosure Agreement is entered into as of March 5, 2012 by and", 10)],
        [("between Acme Widgets, Inc. (the “Company”) and John Smith (“Employee”).", 10)],
        [("The term of this Agreement shall be for a period of two (2) years.", 10)],
        [("This Agreement shall be governed by the laws of the State of New York.", 10)],
    ]
    values = _by_name(extract(make_result(text), "contract"))
    assert values["parties"].value == ["Acme Widgets, Inc.", "John Smith"]
    assert values["effective_date"].value == "2012-03-05"
    assert values["jurisdiction"].value == "New York"
    assert values["term"].value == "2 years"


def test_extract_requested_with_template_and_file(tmp_path, make_result) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("fields:\n  - name: member\n    type: text\n    labels: [member no]\n")
    result = make_result([*RECEIPT, [("Member No: 7781", 10)]])
    values = _by_name(extract_requested(result, template="receipt", fields_file=path))
    assert values["member"].value == "7781" and "total" in values
    assert result.fields == list(values.values())
    auto = extract_requested(make_result(RECEIPT), template="auto")
    assert any(v.name == "total" for v in auto)
