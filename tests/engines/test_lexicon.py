"""The word-list mending of doubtful letters, on pyspellchecker's real English list."""

from __future__ import annotations

import pytest

from docsight.engines._lexicon import Lexicon, word_frequencies
from docsight.engines._rapid_pipeline import Char


@pytest.fixture(scope="module")
def english() -> Lexicon:
    return Lexicon("en")


def _word(text: str, doubtful: set[int]) -> list[Char]:
    return [Char(c, 10.0 * i, 0.4 if i in doubtful else 0.99) for i, c in enumerate(text)]


def _mend(lexicon: Lexicon, text: str, doubtful: set[int]) -> str:
    return "".join(c.text for c in lexicon.mend(_word(text, doubtful)))


@pytest.mark.parametrize(
    ("read", "doubtful", "expected"),
    [
        ("Iten", {3}, "Item"),
        ("SEAFOOO", {6}, "SEAFOOD"),
        ("Totai:", {4}, "Total:"),  # punctuation around the word stays
        ("(lnclusive", {1}, "(inclusive"),
        ("VinyI", {4}, "Vinyl"),  # the look-alike takes the case of the word's other letters
        ("Ioward", {0}, "Toward"),  # a capital may start a lower-case word
    ],
)
def test_a_doubtful_look_alike_letter_is_mended(
    english: Lexicon, read: str, doubtful: set[int], expected: str
) -> None:
    assert _mend(english, read, doubtful) == expected


@pytest.mark.parametrize(
    ("read", "doubtful"),
    [
        ("SEAFOOO", set()),  # every letter read with confidence: a name or a code, left alone
        ("Qty", {0}),  # three letters: an abbreviation, not a misread word
        ("BIO14", {2}),  # digits: a code
        ("EAX", {0}),  # FAX is meant; TAX is a word but T is no look-alike of E
        ("GEMBILANG", {3}),  # no English word one look-alike away
        ("Total", {4}),  # already a word
        ("ABCDEFG", {1, 3, 5}),  # too many doubts to pick one
    ],
)
def test_other_words_are_left_as_read(english: Lexicon, read: str, doubtful: set[int]) -> None:
    assert _mend(english, read, doubtful) == read


def test_mending_keeps_positions_and_probabilities(english: Lexicon) -> None:
    before = _word("Iten", {3})
    after = english.mend(before)
    assert [(c.x, c.prob) for c in after] == [(c.x, c.prob) for c in before]
    assert before[3].text == "n"  # the caller's characters are not changed in place


def test_every_configured_language_ships_a_word_list() -> None:
    from typing import get_args

    from docsight.settings import LexiconLanguage

    for language in get_args(LexiconLanguage):
        assert len(word_frequencies(language)) > 10_000, language
