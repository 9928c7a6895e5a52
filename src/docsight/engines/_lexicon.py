"""Mending a word's least certain letter against a word list, where the recogniser hesitated.

At scan resolution the recogniser confuses letters that look alike (``Iten`` for ``Item``,
``SEAFOOO`` for ``SEAFOOD``) and says so: the wrong letter's probability is low. A word that is
not in the language's word list, with a letter read below ``max_prob``, whose replacement by
one other letter at that position gives a common word, is written as that word. Confident
letters are never touched, so names, codes and words of other languages read with certainty
stay as read; numbers and words with digits are left alone.

The word lists are ``pyspellchecker``'s (word frequencies from subtitles and web text, one
file per language inside the wheel: nothing is downloaded).
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib import resources

from docsight.engines._rapid_pipeline import Char

# Letters the recogniser takes for one another at scan resolution (thin strokes, bowls, arches,
# capitals with bars), from the words it misread on SROIE and FUNSD: a doubtful letter is only
# replaced by a look-alike, so FAX read as EAX is not "mended" into TAX.
_LOOK_ALIKES = ("iljtfr", "oaecdgq", "nmhurb", "vyu", "ILTJ", "ODQCGU", "EFBPR", "MNHWKU", "VYU")


def _case_of(word: str, k: int) -> str:
    """``upper`` or ``lower``: the case of the word's other letters (``VinyI``: lower).

    A capital may still start a lower-case word.
    """
    others = word[:k] + word[k + 1 :]
    if others.isupper():
        return "upper"
    if k == 0 and word[0].isupper():
        return "upper"
    return "lower"


def _look_alikes(letter: str, case: str) -> str:
    """Look-alikes of ``letter`` in either case, written in ``case``."""
    found = {c for g in _LOOK_ALIKES if letter in g or letter.swapcase() in g for c in g}
    cased = {c.upper() if case == "upper" else c.lower() for c in found}
    return "".join(sorted(cased - {letter}))


@cache
def word_frequencies(language: str) -> dict[str, int]:
    """The word list of ``language`` (``en``, ``de``, ``fr``, ...), lower case, with counts."""
    path = resources.files("spellchecker") / "resources" / f"{language}.json.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        loaded: dict[str, int] = json.load(text)
    return loaded


class Lexicon:
    """One language's word list and the rule above."""

    def __init__(self, language: str, *, max_prob: float = 0.9, min_count: int = 50) -> None:
        self.language = language
        self.max_prob = max_prob
        self.min_count = min_count
        self._counts = word_frequencies(language)

    def known(self, word: str) -> bool:
        return self._counts.get(word.lower(), 0) >= self.min_count

    def mend(self, chars: list[Char]) -> list[Char]:
        """``chars`` of one word, with at most one letter replaced (see the module)."""
        if any(c.text.isdigit() for c in chars):
            return chars
        start, stop = 0, len(chars)
        while start < stop and not chars[start].text.isalpha():
            start += 1
        while stop > start and not chars[stop - 1].text.isalpha():
            stop -= 1
        core = "".join(c.text for c in chars[start:stop])
        # Three-letter words are mostly abbreviations (QTY, GST, SDN) that no word list holds.
        if len(core) < 4 or not core.isascii() or not core.isalpha() or self.known(core):
            return chars
        doubtful = [i for i in range(start, stop) if chars[i].prob < self.max_prob]
        if not doubtful or len(doubtful) > 2:
            return chars
        best: tuple[int, int, str] | None = None
        for i in doubtful:
            k = i - start
            for letter in _look_alikes(chars[i].text, _case_of(core, k)):
                count = self._counts.get((core[:k] + letter + core[k + 1 :]).lower(), 0)
                if count >= self.min_count and (best is None or count > best[0]):
                    best = (count, i, letter)
        if best is None:
            return chars
        _, i, letter = best
        mended = list(chars)
        mended[i] = Char(letter, chars[i].x, chars[i].prob)
        return mended


__all__ = ["Lexicon", "word_frequencies"]
