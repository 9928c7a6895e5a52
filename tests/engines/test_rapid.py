"""The RapidOCR engine on synthetic pages drawn with PIL, plus its pure word/order helpers."""

from __future__ import annotations

import copy
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from docsight.engines import rapid as rapid_module
from docsight.engines._lexicon import Lexicon
from docsight.engines._rapid_pipeline import (
    Char,
    RawLine,
    StripedDetector,
    Tuning,
    _best_classes,
    _decode,
    bucket_width,
    crop,
    det_input,
    detect,
    pad_to_grid,
    recognize,
    reference_height,
)
from docsight.engines._rapid_words import compose_plain, split_glued, split_words, to_line
from docsight.engines.base import Engine, PageImage
from docsight.engines.rapid import RapidOcrEngine
from docsight.errors import EngineFailedError
from docsight.models import BBox, LayoutBlock, Line
from docsight.settings import EngineSettings, Settings
from support.rapid import rapid_engine
from support.threads import call_from_threads

LINES = [
    "Invoice number 4711 dated 12 March 2024",
    "The quick brown fox jumps over the lazy dog.",
    "Total amount due: 1,234.56 EUR",
    "Payment within thirty days of receipt.",
]
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if DEJAVU.is_file():
        return ImageFont.truetype(str(DEJAVU), size)
    return ImageFont.load_default(size=size)


def _page(scale: float = 1.0) -> PageImage:
    """A 300-dpi-like strip of a page (``scale`` < 1 mimics a low-resolution scan)."""
    size = (round(2000 * scale), round(900 * scale))
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = _font(round(48 * scale))
    for i, text in enumerate(LINES):
        draw.text((round(150 * scale), round((120 + i * 170) * scale)), text, "black", font)
    return PageImage(image=image, number=1, dpi=300 * scale)


def _cer(truth: str, hypothesis: str) -> float:
    truth, hypothesis = " ".join(truth.split()), " ".join(hypothesis.split())
    return Levenshtein.distance(truth, hypothesis) / len(truth)


@pytest.fixture(scope="module")
def engine() -> RapidOcrEngine:
    return rapid_engine()


def test_availability_checks_modules_only() -> None:
    status = RapidOcrEngine.availability()
    assert status.available, status.reason


@pytest.mark.slow
def test_satisfies_the_engine_protocol(engine: RapidOcrEngine) -> None:
    assert isinstance(engine, Engine)
    assert engine.model is not None
    assert engine.model.startswith("PP-OCR")


@pytest.mark.slow
@pytest.mark.parametrize("scale", [1.0, 0.35])
def test_recognises_synthetic_page(engine: RapidOcrEngine, scale: float) -> None:
    page = _page(scale)
    out = engine.recognize(page)
    text = "\n".join(line.text for line in out.lines)
    assert _cer("\n".join(LINES), text) < 0.05, text
    assert _cer("\n".join(LINES), out.markdown) < 0.05, out.markdown
    assert out.model == engine.model
    assert out.timings["total"] > 0


@pytest.mark.slow
def test_geometry_is_in_page_pixels_and_reading_order(engine: RapidOcrEngine) -> None:
    page = _page()
    width, height = page.image.size
    out = engine.recognize(page)
    assert len(out.lines) == len(LINES)
    tops = [line.box.y0 for line in out.lines]
    assert tops == sorted(tops)
    for line in out.lines:
        box = line.box
        assert 0 <= box.x0 < box.x1 <= width and 0 <= box.y0 < box.y1 <= height
        assert line.confidence is not None and 0 <= line.confidence <= 1
        assert [w.text for w in line.words] == line.text.split()
        lefts = [w.box.x0 for w in line.words]
        assert lefts == sorted(lefts)
        for word in line.words:
            assert word.confidence is not None and 0 <= word.confidence <= 1
            # Word extents are estimated from character columns: allow a little slack.
            assert box.x0 - 2 <= word.box.x0 < word.box.x1 <= box.x1 + 2
            assert box.y0 - 2 <= word.box.y0 < word.box.y1 <= box.y1 + 2
    # "Invoice" is drawn from x=150; its box must start near there, not at the line's end.
    first = out.lines[0].words[0]
    assert first.text == "Invoice"
    assert abs(first.box.x0 - 150) < 25


