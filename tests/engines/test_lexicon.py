"""The word-list mending of doubtful letters, on pyspellchecker's real English list."""

from __future__ import annotations

import pytest

from docsight.engines._lexicon import Lexicon, word_frequencies
from docsight.engines._rapid_pipeline import Char


@pytest.fixture(scope="module")
def english() -> Lexicon:
    return Lexicon("en", prior=0.5)


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


def _read(text: str, doubts: dict[int, tuple[float, tuple[tuple[str, float], ...]]]) -> list[Char]:
    """A word as the recogniser gives it: ``doubts`` maps a position to (prob, runners-up)."""
    return [
        Char(c, 10.0 * i, doubts[i][0], doubts[i][1]) if i in doubts else Char(c, 10.0 * i, 0.99)
        for i, c in enumerate(text)
    ]


def _text(chars: list[Char]) -> str:
    return "".join(c.text for c in chars)


@pytest.mark.parametrize(
    ("read", "doubts", "expected"),
    [
        # s and m look nothing alike, but the recogniser ranked m second.
        ("sanagement", {0: (0.45, (("m", 0.37), ("p", 0.03)))}, "management"),
        # Item (runner-up m) rather than Iten (n is a look-alike of m, not ranked).
        ("Iteo", {3: (0.5, (("m", 0.4),))}, "Item"),
        # A blank runner-up drops a stray mark.
        ("ynew", {0: (0.5, (("", 0.45),))}, "new"),
        # R is sure as a letter (0.75 + 0.24 for r): only its case was in doubt, so the code
        # stays as read instead of becoming SHOP through the faint runner-up H.
        ("SROP", {1: (0.75, (("r", 0.24), ("H", 0.005)))}, "SROP"),
        # "THANE" is a word, but the recogniser nearly read K, and "thank" is far more common.
        ("THANE", {4: (0.5, (("K", 0.45),))}, "THANK"),
        # A known word stays when the alternative is unlikely.
        ("faced", {2: (0.65, (("d", 0.04),))}, "faced"),
    ],
)
def test_runners_up_are_weighed_by_probability_and_word_frequency(
    english: Lexicon,
    read: str,
    doubts: dict[int, tuple[float, tuple[tuple[str, float], ...]]],
    expected: str,
) -> None:
    assert _text(english.mend(_read(read, doubts))) == expected


def test_without_a_prior_known_words_are_never_changed() -> None:
    word = _read("THANE", {4: (0.5, (("K", 0.45),))})
    assert _text(Lexicon("en", prior=0.0).mend(word)) == "THANE"


def _line(*words: list[Char]) -> list[list[Char]]:
    return list(words)


def test_a_stray_cjk_mark_in_a_latin_line_goes_when_its_runner_up_is_blank(
    english: Lexicon,
) -> None:
    line = _line(_read("Date", {}), _read("く", {0: (0.5, (("", 0.3), ("<", 0.1)))}))
    assert [_text(w) for w in english.settle_script(line)] == ["Date"]
    line = _line(_read("TEL", {}), _read("：", {0: (0.7, ((":", 0.2),))}), _read("03", {}))
    assert [_text(w) for w in english.settle_script(line)] == ["TEL", ":", "03"]


def test_other_scripts_and_confident_or_native_letters_stay(english: Lexicon) -> None:
    chinese = _line(_read("货物出门", {0: (0.5, (("", 0.3),)), 1: (0.5, (("A", 0.2),))}))
    assert english.settle_script(chinese) == chinese  # a line in another script
    confident = _line(_read("café", {}), _read("menu", {}))
    assert english.settle_script(confident) == confident
    spanish = _line(_read("rápida", {1: (0.6, (("a", 0.3),))}), _read("salta", {}))
    assert english.settle_script(spanish) == spanish  # accents are mend's to judge, by word
    box = _line(_read("□", {0: (0.5, (("", 0.4),))}), _read("Yes", {}))
    assert english.settle_script(box) == box  # box glyphs are the checkbox finder's


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("sc1ssor", "scissor"),  # read with confidence: a digit among letters is still suspect
        ("reservati0n", "reservation"),
        ("st0re:", "store:"),
        ("T0TAL", "TOTAL"),  # the letter takes the word's case
        # Left alone: codes, units, and a digit ending a word, which is mostly its own.
        ("CS00082552", "CS00082552"),
        ("GA1801", "GA1801"),
        ("B104", "B104"),
        ("Lot1", "Lot1"),
        ("SALE5", "SALE5"),
        ("h2o", "h2o"),
        ("1st", "1st"),
    ],
)
def test_a_digit_inside_a_word_is_read_as_the_letter_that_makes_it_a_word(
    english: Lexicon, read: str, expected: str
) -> None:
    assert _mend(english, read, set()) == expected


def test_a_leading_digit_takes_the_recognisers_letter_runner_up(english: Lexicon) -> None:
    assert _text(english.mend(_read("0ate:", {0: (0.6, (("D", 0.3), ("O", 0.1)))}))) == "date:"


def test_a_final_l_with_an_exclamation_runner_up_ends_a_known_word(english: Lexicon) -> None:
    seen = _read("Facebookl", {8: (0.78, (("!", 0.15), ("I", 0.06)))})
    assert _text(english.mend(seen)) == "Facebook!"
    unseen = _read("Facebookl", {8: (0.78, (("I", 0.06),))})
    assert _text(english.mend(unseen)) == "Facebookl"
    # A word that ends in l by itself keeps it.
    assert _text(english.mend(_read("Hotel", {4: (0.7, (("!", 0.2),))}))) == "Hotel"
