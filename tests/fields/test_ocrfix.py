from __future__ import annotations

import pytest

from docsight.fields import extract
from docsight.fields._ocrfix import mend_text, mend_word


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("Jaian", "Jalan"),  # l read as i
        ("1OT", "LOT"),  # L read as 1
        ("1.0T", "LOT"),  # a stray dot and two look-alikes
        ("SCLANGOR", "SELANGOR"),  # E read as C
        ("Perindustrlan", "Perindustrian"),
        ("INUAH", "INDAH"),
        ("QFF", "OFF"),  # a q without its u is no word
    ],
)
def test_lookalike_slips_in_address_words_are_mended(token: str, expected: str) -> None:
    assert mend_word(token) == expected


@pytest.mark.parametrize(
    "token",
    [
        "JIN",  # a short real name one look-alike from JLN
        "PASAR",  # a real word one (non look-alike) letter from PASIR
        "BORONG",  # LORONG is a different word
        "Avevue",  # a misprint the receipt really carries stays as printed
        "TAMPOI",  # a place name outside the vocabulary
        "S.A.M",  # dotted initials
        "2811",
        "JALAN",
    ],
)
def test_real_words_and_names_are_kept(token: str) -> None:
    assert mend_word(token) == token


def test_postcode_with_a_letter_for_zero() -> None:
    assert mend_text("SEKSYEN U13, 4017U SHAH ALAM") == "SEKSYEN U13, 40170 SHAH ALAM"
    assert mend_text("U13/X 1851-B") == "U13/X 1851-B"


def test_legal_form_and_initial_slips_in_names() -> None:
    assert mend_text("MR.D.1.Y.(M) SON BHD", "name") == "MR.D.I.Y.(M) SDN BHD"
    assert mend_text("99 SPEED MART S/D", "name") == "99 SPEED MART S/B"
    assert mend_text("AIK HUAT HARDWAKE", "name") == "AIK HUAT HARDWARE"
    assert mend_text("JOHN & SON TRADING", "name") == "JOHN & SON TRADING"
    assert mend_text("POPULAR BOOK CP. (M) SDN BHD", "name") == "POPULAR BOOK CO. (M) SDN BHD"
    assert mend_text("KEDAI SDN BND", "name") == "KEDAI SDN BHD"


def test_extracted_letterhead_is_mended(make_result) -> None:
    rows = [
        [("KEDAI SON BHD", 10)],
        [("12, Jaian Tampoi 7/4,", 10)],
        [("81200 Johor Bahru, SCLANGOR", 10)],
        [("TEL: 07-1234567", 10)],
    ]
    values = {
        v.name: v.value for v in extract(make_result(rows), ["vendor_name", "vendor_address"])
    }
    assert values["vendor_name"] == "KEDAI SDN BHD"
    assert values["vendor_address"] == "12, Jalan Tampoi 7/4, 81200 Johor Bahru, SELANGOR"


def test_correct_legal_form_and_house_numbers_stay_as_printed() -> None:
    assert mend_text("S.H.H. MOTOR SDN. BHD.", "name") == "S.H.H. MOTOR SDN. BHD."
    assert mend_text("NO. 1234D JALAN BESAR, 45600 BATANG") == "NO. 1234D JALAN BESAR, 45600 BATANG"