@pytest.mark.slow
def test_blank_page_gives_no_lines(engine: RapidOcrEngine) -> None:
    page = PageImage(image=Image.new("RGB", (800, 600), "white"), number=1, dpi=200)
    out = engine.recognize(page)
    assert out.lines == []
    assert out.markdown == ""


def _raw(text: str, xs: list[float], ink: str) -> RawLine:
    quad = np.array([[0, 0], [len(ink), 0], [len(ink), 20], [0, 20]], dtype=np.float32)
    chars = [Char(t, x, 0.9) for t, x in zip(text, xs, strict=True)]
    profile = np.array([c == "1" for c in ink])
    return RawLine(quad, 0.9, 20, chars, ink=profile, ink_height=20)


def test_split_words_breaks_at_wide_blank_gaps_only() -> None:
    #      T    O    T    :        (a wide blank run between the second T and the colon)
    ink = "11111011111011111" + "0" * 12 + "111"
    line = _raw("TOT:", [2, 8, 14, 30], ink)
    words = split_words(line, Tuning().space_gap)
    assert ["".join(c.text for c in w) for w in words] == ["TOT", ":"]


def _spaced(gaps: list[int]) -> tuple[list[float], str]:
    """Glyphs 6 px wide (a colon 2 px) separated by the given blank runs."""
    xs: list[float] = []
    ink = ""
    for k, gap in enumerate([*gaps, 0]):
        width = 2 if k == 3 else 6
        xs.append(len(ink) + width / 2)
        ink += "1" * width + "0" * gap
    return xs, ink


def test_split_words_separates_a_colon_by_smaller_blanks_than_a_word() -> None:
    # "TEL : 03": 1-px blanks between letters; 7 px before and 4 px after the colon, both
    # under the plain space limit (1 + 0.4 * 20 = 9 px)
    xs, ink = _spaced([1, 1, 7, 4, 1])
    line = _raw("TEL:03", xs, ink)
    assert [len(w) for w in split_words(line, 0.4)] == [6]  # plain limit everywhere
    tuning = Tuning()
    words = split_words(
        line, 0.4, colon_gap=tuning.colon_gap, colon_after_gap=tuning.colon_after_gap
    )
    assert ["".join(c.text for c in w) for w in words] == ["TEL", ":", "03"]


def test_split_words_keeps_a_colon_inside_a_number() -> None:
    xs, ink = _spaced([1, 1, 7, 7, 1])
    line = _raw("123:45", xs, ink)
    words = split_words(line, 0.4, colon_gap=0.25, colon_after_gap=0.1)
    assert ["".join(c.text for c in w) for w in words] == ["123:45"]


def _cells(text: str, space_after: int | None = None) -> RawLine:
    """Monospaced print in 14-px cells: a glyph's ink fills 12 px of its cell, a point's 2.

    Characters sit at their ink's centre, where CTC columns place them; ``space_after`` adds
    an empty cell after that character.
    """
    xs: list[float] = []
    ink = ""
    for k, ch in enumerate(text):
        xs.append(len(ink) + (1 if ch == "." else 6))
        ink += "11" + "0" * 12 if ch == "." else "1" * 12 + "00"
        if k == space_after:
            ink += "0" * 14
    return _raw(text, xs, ink)


