"""Text metrics and ground-truth loaders shared by the benchmark scripts.

Definitions (the same as ../shared/data/README.md, so every figure means one thing):

- CER: Levenshtein distance between the texts with whitespace runs folded to one space, divided
  by the length of the (folded) ground truth. WER: the same on word sequences.
- Bag-of-words F1: multiset overlap of whitespace tokens, order-free; precision = overlap /
  predicted tokens, recall = overlap / truth tokens.

Empty cases: an empty truth scores CER/WER 0 against an empty prediction and 1 against anything
else; F1 is 1 when both are empty and 0 when only one is.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein


def fold_whitespace(text: str) -> str:
    return " ".join(text.split())


def cer(truth: str, prediction: str) -> float:
    t, p = fold_whitespace(truth), fold_whitespace(prediction)
    if not t:
        return 0.0 if not p else 1.0
    return Levenshtein.distance(t, p) / len(t)


def wer(truth: str, prediction: str) -> float:
    t, p = truth.split(), prediction.split()
    if not t:
        return 0.0 if not p else 1.0
    return Levenshtein.distance(t, p) / len(t)


@dataclass(frozen=True)
class BagScore:
    precision: float
    recall: float
    f1: float
    truth_tokens: int
    predicted_tokens: int
    matched: int


def bag_of_words(
    truth: str | list[str], prediction: str | list[str], *, ignore_case: bool = False
) -> BagScore:
    """Multiset overlap of whitespace tokens (strings are split; lists are split per item)."""
    t = _tokens(truth, ignore_case)
    p = _tokens(prediction, ignore_case)
    n_t, n_p = sum(t.values()), sum(p.values())
    matched = sum((t & p).values())
    if n_t == 0 and n_p == 0:
        return BagScore(1.0, 1.0, 1.0, 0, 0, 0)
    precision = matched / n_p if n_p else 0.0
    recall = matched / n_t if n_t else 0.0
    f1 = 2 * precision * recall / (precision + recall) if matched else 0.0
    return BagScore(precision, recall, f1, n_t, n_p, matched)


def bow_f1(
    truth: str | list[str], prediction: str | list[str], *, ignore_case: bool = False
) -> float:
    return bag_of_words(truth, prediction, ignore_case=ignore_case).f1


def alnum_f1(truth: str | list[str], prediction: str | list[str]) -> float:
    """Bag-of-words F1 over letter-and-digit runs only, case-insensitive.

    A diagnostic beside ``bow_f1``, not a replacement: SROIE's and FUNSD's annotators split
    and join tokens at punctuation in their own ways (``10/`` + ``87``, ``TOTAL :`` here and
    ``TOTAL:`` there, a separate ``$``), so whitespace-token F1 mixes misread words with
    disagreements about where a token ends. Splitting both sides at every non-alphanumeric
    character and dropping the punctuation leaves only the words and numbers themselves.
    """
    t = _alnum(truth)
    p = _alnum(prediction)
    matched = sum((t & p).values())
    n_t, n_p = sum(t.values()), sum(p.values())
    if n_t == 0 and n_p == 0:
        return 1.0
    if not matched:
        return 0.0
    precision, recall = matched / n_p, matched / n_t
    return 2 * precision * recall / (precision + recall)


def _alnum(text: str | list[str]) -> Counter[str]:
    joined = text if isinstance(text, str) else " ".join(text)
    return Counter(w for w in re.split(r"[\W_]+", joined.casefold()) if w)


def _tokens(text: str | list[str], ignore_case: bool) -> Counter[str]:
    joined = text if isinstance(text, str) else " ".join(text)
    if ignore_case:
        joined = joined.casefold()
    return Counter(joined.split())


# --- ground-truth loaders -------------------------------------------------------------------


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def sroie_lines(path: Path) -> list[str]:
    """Text of each row of a SROIE ``box/NNN.csv``: ``x1,y1,...,x4,y4,text``.

    The text is everything after the eighth comma: it may hold commas itself and is unquoted.
    """
    lines = []
    for row in _read_text(path).splitlines():
        parts = row.split(",", 8)
        if len(parts) == 9:
            lines.append(parts[8].strip())
    return lines


def funsd_words(path: Path) -> list[str]:
    """Every word of a FUNSD annotation, entity by entity (``form[].words[].text``)."""
    data = json.loads(_read_text(path))
    return [
        word["text"]
        for entity in data["form"]
        for word in entity.get("words", [])
        if word.get("text", "").strip()
    ]


# Where FUNSD's annotation splits a printed token: after these characters, or before these.
_SPLIT_AFTER = frozenset("/-.,=(&$+")
_SPLIT_BEFORE = frozenset("/-.,=)&%:+")


def funsd_printed_words(path: Path, max_gap: float = 0.0) -> list[str]:
    """FUNSD's words with the annotation's splits at punctuation undone where print has none.

    FUNSD's annotators cut tokens at punctuation that print runs together: ``9/3/92`` is
    three words ``9/`` ``3/`` ``92`` with touching boxes, ``Non-Menthol`` is ``Non-``
    ``Menthol``. A reader that writes what is printed can never match those tokens. Two
    neighbouring words of one entity are joined here when the annotation's boxes are at most
    ``max_gap`` pixels apart on the same line and the split falls at punctuation; the F1 of
    these words against ``funsd_words`` is then the most a perfect print-faithful reader
    could score (``bench/funsd_tokens.py``).
    """
    data = json.loads(_read_text(path))
    out: list[str] = []
    for entity in data["form"]:
        words = [w for w in entity.get("words", []) if w.get("text", "").strip()]
        prev: dict[str, Any] | None = None
        for word in words:
            text = word["text"]
            if prev is not None:
                (_, py0, px1, py1), (x0, y0, _, y1) = prev["box"], word["box"]
                touching = x0 - px1 <= max_gap and min(y1, py1) > max(y0, py0)
                at_punct = prev["text"][-1] in _SPLIT_AFTER or text[0] in _SPLIT_BEFORE
                if touching and at_punct:
                    out[-1] += text
                    prev = word
                    continue
            out.append(text)
            prev = word
    return out


class _HocrWords(HTMLParser):
    """Collects ``ocrx_word`` texts in document order, one list per ``ocr_line``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[list[str]] = []
        self._stack: list[str] = []  # class of every open span
        self._word: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "span":
            return
        classes = (dict(attrs).get("class") or "").split()
        kind = "word" if "ocrx_word" in classes else "line" if "ocr_line" in classes else ""
        self._stack.append(kind)
        if kind == "line" or (kind == "word" and not self.lines):
            self.lines.append([])
        if kind == "word":
            self._word = []

    def handle_endtag(self, tag: str) -> None:
        if tag != "span" or not self._stack:
            return
        if self._stack.pop() == "word" and self._word is not None:
            text = "".join(self._word).strip()
            if text:
                self.lines[-1].append(text)
            self._word = None

    def handle_data(self, data: str) -> None:
        if self._word is not None:
            self._word.append(data)


def hocr_lines(path: Path) -> list[str]:
    """Lines of an hOCR file as the words of each ``ocr_line`` joined by spaces."""
    parser = _HocrWords()
    parser.feed(_read_text(path))
    parser.close()
    return [" ".join(words) for words in parser.lines if words]


def hocr_words(path: Path) -> list[str]:
    """``ocrx_word`` texts of an hOCR file in document order (scribeocr ground truth)."""
    return [word for line in hocr_lines(path) for word in line.split()]


def plain_text(path: Path) -> str:
    """A ``.txt`` ground truth (tesseract_test pages, the GeoTopo book)."""
    return _read_text(path)


def geotopo_text(data_dir: Path) -> str:
    return plain_text(
        data_dir / "pypdf_samples" / "ground_truth_py-pdf-benchmarks" / "GeoTopo-book.txt"
    )
