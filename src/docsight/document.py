"""Documents in: type sniffing, limits, page selection and lazy page rendering.

Everything expensive happens per page and on demand: ``Document.iter_pages`` yields one
``SourcePage`` at a time and a page is rendered only when ``render()`` is called, so a 500-page
PDF never holds more than one rendered page per consumer. Limits are checked before decoding:
file size from ``stat``, image dimensions from the header, PDF page sizes from the page box.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageOps

from docsight.engines.base import PageImage
from docsight.errors import (
    CorruptDocumentError,
    DocumentNotFoundError,
    EmptyDocumentError,
    EncryptedDocumentError,
    LimitExceededError,
    PageSelectionError,
    UnsupportedTypeError,
)
from docsight.models import DocumentInfo
from docsight.settings import Settings
from docsight.textlayer import TextLayer, read_text_layer

Source = str | Path | bytes | IO[bytes]

# Magic numbers; PDF may have junk before the header (the spec tolerates 1 KiB of it).
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"BM", 0, "image/bmp"),
]

SUPPORTED_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/webp",
    "image/bmp",
    "image/gif",
)

# PDFium is not thread-safe: every call into it, from any module, holds this lock.
PDFIUM_LOCK = threading.RLock()
EXIF_ORIENTATION = 0x0112


def sniff_media_type(head: bytes) -> str | None:
    """The media type from the first bytes of a file, or None when it is none we read."""
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, offset, media_type in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return media_type
    return None


def parse_page_selection(spec: str | None, page_count: int) -> list[int]:
    """1-based page numbers from ``"1-3,7,10-"``; ``None`` or ``""`` selects every page."""
    if spec is None or not spec.strip():
        return list(range(1, page_count + 1))
    pages: list[int] = []
    seen: set[int] = set()
    for raw_part in spec.split(","):
        part = raw_part.strip()
        match = re.fullmatch(r"(\d+)?\s*(-)?\s*(\d+)?", part)
        if not part or match is None or (match.group(1) is None and match.group(3) is None):
            raise PageSelectionError(f"invalid page selection {spec!r}: use a form like 1-3,7")
        first_s, dash, last_s = match.groups()
        first = int(first_s) if first_s else 1
        last = (int(last_s) if last_s else page_count) if dash else first
        if first < 1 or last < first:
            raise PageSelectionError(f"invalid page range {part!r} in {spec!r}")
        if first > page_count:
            raise PageSelectionError(
                f"page {first} selected but the document has {page_count} page(s)"
            )
        for number in range(first, min(last, page_count) + 1):
            if number not in seen:
                seen.add(number)
                pages.append(number)
    return pages


@dataclass
class SourcePage:
    """One page of a document, rendered on demand."""

    number: int
    _document: Document

    def render(self) -> PageImage:
        return self._document.render_page(self.number)

    def text_layer(self) -> TextLayer | None:
        """The PDF's own text for this page (None for images)."""
        return self._document.text_layer(self.number)


class Document:
    """An opened input document; use as a context manager so PDF handles are released."""

    def __init__(
        self,
        data: bytes | None,
        path: Path | None,
        *,
        media_type: str,
        info: DocumentInfo,
        settings: Settings,
        password: str | None = None,
    ) -> None:
        self.media_type = media_type
        self.info = info
        self._settings = settings
        self._data = data
        self._path = path
        self._pdf: Any = None
        self._image: Image.Image | None = None
        if media_type == "application/pdf":
            self._pdf = _open_pdf(path if path is not None else data, password)
            self.page_count = len(self._pdf)
        else:
            self._image = _open_image(data, path)
            self.page_count = (
                getattr(self._image, "n_frames", 1) if media_type == "image/tiff" else 1
            )
        self.info.page_count = self.page_count

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pdf is not None:
            with PDFIUM_LOCK:
                self._pdf.close()
            self._pdf = None
        if self._image is not None:
            self._image.close()
            self._image = None

    def select(self, spec: str | None) -> list[int]:
        """Validated page numbers for a selection, within the page limit."""
        numbers = parse_page_selection(spec, self.page_count)
        limit = self._settings.limits.max_pages
        if len(numbers) > limit:
            raise LimitExceededError(
                f"{len(numbers)} pages selected, more than the limit of {limit} "
                "(select fewer with --pages or raise DOCSIGHT_LIMITS__MAX_PAGES)"
            )
        return numbers

    def iter_pages(self, spec: str | None = None) -> Iterator[SourcePage]:
        for number in self.select(spec):
            yield SourcePage(number, self)

    def text_layer(self, number: int) -> TextLayer | None:
        if self._pdf is None:
            return None
        with PDFIUM_LOCK:
            return read_text_layer(self._pdf[number - 1], self._settings.render.dpi)

    def render_page(self, number: int) -> PageImage:
        if self._pdf is not None:
            return self._render_pdf_page(number)
        return self._image_page(number)

    def _render_pdf_page(self, number: int) -> PageImage:
        render = self._settings.render
        with PDFIUM_LOCK:
            page = self._pdf[number - 1]
            width_pt, height_pt = page.get_size()
            scale = render.dpi / 72
            pixels = width_pt * height_pt * scale * scale
            if pixels > render.max_render_pixels:
                # Keep the aspect ratio; lower the resolution instead of refusing the page.
                scale *= (render.max_render_pixels / pixels) ** 0.5
            try:
                bitmap = page.render(scale=scale)
                image = bitmap.to_pil().convert("RGB")
            except Exception as exc:
                raise CorruptDocumentError(f"page {number} could not be rendered: {exc}") from exc
        return PageImage(image=image, number=number, dpi=scale * 72)

    def _image_page(self, number: int) -> PageImage:
        assert self._image is not None
        frame_image = self._image
        if number > 1 or getattr(frame_image, "n_frames", 1) > 1:
            frame_image.seek(number - 1)
        _check_pixels(frame_image.size, self._settings, number)
        try:
            frame_image.load()
            image = _to_rgb(_exif_upright(frame_image))
        except (OSError, ValueError, SyntaxError) as exc:
            raise CorruptDocumentError(f"page {number} could not be decoded: {exc}") from exc
        return PageImage(image=image, number=number, dpi=_image_dpi(frame_image))