def test_split_words_keeps_a_decimal_point_with_its_digits() -> None:
    # "64.15" in large receipt print: 12 px of the point's cell are paper, over the plain
    # limit (2 + 0.4 * 20 = 10 px) and under the point's (2 + 0.7 * 20 = 16 px)
    point_gap = Tuning().point_gap
    assert [len(w) for w in split_words(_cells("164.15"), 0.4)] == [4, 2]  # plain limit
    words = split_words(_cells("164.15"), 0.4, point_gap=point_gap)
    assert ["".join(c.text for c in w) for w in words] == ["164.15"]
    # a space after the point still splits: a sentence's last number before the next one
    words = split_words(_cells("164.15", space_after=3), 0.4, point_gap=point_gap)
    assert ["".join(c.text for c in w) for w in words] == ["164.", "15"]
    # a point that is not between digits keeps the plain limit
    words = split_words(_cells("Ltd.Co"), 0.4, point_gap=point_gap)
    assert ["".join(c.text for c in w) for w in words] == ["Ltd.", "Co"]


def test_split_words_keeps_decoded_spaces() -> None:
    line = _raw("a b", [1, 3, 5], "1111111")
    assert ["".join(c.text for c in w) for w in split_words(line, 0.3)] == ["a", "b"]


def test_to_line_maps_word_boxes_onto_the_quad() -> None:
    ink = "1" * 9 + "0" + "1" * 9 + "0" + "1" * 10 + "0" * 40 + "1" * 30
    line = _raw("abcd", [5, 15, 25, 85], ink)
    out = to_line(line, split_words(line, 0.3), 1000, 1000)
    assert out.text == "abc d"
    assert out.words[0].box.x1 <= out.words[1].box.x0
    assert out.box == BBox(x0=0, y0=0, x1=100, y1=20)


def test_compose_plain_orders_rows_then_columns() -> None:
    def line(text: str, x0: float, y0: float) -> Line:
        return Line(text=text, box=BBox(x0=x0, y0=y0, x1=x0 + 80, y1=y0 + 20))

    lines = [line("9.00", 300, 102), line("TOTAL", 10, 100), line("Shop", 10, 10)]
    ordered, markdown = compose_plain(lines)
    assert [ln.text for ln in ordered] == ["Shop", "TOTAL", "9.00"]
    assert markdown == "Shop\n\nTOTAL 9.00"


def test_split_words_finds_a_skipped_cell_in_monospaced_print() -> None:
    # ten digits on a 10-px pitch, a space rendered as one skipped cell after the sixth: the
    # blank there (10 px) is under the plain limit (1 + 0.4 * 28 px), the pitch doubles
    xs = [5, 15, 25, 35, 45, 55, 75, 85, 95, 105]
    gaps = {10, 20, 30, 40, 50, 80, 90, 100} | set(range(60, 70))
    ink = "".join("0" if x in gaps else "1" for x in range(110))
    line = _raw("2023050614", xs, ink)
    line.ink_height = 28.0
    words = ["".join(c.text for c in w) for w in split_words(line, 0.4)]
    assert words == ["202305", "0614"]


def test_split_words_leaves_proportional_wide_pairs_alone() -> None:
    # a wide pair ("mw") twice the usual distance apart, but with an ordinary blank between
    xs = [5, 15, 25, 35, 45, 65, 75, 85, 95]
    ink = "".join("0" if x in {10, 20, 30, 40, 55, 70, 80, 90} else "1" for x in range(100))
    line = _raw("abcdmwxyz", xs, ink)
    line.ink_height = 28.0
    assert ["".join(c.text for c in w) for w in split_words(line, 0.4)] == ["abcdmwxyz"]


def test_a_straight_quote_closing_a_curly_one_is_made_curly() -> None:
    from docsight.engines._rapid_words import _pair_quotes
    from docsight.models import Word

    def words(*texts: str) -> list[Word]:
        box = BBox(x0=0, y0=0, x1=1, y1=1)
        return [Word(text=t, box=box) for t in texts]

    out = _pair_quotes(words('(“Wood"),', "and", "‘it's", "done'"))
    assert [w.text for w in out] == ["(“Wood”),", "and", "‘it’s", "done'"]
    plain = words('"straight"', "stays")
    assert _pair_quotes(plain) == plain


