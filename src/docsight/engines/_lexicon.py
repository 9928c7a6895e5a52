"""Mending a word's least certain letters against a word list, where the recogniser hesitated.

At scan resolution the recogniser confuses letters that look alike (``Iten`` for ``Item``,
``SEAFOOO`` for ``SEAFOOD``) and says so: the wrong letter's probability is low, and the right
one is often its runner-up (``Char.alts``). A word whose letters read below ``max_prob`` (in
either case) may take, at its ``max_doubtful`` least sure letters, the recogniser's runners-up
(a blank one drops the letter) or, failing those, look-alikes. Among the readings that give a
common word, the one with the highest recogniser probability times word frequency to the power
``prior`` wins, a noisy-channel choice. A word already in the list competes too, so ``THANE``
read with K close behind becomes ``THANK``, while ``faced`` with a faint d stays. Confident
letters are never touched, so names, codes and words of other languages read with certainty
stay as read; numbers and words with digits are left alone, except a word with one digit
inside its letters (``sc1ssor``, ``st0re``), which takes the letter that makes it a word, and a
known word whose final ``l`` the recogniser also read as ``!`` (``Facebookl``). On the SROIE
receipts those two rules mended 12 words, none wrongly.

Measured on the recogniser's stored words of FUNSD (50) and SROIE (100), against their truth:
the look-alike table alone (two doubtful letters at most) mended 45/33 words right and 1/1
wrong; the runners-up at the three least sure letters 78/46 right, 1/3 wrong; ``prior`` 0.5
then added 8/2 right and none wrong (1.0: 9/2 right, 1/0 more wrong); ``max_prob`` 0.95
instead of 0.9 added 8/5 right but 5/2 wrong.

The word lists are ``pyspellchecker``'s (word frequencies from subtitles and web text, one
file per language inside the wheel: nothing is downloaded).
"""

from __future__ import annotations

import gzip
import json
import math
from functools import cache
from importlib import resources
from itertools import product

from docsight.engines._charset import foreign as _foreign
from docsight.engines._rapid_pipeline import Char

# Letters the recogniser takes for one another at scan resolution (thin strokes, bowls, arches,
# capitals with bars), from the words it misread on SROIE and FUNSD: a doubtful letter is only
# replaced by a look-alike, so FAX read as EAX is not "mended" into TAX.
_LOOK_ALIKES = ("iljtfr", "oaecdgq", "nmhurb", "vyu", "ILTJ", "ODQCGU", "EFBPR", "MNHWKU", "VYU")
# Letters a digit inside a word stands for (``1ot``, ``st0re``, ``di8c``).
_DIGIT_LOOK_ALIKES = {"0": "o", "1": "li", "5": "s", "8": "sb", "6": "b", "2": "z", "9": "g"}
# A line with more foreign characters than this is in another script, not misread Latin.
_FOREIGN_SHARE = 0.3
# The weight of a look-alike the recogniser did not rank among its runners-up.
_UNRANKED = 1e-4


def letter_span(chars: list[Char]) -> tuple[int, int]:
    """Where a word's letters start and stop, punctuation around it left out (``(Total:``)."""
    start, stop = 0, len(chars)
    while start < stop and not chars[start].text.isalpha():
        start += 1
    while stop > start and not chars[stop - 1].text.isalpha():
        stop -= 1
    return start, stop


