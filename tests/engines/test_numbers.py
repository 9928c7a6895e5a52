"""Amounts whose zeros or dollar sign the recogniser read as letters."""

from __future__ import annotations

import pytest

from docsight.engines._numbers import mend_number
from docsight.engines._rapid_pipeline import Char


def _chars(text: str, alts: dict[int, tuple[tuple[str, float], ...]] | None = None) -> list[Char]:
    alts = alts or {}
    return [Char(t, float(i), 0.9, alts.get(i, ())) for i, t in enumerate(text)]


def _text(chars: list[Char]) -> str:
    return "".join(c.text for c in chars)


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("15.0C", "15.00"),  # the last zero of a dot-matrix amount
        ("106.1C", "106.10"),
        ("313.5c", "313.50"),
        ("1O0.00", "100.00"),  # between two digits
        ("1,2O0.50", "1,200.50"),
    ],
)
def test_zero_like_letters_inside_an_amount_become_zeros(read: str, printed: str) -> None:
    assert _text(mend_number(_chars(read))) == printed


def test_the_recognisers_digit_runner_up_wins_over_the_look_alike() -> None:
    chars = _chars("2.1C", {3: (("6", 0.2), ("c", 0.01))})
    assert _text(mend_number(chars)) == "2.16"


@pytest.mark.parametrize(
    "read",
    [
        "CS00082552",  # a code: the letters lead it
        "GA1801",
        "A03041",
        "3.5L",  # a unit, not a zero look-alike
        "1.5V",
        "12.5cm",  # more than the amount around the letter
        "O.K.",
        "Co",
    ],
)
def test_codes_units_and_words_are_left_as_read(read: str) -> None:
    chars = _chars(read)
    assert mend_number(chars) is chars


def test_a_leading_s_becomes_a_dollar_only_where_the_recogniser_saw_one() -> None:
    seen = _chars("S8.20", {0: (("$", 0.15), ("5", 0.02))})
    assert _text(mend_number(seen)) == "$8.20"
    unseen = _chars("S8.20", {0: (("5", 0.02),)})
    assert _text(mend_number(unseen)) == "S8.20"
    # Not before a code that is no amount (a serial number, a Malaysian company number).
    code = _chars("S12345-K", {0: (("$", 0.3),)})
    assert _text(mend_number(code)) == "S12345-K"