def test_bucket_width_pads_little_and_yields_few_shapes() -> None:
    step = Tuning().rec_width_step
    widths = range(96, 6000)
    buckets = {bucket_width(w, step) for w in widths}
    for w in widths:
        b = bucket_width(w, step)
        assert b >= w and b % step == 0
        assert b - w < max(step, w / 8)
    # 5,900 possible widths come down to a few dozen input shapes.
    assert len(buckets) < 50


def test_extra_crops_are_batched_apart_and_leave_the_lines_readings_alone(
    engine: RapidOcrEngine,
) -> None:
    def line(text: str, width: int) -> np.ndarray:
        image = Image.new("RGB", (width, 40), "white")
        ImageDraw.Draw(image).text((6, 6), text, "black", _font(24))
        return np.asarray(image)[:, :, ::-1].copy()

    words = ["Qty", "Sour Apple Mojito", "18.90", "Ribs", "Platter 2", "RM", "Cash", "Total"]
    lines = [line(t, 40 + 16 * len(t)) for t in words]
    extras = [line(t, 40 + 16 * len(t)) for t in ("1", "Berry", ":")]
    tuning = engine._tuning
    session, charset = engine._rec_session, engine._charset
    alone = recognize(session, charset, lines, tuning)
    apart = recognize(session, charset, lines + extras, tuning, first=len(lines))
    together = recognize(session, charset, lines + extras, tuning)
    # Batched apart, the lines read exactly as without the extras (characters, positions,
    # probabilities); mixed in, the extras change the lines' batches and their padding.
    assert apart[: len(lines)] == alone
    assert together[: len(lines)] != alone
    assert ["".join(c.text for c in ch) for ch, _ in apart[len(lines) :]] == [
        "".join(c.text for c in ch) for ch, _ in together[len(lines) :]
    ]


@pytest.mark.slow
def test_onnxruntime_reads_the_page_like_the_default_runtime(engine: RapidOcrEngine) -> None:
    settings = Settings(engine=EngineSettings(threads=2, use_layout=False, runtime="onnxruntime"))
    reference = RapidOcrEngine(settings)
    assert reference.runtime == "onnxruntime-f32"
    page = _page()
    assert [ln.text for ln in reference.recognize(page).lines] == [
        ln.text for ln in engine.recognize(page).lines
    ]


class _Pixelwise:
    """A stand-in model whose output row depends only on the same input row, so stitching
    strips must reproduce the whole-image output exactly."""

    def __init__(self) -> None:
        self.heights: list[int] = []
        self.releases = 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self.heights.append(x.shape[2])
        return x[:, :1] * 2.0 + 1.0

    def release(self) -> None:
        self.releases += 1


def test_striped_detector_owns_every_row_once() -> None:
    model = _Pixelwise()
    striped = StripedDetector(model, max_pixels=640 * 300, overlap=64)
    x = np.random.default_rng(0).random((1, 3, 1056, 640), dtype=np.float32)
    out = striped(x)
    assert np.array_equal(out, x[:, :1] * 2.0 + 1.0)
    assert len(model.heights) == 4 and max(model.heights) < 1056  # strips, not the page
    assert all(h % 32 == 0 for h in model.heights)
    assert model.releases == 4
    small = np.zeros((1, 3, 256, 640), dtype=np.float32)
    striped(small)
    assert model.heights[-1] == 256  # under the budget: one call, whole


@pytest.mark.slow
def test_striped_detection_matches_the_whole_page(engine: RapidOcrEngine) -> None:
    """On the real detection model the stitched map finds the same text pixels."""
    page = _page()
    img = np.ascontiguousarray(np.asarray(page.image)[:, :, ::-1]).astype(np.float32)
    x = (img.transpose(2, 0, 1)[None, :, :896, :1984] / 255.0 - 0.5) / 0.5
    x = np.ascontiguousarray(x, dtype=np.float32)
    model = engine._det.session.session
    whole = model(x) > 0.3
    striped = StripedDetector(model, max_pixels=1984 * 400, overlap=96)(x) > 0.3
    assert whole.sum() > 10_000  # the four lines are there
    assert (whole == striped).mean() > 0.995