def _caseless_prob(char: Char) -> float:
    """The probability that the character is its letter in either case.

    The recogniser often splits a letter's probability between its capital and small forms
    (``R`` 0.75, ``r`` 0.24): that is no doubt about which letter it is.
    """
    other = char.text.swapcase()
    if other == char.text:
        return char.prob
    return char.prob + sum(p for text, p in char.alts if text == other)


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

    def __init__(
        self,
        language: str,
        *,
        max_prob: float = 0.9,
        min_count: int = 50,
        max_doubtful: int = 3,
        prior: float = 0.0,
    ) -> None:
        self.language = language
        self.max_prob = max_prob
        self.min_count = min_count
        self.max_doubtful = max_doubtful
        self.prior = prior
        self._counts = word_frequencies(language)

    def known(self, word: str) -> bool:
        return self._counts.get(word.lower(), 0) >= self.min_count

    def mend(self, chars: list[Char]) -> list[Char]:
        """``chars`` of one word, with up to ``max_doubtful`` letters replaced (see the module)."""
        digits = [i for i, c in enumerate(chars) if c.text.isdigit()]
        if len(digits) == 1:
            return self._mend_digit(chars, digits[0])
        if digits:
            return chars
        start, stop = letter_span(chars)
        core = "".join(c.text for c in chars[start:stop])
        last = chars[stop - 1] if stop > start else None
        if (
            last is not None
            and last.text in "lIi"
            and any(t == "!" for t, _ in last.alts)
            and not self.known(core)
            and len(core) > 3
            and self.known(core[:-1])
        ):
            # ``Facebookl``: a word followed by an exclamation mark read as a letter.
            return [*chars[: stop - 1], Char("!", last.x, last.prob), *chars[stop:]]
        # Three-letter words are mostly abbreviations (QTY, GST, SDN) that no word list holds.
        is_known = self.known(core)
        if len(core) < 4 or not core.isalpha() or (is_known and self.prior == 0):
            return chars
        sure = [_caseless_prob(c) for c in chars]
        doubtful = [i for i in range(start, stop) if sure[i] < self.max_prob]
        if not doubtful:
            return chars
        # The least sure letters are where a misreading most likely is; trying each of a few
        # readings at each keeps the search small however long the word.
        doubtful = sorted(sorted(doubtful, key=lambda i: sure[i])[: self.max_doubtful])
        options = [self._options(chars[i], _case_of(core, i - start)) for i in doubtful]
        best: tuple[float, int, dict[int, str]] | None = None
        if is_known:  # a word already: another reading must be likelier by enough to win
            count = self._counts.get(core.lower(), 0)
            best = (self._score(math.prod(sure[i] for i in doubtful), count), count, {})
        for picks in product(
            *([(chars[i].text, sure[i]), *o] for i, o in zip(doubtful, options, strict=True))
        ):
            changes = {
                i: text
                for i, (text, _) in zip(doubtful, picks, strict=True)
                if text != chars[i].text
            }
            if not changes:
                continue
            word = "".join(changes.get(i, chars[i].text) for i in range(start, stop))
            count = self._counts.get(word.lower(), 0)
            if len(word) < 3 or count < self.min_count:
                continue
            score = self._score(math.prod(p for _, p in picks), count)
            if best is None or (score, count) > best[:2]:
                best = (score, count, changes)
        if best is None or not best[2]:
            return chars
        changes = best[2]
        return [
            Char(changes[i], c.x, c.prob) if i in changes else c
            for i, c in enumerate(chars)
            if changes.get(i, c.text) != ""
        ]

    def _mend_digit(self, chars: list[Char], at: int) -> list[Char]:
        """A word with one digit among its letters (``sc1ssor``, ``st0re:``) as a known word.

        A digit inside a run of letters is a misread letter far more often than part of the
        word, whatever its probability: it takes the letter (the recogniser's runner-up, or a
        look-alike) that makes a common word, if one does. Codes and numbers whose letters make
        no word with any such letter (``A4``, ``B104``) stay as read.
        """
        text = [c.text for c in chars]
        start, stop = letter_span([*chars[:at], Char("a", 0.0, 1.0), *chars[at + 1 :]])
        core = text[start:stop]
        if not start <= at < stop - 1 or sum(t.isalpha() for t in core) < 3:
            return chars  # a digit ending a word is mostly its own (``Lot1``, ``Room2``)
        shape = "".join("a" if i == at else t for i, t in enumerate(text))[start:stop]
        case = _case_of(shape, at - start)
        options = dict(self._options(chars[at], case))
        for letter in _DIGIT_LOOK_ALIKES.get(chars[at].text, ""):
            options.setdefault(letter.upper() if case == "upper" else letter, _UNRANKED)
        best: tuple[float, str] | None = None
        for letter, weight in options.items():
            if not letter:
                continue
            word = "".join(core[: at - start]) + letter + "".join(core[at - start + 1 :])
            count = self._counts.get(word.lower(), 0)
            if count < self.min_count or not word.isalpha():
                continue
            score = self._score(weight, count)
            if best is None or score > best[0]:
                best = (score, letter)
        if best is None:
            return chars
        c = chars[at]
        return [*chars[:at], Char(best[1], c.x, c.prob), *chars[at + 1 :]]

    def settle_script(self, words: list[list[Char]]) -> list[list[Char]]:
        """A line's doubtful out-of-script characters replaced by the recogniser's runner-up.

        With ``engine.charset=all`` the recogniser knows 18,709 characters of many scripts (the
        ``latin`` default drops the East Asian ones, and this has nothing to do); at scan
        resolution it reads a faint ``<`` in an English form as ``く`` and a colon as the
        fullwidth ``：``. In a line otherwise in Latin script, a CJK, kana or fullwidth
        character read below ``max_prob`` takes its best ASCII runner-up, or goes if that is
        the blank. Lines mostly in another script, and characters read with confidence, stay
        as read.
        Accented letters are left to ``mend`` (``totäl`` -> ``total``, a word): turning every
        doubtful one into ASCII under the English list also took ``rápida`` out of the
        Spanish line of a multilingual page.
        """
        chars = [c for w in words for c in w]
        foreign = sum(_foreign(c.text) for c in chars)
        if not foreign or foreign > _FOREIGN_SHARE * len(chars):
            return words
        settled: list[list[Char]] = []
        for word in words:
            kept: list[Char] = []
            for c in word:
                if c.prob < self.max_prob and _foreign(c.text):
                    alt = next((t for t, _ in c.alts if t == "" or t.isascii()), None)
                    if alt == "":
                        continue
                    if alt is not None:
                        c = Char(alt, c.x, c.prob)
                kept.append(c)
            if kept:
                settled.append(kept)
        return settled

    def _score(self, weight: float, count: int) -> float:
        """The recogniser's probability of a reading times its word's frequency to ``prior``."""
        return math.log(max(weight, 1e-12)) + self.prior * math.log(max(count, 1))

    @staticmethod
    def _options(char: Char, case: str) -> list[tuple[str, float]]:
        """Readings a doubtful letter may take, with their weights.

        The recogniser's own runners-up come first, with their probabilities (a blank one
        means the letter may be noise); look-alikes it did not rank are a last resort.
        """
        found: dict[str, float] = {}
        for text, p in char.alts:
            if text == "" or (len(text) == 1 and text.isalpha()):
                text = text.upper() if case == "upper" else text.lower()
                if text.lower() != char.text.lower():
                    found[text] = max(found.get(text, 0.0), p)
        for letter in _look_alikes(char.text, case):
            found.setdefault(letter, _UNRANKED)
        return list(found.items())


__all__ = ["Lexicon", "letter_span", "word_frequencies"]
