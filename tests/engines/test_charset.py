"""The recogniser's classes a Latin-script page keeps."""

from __future__ import annotations

import numpy as np

from docsight.engines._charset import foreign, recognizer_classes
from docsight.engines.checkboxes import BOX_GLYPHS

CHARSET = ["blank", "A", "z", "7", ":", "é", "Ω", "€", "中", "く", "：", "한", *BOX_GLYPHS, " "]


def test_latin_keeps_alphabets_digits_symbols_and_box_glyphs() -> None:
    keep = recognizer_classes(CHARSET, "latin")
    assert keep is not None and keep.dtype == np.intp
    kept = [CHARSET[i] for i in keep]
    assert kept[0] == "blank"  # CTC's blank stays class 0
    assert kept[1:7] == ["A", "z", "7", ":", "é", "Ω"]
    assert "€" in kept and " " in kept
    assert set(BOX_GLYPHS) <= set(kept)  # the checkbox finder reads 口 as a box
    assert not {"中", "く", "：", "한"} & set(kept)
    assert list(keep) == sorted(keep)


def test_all_keeps_every_class() -> None:
    assert recognizer_classes(CHARSET, "all") is None


def test_foreign_is_east_asian_and_fullwidth_only() -> None:
    assert [foreign(c) for c in "Aé€→中く：한"] == [False] * 4 + [True] * 4
    assert not any(foreign(c) for c in BOX_GLYPHS)
