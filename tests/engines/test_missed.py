"""Ink outside every detected box, found in drawn pages and read by the real recogniser."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docsight.engines._rapid_pipeline import Tuning
from docsight.engines.base import PageImage
from docsight.engines.checkboxes import ink_mask
from docsight.engines.missed import missed_colons, missed_marks, missed_words
from docsight.engines.rapid import RapidOcrEngine
from support.rapid import rapid_engine

SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
Box = tuple[float, float, float, float]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if SERIF.is_file():
        return ImageFont.truetype(str(SERIF), size)
    return ImageFont.load_default(size=size)


def _draw(items: list[tuple[str, int, int]], size: int = 24) -> tuple[np.ndarray, list[Box]]:
    """A white page with each ``(text, x, y)`` drawn, its ink mask and each text's ink box."""
    image = Image.new("L", (900, 500), 255)
    draw = ImageDraw.Draw(image)
    font = _font(size)
    boxes: list[Box] = []
    for text, x, y in items:
        draw.text((x, y), text, fill=0, font=font)
        x0, y0, x1, y1 = draw.textbbox((x, y), text, font=font)
        boxes.append((float(x0), float(y0), float(x1), float(y1)))
    return ink_mask(np.asarray(image)), boxes


def _centres(quads: list[np.ndarray]) -> list[tuple[float, float]]:
    return [(float(q[:, 0].mean()), float(q[:, 1].mean())) for q in quads]


def test_a_glyph_beside_a_row_outside_every_box_is_found() -> None:
    ink, boxes = _draw([("1", 60, 100), ("Ribs Platter", 140, 100), ("25.90", 600, 100)])
    height = boxes[1][3] - boxes[1][1]
    quads = missed_words(ink, boxes[1:], height)  # the detector missed the "1"
    assert len(quads) == 1
    (cx, cy), (x0, y0, x1, y1) = _centres(quads)[0], boxes[0]
    assert x0 <= cx <= x1 and y0 <= cy <= y1
    assert missed_words(ink, boxes, height) == []  # covered: nothing was missed


def test_the_dashes_of_a_dashed_frame_are_not_words() -> None:
    ink, boxes = _draw([("Accepted by", 140, 100), ("Reviewed by", 140, 200)])
    for y in range(60, 280, 20):  # a frame's broken side: 2 px bars, 14 px tall
        cv2.rectangle(ink, (120, y), (121, y + 13), 1, thickness=-1)
    height = boxes[0][3] - boxes[0][1]
    assert missed_words(ink, boxes, height) == []


def test_glyphs_far_from_any_text_row_are_left_to_the_figure() -> None:
    ink, boxes = _draw([("Quarterly sales", 40, 300), ("D 0", 700, 300)])
    height = boxes[0][3] - boxes[0][1]
    assert missed_words(ink, boxes[:1], height) == []


