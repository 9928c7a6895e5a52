"""The searchable PDF: invisible OCR text over the page image, text-layer pages kept as is."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from docsight.engines.base import upright
from docsight.formats import export, write
from docsight.models import BBox, ErrorInfo, Line, PageStatus, Result, Word
from docsight.settings import Settings
from support.pdfgen import text_pdf  # type: ignore[import-not-found]

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext is not installed (apt install poppler-utils)"
)
LETTER = (612.0, 792.0)  # the sample's 1700 x 2200 pixels at 200 dpi


@pytest.fixture
def source() -> bytes:
    """The document the sample result was made from: page 2 is born digital."""
    pdf: bytes = text_pdf(
        [["Visible scan text the OCR page must not leak"], ["Approval", "I agree to the terms"]],
        page_size=LETTER,
    )
    return pdf


def pdftotext(pdf: bytes, page: int, *extra: str) -> str:
    assert PDFTOTEXT is not None
    done = subprocess.run(
        [PDFTOTEXT, "-q", "-enc", "UTF-8", "-f", str(page), "-l", str(page), *extra, "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def ocr_words(result: Result, page: int) -> list[str]:
    return [w.text for line in result.pages[page - 1].lines for w in line.words]


def image_count(pdf: bytes, index: int) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        objects = document[index].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])
        return len(list(objects))
    finally:
        document.close()


@needs_pdftotext
def test_ocr_page_text_extracts_as_the_words_in_order(
    result: Result, source: bytes, settings: Settings
) -> None:
    pdf = export(result, "pdf", source=source, settings=settings)
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")
    assert pdftotext(pdf, 1, "-raw").split() == ocr_words(result, 1)
    assert "Visible" not in pdftotext(pdf, 1)  # the scan is an image now, not text


@needs_pdftotext
def test_text_layer_page_is_copied_unchanged(
    result: Result, source: bytes, settings: Settings
) -> None:
    pdf = export(result, "pdf", source=source, settings=settings)
    assert isinstance(pdf, bytes)
    assert pdftotext(pdf, 2) == pdftotext(source, 2)
    assert image_count(pdf, 1) == 0


def test_pages_keep_their_size_and_the_ocr_page_has_its_image(
    result: Result, source: bytes, settings: Settings
) -> None:
    pdf = export(result, "pdf", source=source, settings=settings)
    assert isinstance(pdf, bytes)
    document = pdfium.PdfDocument(pdf)
    try:
        assert len(document) == 2
        for page in document:
            assert page.get_size() == pytest.approx(LETTER, abs=0.5)
    finally:
        document.close()
    assert image_count(pdf, 0) == 1


def test_a_page_read_turned_is_drawn_turned(
    result: Result, source: bytes, settings: Settings
) -> None:
    """The engine turned a sideways scan a quarter to read it: the PDF page lies the same way."""
    first = result.pages[0]
    first.rotation = 90
    first.width, first.height = first.height, first.width
    pdf = export(result, "pdf", source=source, settings=settings)
    assert isinstance(pdf, bytes)
    document = pdfium.PdfDocument(pdf)
    try:
        assert document[0].get_size() == pytest.approx(LETTER[::-1], abs=0.5)
        assert document[1].get_size() == pytest.approx(LETTER, abs=0.5)
    finally:
        document.close()


def test_a_page_read_straightened_is_drawn_straightened(
    result: Result, source: bytes, settings: Settings
) -> None:
    """Boxes of a straightened page are in its grown canvas: the PDF page is that canvas."""
    first = result.pages[0]
    first.deskew = 5.0
    canvas = upright(Image.new("RGB", (first.width, first.height)), 0, 5.0).size
    first.width, first.height = canvas
    pdf = export(result, "pdf", source=source, settings=settings)
    assert isinstance(pdf, bytes)
    document = pdfium.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
    finally:
        document.close()
    assert (width, height) == pytest.approx((canvas[0] * 72 / 200, canvas[1] * 72 / 200), abs=0.5)
    assert width > LETTER[0] + 20 and height > LETTER[1] + 20


@needs_pdftotext
def test_words_sit_on_their_boxes(result: Result, source: bytes, settings: Settings) -> None:
    pdf = export(result, "pdf", source=source, settings=settings)
    assert isinstance(pdf, bytes)
    layout = pdftotext(pdf, 1, "-bbox")
    # "Revenue" is at x 150-290, y 300-340 pixels at 200 dpi: 54-104.4 pt, 108-122.4 pt.
    line = next(row for row in layout.splitlines() if ">Revenue<" in row)
    numbers = [float(part.split('"')[1]) for part in line.split()[1:5]]
    assert numbers == pytest.approx([54, 108, 104.4, 122.4], abs=3)


@needs_pdftotext
def test_non_latin_text_survives_extraction(settings: Settings, result: Result) -> None:
    image = Image.new("RGB", (1200, 600), "white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(300, 300))
    # Right-to-left scripts are left out: pdftotext reorders them for display.
    words = ["Ελληνικά", "日本語", "русский", "한국어", "𝔘𝔫𝔦"]
    page = result.pages[0]
    page.width, page.height, page.dpi = 1200, 600, 300
    page.lines = [
        Line(
            text=" ".join(words),
            box=BBox(x0=100, y0=100, x1=1100, y1=160),
            words=[
                Word(text=w, box=BBox(x0=100 + 200 * i, y0=100, x1=260 + 200 * i, y1=160))
                for i, w in enumerate(words)
            ],
        )
    ]
    result.pages = [page]
    pdf = export(result, "pdf", source=buffer.getvalue(), settings=settings)
    assert isinstance(pdf, bytes)
    assert pdftotext(pdf, 1, "-raw").split() == words
    document = pdfium.PdfDocument(pdf)
    assert document[0].get_size() == pytest.approx((288, 144))  # 1200 x 600 px at 300 dpi
    document.close()


@needs_pdftotext
def test_lines_without_words_are_placed_whole(
    result: Result, source: bytes, settings: Settings, tmp_path: Path
) -> None:
    result.pages[1].source = "ocr"  # page 2 has line boxes only
    target = write(result, "pdf", tmp_path / "out.pdf", source=source, settings=settings)
    pdf = target.read_bytes()
    assert pdftotext(pdf, 2, "-raw").split() == ["Approval", "I", "agree", "to", "the", "terms"]
    assert image_count(pdf, 1) == 1


def test_failed_page_of_a_pdf_is_the_original_page(
    result: Result, source: bytes, settings: Settings
) -> None:
    result.pages[0].status = PageStatus.FAILURE
    result.pages[0].error = ErrorInfo(code="engine_error", message="boom")
    pdf = export(result, "pdf", source=source, settings=settings)
    assert isinstance(pdf, bytes)
    assert image_count(pdf, 0) == 0
    document = pdfium.PdfDocument(pdf)
    text = document[0].get_textpage().get_text_range()
    document.close()
    assert "Visible scan text" in text


def test_black_and_white_pages_are_stored_as_one_bit_flate(
    result: Result, settings: Settings
) -> None:
    image = Image.new("1", (1700, 2200), 1)
    image.paste(0, (100, 100, 400, 140))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(200, 200))
    result.pages = result.pages[:1]
    pdf = export(result, "pdf", source=buffer.getvalue(), settings=settings)
    assert isinstance(pdf, bytes)
    assert b"/BitsPerComponent 1" in pdf and b"/DCTDecode" not in pdf
    rendered = pdfium.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil().convert("L")
    assert rendered.getpixel((250, 120)) < 64 and rendered.getpixel((1000, 1000)) > 192


def test_text_layer_is_invisible_and_its_font_embedded(result: Result, settings: Settings) -> None:
    blank = Image.new("RGB", (1700, 2200), (250, 250, 250))  # grey, so JPEG, not 1-bit
    buffer = io.BytesIO()
    blank.save(buffer, format="PNG", dpi=(200, 200))
    result.pages = result.pages[:1]
    pdf = export(result, "pdf", source=buffer.getvalue(), settings=settings)
    assert isinstance(pdf, bytes)
    assert b"/FontFile2" in pdf and b"/ToUnicode" in pdf and b"/Identity-H" in pdf
    document = pdfium.PdfDocument(pdf)
    rendered = document[0].render(scale=1).to_pil().convert("L")
    document.close()
    low, _ = rendered.getextrema()  # type: ignore[misc]
    assert low >= 240, "the OCR text layer must not paint anything"


def test_generated_font_loads_and_draws_nothing() -> None:
    from PIL import ImageDraw, ImageFont

    from docsight.formats._glyphless import glyphless_truetype

    font = ImageFont.truetype(io.BytesIO(glyphless_truetype()), 40)
    assert font.getlength("abc") == pytest.approx(60)  # 500/1000 em per character
    canvas = Image.new("L", (200, 60), 255)
    ImageDraw.Draw(canvas).text((5, 5), "Hello 日本", font=font, fill=0)
    assert canvas.getextrema() == (255, 255)