class _Blinking:
    """A detection model that sees one text line, ``rows`` tall, in inputs of the given widths.

    ``widths=None``: in every input.
    """

    def __init__(self, widths: set[int] | None, rows: int = 12) -> None:
        self.seeing = widths
        self.rows = rows
        self.widths: list[int] = []

    def __call__(self, x: np.ndarray) -> np.ndarray:
        h, w = x.shape[2], x.shape[3]
        self.widths.append(w)
        out = np.zeros((1, 1, h, w), dtype=np.float32)
        if self.seeing is None or w in self.seeing:
            out[0, 0, h // 4 : h // 4 + self.rows, w // 8 : w // 2] = 1.0
        return out

    def release(self) -> None:
        pass


def test_detection_looks_again_at_half_scale_before_calling_a_page_blank(
    engine: RapidOcrEngine,
) -> None:
    """A probe that sees nothing looks once more at half its scale (see ``detect``)."""
    img = np.full((1000, 1280, 3), 255, dtype=np.uint8)
    model = _Blinking({640})  # only the half-scale probe sees the line
    det = copy.copy(engine._det)
    det.session = model
    tuning = Tuning(det_probe_side=1280)
    quads, info = detect(det, img, tuning)
    assert model.widths[:2] == [1280, 640]  # the probe, then half of it
    assert len(model.widths) == 3  # and the final pass, which saw nothing: the probe's boxes
    assert info["det_probe_scale"] == 0.5
    assert len(quads) == 1
    # In page pixels: the drawn rows 128-140 of 512 are 250-273 of 1000, columns 160-640;
    # the detector's unclip grows the box by a few pixels all round.
    (x0, y0), (x1, y1) = quads[0].min(axis=0), quads[0].max(axis=0)
    assert 225 < y0 <= 250 and 273 <= y1 < 300
    assert 135 < x0 <= 160 and 640 <= x1 < 665

    model = _Blinking(set())  # a blank page: two looks, no boxes
    det.session = model
    quads, _ = detect(det, img, tuning)
    assert len(quads) == 0 and model.widths == [1280, 640]


def test_reference_height_undoes_the_detector_margin_of_a_smaller_probe() -> None:
    """A 20 px line: 16 px tall at half scale (10 + a 6 px margin), 26 px at full scale."""
    assert reference_height(16.0, 0.5, 1.0, 6.0) == pytest.approx(26.0)
    assert reference_height(26.0, 1.0, 1.0, 6.0) == pytest.approx(26.0)  # the reference itself
    # Without the mapping the small probe would report 32 px: the page's text 23% too tall.
    assert 16.0 / 0.5 / reference_height(16.0, 0.5, 1.0, 6.0) > 1.2


def test_detection_looks_closer_when_the_probe_lines_are_too_small_to_measure(
    engine: RapidOcrEngine,
) -> None:
    img = np.full((2000, 3200, 3), 255, dtype=np.uint8)
    model = _Blinking(None, rows=3)  # a line 3 output rows tall in every input
    det = copy.copy(engine._det)
    det.session = model
    _, info = detect(det, img, Tuning())
    assert model.widths[:2] == [896, 1664]  # 800 and 1600 px, padded to the 128 px grid
    assert info["det_probe_scale"] == 0.5


def test_pad_to_grid_extends_with_the_edge_colour_only() -> None:
    img = np.full((100, 250, 3), 30, dtype=np.uint8)  # a dark page
    img[10:20, 10:50] = 255  # "text" away from the edges
    out = pad_to_grid(img, 128)
    assert out.shape == (128, 256, 3) and out.dtype == np.uint8
    assert np.array_equal(out[:100, :250], img)
    assert (out[100:, :] == 30).all() and (out[:, 250:] == 30).all()
    exact = np.zeros((128, 256, 3), dtype=np.uint8)
    assert pad_to_grid(exact, 128) is exact


def test_model_names_the_runtime_it_ran_on(engine: RapidOcrEngine) -> None:
    assert engine.model is not None
    assert engine.model.endswith("/" + engine.runtime)
    assert engine.runtime.split("-")[0] in {"openvino", "onnxruntime"}


def test_det_input_matches_rapidocrs_own_normalization() -> None:
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (96, 160, 3), dtype=np.uint8)
    theirs = DetPreProcess(10_000, "max", [0.5] * 3, [0.5] * 3)(img)
    ours = det_input(img, [0.5] * 3, [0.5] * 3)
    assert ours.shape == (1, 3, 96, 160) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-5
    # Per-channel statistics take the general path and give the same arithmetic.
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    expected = ((img / 255.0 - mean) / std).transpose(2, 0, 1)[None]
    assert np.abs(det_input(img, mean, std) - expected).max() < 1e-4


