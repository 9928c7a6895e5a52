"""Checkbox frames found geometrically and written into lines; shapes that are not boxes not."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docsight.engines.base import PageImage
from docsight.engines.checkboxes import (
    CHECKED,
    UNCHECKED,
    Checkbox,
    find_checkboxes,
    merge_checkboxes,
)
from docsight.engines.rapid import RapidOcrEngine
from docsight.models import BBox, Line, Word
from docsight.settings import EngineSettings, Settings

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _canvas() -> np.ndarray:
    return np.full((200, 400), 255, np.uint8)


def test_an_empty_and_a_ticked_box_are_found_with_their_state() -> None:
    page = _canvas()
    cv2.rectangle(page, (20, 20), (41, 41), 0, 2)
    cv2.rectangle(page, (120, 20), (141, 41), 0, 2)
    cv2.line(page, (124, 24), (137, 37), 0, 2)
    cv2.line(page, (137, 24), (124, 37), 0, 2)
    found = find_checkboxes(page, line_height=24)
    assert [c.mark for c in found] == [UNCHECKED, CHECKED]
    assert [round(c.box.x0) for c in found] == [19, 119]  # the 2-px outline is drawn centred


def test_a_box_with_one_side_broken_by_the_scan_still_counts_when_empty() -> None:
    page = _canvas()
    cv2.rectangle(page, (20, 20), (41, 41), 0, 2)
    page[24:38, 39:44] = 255  # most of the right side lost
    assert [c.mark for c in find_checkboxes(page, line_height=24)] == [UNCHECKED]
    cv2.line(page, (20, 30), (36, 30), 0, 2)  # now an "E": open side and ink inside
    assert find_checkboxes(page, line_height=24) == []


def test_a_box_as_small_as_a_low_resolution_scans_small_letters_is_found() -> None:
    # ~100 dpi forms draw 8-10 px boxes beside line boxes the detector pads to 22 px.
    page = _canvas()
    cv2.rectangle(page, (20, 20), (28, 28), 0, 1)
    assert [c.mark for c in find_checkboxes(page, line_height=22)] == [UNCHECKED]


@pytest.mark.parametrize("draw", ["circle", "bullet", "grid", "tiny", "huge"])
def test_shapes_that_are_not_boxes_are_ignored(draw: str) -> None:
    page = _canvas()
    if draw == "circle":
        cv2.circle(page, (30, 30), 11, 0, 2)
    elif draw == "bullet":
        cv2.rectangle(page, (20, 20), (41, 41), 0, -1)
    elif draw == "grid":  # table cells of box size are one ruling, not boxes
        for k in range(5):
            cv2.line(page, (20 + 22 * k, 20), (20 + 22 * k, 108), 0, 2)
            cv2.line(page, (20, 20 + 22 * k), (108, 20 + 22 * k), 0, 2)
    elif draw == "tiny":
        cv2.rectangle(page, (20, 20), (25, 25), 0, 1)
    else:
        cv2.rectangle(page, (20, 20), (120, 120), 0, 2)
    assert find_checkboxes(page, line_height=24) == []


def _line(text: str, x0: float, words: list[tuple[str, float, float]]) -> Line:
    ws = [Word(text=t, box=BBox(x0=a, y0=20, x1=b, y1=40), confidence=0.9) for t, a, b in words]
    return Line(text=text, box=BBox(x0=x0, y0=20, x1=ws[-1].box.x1, y1=40), words=ws)


def _box(x0: float, checked: bool = False) -> Checkbox:
    return Checkbox(BBox(x0=x0, y0=20, x1=x0 + 20, y1=40), checked=checked, fill=0.0)


def test_marks_go_before_their_labels_in_the_line() -> None:
    line = _line("Implement: Yes No", 100, [("Implement:", 100, 180), ("Yes", 215, 245),
                                            ("No", 285, 305)])
    [merged] = merge_checkboxes([line], [_box(190), _box(260, checked=True)])
    assert merged.text == "Implement: ☐ Yes ☑ No"
    assert [w.text for w in merged.words] == ["Implement:", "☐", "Yes", "☑", "No"]


def test_a_box_glyph_the_recogniser_read_is_replaced_not_doubled() -> None:
    line = _line("□Pending", 300, [("□Pending", 300, 380)])
    [merged] = merge_checkboxes([line], [_box(300)])
    assert merged.text == "☐ Pending"


def test_a_square_read_as_a_letter_stays_a_letter() -> None:
    line = _line("ORDER", 100, [("ORDER", 100, 200)])
    assert merge_checkboxes([line], [_box(100)]) == [line]


def test_a_box_far_from_any_text_becomes_a_line_of_its_own() -> None:
    line = _line("Name", 100, [("Name", 100, 160)])
    out = merge_checkboxes([line], [Checkbox(BBox(x0=100, y0=300, x1=120, y1=320), True, 0.3)])
    assert [ln.text for ln in out] == ["Name", CHECKED]


@pytest.mark.slow
def test_the_engine_writes_checkboxes_into_its_markdown() -> None:
    if not RapidOcrEngine.availability().available:
        pytest.skip("rapidocr not installed")
    image = Image.new("RGB", (1400, 300), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), 40) if DEJAVU.is_file() else ImageFont.load_default(40)
    draw.text((60, 100), "Approved:", "black", font)
    for x, label, ticked in ((330, "Yes", True), (560, "No", False), (760, "Pending", False)):
        draw.rectangle((x, 102, x + 38, 140), outline="black", width=4)
        if ticked:
            draw.line((x + 8, 120, x + 16, 132, x + 32, 108), fill="black", width=5)
        draw.text((x + 60, 100), label, "black", font)
    engine = RapidOcrEngine(Settings(engine=EngineSettings(threads=2, use_layout=False)))
    out = engine.recognize(PageImage(image=image, number=1, dpi=300))
    assert "☑ Yes" in out.markdown and "☐ No" in out.markdown, out.markdown
    assert "☐ Pending" in out.markdown, out.markdown
    assert "checkboxes" in out.timings
