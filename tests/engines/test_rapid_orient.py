"""Page orientation in the RapidOCR engine: sideways and upside-down pages are read upright."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from docsight.engines._rapid_orient import (
    FLIP_BELOW,
    doubtful_turn,
    is_sideways,
    lying_lines,
    page_confidence,
    refine_skew,
    skew,
)
from docsight.engines._rapid_pipeline import Char, RawLine
from docsight.engines.base import PageImage
from docsight.engines.rapid import RapidOcrEngine
from docsight.pipeline import ProcessOptions, process
from docsight.settings import EngineSettings, Settings
from support.images import text_image
from support.rapid import rapid_engine

LINES = [
    "Invoice number 4711 dated 12 March 2024",
    "The quick brown fox jumps over the lazy dog.",
    "Total amount due: 1,234.56 EUR",
    "Payment within thirty days of receipt.",
]
# PIL's counter-clockwise transposes, and the clockwise turn that sets each one upright.
TURNED = {
    90: (Image.Transpose.ROTATE_90, 90),
    180: (Image.Transpose.ROTATE_180, 180),
    270: (Image.Transpose.ROTATE_270, 270),
}


def quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def page() -> Image.Image:
    return text_image(LINES, size=(1400, 420), font_size=36, margin=60)


def cer(truth: str, text: str) -> float:
    truth, text = " ".join(truth.split()), " ".join(text.split())
    return Levenshtein.distance(truth, text) / len(truth)


def test_lines_are_counted_by_the_way_they_lie() -> None:
    quads = [quad(0, 0, 300, 30), quad(0, 40, 20, 300), quad(0, 0, 20, 22)]  # wide, tall, square
    assert lying_lines(quads) == (1, 1)


def test_a_page_is_sideways_only_when_tall_lines_clearly_dominate() -> None:
    tall = [quad(x, 0, x + 25, 400) for x in range(0, 200, 40)]
    wide = [quad(0, y, 400, y + 25) for y in range(0, 200, 40)]
    assert is_sideways(tall)
    assert not is_sideways(wide)
    assert not is_sideways(tall[:2])  # a chart's rotated axis labels do not turn a page
    assert not is_sideways(tall + wide[:3])  # 5 tall against 3 wide is not clear enough


def raw(score: float, n: int = 10) -> RawLine:
    chars = [Char("a", float(i), score) for i in range(n)]
    return RawLine(quad(0, 0, 200, 30), score, 30.0, chars)


def test_a_confident_page_is_never_read_twice() -> None:
    calls: list[int] = []

    def read(crops: list[np.ndarray]) -> list[float]:
        calls.append(len(crops))
        return [1.0] * len(crops)

    img = np.full((100, 300, 3), 255, np.uint8)
    lines = [raw(FLIP_BELOW + 0.05)] * 3
    assert doubtful_turn(img, lines, lambda i, q: i[:30, :200], read) == 0
    assert calls == []


def crop(image: np.ndarray, q: np.ndarray) -> np.ndarray:
    return image[:30, :200]


def test_a_doubtful_page_is_turned_half_way_only_when_that_reads_clearly_better() -> None:
    img = np.full((100, 300, 3), 255, np.uint8)
    lines = [raw(0.6), raw(0.65, 20)]
    assert page_confidence(lines) == pytest.approx((0.6 * 10 + 0.65 * 20) / 30)
    assert doubtful_turn(img, lines, crop, lambda crops: [0.95] * len(crops)) == 2
    assert doubtful_turn(img, lines, crop, lambda crops: [0.7] * len(crops)) == 0


def reader(*per_call: float) -> Callable[[list[np.ndarray]], list[float]]:
    """A recogniser whose n-th call reads every crop at ``per_call[n]``."""
    calls = iter(per_call)

    def read(crops: list[np.ndarray]) -> list[float]:
        score = next(calls)
        return [score] * len(crops)

    return read


def tall_line(score: float) -> RawLine:
    return RawLine(quad(0, 0, 20, 200), score, 20.0, [Char("a", 1.0, score)] * 8)


def test_a_doubtful_page_with_sure_tall_lines_is_turned_a_quarter() -> None:
    """The cropper reads tall lines turned counter-clockwise: sure there, the page lies so."""
    img = np.full((100, 300, 3), 255, np.uint8)
    wide = [raw(0.5, 30)] * 4
    # Calls: the wide lines turned half way, then the tall lines turned the other way round.
    assert doubtful_turn(img, wide + [tall_line(0.97)] * 3, crop, reader(0.5, 0.5)) == 1
    assert doubtful_turn(img, wide + [tall_line(0.5)] * 3, crop, reader(0.5, 0.97)) == 3
    assert doubtful_turn(img, wide + [tall_line(0.5)] * 3, crop, reader(0.97, 0.6)) == 2
    # Two tall lines are too few to turn a page on.
    assert doubtful_turn(img, wide + [tall_line(0.97)] * 2, crop, reader(0.5)) == 0


def slanted(x: float, y: float, length: float, height: float, degrees: float) -> np.ndarray:
    """A line's quad, top-left first, falling ``degrees`` to the right (image y grows down)."""
    a = math.radians(degrees)
    along = np.array([math.cos(a), math.sin(a)]) * length
    down = np.array([-math.sin(a), math.cos(a)]) * height
    top_left = np.array([x, y])
    return np.array(
        [top_left, top_left + along, top_left + along + down, top_left + down], dtype=np.float32
    )