def test_runners_up_are_kept_for_doubtful_columns_only() -> None:
    charset = ["blank", "a", "b", "c", "d"]
    # Columns: confident "a", doubtful "b" (c and blank behind it), blank, doubtful "d" over two
    # columns: its blank runner-up is dropped, the other column still reads "d".
    pred = np.array(
        [
            [0.0, 0.99, 0.01, 0.0, 0.0],
            [0.2, 0.0, 0.5, 0.3, 0.0],
            [1.0, 0.0, 0.0, 0.0, 0.0],
            [0.3, 0.0, 0.1, 0.0, 0.6],
            [0.1, 0.0, 0.0, 0.0, 0.9],
        ],
        dtype=np.float32,
    )[None]
    classes = _best_classes(pred)
    chars, _ = _decode(classes, 0, charset, 1.0)
    assert [c.text for c in chars] == ["a", "b", "d"]
    assert chars[0].alts == ()
    assert [t for t, _ in chars[1].alts][:2] == ["c", ""]  # best first; "" is the blank
    assert [p for _, p in chars[1].alts][:2] == pytest.approx([0.3, 0.2])
    assert next(t for t, _ in chars[2].alts) == "b"
    assert "" not in [t for t, _ in chars[2].alts]


@pytest.fixture(scope="module")
def engine_with_layout() -> RapidOcrEngine:
    return RapidOcrEngine(Settings(engine=EngineSettings(threads=2, use_layout=True)))