def open_document(
    source: Source,
    settings: Settings,
    *,
    name: str | None = None,
    password: str | None = None,
) -> Document:
    """Open a path, bytes or binary stream, checking type and limits before decoding.

    Raises the ``InputError`` subclass that says what is wrong: empty, too large, unsupported,
    corrupt or encrypted.
    """
    data: bytes | None = None
    path: Path | None = None
    max_bytes = settings.limits.max_bytes
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise DocumentNotFoundError(f"{path}: no such file")
        size = path.stat().st_size
        name = name or path.name
    else:
        data = source if isinstance(source, bytes) else source.read(max_bytes + 1)
        size = len(data)
    if size == 0:
        raise EmptyDocumentError(f"{name or 'input'}: the document is empty (0 bytes)")
    if size > max_bytes:
        raise LimitExceededError(
            f"{name or 'input'}: {size} bytes is more than the limit of {max_bytes} bytes"
        )
    digest, head = _hash_and_head(data, path)
    media_type = sniff_media_type(head)
    if media_type is None:
        raise UnsupportedTypeError(
            f"{name or 'input'}: not a supported document type "
            f"(supported: PDF, PNG, JPEG, TIFF, WebP, BMP, GIF)"
        )
    info = DocumentInfo(
        name=name, media_type=media_type, size_bytes=size, sha256=digest, page_count=0
    )
    return Document(
        data, path, media_type=media_type, info=info, settings=settings, password=password
    )


def _hash_and_head(data: bytes | None, path: Path | None) -> tuple[str, bytes]:
    digest = hashlib.sha256()
    if data is not None:
        digest.update(data)
        return digest.hexdigest(), data[:2048]
    assert path is not None
    with path.open("rb") as handle:
        head = handle.read(2048)
        digest.update(head)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest(), head


def _open_pdf(source: Path | bytes | None, password: str | None) -> Any:
    import pypdfium2 as pdfium

    try:
        with PDFIUM_LOCK:
            return pdfium.PdfDocument(
                str(source) if isinstance(source, Path) else source, password=password
            )
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            if password:
                raise EncryptedDocumentError(
                    "the PDF is encrypted and the password given is wrong"
                ) from exc
            raise EncryptedDocumentError(
                "the PDF is encrypted: give its password (--password)"
            ) from exc
        raise CorruptDocumentError(f"the PDF cannot be read ({message})") from exc


def _open_image(data: bytes | None, path: Path | None) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # We apply our own pixel limit per page, before decoding.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data) if data is not None else path)  # type: ignore[arg-type]
            image.size  # noqa: B018 - header parsed now so truncation shows up here
    except Image.DecompressionBombError as exc:
        raise LimitExceededError(f"image too large to decode safely: {exc}") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise CorruptDocumentError(f"the image cannot be read: {exc}") from exc
    return image


def _exif_upright(image: Image.Image) -> Image.Image:
    """The image as viewers show it: turned or mirrored by its EXIF ``Orientation`` tag.

    Phone cameras store the pixels as the sensor lay and the turn in that tag; read without
    it, a photo taken upright is a sideways page.
    """
    if image.getexif().get(EXIF_ORIENTATION, 1) in (1, None):
        return image
    return ImageOps.exif_transpose(image)


def _check_pixels(size: tuple[int, int], settings: Settings, number: int) -> None:
    width, height = size
    limit = settings.limits.max_pixels_per_page
    if width * height > limit:
        raise LimitExceededError(
            f"page {number} is {width}x{height} pixels, more than the limit of {limit} "
            "(DOCSIGHT_LIMITS__MAX_PIXELS_PER_PAGE)"
        )


def _image_dpi(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return 0.0
    # 72 and 96 are screen defaults written by tools that know nothing of the scan.
    return value if 100 <= value <= 2400 else 0.0


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


__all__ = [
    "SUPPORTED_TYPES",
    "Document",
    "SourcePage",
    "open_document",
    "parse_page_selection",
    "sniff_media_type",
]