def test_skew_is_the_lines_median_slant_turned_back() -> None:
    lines = [slanted(50, 100 + 60 * i, 600, 30, 4.0 + 0.1 * (i % 3)) for i in range(6)]
    assert skew(lines) == pytest.approx(-4.1, abs=0.05)  # falls right: turned counter-clockwise
    rising = [slanted(50, 500 + 60 * i, 600, 30, -3.0) for i in range(4)]
    assert skew(rising) == pytest.approx(3.0, abs=0.01)


def test_skew_leaves_slight_doubtful_and_short_evidence_alone() -> None:
    assert skew([slanted(50, 100 + 60 * i, 600, 30, 0.6) for i in range(6)]) == 0.0
    assert skew([slanted(50, 100 + 60 * i, 600, 30, 5.0) for i in range(2)]) == 0.0
    scattered = [slanted(50, 100 + 60 * i, 600, 30, a) for i, a in enumerate([-8, 2, 9, -4, 6])]
    assert skew(scattered) == 0.0
    words = [slanted(50, 100 + 60 * i, 60, 30, 5.0) for i in range(6)]  # too short to trust
    assert skew(words) == 0.0


def test_refine_skew_finds_the_slant_the_boxes_understate() -> None:
    """Bars of ink, like lines of text, turned 3 degrees counter-clockwise; boxes said 2.4."""
    page = Image.new("L", (1200, 900), 255)
    for i in range(12):
        page.paste(0, (100, 80 + 60 * i, 1100, 80 + 60 * i + 18))
    turned = page.rotate(3, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    img = np.asarray(turned.convert("RGB"))[:, :, ::-1].copy()
    everywhere = [np.array([[0, 0], [2000, 0], [2000, 2000], [0, 2000]], dtype=np.float32)]
    assert refine_skew(img, everywhere, 2.4) == pytest.approx(3.0, abs=0.15)
    # Ink outside the detected lines does not count: with none inside, the boxes' figure stands.
    nowhere = [np.zeros((4, 2), dtype=np.float32)]
    assert refine_skew(img, nowhere, 2.4) == 2.4


@pytest.fixture(scope="module")
def engine() -> RapidOcrEngine:
    return rapid_engine()


@pytest.mark.slow
def test_an_upright_page_is_left_as_it_is(engine: RapidOcrEngine) -> None:
    out = engine.recognize(PageImage(image=page(), number=1, dpi=200))
    assert out.rotation == 0
    assert cer("\n".join(LINES), out.markdown) < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_turned_page_is_read_upright(engine: RapidOcrEngine, degrees: int) -> None:
    transpose, clockwise = TURNED[degrees]
    upright = page()
    out = engine.recognize(PageImage(image=upright.transpose(transpose), number=1, dpi=200))
    assert out.rotation == clockwise
    assert cer("\n".join(LINES), out.markdown) < 0.05, out.markdown
    # Boxes are in the upright page's pixels: wide lines, top to bottom, inside its frame.
    width, height = upright.size
    assert len(out.lines) == len(LINES)
    for line in out.lines:
        assert 0 <= line.box.x0 < line.box.x1 <= width
        assert 0 <= line.box.y0 < line.box.y1 <= height
        assert line.box.width > 3 * line.box.height
    tops = [line.box.y0 for line in out.lines]
    assert tops == sorted(tops)


@pytest.mark.slow
@pytest.mark.parametrize("degrees", [4.0, -7.0])
def test_a_slanted_page_is_straightened(engine: RapidOcrEngine, degrees: float) -> None:
    """A page photographed ``degrees`` counter-clockwise off straight is read level."""
    upright = page()
    slant = upright.rotate(
        degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white"
    )
    out = engine.recognize(PageImage(image=slant, number=1, dpi=200))
    assert out.rotation == 0
    assert out.deskew == pytest.approx(degrees, abs=0.3)
    assert out.size is not None and out.size[0] > slant.width  # the canvas grew to hold it
    assert cer("\n".join(LINES), out.markdown) < 0.05, out.markdown
    for line in out.lines:  # level lines: as high as the upright page's, not slanted boxes
        assert line.box.height < 60


@pytest.mark.slow
def test_turning_can_be_switched_off() -> None:
    settings = Settings(engine=EngineSettings(threads=2, use_layout=False, auto_rotate=False))
    engine = RapidOcrEngine(settings)
    turned = page().transpose(Image.Transpose.ROTATE_180)
    out = engine.recognize(PageImage(image=turned, number=1, dpi=200))
    assert out.rotation == 0
    assert cer("\n".join(LINES), out.markdown) > 0.5


@pytest.mark.slow
def test_the_layout_model_sees_the_page_upright() -> None:
    """The layout run made on the page as it lay is replaced by one on the upright page."""
    engine = RapidOcrEngine(Settings(engine=EngineSettings(threads=2)))
    seen: list[tuple[int, int]] = []
    assert engine._layout is not None
    detect = engine._layout.detect

    def spy(image: Image.Image) -> list:  # type: ignore[type-arg]
        seen.append(image.size)
        return detect(image)

    engine._layout.detect = spy  # type: ignore[method-assign]
    upright = page()
    out = engine.recognize(
        PageImage(image=upright.transpose(Image.Transpose.ROTATE_90), number=1, dpi=200)
    )
    assert out.rotation == 90
    assert seen == [upright.size[::-1], upright.size]


@pytest.mark.slow
def test_the_result_gives_the_upright_size_and_the_turn(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sideways.png"
    upright = page()
    upright.transpose(Image.Transpose.ROTATE_270).save(path)
    settings = Settings(engine=EngineSettings(threads=2, use_layout=False))
    result = process(path, ProcessOptions(engine="rapidocr"), settings)
    (only,) = result.pages
    assert only.rotation == 270
    assert (only.width, only.height) == upright.size
    assert cer("\n".join(LINES), result.markdown) < 0.05
