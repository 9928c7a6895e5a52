"""Minimal PDF writer for fixtures: real born-digital text with the standard Helvetica font.

Written by hand so the tests need no PDF authoring library; ``render_mode=3`` makes the text
invisible, as an OCR layer is, and ``raw_glyphs`` writes codes with no Unicode mapping.
"""

from __future__ import annotations


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(
    pages: list[list[str]],
    *,
    render_mode: int = 0,
    font_size: float = 11,
    page_size: tuple[float, float] = (595, 842),
    unmapped_glyphs: bool = False,
) -> bytes:
    """A PDF whose pages hold the given lines of text top to bottom."""
    width, height = page_size
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font_body = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding"
    catalog = add(b"")
    pages_obj = add(b"")
    if unmapped_glyphs:
        # A ToUnicode map into the private-use area: glyphs with no real Unicode meaning, the
        # garbage layer some producers and broken OCR tools leave behind.
        cmap = (
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CMapName /Garbage def 1 begincodespacerange <00> <FF> endcodespacerange\n"
            b"1 beginbfrange <20> <7E> <E020> endbfrange\nendcmap CMapName currentdict "
            b"/CMap defineresource pop end end"
        )
        to_unicode = add(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
        font_body += b" /ToUnicode %d 0 R" % to_unicode
    font_body += b" >>"
    font = add(font_body)
    kids = []
    for lines in pages:
        ops = [f"BT /F1 {font_size} Tf {render_mode} Tr {font_size * 1.4} TL 72 {height - 72} Td"]
        for line in lines:
            ops.append(f"({_escape(line)}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page = add(
            (
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {width} {height}] "
                f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"
            ).encode()
        )
        kids.append(page)
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    kid_refs = " ".join(f"{k} 0 R" for k in kids)
    objects[pages_obj - 1] = f"<< /Type /Pages /Kids [{kid_refs}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\n"
    out += f"{trailer}startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def image_pdf(images: list[object]) -> bytes:
    """A scanned-style PDF: each page one image and no text layer."""
    import io

    from PIL import Image

    frames = [im for im in images if isinstance(im, Image.Image)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PDF", save_all=True, append_images=frames[1:], resolution=200)
    return buffer.getvalue()


def encrypt(pdf: bytes, password: str) -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
