"""Searchable PDF: each page's image with the recognised text invisible on top, as OCRmyPDF does.

OCR pages are re-rendered from the source (``open_document(...).render_page``) one at a time, so
a long document never holds more than one page image, and drawn full-page with the text in
render mode 3 (invisible) at the word boxes, each word stretched horizontally to its box so a
selection highlights what it copies. Pages whose text came from the PDF's own text layer are
copied unchanged with PDFium, keeping their real fonts and vectors. The boxes are in the pixels
of the image the engine saw; they are scaled by the page size over that image's size, so a
re-render at another resolution still lines up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageChops

from docsight.document import PDFIUM_LOCK, open_document
from docsight.engines.base import upright
from docsight.formats._common import number
from docsight.formats._pdf_objects import GLYPH_WIDTH, GlyphlessFont, PdfWriter, pdf_string
from docsight.models import BBox, PageResult, PageStatus, Result
from docsight.settings import Settings

#: Resolution assumed for an image that does not state one (phone photos, screenshots).
FALLBACK_DPI = 300.0
JPEG_QUALITY = 85


@dataclass
class _Placed:
    text: str
    box: BBox
    space_after: bool


def write_searchable_pdf(
    result: Result,
    source: str | Path | bytes | IO[bytes],
    settings: Settings,
    *,
    password: str | None = None,
) -> bytes:
    """The searchable PDF of ``result``'s pages, in its page order, from its ``source``."""
    data = source if isinstance(source, str | Path | bytes) else source.read()
    settings = _at_result_dpi(result, settings)
    writer = PdfWriter()
    font = GlyphlessFont(writer)
    pages_ref = writer.reserve()
    drawn: list[int] = []
    plan: list[tuple[str, int]] = []  # ("ocr", index into drawn) or ("source", page number)
    with open_document(data, settings, password=password) as document:
        is_pdf = document.media_type == "application/pdf"
        for page in result.pages:
            if is_pdf and (page.source == "text_layer" or page.status is PageStatus.FAILURE):
                plan.append(("source", page.number))
                continue
            image = document.render_page(page.number)
            drawn.append(_draw_page(writer, font, pages_ref, page, image.image, image.dpi))
            plan.append(("ocr", len(drawn) - 1))
    font.finish()
    kids = " ".join(f"{ref} 0 R" for ref in drawn)
    writer.set(pages_ref, f"<< /Type /Pages /Kids [{kids}] /Count {len(drawn)} >>".encode())
    catalog = writer.add(f"<< /Type /Catalog /Pages {pages_ref} 0 R >>".encode())
    info = writer.add(f"<< /Producer {pdf_string('docsight')} >>".encode())
    ocr_pdf = writer.tobytes(catalog, info)
    if all(kind == "ocr" for kind, _ in plan):
        return ocr_pdf
    return _merge(plan, ocr_pdf, data, password)


def _at_result_dpi(result: Result, settings: Settings) -> Settings:
    """Settings that re-render at the resolution the engine saw, so the image is as sharp."""
    dpis = [p.dpi for p in result.pages if p.source == "ocr" and p.dpi > 0]
    if not dpis:
        return settings
    dpi = min(max(round(max(dpis)), 36), 1200)
    if dpi == settings.render.dpi:
        return settings
    render = settings.render.model_copy(update={"dpi": dpi})
    return settings.model_copy(update={"render": render})


def _draw_page(
    writer: PdfWriter,
    font: GlyphlessFont,
    parent: int,
    page: PageResult,
    image: Image.Image,
    image_dpi: float,
) -> int:
    dpi = image_dpi or page.dpi or FALLBACK_DPI
    # The engine read the page turned or straightened: the PDF draws what it read.
    image = upright(image, page.rotation, page.deskew)
    width_pt = image.width * 72 / dpi
    height_pt = image.height * 72 / dpi
    image_ref = _add_image(writer, image)
    ops = [f"q {number(width_pt)} 0 0 {number(height_pt)} 0 0 cm /Im0 Do Q"]
    # Boxes are in the pixels of the image the engine saw; this render may differ in size.
    scale_x = width_pt / (page.width or image.width)
    scale_y = height_pt / (page.height or image.height)
    if page.status is PageStatus.SUCCESS and page.lines:
        ops.append("BT 3 Tr")
        for item in _placed_words(page):
            ops.append(_word_ops(font, item, scale_x, scale_y, height_pt))
        ops.append("ET")
    content = writer.add_stream("\n".join(ops).encode("ascii"))
    return writer.add(
        (
            f"<< /Type /Page /Parent {parent} 0 R "
            f"/MediaBox [0 0 {number(width_pt)} {number(height_pt)}] "
            f"/Resources << /XObject << /Im0 {image_ref} 0 R >> /Font << /F1 {font.ref} 0 R >> >> "
            f"/Contents {content} 0 R >>"
        ).encode()
    )


