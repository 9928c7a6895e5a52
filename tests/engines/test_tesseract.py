"""The tesseract engine on a synthetic page drawn with PIL, and its availability checks."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from docsight.engines import tesseract
from docsight.engines.base import Engine, PageImage
from docsight.engines.tesseract import TesseractEngine
from docsight.errors import EngineUnavailableError
from docsight.settings import EngineSettings, Settings

LINES = [
    "Invoice number 4711 dated 12 March 2024",
    "The quick brown fox jumps over the lazy dog.",
    "Total amount due: 1,234.56 EUR",
    "Payment within thirty days of receipt.",
]
DPI = 300
needs_tesserocr = pytest.mark.skipif(
    importlib.util.find_spec("tesserocr") is None, reason="tesserocr not installed"
)


def _page() -> PageImage:
    """An A4-wide 300-dpi page with black 12-pt-ish text on white."""
    image = Image.new("RGB", (2480, 900), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=48)
    for i, text in enumerate(LINES):
        draw.text((150, 120 + i * 170), text, fill="black", font=font)
    return PageImage(image=image, number=1, dpi=DPI)


def _cer(truth: str, hypothesis: str) -> float:
    return Levenshtein.distance(" ".join(truth.split()), " ".join(hypothesis.split())) / len(
        " ".join(truth.split())
    )


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    status = TesseractEngine.availability()
    if not status.available:
        pytest.skip(status.reason)
    return TesseractEngine(Settings())


@pytest.mark.tesseract
def test_recognises_synthetic_page(engine: TesseractEngine) -> None:
    page = _page()
    out = engine.recognize(page)
    text = "\n".join(line.text for line in out.lines)
    assert _cer("\n".join(LINES), text) < 0.05
    assert out.model is not None and out.model.startswith("tesseract-")
    assert out.model.endswith("/eng")
    assert out.timings["ocr"] > 0
    assert out.markdown.strip()
    assert isinstance(engine, Engine)


@pytest.mark.tesseract
def test_boxes_and_confidences_are_sane(engine: TesseractEngine) -> None:
    page = _page()
    out = engine.recognize(page)
    assert len(out.lines) == len(LINES)
    width, height = page.image.size
    previous_y = -1.0
    for line in out.lines:
        box = line.box
        assert 0 <= box.x0 < box.x1 <= width
        assert 0 <= box.y0 < box.y1 <= height
        assert 20 < box.height < 120  # one ~48 px line, not a block
        assert box.cy > previous_y  # top to bottom
        previous_y = box.cy
        assert line.confidence is not None and 0.5 < line.confidence <= 1
        assert line.words and line.text == " ".join(w.text for w in line.words)
        for word in line.words:
            assert word.confidence is not None and 0 <= word.confidence <= 1
            # every word lies inside its line (a pixel of slack for rounding)
            assert box.x0 - 1 <= word.box.x0 < word.box.x1 <= box.x1 + 1
            assert box.y0 - 1 <= word.box.y0 < word.box.y1 <= box.y1 + 1
    first = out.lines[0]
    assert first.box.x0 == pytest.approx(150, abs=15)


@pytest.mark.tesseract
def test_blank_page_gives_no_lines(engine: TesseractEngine) -> None:
    blank = PageImage(Image.new("RGB", (800, 600), "white"), 1, DPI)
    out = engine.recognize(blank)
    assert out.lines == []


@pytest.mark.tesseract
def test_concurrent_calls_are_serialised(engine: TesseractEngine) -> None:
    page = _page()
    results: list[str] = []

    def work() -> None:
        out = engine.recognize(page)
        results.append("\n".join(line.text for line in out.lines))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0] == results[1]


@needs_tesserocr
def test_availability_reason_when_tessdata_missing(tmp_path: Path) -> None:
    settings = Settings(engine=EngineSettings(tessdata_path=str(tmp_path)))
    status = TesseractEngine.availability(settings)
    assert not status.available
    assert "eng.traineddata" in status.reason
    assert str(tmp_path) in status.reason
    with pytest.raises(EngineUnavailableError, match=r"eng\.traineddata"):
        TesseractEngine(settings)


@needs_tesserocr
def test_availability_reads_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSIGHT_ENGINE__TESSDATA_PATH", str(tmp_path))
    status = TesseractEngine.availability()
    assert not status.available and str(tmp_path) in status.reason


@needs_tesserocr
def test_missing_language_names_the_package(tmp_path: Path) -> None:
    (tmp_path / "eng.traineddata").write_bytes(b"")
    settings = Settings(
        engine=EngineSettings(tessdata_path=str(tmp_path), tesseract_lang="eng+xyz")
    )
    status = TesseractEngine.availability(settings)
    assert not status.available and "xyz.traineddata" in status.reason


def test_finds_tessdata_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "eng.traineddata").write_bytes(b"")
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    assert tesseract.find_tessdata(Settings()) == tmp_path


def test_missing_module_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "tesserocr" else real(name)
    )
    status = TesseractEngine.availability()
    assert not status.available and "docsight[tesseract]" in status.reason


@pytest.mark.tesseract
def test_unknown_resolution_is_estimated_with_a_warning(engine: TesseractEngine) -> None:
    page = _page()
    out = engine.recognize(PageImage(page.image, 1, 0))
    assert _cer("\n".join(LINES), "\n".join(line.text for line in out.lines)) < 0.05
    assert any("resolution unknown" in w for w in out.warnings)
    assert engine.recognize(page).warnings == []
