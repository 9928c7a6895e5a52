"""Bullets found in drawn pages, beside hand-made lines that stand in for the detector's."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from docsight.engines.bullets import ROUND, SQUARE, add_bullets
from docsight.engines.checkboxes import ink_mask
from docsight.models import BBox, Line, Word

W, H = 1200, 900
LINE_H = 46  # a detector's padded line box for ~24 px letters


def _line(text: str, x0: float, y0: float, x1: float) -> Line:
    box = BBox(x0=x0, y0=y0, x1=x1, y1=y0 + LINE_H)
    return Line(text=text, box=box, words=[Word(text=text, box=box)])


def _page(draw_marks: list[tuple[str, int, int, int]]) -> np.ndarray:
    """A white page with each ``(shape, x, y, side)`` drawn: square, disc, frame, ring, word."""
    image = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(image)
    for shape, x, y, side in draw_marks:
        box = (x, y, x + side, y + side)
        if shape == "square":
            d.rectangle(box, fill=0)
        elif shape == "disc":
            d.ellipse(box, fill=0)
        elif shape == "frame":
            d.rectangle(box, outline=0, width=2)
        elif shape == "ring":
            d.ellipse(box, outline=0, width=3)
        elif shape == "word":  # letters ending at x, ``side`` px tall
            font = ImageFont.load_default(size=side)
            d.text((x, y), "ROLL", fill=0, font=font, anchor="rt")
    return ink_mask(np.asarray(image))


def _row(y: int) -> tuple[int, int]:
    """Where a mark sits level with a line box whose top is ``y``, and its side."""
    side = 17
    return y + (LINE_H - side) // 2, side


def test_a_square_and_a_disc_before_their_lines_open_them() -> None:
    ys = [100, 200]
    marks = [("square", 140, _row(ys[0])[0], 17), ("disc", 140, _row(ys[1])[0], 17)]
    lines = [
        _line("Neutral Rating: we initiate coverage", 190, ys[0], 900),
        _line("Gold Darling: one of the best performers", 190, ys[1], 900),
    ]
    out = add_bullets(_page(marks), lines)
    assert [ln.text.split()[0] for ln in out] == [SQUARE, ROUND]
    assert out[0].text == f"{SQUARE} Neutral Rating: we initiate coverage"
    first = out[0].words[0]
    assert first.text == SQUARE and 138 <= first.box.x0 <= 142 and first.box.x1 <= 160
    assert out[0].box.x0 <= 141  # the line now covers its bullet


def test_the_bullet_read_as_a_stray_line_is_replaced_by_the_mark() -> None:
    """multicol_06: the one bullet the detector boxed, alone, read ``1``."""
    y = 100
    marks = [("square", 140, _row(y)[0], 17)]
    stray = _line("1", 136, y + 10, 162)
    text = _line("Neutral Rating: we initiate coverage", 190, y, 900)
    out = add_bullets(_page(marks), [stray, text])
    assert [ln.text for ln in out] == [f"{SQUARE} Neutral Rating: we initiate coverage"]


def test_other_marks_and_places_are_left_alone() -> None:
    y0, y1, y2, y3, y4, y5 = 100, 200, 300, 400, 500, 600
    marks = [
        ("frame", 140, _row(y0)[0], 17),  # an empty checkbox: the checkbox finder's
        ("ring", 140, _row(y1)[0], 17),  # an O or a hollow bullet: not filled
        ("square", 140, _row(y2)[0], 5),  # a full stop or a speck: too small
        ("square", 140, y3 - 5, 17),  # off the row: runs out of the line box's top
        ("square", 262, _row(y4)[0], 17),  # right after a word: no blank paper before it
        ("word", 250, y4 + 8, 26),
        ("square", 200, _row(y5)[0], 17),  # 2.2 line heights before its text: too far to tell
    ]
    ink = _page(marks)
    lines = [
        _line(f"Line {k} with some words", 190, y, 900) for k, y in enumerate((y0, y1, y2, y3))
    ]
    lines.append(_line("1.5000 3.00 SR", 300, y4, 900))
    lines.append(_line("2.00 ROLL", 100, y4, 250))  # the word before the mark
    lines.append(_line("Item set far from its mark", 300, y5, 900))
    assert add_bullets(ink, lines) == lines


def test_a_mark_inside_another_read_line_is_that_lines() -> None:
    """A receipt's blurred ``*`` between ``ROLL`` and the price, read with the line before."""
    y = 100
    marks = [("square", 180, _row(y)[0], 17)]
    before = _line("2.00 ROLL *", 20, y, 200)
    after = _line("1.5000 3.00 SR", 300, y, 600)
    assert add_bullets(_page(marks), [before, after]) == [before, after]


def test_a_line_that_opens_with_a_mark_already_is_kept() -> None:
    y = 100
    marks = [("square", 140, _row(y)[0], 17)]
    line = _line("• Already read", 190, y, 900)
    assert add_bullets(_page(marks), [line]) == [line]