@pytest.mark.slow
def test_layout_runs_beside_recognition_and_its_blocks_arrive(
    engine_with_layout: RapidOcrEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = engine_with_layout._layout
    assert layout is not None
    threads: list[str] = []
    real = layout.detect

    def detect(image: Image.Image) -> list[LayoutBlock]:
        threads.append(threading.current_thread().name)
        return real(image)

    monkeypatch.setattr(layout, "detect", detect)
    out = engine_with_layout.recognize(_page())
    assert threads and threads[0].startswith("docsight-layout")
    assert out.blocks, "the layout model found no region on a page of text"
    assert out.timings["layout"] > 0 and "layout_wait" in out.timings
    assert _cer("\n".join(LINES), "\n".join(line.text for line in out.lines)) < 0.05


@pytest.mark.slow
def test_threads_sharing_the_engine_each_get_their_page_read(
    engine_with_layout: RapidOcrEngine,
) -> None:
    """The registry gives every caller one instance: three threads at once, nine pages.

    Before the instance's lock, the second thread's page failed with "Infer Request is busy".
    """
    page = _page(0.35)
    expected = engine_with_layout.recognize(page).markdown
    got, errors = call_from_threads(lambda: engine_with_layout.recognize(page).markdown)
    assert errors == []
    assert got == [expected] * 9


@pytest.mark.slow
@pytest.mark.parametrize("broken", ["layout", "detection"])
def test_a_failure_on_either_side_is_the_engines_error_and_leaves_it_usable(
    engine_with_layout: RapidOcrEngine, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    finished: list[bool] = []
    layout = engine_with_layout._layout
    assert layout is not None
    real = layout.detect

    def slow_layout(image: Image.Image) -> list[LayoutBlock]:
        time.sleep(0.3)
        if broken == "layout":
            raise RuntimeError("layout model exploded")
        blocks = real(image)
        finished.append(True)
        return blocks

    def broken_detect(*args: object, **kwargs: object) -> None:
        raise RuntimeError("detector exploded")

    with monkeypatch.context() as patch:
        patch.setattr(layout, "detect", slow_layout)
        if broken == "detection":
            patch.setattr(rapid_module, "detect", broken_detect)
        with pytest.raises(EngineFailedError, match="exploded"):
            engine_with_layout.recognize(_page(0.35))
        if broken == "detection":
            assert finished == [True]  # the page's layout run was waited for, not left running
    assert engine_with_layout.recognize(_page(0.35)).lines


def _glyphs(text: str, gaps: dict[int, int]) -> RawLine:
    """``text`` in 6-px glyphs 1 px apart, with wider blanks after the indices in ``gaps``."""
    xs: list[float] = []
    ink = ""
    for k in range(len(text)):
        xs.append(len(ink) + 3)
        ink += "111111" + "0" * gaps.get(k, 1)
    return _raw(text, xs, ink)


@pytest.mark.parametrize(
    ("text", "gaps", "expected"),
    [
        ("TAXINVOICE", {2: 6}, ["TAX", "INVOICE"]),  # 1 + 0.2 * 20 = 5 px: a narrow space
        ("TAXINVOICE", {2: 4}, ["TAXINVOICE"]),  # no blank wide enough: left as read
        ("TAXINVOICE", {2: 6, 5: 7}, ["TAXINVOICE"]),  # the widest blank is not where words part
        ("TAMAN", {1: 3}, ["TAMAN"]),  # TA and MAN are words, but 3 px is a letter gap here
        ("INVOICE", {1: 6}, ["INVOICE"]),  # a word already
    ],
)
def test_glued_words_split_only_where_words_and_a_blank_agree(
    text: str, gaps: dict[int, int], expected: list[str]
) -> None:
    line = _glyphs(text, gaps)
    words = split_glued(line, [line.chars], Lexicon("en").known, 0.2)
    assert ["".join(c.text for c in w) for w in words] == expected


def _read_in_forked_child(read: Callable[[], int]) -> int | None:
    """``read()`` in a child forked from this process; None if it did not answer in time."""
    ctx = multiprocessing.get_context("fork")
    answers = ctx.Queue()
    child = ctx.Process(target=lambda: answers.put(read()), daemon=True)
    child.start()
    try:
        answer: int = answers.get(timeout=120)
        return answer
    except queue.Empty:
        return None
    finally:
        child.kill()
        child.join()


@pytest.mark.slow
def test_an_engine_inherited_through_fork_reads_in_the_child(
    engine_with_layout: RapidOcrEngine,
) -> None:
    # OpenVINO's threads and the layout thread stay in the parent: without reloading, the
    # child's first page waited forever.
    page = _page(0.35)
    assert engine_with_layout.recognize(page).lines  # the parent has used it
    assert _read_in_forked_child(lambda: len(engine_with_layout.recognize(page).lines)) == len(
        LINES
    )


@pytest.mark.slow
def test_a_forked_child_gets_its_own_engine_from_the_registry() -> None:
    from docsight.engines import registry

    settings = Settings(engine=EngineSettings(threads=1))
    parent = registry.get_engine("rapidocr", settings)
    page = _page(0.35)
    assert parent.recognize(page).lines

    def child() -> int:
        engine = registry.get_engine("rapidocr", settings)
        return (engine is not parent) + 10 * len(engine.recognize(page).lines)

    assert _read_in_forked_child(child) == 1 + 10 * len(LINES)


def _read(engine: RapidOcrEngine, img: np.ndarray, quads: list[np.ndarray]) -> list[RawLine]:
    """The boxes ``quads`` of ``img`` read as the engine reads detected boxes."""
    return engine._raw_lines(quads, [crop(img, q) for q in quads])


def test_a_box_of_stacked_lines_is_read_line_by_line(engine: RapidOcrEngine) -> None:
    """The detector's tall box over a receipt column is read as its lines, not as one."""
    image = Image.new("RGB", (900, 420), "white")
    draw = ImageDraw.Draw(image)
    font = _font(28)
    draw.text((40, 30), "Fruity Garden Salad", "black", font)
    draw.text((40, 90), "Sour Apple Mojito", "black", font)
    prices = ["13.90", "18.90", "74.90", "21.90"]
    for i, price in enumerate(prices):
        draw.text((600, 160 + 36 * i), price, "black", font)
    img = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])

    def quad(x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)

    flat = _read(engine, img, [quad(30, 22, 330, 72), quad(30, 82, 300, 132)])
    stack = _read(engine, img, [quad(590, 150, 700, 310)])
    assert " ".join(c.text for c in stack[0].chars) not in prices  # read as one tall line
    out = engine._unstack(img, flat + stack)
    assert [r.text for r in out] == [r.text for r in flat] + prices
    # A line the detector also found by itself is not read twice.
    alone = _read(engine, img, [quad(590, 150, 700, 192)])
    out = engine._unstack(img, flat + alone + stack)
    assert [r.text for r in out] == [r.text for r in flat] + prices


