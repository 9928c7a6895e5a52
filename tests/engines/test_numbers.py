"""Amounts whose zeros, dollar sign or decimal point the recogniser misread."""

from __future__ import annotations

import numpy as np
import pytest

from docsight.engines._numbers import faint_decimal, mend_number
from docsight.engines._rapid_pipeline import Char, RawLine


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


_POINT = ((".", 0.03), ("", 0.01))  # the runners-up of a space where a faint point was


def _line(text: str, alts: tuple[tuple[str, float], ...] = _POINT) -> RawLine:
    """A line read as ``text``; each decoded space has ``alts`` for its runners-up."""
    chars = [Char(t, float(10 * i), 0.8, alts if t == " " else ()) for i, t in enumerate(text)]
    return RawLine(np.zeros((4, 2), np.float32), 0.9, 24.0, chars)


@pytest.mark.parametrize(
    ("read", "printed"),
    [("80 91", "80.91"), ("0 00", "0.00"), ("RM 64 13", "RM 64.13"), ("1,250 00", "1,250.00")],
)
def test_a_box_holding_only_an_amount_gets_its_faint_point_back(read: str, printed: str) -> None:
    assert _text(faint_decimal(_line(read))) == printed


@pytest.mark.parametrize(
    "read",
    [
        "4011 00 00",  # several numbers: which gap held the point is not known
        "18/03/18 15:17 06051 02",
        "GA1801 10",  # a code and a count
        "12 345",  # not two decimals
        "Qty 1 80",
        "80.91",
    ],
)
def test_other_boxes_keep_their_spaces(read: str) -> None:
    line = _line(read)
    assert faint_decimal(line) is line.chars


@pytest.mark.parametrize("alts", [(), (("5", 0.001), (".", 0.00001))])
def test_a_space_read_without_a_point_among_its_runners_up_stays(
    alts: tuple[tuple[str, float], ...],
) -> None:
    # Two columns in one box, ``895 03``: the recogniser saw paper, not a faint point.
    assert _text(faint_decimal(_line("895 03", alts))) == "895 03"
