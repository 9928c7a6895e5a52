from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from docsight.engines.layout import LayoutModel, bundled_model_path
from docsight.models import BlockKind, LayoutBlock
from support.threads import call_from_threads

pytest.importorskip("rapid_layout")

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

PARAGRAPH = (
    "The quarterly figures show steady growth across every region, with the strongest "
    "gains in the northern markets where the new distribution centre opened in spring. "
    "Costs rose more slowly than revenue, so margins improved for the third quarter in a "
    "row, and the board expects the trend to continue into next year."
)


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf"
    path = FONT_DIR / name
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width:  # type: ignore[arg-type]
            current = trial
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def synthetic_page() -> Image.Image:
    """An A4 page at 200 dpi: a title, two paragraphs, a ruled table, one more paragraph."""
    w, h = 1654, 2339
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    left, right = 150, w - 150
    d.text((left, 160), "Annual Report 2024", font=_font(72, bold=True), fill="black")
    body = _font(34)
    y = 330
    for _ in range(2):
        for text in _wrap(d, PARAGRAPH, body, right - left):
            d.text((left, y), text, font=body, fill="black")
            y += 50
        y += 40
    # Ruled table: 6 rows x 4 columns.
    y += 40
    col_w = (right - left) // 4
    rows = [("Region", "Q1", "Q2", "Q3")] + [
        (name, f"{10 + i}.4", f"{12 + i}.1", f"{15 + i}.9")
        for i, name in enumerate(["North", "South", "East", "West", "Central"])
    ]
    top = y
    for cells in rows:
        for c, text in enumerate(cells):
            d.text((left + c * col_w + 20, y + 18), text, font=body, fill="black")
        y += 70
    for k in range(len(rows) + 1):
        d.line([(left, top + k * 70), (right, top + k * 70)], fill="black", width=3)
    for c in range(5):
        x = left + c * col_w if c < 4 else right
        d.line([(x, top), (x, y)], fill="black", width=3)
    y += 80
    for text in _wrap(d, PARAGRAPH, body, right - left):
        d.text((left, y), text, font=body, fill="black")
        y += 50
    return img


def test_bundled_model_is_present() -> None:
    assert bundled_model_path().is_file()


@pytest.mark.slow
def test_detects_table_and_text_blocks() -> None:
    model = LayoutModel(threads=2)
    page = synthetic_page()
    model.detect(page)  # warm-up: the first run pays for session set-up
    start = time.perf_counter()
    blocks = model.detect(page)
    elapsed = time.perf_counter() - start
    kinds = [b.kind for b in blocks]
    assert BlockKind.TABLE in kinds
    assert kinds.count(BlockKind.TEXT) >= 2
    table = next(b for b in blocks if b.kind is BlockKind.TABLE)
    # The table sits in the lower half of the drawn content, between the paragraphs.
    assert 700 < table.box.cy < 1700
    assert all(isinstance(b, LayoutBlock) and 0 <= (b.confidence or 0) <= 1 for b in blocks)
    assert all(0 <= b.box.x0 < b.box.x1 <= page.width for b in blocks)
    assert blocks == sorted(blocks, key=lambda b: (b.box.y0, b.box.x0))
    assert model.last_seconds == pytest.approx(elapsed, rel=0.5, abs=0.05)
    assert elapsed < 5.0  # ~0.1-0.3 s on 2 idle cores; generous for loaded CI machines


@pytest.mark.slow
def test_threads_sharing_the_model_each_get_their_blocks() -> None:
    """Without the model's lock a release during another thread's run failed ("busy state")."""
    model = LayoutModel(threads=2)
    page = synthetic_page().resize((620, 877))
    expected = model.detect(page)
    got, errors = call_from_threads(lambda: model.detect(page))
    assert errors == []
    assert got == [expected] * 9
