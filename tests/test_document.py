import io
import struct
import zlib

import pytest
from PIL import Image

from docsight.document import open_document, parse_page_selection, sniff_media_type
from docsight.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    LimitExceededError,
    PageSelectionError,
    UnsupportedTypeError,
)
from docsight.settings import LimitSettings, RenderSettings, Settings
from support.images import text_image
from support.pdfgen import encrypt, image_pdf, text_pdf


def encode(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("TIFF", "image/tiff"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("GIF", "image/gif"),
        ("PDF", "application/pdf"),
    ],
)
def test_type_comes_from_the_bytes(fmt: str, media_type: str, settings: Settings) -> None:
    data = encode(text_image(["Hello"], size=(200, 100), font_size=20), fmt)
    assert sniff_media_type(data[:2048]) == media_type
    with open_document(data, settings, name="misleading.txt") as document:
        assert document.media_type == media_type
        page = next(document.iter_pages()).render()
        assert page.image.mode == "RGB"
        assert page.image.width > 0


def test_multipage_tiff_gives_one_page_per_frame(settings: Settings) -> None:
    frames = [text_image([f"page {n}"], size=(300, 200), mode="L") for n in range(3)]
    data = encode(frames[0], "TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    with open_document(data, settings) as document:
        assert document.page_count == 3
        rendered = [p.render() for p in document.iter_pages("2-3")]
    assert [p.number for p in rendered] == [2, 3]
    assert rendered[0].dpi == 300


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF", "WEBP"])
def test_exif_orientation_turns_a_photo_upright(fmt: str, settings: Settings) -> None:
    """A camera stores the sensor's pixels and the turn in EXIF: the page must come upright."""
    upright = Image.new("RGB", (300, 200), "white")
    upright.paste((0, 0, 0), (0, 0, 60, 40))  # a black mark in the top-left corner
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the sensor lay: 200 x 300
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    # TIFF keeps the tag among its own baseline tags (Pillow turns those itself on loading:
    # this case checks the page is not turned twice); JPEG and WebP in an EXIF block.
    data = (
        encode(stored, fmt, tiffinfo={0x0112: 6})
        if fmt == "TIFF"
        else encode(stored, fmt, exif=exif)
    )
    with open_document(data, settings) as document:
        page = next(document.iter_pages()).render()
    assert page.image.size == (300, 200)
    gray = page.image.convert("L")
    assert gray.getpixel((10, 10)) < 60  # the mark is back in the top-left corner
    assert gray.getpixel((290, 190)) > 200


def test_empty_input_is_refused(settings: Settings, tmp_path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(EmptyDocumentError):
        open_document(empty, settings)
    with pytest.raises(EmptyDocumentError):
        open_document(b"", settings)


def test_unsupported_type_is_refused(settings: Settings) -> None:
    with pytest.raises(UnsupportedTypeError, match="supported"):
        open_document(b"PK\x03\x04 this is a zip file", settings)


def test_corrupt_pdf_is_refused(settings: Settings) -> None:
    with pytest.raises(CorruptDocumentError):
        open_document(b"%PDF-1.7\n1 0 obj garbage", settings)


def test_truncated_image_fails_on_its_page(settings: Settings) -> None:
    data = encode(text_image(["Hello"], size=(400, 300)), "PNG")
    truncated = data[: len(data) // 2]
    with open_document(truncated, settings) as document, pytest.raises(CorruptDocumentError):
        next(document.iter_pages()).render()


def test_encrypted_pdf_needs_its_password(settings: Settings) -> None:
    locked = encrypt(text_pdf([["secret text here"]]), "s3cret")
    with pytest.raises(EncryptedDocumentError, match="password"):
        open_document(locked, settings)
    with pytest.raises(EncryptedDocumentError, match="wrong"):
        open_document(locked, settings, password="nope")
    with open_document(locked, settings, password="s3cret") as document:
        assert "secret" in document.text_layer(1).text


def test_byte_limit_checked_before_reading(tmp_path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(encode(text_image(["x"], size=(300, 300)), "PNG"))
    settings = Settings(limits=LimitSettings(max_bytes=100))
    with pytest.raises(LimitExceededError, match="bytes"):
        open_document(big, settings)


def test_page_limit(settings: Settings) -> None:
    pdf = text_pdf([[f"page {n}"] for n in range(5)])
    limited = Settings(limits=LimitSettings(max_pages=3))
    with open_document(pdf, limited) as document:
        with pytest.raises(LimitExceededError, match="pages"):
            list(document.iter_pages())
        assert len(list(document.iter_pages("1-3"))) == 3


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions: decoding it would allocate gigabytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 64)
    idat_chunk = b"IDAT" + idat
    body += struct.pack(">I", len(idat)) + idat_chunk + struct.pack(">I", zlib.crc32(idat_chunk))
    return b"\x89PNG\r\n\x1a\n" + body


@pytest.mark.parametrize("side", [20_000, 60_000])
def test_decompression_bomb_refused_before_decoding(side: int, settings: Settings) -> None:
    data = png_header_only(side, side)
    with pytest.raises(LimitExceededError), open_document(data, settings) as document:
        next(document.iter_pages()).render()


def test_pdf_render_keeps_aspect_and_bounds_pixels() -> None:
    pdf = text_pdf([["wide page"]], page_size=(842, 595))
    settings = Settings(render=RenderSettings(dpi=300, max_render_pixels=1_000_000))
    with open_document(pdf, settings) as document:
        page = next(document.iter_pages()).render()
    width, height = page.image.size
    assert width * height <= 1_000_000 * 1.01
    assert abs(width / height - 842 / 595) < 0.01
    assert page.dpi < 300


def test_pdf_render_at_requested_dpi(settings: Settings) -> None:
    pdf = image_pdf([text_image(["scanned"], size=(400, 300))])
    with open_document(pdf, settings) as document:
        page = next(document.iter_pages()).render()
        assert document.text_layer(1) is not None
    assert page.dpi == settings.render.dpi


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        ("1-3,7", [1, 2, 3, 7]),
        ("8-", [8, 9, 10]),
        ("-2", [1, 2]),
        ("3,3,1", [3, 1]),
        (" 2 - 4 ", [2, 3, 4]),
        ("9-20", [9, 10]),
    ],
)
def test_page_selection(spec: str | None, expected: list[int]) -> None:
    assert parse_page_selection(spec, 10) == expected


@pytest.mark.parametrize("spec", ["0", "5-2", "a", "1,,2", "11", "1-3-5"])
def test_bad_page_selection(spec: str) -> None:
    with pytest.raises(PageSelectionError):
        parse_page_selection(spec, 10)


def test_hash_and_size_recorded(settings: Settings, tmp_path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(text_pdf([["hello"]]))
    with open_document(path, settings) as document:
        assert document.info.size_bytes == path.stat().st_size
        assert len(document.info.sha256) == 64
        assert document.info.name == "doc.pdf"