def test_words_put_an_amounts_misread_zero_right(engine: RapidOcrEngine) -> None:
    ink = "0".join(["111111"] * 5)  # 15.0C printed tight, one word
    line = _raw("15.0C", [3, 10, 17, 24, 31], ink)
    assert ["".join(c.text for c in w) for w in engine._words(line)] == ["15.00"]


def _blank_run_reference(ink: np.ndarray, x0: float, x1: float) -> int:
    """The longest blank run in ``ink[int(x0):int(x1)]``, one interval at a time."""
    cols = ink[max(int(x0), 0) : max(int(x1), 0)]
    best = run = 0
    for inked in cols:
        run = 0 if inked else run + 1
        best = max(best, run)
    return best


def test_blank_runs_match_one_interval_at_a_time() -> None:
    from docsight.engines._rapid_words import blank_runs

    rng = np.random.default_rng(7)
    for _ in range(200):
        ink = rng.random(int(rng.integers(0, 60))) < rng.uniform(0.2, 0.9)
        starts = rng.uniform(-5, 70, 12)
        stops = starts + rng.uniform(-3, 30, 12)
        expected = [_blank_run_reference(ink, a, b) for a, b in zip(starts, stops, strict=True)]
        assert blank_runs(ink, starts, stops).tolist() == expected


@pytest.mark.slow
def test_latin_charset_reads_the_page_like_the_full_one(engine: RapidOcrEngine) -> None:
    settings = Settings(engine=EngineSettings(threads=2, use_layout=False, charset="all"))
    full = RapidOcrEngine(settings)
    assert len(full._charset) == 18710
    assert len(engine._charset) < 2000  # the default, latin
    assert engine.model is not None and "-latin/" in engine.model
    assert full.model is not None and "-latin" not in full.model
    page = _page()
    assert [ln.text for ln in full.recognize(page).lines] == [
        ln.text for ln in engine.recognize(page).lines
    ]


@pytest.mark.slow
def test_printed_bullets_open_their_items(engine: RapidOcrEngine) -> None:
    """Solid squares set apart from their items, which the detector leaves unboxed."""
    items = [
        "Neutral rating with a target price of 47 dollars",
        "Gold production grew at the flagship mine",
        "Risks are commodity prices and operations",
    ]
    image = Image.new("RGB", (2000, 700), "white")
    draw = ImageDraw.Draw(image)
    font = _font(40)
    for i, text in enumerate(items):
        y = 120 + 160 * i
        draw.rectangle((150, y + 14, 168, y + 32), fill="black")
        draw.text((210, y), text, "black", font)
    out = engine.recognize(PageImage(image=image, number=1, dpi=300))
    starts = [line.text.split()[0] for line in out.lines]
    assert starts == ["■"] * 3, [line.text for line in out.lines]
    assert [p.split(" ", 1)[0] for p in out.markdown.split("\n\n")] == ["■"] * 3, out.markdown
