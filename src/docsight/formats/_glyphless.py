"""A TrueType font with no visible glyphs, generated in code so nothing binary is shipped.

Embedding a font keeps viewers from substituting one (and PDF/A checkers from complaining) for a
text layer that must never show anyway. It has two empty glyphs (``.notdef`` and the one every
code maps to) 500 units wide; only the tables the PDF specification requires of an embedded
TrueType program are present. The construction follows Tesseract's ``pdf.ttf``.
"""

from __future__ import annotations

import struct
from functools import cache

UNITS_PER_EM = 1000
ADVANCE = 500
_GLYPHS = 2


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}I", padded)
    return sum(words) & 0xFFFFFFFF


def _tables() -> dict[bytes, bytes]:
    # fmt: off
    head = struct.pack(
        ">IIIIHHqqhhhhHHhhh",
        0x00010000,  # version
        0x00010000,  # font revision
        0,  # checksum adjustment, patched once the whole font is known
        0x5F0F3CF5,  # magic
        0x000B,  # flags: baseline at y=0, lsb at x=0, integer scaling
        UNITS_PER_EM,
        0,  # created
        0,  # modified
        0, -200, ADVANCE, 800,  # bounding box
        0,  # mac style
        8,  # smallest readable size in pixels
        2,  # font direction hint
        0,  # short loca offsets
        0,  # glyph data format
    )
    hhea = struct.pack(
        ">IhhhHhhhhhhhhhhhH",
        0x00010000,
        800, -200, 0,  # ascender, descender, line gap
        ADVANCE, 0, 0, ADVANCE,  # widest advance, min side bearings, max extent
        1, 0, 0,  # caret slope rise, run, offset: upright
        0, 0, 0, 0, 0,  # reserved, metric data format
        _GLYPHS,  # horizontal metrics entries
    )
    # fmt: on
    maxp = struct.pack(">IHHHHHHHHHHHHHH", 0x00010000, _GLYPHS, 0, 0, 0, 0, 2, *([0] * 8))
    hmtx = struct.pack(">" + "Hh" * _GLYPHS, *([ADVANCE, 0] * _GLYPHS))
    loca = struct.pack(f">{_GLYPHS + 1}H", *([0] * (_GLYPHS + 1)))  # every glyph is empty
    # One format-4 segment ending at 0xFFFF, as the format requires; maps nothing useful.
    subtable = struct.pack(">HHHHHHHHHHHH", 4, 24, 0, 2, 2, 0, 0, 0xFFFF, 0, 0xFFFF, 1, 0)
    cmap = struct.pack(">HHHHI", 0, 1, 3, 1, 12) + subtable
    post = struct.pack(">IIhhIIIII", 0x00030000, 0, -100, 50, 1, 0, 0, 0, 0)
    return {
        b"cmap": cmap,
        b"glyf": b"",
        b"head": head,
        b"hhea": hhea,
        b"hmtx": hmtx,
        b"loca": loca,
        b"maxp": maxp,
        b"post": post,
    }


@cache
def glyphless_truetype() -> bytes:
    tables = _tables()
    count = len(tables)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(
        ">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16
    )
    offset = len(header) + 16 * count
    records = b""
    body = b""
    head_at = 0
    for tag in sorted(tables):
        data = tables[tag]
        if tag == b"head":
            head_at = offset + len(body)
        records += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + records + body)
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    struct.pack_into(">I", font, head_at + 8, adjustment)
    return bytes(font)
