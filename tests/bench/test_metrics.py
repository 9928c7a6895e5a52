"""The benchmark metrics on known values, and the ground-truth loaders on small fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metrics import (  # bench/ is put on sys.path by conftest.py
    alnum_f1,
    bag_of_words,
    bow_f1,
    cer,
    fold_whitespace,
    funsd_printed_words,
    funsd_words,
    hocr_lines,
    hocr_words,
    sroie_lines,
    wer,
)


def test_identical_texts() -> None:
    text = "The quick brown fox\njumps over the lazy dog."
    assert cer(text, text) == 0
    assert wer(text, text) == 0
    assert bow_f1(text, text) == 1


def test_whitespace_runs_are_folded() -> None:
    assert fold_whitespace("  a\t b\n\nc ") == "a b c"
    assert cer("a b\nc", "a  b c") == 0
    assert wer("a b\nc", "a\tb   c") == 0


def test_one_substitution() -> None:
    assert cer("abcd", "abxd") == pytest.approx(0.25)
    assert wer("one two three four", "one two tree four") == pytest.approx(0.25)
    score = bag_of_words("one two three four", "one two tree four")
    assert score.matched == 3
    assert score.precision == pytest.approx(0.75)
    assert score.recall == pytest.approx(0.75)
    assert score.f1 == pytest.approx(0.75)


def test_insertions_and_deletions_count_against_the_truth_length() -> None:
    assert cer("abc", "abcabc") == pytest.approx(1.0)
    assert cer("abcdef", "abc") == pytest.approx(0.5)
    assert wer("a b", "a b c d") == pytest.approx(1.0)


def test_empty_cases() -> None:
    assert cer("", "") == 0 and wer("", "") == 0
    assert cer("", "x") == 1 and wer("", "x") == 1
    assert cer("abc", "") == 1 and wer("a b", "") == 1
    assert bow_f1("", "") == 1
    assert bow_f1("a b", "") == 0 and bow_f1("", "a b") == 0
    assert bow_f1("a b", "c d") == 0


def test_bag_of_words_is_order_free_and_a_multiset() -> None:
    assert bow_f1("a b c", "c b a") == 1
    score = bag_of_words("a a b", "a b b")
    assert score.matched == 2
    assert score.f1 == pytest.approx(2 / 3)
    assert bow_f1(["a b", "c"], "a b c") == 1


def test_case_insensitive_option() -> None:
    assert bow_f1("TOTAL 9.00", "Total 9.00") == pytest.approx(0.5)
    assert bow_f1("TOTAL 9.00", "Total 9.00", ignore_case=True) == 1
    assert bow_f1("STRASSE", "straße", ignore_case=True) == 1  # casefold, not lower


def test_sroie_text_keeps_its_commas(tmp_path: Path) -> None:
    path = tmp_path / "000.csv"
    path.write_bytes(
        b"72,25,326,25,326,64,72,64,TAN WOON YANN\r\n"
        b"110,144,383,144,383,163,110,163,NO.53 55,57 & 59, JALAN SAGU 18,\r\n"
        b"\r\n"
    )
    assert sroie_lines(path) == ["TAN WOON YANN", "NO.53 55,57 & 59, JALAN SAGU 18,"]


def test_funsd_words(tmp_path: Path) -> None:
    form = {
        "form": [
            {"text": "Date: 1/2", "words": [{"text": "Date:"}, {"text": "1/2"}]},
            {"text": "", "words": [{"text": " "}]},
            {"text": "R&D", "words": [{"text": "R&D"}]},
        ]
    }
    path = tmp_path / "a.json"
    path.write_text(json.dumps(form))
    assert funsd_words(path) == ["Date:", "1/2", "R&D"]


def _word(text: str, x0: int, x1: int, y0: int = 10, y1: int = 24) -> dict[str, object]:
    return {"text": text, "box": [x0, y0, x1, y1]}


def test_funsd_printed_words_undo_splits_at_punctuation_where_boxes_touch(tmp_path: Path) -> None:
    form = {
        "form": [
            # 9/3/92 printed as one token, annotated as three with touching boxes
            {"words": [_word("9/", 543, 560), _word("3/", 560, 575), _word("92", 575, 590)]},
            # a real space: boxes 2 px apart stay two words, even at punctuation
            {"words": [_word("Lights", 302, 349), _word("/", 351, 353)]},
            # touching words without punctuation at the cut stay apart (an annotator's box)
            {"words": [_word("Menthol", 250, 300), _word("Lights", 300, 349)]},
            # the same x, another line: not joined
            {"words": [_word("Non-", 505, 534), _word("Menthol", 534, 582, 40, 54)]},
        ]
    }
    path = tmp_path / "a.json"
    path.write_text(json.dumps(form))
    assert funsd_printed_words(path) == [
        "9/3/92",
        "Lights",
        "/",
        "Menthol",
        "Lights",
        "Non-",
        "Menthol",
    ]
    # with a wider allowance the 2 px gap joins too
    assert funsd_printed_words(path, max_gap=2)[1] == "Lights/"
    # the ceiling a print-faithful reader gets against the annotation is below 1
    assert bow_f1(funsd_words(path), funsd_printed_words(path)) < 1


def test_hocr_words_in_document_order(tmp_path: Path) -> None:
    path = tmp_path / "x.hocr"
    path.write_text(
        '<html><body><div class="ocr_page">'
        '<span class="ocr_line" title="bbox 0 0 9 9">'
        '<span class="ocrx_word" title="bbox 0 0 1 1">FIRST</span>'
        '<span class="ocrx_word" title="bbox 2 0 3 1"><em>R&amp;D</em></span></span>'
        '<span class="ocr_line"><span class="ocrx_word">last</span>'
        '<span class="ocrx_word"> </span></span>'
        "</div></body></html>"
    )
    assert hocr_words(path) == ["FIRST", "R&D", "last"]
    assert hocr_lines(path) == ["FIRST R&D", "last"]


def test_alnum_f1_ignores_where_punctuation_splits_tokens() -> None:
    # FUNSD splits a date at its slashes, SROIE sets a colon apart: the same words either way.
    assert alnum_f1(["10/", "9/", "87", "TOTAL", ":"], "10/9/87 Total:") == 1.0
    assert bow_f1(["10/", "9/", "87", "TOTAL", ":"], "10/9/87 Total:", ignore_case=True) == 0.0
    # A misread word still counts against it.
    assert alnum_f1("TOTAL 12.00", "TOTAI 12.00") == pytest.approx(2 / 3)
    assert alnum_f1("", "") == 1.0
    assert alnum_f1("a", "") == 0.0