def test_a_page_of_missed_ink_is_not_read_glyph_by_glyph() -> None:
    rows = [(f"{n}", 40 + 70 * (n % 10), 40 + 40 * (n // 10)) for n in range(60)]
    ink, boxes = _draw([*rows, ("x", 850, 40)])
    height = boxes[0][3] - boxes[0][1]
    # 60 groups, none boxed but one: a texture or a photo, not missed words.
    assert missed_words(ink, boxes[-1:], height) == []


def test_a_page_strewn_with_uncovered_glyphs_is_left_alone() -> None:
    # 30 clusters of 15 glyph-sized strokes, each beside a detected word on its row: 30 groups,
    # under the cap of 40, but 450 uncovered components, which only a page of noise has.
    ink = np.zeros((400, 3200), dtype=np.uint8)
    boxes: list[Box] = []
    for cluster in range(30):
        x = 20 + cluster * 105
        for k in range(15):
            ink[100:114, x + k * 5 : x + k * 5 + 3] = 1
        ink[100:114, x + 85 : x + 95] = 1  # the detected word beside it
        boxes.append((float(x + 84), 98.0, float(x + 96), 116.0))
    assert missed_words(ink, boxes, 14.0) == []
    few = ink.copy()
    few[:, 20 + 3 * 105 :] = 0  # three clusters: missed words
    assert len(missed_words(few, boxes[:3], 14.0)) == 3


def _colon_items() -> list[tuple[str, int, int]]:
    """A receipt's totals: label, a colon standing alone, value, as ``(text, x, y)``."""
    rows = [("Sub Total", "RM 68.87"), ("Service Charge", "RM 0.00"), ("GST/TAX 6%", "RM 4.13")]
    return [
        (text, x, 60 + 40 * k)
        for k, (label, value) in enumerate(rows)
        for text, x in ((label, 40), (":", 420), (value, 700))
    ]


def _colon_rows(size: int = 24) -> tuple[np.ndarray, list[Box], list[Box]]:
    """``_colon_items`` drawn: the ink, the words' boxes and the colons' boxes."""
    ink, boxes = _draw(_colon_items(), size)
    return ink, [b for k, b in enumerate(boxes) if k % 3 != 1], boxes[1::3]


def test_a_colon_alone_between_a_label_and_its_value_is_found() -> None:
    ink, words, colons = _colon_rows()
    height = words[0][3] - words[0][1]
    found = missed_colons(ink, words, height)
    assert len(found) == 3
    for (quad, (ix0, iy0, ix1, iy1)), (x0, y0, x1, y1) in zip(found, colons, strict=True):
        qx, qy = float(quad[:, 0].min()), float(quad[:, 1].min())
        # The colon's own box, inside the quad, is the drawn colon's ink.
        assert abs(qx + ix0 - x0) <= 2 and abs(qx + ix1 - x1) <= 2
        assert y0 - 2 <= qy + iy0 and qy + iy1 <= y1 + 2
        # A line's height of paper around it, wider than tall: read as a line, not turned.
        assert quad[2, 0] - quad[0, 0] > quad[2, 1] - quad[0, 1] > (y1 - y0)
    assert missed_colons(ink, words + colons, height) == []  # boxed: nothing was missed


def test_a_dotted_rule_is_not_a_column_of_colons() -> None:
    ink, words, _ = _colon_rows()
    ink[:, 400:440] = 0  # the colons gone
    for y in range(40, 200, 7):  # a frame's side drawn in 3 px dots
        ink[y : y + 3, 420:423] = 1
    height = words[0][3] - words[0][1]
    assert missed_colons(ink, words, height) == []


def test_two_specks_among_others_are_not_a_colon() -> None:
    ink, words, colons = _colon_rows()
    height = words[0][3] - words[0][1]
    assert len(missed_colons(ink, words, height)) == 3
    x0, y0, x1, y1 = (int(v) for v in colons[1])
    for x, y in ((x0 - 6, y0), (x1 + 5, y0 + 6), (x0 - 4, y1 + 1)):  # a speckled scan's specks
        ink[y : y + 2, x : x + 2] = 1
    found = missed_colons(ink, words, height)
    assert len(found) == 2
    assert all(not (y0 - 2 <= float(q[:, 1].mean()) <= y1 + 2) for q, _ in found)


def test_a_column_of_colons_down_blank_rows_is_a_rule_not_punctuation() -> None:
    # A court filing's caption: a colon on every line, written rows and blank ones alike.
    rows = [("EQUAL", "", 60), ("", "", 100), ("Plaintiff,", "CIVIL ACTION", 140)]
    rows += [("", "", 180), ("v.", "", 220), ("", "", 260), ("HIRE", "JURY TRIAL", 300)]

    def page(blank_colons: bool) -> tuple[np.ndarray, list[Box]]:
        items = [(":", 420, y) for label, _, y in rows if label or blank_colons]
        words = [(t, x, y) for label, value, y in rows for t, x in ((label, 40), (value, 500)) if t]
        ink, boxes = _draw(words + items)
        return ink, boxes[: len(words)]

    ink, words = page(blank_colons=True)
    height = words[0][3] - words[0][1]
    assert missed_colons(ink, words, height) == []
    ink, words = page(blank_colons=False)  # the same colons kept to the written rows
    assert len(missed_colons(ink, words, height)) == 4


def test_a_colon_far_from_any_row_is_not_looked_for() -> None:
    ink, words, _ = _colon_rows()
    height = words[0][3] - words[0][1]
    assert missed_colons(ink, [], height) == []
    below = [(b[0], b[1] + 300, b[2], b[3] + 300) for b in words]
    assert missed_colons(ink, below, height) == []


@pytest.fixture(scope="module")
def engine() -> RapidOcrEngine:
    return rapid_engine()


def test_the_engine_reads_a_word_its_detector_left_out(engine: RapidOcrEngine) -> None:
    image = Image.new("RGB", (700, 200), "white")
    draw = ImageDraw.Draw(image)
    font = _font(24)
    for text, x in (("2", 40), ("Sour Apple Mojito", 120), ("18.90", 560)):
        draw.text((x, 80), text, fill="black", font=font)
    img = np.asarray(image)[:, :, ::-1].copy()
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    timings: dict[str, float] = {}
    quads = engine._detect(img, timings)
    raw = engine._read_lines(img, ink_mask(gray), quads, timings)
    assert [r.text for r in raw].count("2") == 1
    # As if the detector had missed the quantity: the box reading "2" is dropped, and the
    # pass finds its ink and reads it in the same recognition call as the other boxes.
    kept = [q for q, r in zip(quads, raw, strict=True) if r.text != "2"]
    out = engine._read_lines(img, ink_mask(gray), kept, timings)
    assert [r.text for r in out][: len(kept)] == [r.text for r in raw if r.text != "2"]
    assert [r.text for r in out][len(kept) :] == ["2"]
    assert 30 <= float(out[-1].quad[:, 0].mean()) <= 70
    assert "missed" in timings


def test_faint_lone_quantities_are_read_on_the_page(engine: RapidOcrEngine) -> None:
    if not SERIF.is_file():
        pytest.skip("DejaVu Serif is not installed")
    # Faint 14 px serif quantities: the detector boxes one of the four ``1``s here.
    image = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(image)
    font = _font(14)
    items = ["Ribs Platter", "Sour Apple Mojito", "Berry Easy", "Garden Salad"]
    for i, item in enumerate(items):
        y = 40 + i * 19
        for text, x in (("1", 40), (item, 82), ("21.90", 450)):
            draw.text((x, y), text, fill=(120, 120, 120), font=font)
    page = PageImage(image=image, number=1, dpi=150)
    off = RapidOcrEngine(engine._settings, Tuning(missed_score=2.0))  # nothing passes
    ones = [w.text for ln in engine.recognize(page).lines for w in ln.words].count("1")
    before = [w.text for ln in off.recognize(page).lines for w in ln.words].count("1")
    assert before < 4
    assert ones == 4


def test_the_engine_reads_colons_standing_alone_in_their_column(engine: RapidOcrEngine) -> None:
    image = Image.new("RGB", (900, 260), "white")
    draw = ImageDraw.Draw(image)
    font = _font(24)
    for text, x, y in _colon_items():
        draw.text((x, y), text, fill="black", font=font)
    page = PageImage(image=image, number=1, dpi=150)
    off = RapidOcrEngine(engine._settings, Tuning(colon_score=2.0))  # nothing passes
    colons = [w.text for ln in engine.recognize(page).lines for w in ln.words].count(":")
    before = [w.text for ln in off.recognize(page).lines for w in ln.words].count(":")
    assert before < 3
    assert colons == 3
    assert "Sub Total : RM 68.87" in engine.recognize(page).markdown


def _mark_row(dashes: int) -> tuple[np.ndarray, list[Box]]:
    """A label, ``dashes`` lone dashes 2 ink heights apart, and a value, on one row."""
    ink = np.zeros((200, 900), dtype=np.uint8)
    ink[80:100, 40:200] = 1  # the label's block of ink, boxed
    ink[80:100, 700:800] = 1  # the value, boxed
    for k in range(dashes):
        ink[89:92, 400 + 40 * k : 410 + 40 * k] = 1
    return ink, [(40.0, 78.0, 200.0, 102.0), (700.0, 78.0, 800.0, 102.0)]


def test_a_lone_dash_between_label_and_value_is_found_and_a_leader_is_not() -> None:
    ink, boxes = _mark_row(1)
    found = missed_marks(ink, boxes, 20.0)
    assert len(found) == 1
    quad, (x0, _, x1, _) = found[0]
    assert quad[0, 0] + x0 == 400 and quad[0, 0] + x1 == 410
    assert missed_marks(ink, [*boxes, (395.0, 85.0, 415.0, 95.0)], 20.0) == []  # boxed
    ink, boxes = _mark_row(5)  # ``- - - - -``: a leader, not punctuation
    assert missed_marks(ink, boxes, 20.0) == []


def test_an_underline_does_not_fill_the_blank_between_words() -> None:
    from docsight.engines._rapid_pipeline import ink_profile

    crop = np.full((30, 200, 3), 255, dtype=np.uint8)
    crop[5:22, 10:80] = 0  # a word
    crop[5:22, 110:190] = 0  # the next one, 30 px of paper between
    crop[20:22, 5:195] = 0  # ruled under both, through the middle rows' band
    columns, height = ink_profile(crop)
    assert not columns[85:105].any()
    assert height == 17
