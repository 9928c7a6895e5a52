import pytest

from docsight.fields import _ids, _mrz

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)


def test_iban() -> None:
    assert _ids.normalise_iban("IBAN: DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert _ids.validate_iban("DE89370400440532013000") is None
    assert _ids.validate_iban("GB82WEST12345698765432") is None
    assert "mod 97" in (_ids.validate_iban("DE89370400440532013001") or "")
    assert _ids.validate_iban("DE8937040044053201300") is not None  # wrong length
    assert _ids.validate_iban("ZZ89370400440532013000") is not None
    with pytest.raises(ValueError):
        _ids.normalise_iban("no iban")


def test_bic() -> None:
    assert _ids.normalise_bic("SWIFT: DEUTDEFF500") == "DEUTDEFF500"
    assert _ids.validate_bic("DEUTDEFF") is None
    assert _ids.validate_bic("DEUTZZFF") is not None
    assert _ids.validate_bic("DEUT1EFF") is not None
    with pytest.raises(ValueError):
        _ids.normalise_bic("bic")


@pytest.mark.parametrize(
    "vat",
    [
        "DE136695976",
        "FR40303265045",
        "IT00743110157",
        "BE0776091951",
        "ATU13585627",
        "NL004495445B01",
        "PL5260250995",
        "DK13585628",
        "FI20774740",
        "PT501964843",
        "LU15027442",
        "SE556188840401",
        "ESA13585625",
        "ESX1234567L"[:0] + "ES12345678Z",
    ],
)
def test_vat_valid(vat: str) -> None:
    assert _ids.validate_vat(vat) is None


@pytest.mark.parametrize(
    "vat",
    [
        "DE136695977",
        "FR41303265045",
        "IT00743110158",
        "BE0776091952",
        "PL5260250996",
        "QQ123456789",
        "DE12345",
        12,
    ],
)
def test_vat_rejected(vat: object) -> None:
    assert _ids.validate_vat(vat) is not None


def test_vat_normalise() -> None:
    assert _ids.normalise_vat("USt-IdNr.: DE 136 695 976") == "DE136695976"
    with pytest.raises(ValueError):
        _ids.normalise_vat("none")


def test_gstin_ein_abn() -> None:
    assert _ids.normalise_gstin("GSTIN: 27AAPFU0939F1ZV") == "27AAPFU0939F1ZV"
    assert _ids.validate_gstin("27AAPFU0939F1ZV") is None
    assert _ids.validate_gstin("27AAPFU0939F1ZW") is not None
    assert _ids.validate_gstin("99AAPFU0939F1ZV") is not None
    assert _ids.normalise_ein("EIN 123456789") == "12-3456789"
    assert _ids.validate_ein("12-3456789") is None
    assert _ids.validate_ein("07-3456789") is not None
    assert _ids.normalise_abn("ABN 51 824 753 556") == "51824753556"
    assert _ids.validate_abn("51824753556") is None
    assert _ids.validate_abn("51824753557") is not None
    for fn in (_ids.normalise_gstin, _ids.normalise_ein, _ids.normalise_abn):
        with pytest.raises(ValueError):
            fn("nothing")


def test_tax_id_card_account() -> None:
    assert _ids.normalise_tax_id("GST ID: 000584089600") == "000584089600"
    assert _ids.validate_tax_id("000584089600") is None
    assert _ids.validate_tax_id("27AAPFU0939F1ZW") is not None  # a GSTIN with a bad check
    assert _ids.validate_tax_id("ABCDEF") is not None
    assert _ids.normalise_card_last4("VISA XXXX XXXX XXXX 4242") == "4242"
    assert _ids.validate_card_last4("42") is not None
    assert _ids.normalise_account("Account No: 5128-4851-2118") == "5128-4851-2118"
    assert _ids.validate_account("AB-1") is not None
    assert _ids.luhn_ok("4242424242424242") and not _ids.luhn_ok("4242424242424241")


def test_mrz_td3_and_td1() -> None:
    td3 = _mrz.parse_mrz(TD3)
    assert td3["format"] == "TD3" and td3["valid"] and td3["document_number"] == "L898902C3"
    assert td3["date_of_birth"] == "1974-08-12" and td3["surname"] == "ERIKSSON"
    assert _mrz.validate_mrz(td3) is None
    td1 = _mrz.parse_mrz(TD1)
    assert td1["format"] == "TD1" and td1["valid"] and td1["given_names"] == "ANNA MARIA"


def test_mrz_bad_check_digit_and_garbage() -> None:
    broken = _mrz.parse_mrz(TD3.replace("L898902C36", "L898902C37"))
    assert not broken["checks"]["document_number"]
    assert "document_number" in (_mrz.validate_mrz(broken) or "")
    with pytest.raises(ValueError):
        _mrz.parse_mrz("no zone here")
    assert _mrz.validate_mrz("x") is not None
    assert _mrz.check_digit("L898902C3") == "6"
