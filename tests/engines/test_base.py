"""The engine contract's image helpers: the page as an engine that turned it read it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from docsight.engines.base import straighten, upright


def marked() -> Image.Image:
    """A 300 x 200 page, grey paper, with a black mark in its top-left corner."""
    image = Image.new("RGB", (300, 200), (200, 200, 200))
    image.paste((0, 0, 0), (0, 0, 40, 30))
    return image


@pytest.mark.parametrize(
    ("rotation", "size", "corner"),
    [
        (0, (300, 200), (5, 5)),
        (90, (200, 300), (195, 5)),
        (180, (300, 200), (295, 195)),
        (270, (200, 300), (5, 295)),
    ],
)
def test_upright_turns_clockwise(
    rotation: int, size: tuple[int, int], corner: tuple[int, int]
) -> None:
    out = upright(marked(), rotation, 0.0)
    assert out.size == size
    assert out.convert("L").getpixel(corner) < 50  # the mark went round clockwise


def test_straighten_grows_the_canvas_and_fills_with_the_paper() -> None:
    out = straighten(marked(), 10.0)
    assert out.width > 300 and out.height > 200
    pixels = np.asarray(out)
    assert tuple(pixels[0, -1]) == (200, 200, 200)  # an uncovered corner: paper, not black
    assert straighten(marked(), 0.0).size == (300, 200)


def test_straighten_turns_clockwise() -> None:
    """A bar falling to the right ends level after a counter-clockwise (negative) turn."""
    page = Image.new("RGB", (400, 400), "white")
    page.paste((0, 0, 0), (50, 190, 350, 210))
    slanted = page.rotate(-8, resample=Image.Resampling.BICUBIC, fillcolor="white")  # clockwise
    rows = np.flatnonzero((np.asarray(straighten(slanted, -8.0).convert("L")) < 100).any(axis=1))
    assert rows.max() - rows.min() < 30  # level again: about the bar's own 20 rows
