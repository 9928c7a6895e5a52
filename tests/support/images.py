"""Synthetic page images drawn with Pillow's bundled font, so tests need no OS fonts."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont


def text_image(
    lines: list[str],
    *,
    size: tuple[int, int] = (1240, 1754),
    font_size: int = 28,
    margin: int = 100,
    spacing: float = 1.6,
    mode: str = "RGB",
) -> Image.Image:
    """A white page with black lines of text, one per entry, top to bottom."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_size)
    y = margin
    for line in lines:
        draw.text((margin, y), line, fill="black", font=font)
        y += int(font_size * spacing)
    return image.convert(mode)
