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
"""

from __future__ import annotations

import re

from docsight.engines._rapid_pipeline import Char

_ZERO_LIKE = frozenset("CcOoDQ")
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


__all__ = ["mend_number"]