def _placed_words(page: PageResult) -> list[_Placed]:
    """Words in reading order, or whole lines where the engine gave no word boxes."""
    placed: list[_Placed] = []
    for line in page.lines:
        items = [(w.text, w.box) for w in line.words] or [(line.text, line.box)]
        items = [(text.strip(), box) for text, box in items if text.strip()]
        for index, (text, box) in enumerate(items):
            placed.append(_Placed(text, box, space_after=index < len(items) - 1))
    return placed


def _word_ops(
    font: GlyphlessFont, item: _Placed, scale_x: float, scale_y: float, page_height: float
) -> str:
    x0, x1 = item.box.x0 * scale_x, item.box.x1 * scale_x
    top, bottom = page_height - item.box.y0 * scale_y, page_height - item.box.y1 * scale_y
    size = max(top - bottom, 1.0)
    natural = len(item.text) * GLYPH_WIDTH / 1000 * size
    stretch = 100 * max(x1 - x0, 0.1) / natural
    # A trailing space code lets extractors split words without guessing from the gaps.
    codes = font.encode(item.text + (" " if item.space_after else ""))
    baseline = bottom + 0.2 * size  # the font's descent is a fifth of its em
    return (
        f"/F1 {number(size)} Tf {number(stretch)} Tz "
        f"1 0 0 1 {number(x0)} {number(baseline)} Tm {codes} Tj"
    )


def _add_image(writer: PdfWriter, image: Image.Image) -> int:
    """The page image as JPEG, or 1-bit Flate when it is pure black and white (scans of text)."""
    width, height = image.size
    colors = image.getcolors(2)
    if colors is not None and {c for _, c in colors} <= {(0, 0, 0), (255, 255, 255), 0, 255}:
        bits = image.convert("1").tobytes()
        return writer.add_stream(
            bits,
            f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
            "/ColorSpace /DeviceGray /BitsPerComponent 1",
        )
    if image.mode != "L" and _is_gray(image):
        image = image.convert("L")
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    space = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
    return writer.add_stream(
        buffer.getvalue(),
        f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
        f"/ColorSpace {space} /BitsPerComponent 8 /Filter /DCTDecode",
        compress=False,
    )


def _is_gray(image: Image.Image) -> bool:
    if image.mode != "RGB":
        return False
    red, green, blue = image.split()
    return (
        ImageChops.difference(red, green).getbbox() is None
        and ImageChops.difference(green, blue).getbbox() is None
    )


def _merge(plan: list[tuple[str, int]], ocr_pdf: bytes, source: Any, password: str | None) -> bytes:
    """Our drawn pages and the source's own pages, interleaved in the result's order."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        # PDFium refuses a document with no pages, which ours is when every page is copied.
        ours = pdfium.PdfDocument(ocr_pdf) if any(k == "ocr" for k, _ in plan) else None
        theirs = pdfium.PdfDocument(
            str(source) if isinstance(source, Path) else source, password=password
        )
        out = pdfium.PdfDocument.new()
        try:
            for kind, index in plan:
                if kind == "ocr":
                    out.import_pages(ours, [index], index=len(out))
                else:
                    out.import_pages(theirs, [index - 1], index=len(out))
            buffer = io.BytesIO()
            out.save(buffer)
        finally:
            out.close()
            theirs.close()
            if ours is not None:
                ours.close()
    return buffer.getvalue()


__all__ = ["FALLBACK_DPI", "write_searchable_pdf"]
