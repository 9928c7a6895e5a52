"""Amounts read with a letter for a digit: ``15.0C`` for ``15.00``, ``S8.20`` for ``$8.20``.

At receipt resolution the recogniser often takes the last ``0`` of an amount for ``C`` (the
right side of a thin dot-matrix zero is faint) and a ``$`` whose bar is faint for ``S``. The
word list cannot help (numbers are not words), but the shape of the token can: once the
letters in question are set aside, it is a plain decimal amount, and no unit written after
a decimal without a space looks like a zero. So, in a token whose rest is ``digits . digits``:

- a letter shaped like ``0`` (``C c O o D Q``) after the decimal point, or between two digits
  of the amount, becomes the recogniser's best digit runner-up, else ``0``;
- a leading ``S``/``s`` becomes ``$`` when the recogniser ranked ``$`` among its runners-up.

Codes that mix letters and digits (``CS00082552``, ``GA1801``, ``A03041``) have no decimal
part and are left as read; so are units after an amount (``3.5L``, ``1.5V``).

A decimal point too faint to read leaves a gap the recogniser decodes as a space: a receipt's
``80.91`` comes out as ``80 91``. ``faint_decimal`` puts the point back where a box holds
nothing but such an amount (see there).
"""

from __future__ import annotations

import re

from docsight.engines._rapid_pipeline import Char, RawLine

_ZERO_LIKE = frozenset("CcOoDQ")
# A box holding only an amount whose point went missing: ``80 91``, ``RM 0 00``, ``$ 4 50``.
_SPLIT_AMOUNT = re.compile(r"(?:RM ?|\$ ?)?\d{1,3}(?:,\d{3})* \d\d")
# How sure the recogniser must have been that a point might be there (a runner-up's probability).
_POINT_PROB = 0.001
_AMOUNT = re.compile(r"\$?\d{1,3}(?:[,.]\d{3})*[.,]\d{1,2}|\$?\d+[.,]\d{1,2}")


def _digit(char: Char) -> Char:
    """``char`` read as a digit: its best digit runner-up, else the zero it looks like."""
    alt = next((t for t, _ in char.alts if len(t) == 1 and t.isdigit()), "0")
    return Char(alt, char.x, char.prob)


def mend_number(chars: list[Char]) -> list[Char]:
    """``chars`` of one token with an amount's misread zeros and dollar sign put right."""
    if len(chars) < 3:
        return chars
    out = list(chars)
    dollar = (
        chars[0].text in "Ss"
        and chars[1].text.isdigit()
        and any(t == "$" for t, _ in chars[0].alts)
    )
    if dollar:
        out[0] = Char("$", chars[0].x, chars[0].prob)
    # Each zero-like letter must sit inside the amount's digits (not lead a code): between
    # two digits, or last after the decimal point's digits.
    zeros = [
        i
        for i, c in enumerate(out)
        if c.text in _ZERO_LIKE
        and i > 0
        and (out[i - 1].text.isdigit() or out[i - 1].text in ".,")
        and (i + 1 == len(out) or out[i + 1].text.isdigit())
    ]
    if not dollar and not zeros:
        return chars
    probe = "".join("0" if i in zeros else c.text for i, c in enumerate(out))
    if not _AMOUNT.fullmatch(probe):
        return chars
    for i in zeros:
        out[i] = _digit(out[i])
    return out


def faint_decimal(line: RawLine) -> list[Char]:
    """The line's characters with a faint decimal point read back from the space it left.

    Two conditions, both needed. The box holds nothing but digits, one decoded space and two
    final digits (an ``RM``/``$`` may lead): the detector boxes a receipt's amount column
    apart from its labels, so a date and a time, or a row of numbers, come with more around
    them. And the recogniser saw something there: it ranked a point or a comma among the
    space's runners-up at ``_POINT_PROB`` or more. The paper alone cannot tell: a printed
    space (``895 03`` in a scribeocr form, two columns in one box) leaves the same blank as
    a faint point, 0.3 ink heights, and was read as a space with no point among its runners-up.
    On the recogniser's lines of SROIE (100) and FUNSD (50), 30 boxes had a digit group, a
    space and two digits; 18 matched the box rule and the ground truth has the point in all
    18; 12 of those pass the runner-up test as well.
    """
    chars = line.chars
    text = "".join(c.text for c in chars)
    if not _SPLIT_AMOUNT.fullmatch(text):
        return chars
    i = text.rindex(" ")
    if not any(t in ".," and p >= _POINT_PROB for t, p in chars[i].alts):
        return chars
    out = list(chars)
    out[i] = Char(".", chars[i].x, chars[i].prob)
    return out


__all__ = ["faint_decimal", "mend_number"]
