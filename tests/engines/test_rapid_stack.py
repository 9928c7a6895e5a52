"""Cutting a detected box that holds several stacked short lines back into its lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from docsight.engines._rapid_stack import StackRule, stacked_pieces

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if DEJAVU.is_file():
        return ImageFont.truetype(str(DEJAVU), size)
    return ImageFont.load_default(size=size)


def _column(texts: list[str], size: int = 20, pitch: int = 26) -> np.ndarray:
    """BGR page with ``texts`` stacked at ``pitch`` px, as on a receipt's tax-code column."""
    image = Image.new("RGB", (200, 60 + pitch * len(texts)), "white")
    draw = ImageDraw.Draw(image)
    for i, text in enumerate(texts):
        draw.text((60, 30 + i * pitch), text, "black", _font(size))
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def _quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_a_stack_is_cut_into_one_piece_per_line() -> None:
    img = _column(["SR", "SR", "SR", "SR"])
    pieces = stacked_pieces(img, _quad(50, 22, 110, 140), line_height=30, ink_height=15)
    assert len(pieces) == 4
    tops = [float(p[:, 1].min()) for p in pieces]
    bottoms = [float(p[:, 1].max()) for p in pieces]
    # Each piece holds one line: it starts below the previous line's ink and is line-sized.
    assert all(b - t < 30 for t, b in zip(tops, bottoms, strict=True))
    assert tops == sorted(tops)
    for k, top in enumerate(tops):
        assert 30 + k * 26 - 8 <= top <= 30 + k * 26 + 6


def test_a_box_of_line_height_is_left_alone() -> None:
    img = _column(["SR", "SR"])
    assert stacked_pieces(img, _quad(50, 22, 110, 82), line_height=60, ink_height=15) == []


def test_one_line_of_large_print_is_not_a_stack() -> None:
    img = _column(["Total"], size=60, pitch=80)
    assert stacked_pieces(img, _quad(50, 20, 200, 110), line_height=30, ink_height=15) == []


def test_specks_and_rules_join_a_line_instead_of_making_one() -> None:
    img = _column(["SR", "SR"])
    img[100:102, 60:90] = 0  # a thin rule under the second line
    pieces = stacked_pieces(
        img, _quad(50, 22, 110, 110), line_height=30, ink_height=15, rule=StackRule()
    )
    assert len(pieces) == 2
