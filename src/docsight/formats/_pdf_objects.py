"""A minimal PDF object writer and the invisible-text font, written by hand.

The text layer uses what Tesseract's PDF renderer and OCRmyPDF use: a Type0 font with
``Identity-H`` encoding whose glyphs draw nothing, so the layer never shows however a viewer
renders it, and a ``ToUnicode`` CMap that maps every code back to its character, so copy,
search and ``pdftotext`` return the text in any script. Codes are assigned per document (one
two-byte CID per distinct character, in order of first use) rather than reusing the UTF-16 code,
which lets characters outside the Basic Multilingual Plane map through surrogate pairs too.
"""

from __future__ import annotations

import zlib

from docsight.formats._glyphless import glyphless_truetype

#: Advance width of every glyph, in thousandths of an em; horizontal scaling fits words to boxes.
GLYPH_WIDTH = 500


class PdfWriter:
    """Objects added in any order, referenced by number, serialised with a cross-reference table."""

    def __init__(self) -> None:
        self._objects: list[bytes | None] = []

    def reserve(self) -> int:
        self._objects.append(None)
        return len(self._objects)

    def set(self, ref: int, body: bytes) -> None:
        self._objects[ref - 1] = body

    def add(self, body: bytes) -> int:
        ref = self.reserve()
        self.set(ref, body)
        return ref

    def add_stream(self, data: bytes, extra: str = "", *, compress: bool = True) -> int:
        if compress:
            data = zlib.compress(data, 6)
            extra = f"/Filter /FlateDecode {extra}"
        head = f"<< /Length {len(data)} {extra.strip()} >>\nstream\n".encode()
        return self.add(head + data + b"\nendstream")

    def tobytes(self, root: int, info: int | None = None) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self._objects, start=1):
            if body is None:
                raise ValueError(f"PDF object {number} was reserved but never written")
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(self._objects) + 1}\n0000000000 65535 f \n".encode()
        for offset in offsets:
            out += f"{offset:010d} 00000 n \n".encode()
        trailer = f"/Size {len(self._objects) + 1} /Root {root} 0 R"
        if info is not None:
            trailer += f" /Info {info} 0 R"
        out += f"trailer\n<< {trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)


def pdf_string(text: str) -> str:
    """A PDF text string (UTF-16BE with BOM), safe for any characters, as a hex literal."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class GlyphlessFont:
    """Assigns two-byte codes to characters and writes the font objects once all are known."""

    def __init__(self, writer: PdfWriter) -> None:
        self._writer = writer
        self._codes: dict[str, int] = {}
        self.ref = writer.reserve()

    def encode(self, text: str) -> str:
        """``text`` as a hex string of codes for ``Tj``."""
        codes = []
        for char in text:
            code = self._codes.get(char)
            if code is None:
                code = len(self._codes) + 1
                if code > 0xFFFF:
                    raise ValueError("more distinct characters than a two-byte font can hold")
                self._codes[char] = code
            codes.append(f"{code:04X}")
        return "<" + "".join(codes) + ">"

    def finish(self) -> None:
        writer = self._writer
        to_unicode = writer.add_stream(self._cmap())
        program = glyphless_truetype()
        font_file = writer.add_stream(program, f"/Length1 {len(program)}")
        descriptor = writer.add(
            (
                "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 "
                "/FontBBox [0 -200 500 800] /ItalicAngle 0 /Ascent 800 /Descent -200 "
                f"/CapHeight 800 /StemV 80 /FontFile2 {font_file} 0 R >>"
            ).encode()
        )
        # Every code draws glyph 1, the empty one (code 0 is never assigned).
        gid_map = writer.add_stream(b"\x00\x01" * (len(self._codes) + 1))
        descendant = writer.add(
            (
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                f"/FontDescriptor {descriptor} 0 R /DW {GLYPH_WIDTH} "
                f"/CIDToGIDMap {gid_map} 0 R >>"
            ).encode()
        )
        writer.set(
            self.ref,
            (
                "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H "
                f"/DescendantFonts [{descendant} 0 R] /ToUnicode {to_unicode} 0 R >>"
            ).encode(),
        )

    def _cmap(self) -> bytes:
        entries = [
            f"<{code:04X}> <{char.encode('utf-16-be').hex().upper()}>"
            for char, code in self._codes.items()
        ]
        blocks = []
        for start in range(0, len(entries), 100):  # the CMap syntax allows 100 per block
            chunk = entries[start : start + 100]
            blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
        return (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + "\n".join(blocks)
            + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        ).encode("ascii")
