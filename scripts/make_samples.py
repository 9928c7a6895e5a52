"""Regenerate the sample documents shipped in ``samples/`` (run: python scripts/make_samples.py).

The samples are synthetic so they carry no third-party rights: an invoice page drawn with
Pillow's bundled font and degraded like a 200-dpi office scan, and a two-page scanned PDF.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

OUT = Path(__file__).resolve().parent.parent / "samples"
W, H = 1654, 2339  # A4 at 200 dpi


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def invoice_page() -> Image.Image:
    page = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(page)
    draw.text((140, 140), "INVOICE", font=font(64), fill=0)
    draw.text((140, 250), "Northwind Office Supplies Ltd.", font=font(30), fill=0)
    draw.text(
        (140, 295), "12 Harbour Street, Bristol BS1 4DJ, United Kingdom", font=font(26), fill=0
    )
    draw.text((140, 335), "VAT GB 123 4567 89   billing@northwind.example", font=font(26), fill=0)
    right = [
        ("Invoice no.", "INV-2024-0117"),
        ("Invoice date", "14 March 2024"),
        ("Due date", "13 April 2024"),
    ]
    for row, (label, value) in enumerate(right):
        y = 150 + row * 44
        draw.text((1050, y), label, font=font(26), fill=0)
        draw.text((1260, y), value, font=font(26), fill=0)
    draw.text((140, 450), "Bill to:", font=font(28), fill=0)
    draw.text((140, 495), "Ada Lovelace, Analytical Engines plc", font=font(26), fill=0)
    draw.text((140, 535), "4 Marylebone Road, London NW1 5LR", font=font(26), fill=0)
    paragraph = [
        "Thank you for your order. The items below were delivered on 12 March 2024",
        "to the address above. Please quote the invoice number with your payment.",
    ]
    for row, text in enumerate(paragraph):
        draw.text((140, 640 + row * 42), text, font=font(26), fill=0)
    columns = [140, 760, 960, 1200, 1514]
    header = ["Description", "Qty", "Unit price", "Amount"]
    items = [
        ["Recycled copy paper A4, 5 reams", "4", "18.50", "74.00"],
        ["Ballpoint pens, blue, box of 50", "2", "9.90", "19.80"],
        ["Lever arch files, assorted", "10", "2.35", "23.50"],
        ["Desk organiser, bamboo", "1", "27.00", "27.00"],
    ]
    top = 800
    row_height = 64
    for row, cells in enumerate([header, *items]):
        y = top + row * row_height
        for col, text in enumerate(cells):
            draw.text((columns[col] + 14, y + 16), text, font=font(26), fill=0)
    bottom = top + row_height * (len(items) + 1)
    for row in range(len(items) + 2):
        y = top + row * row_height
        draw.line((columns[0], y, columns[-1], y), fill=0, width=2)
    for x in columns:
        draw.line((x, top, x, bottom), fill=0, width=2)
    totals = [("Subtotal", "144.30"), ("VAT 20%", "28.86"), ("Total due (GBP)", "173.16")]
    for row, (label, value) in enumerate(totals):
        y = bottom + 40 + row * 48
        draw.text((960, y), label, font=font(28), fill=0)
        draw.text((1330, y), value, font=font(28), fill=0)
    draw.text(
        (140, 1500),
        "Payment: bank transfer to IBAN GB82 WEST 1234 5698 7654 32",
        font=font(26),
        fill=0,
    )
    draw.text(
        (140, 1542),
        "Terms: 30 days net. Late payments incur 2% interest per month.",
        font=font(26),
        fill=0,
    )
    draw.text((W // 2 - 20, H - 140), "1/1", font=font(24), fill=0)
    return degrade(page)


def degrade(page: Image.Image) -> Image.Image:
    """Blur, tilt and speckle like an office scanner, deterministically."""
    rng = random.Random(7)
    page = page.filter(ImageFilter.GaussianBlur(0.7)).rotate(0.4, fillcolor=255, expand=False)
    pixels = page.load()
    assert pixels is not None
    for _ in range(4000):
        x, y = rng.randrange(W), rng.randrange(H)
        pixels[x, y] = rng.choice((0, 90, 180))
    return page


def letter_page(number: int) -> Image.Image:
    page = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(page)
    draw.text((140, 140), f"Meeting notes, part {number}", font=font(48), fill=0)
    body = [
        "The committee met on Tuesday to review the spring schedule and the budget for",
        "the new reading room. Members agreed to extend opening hours on Thursdays and",
        "to ask the city council for a grant to replace the heating system next year.",
        "",
        "Actions: the secretary circulates the minutes; the treasurer prepares figures",
        "for the grant application; the chair writes to the volunteers about the rota.",
    ]
    for row, text in enumerate(body):
        draw.text((140, 280 + row * 46), text, font=font(28), fill=0)
    draw.text((W // 2 - 10, H - 140), str(number), font=font(24), fill=0)
    return degrade(page)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    invoice_page().save(OUT / "invoice.png", dpi=(200, 200), optimize=True)
    pages = [letter_page(1).convert("RGB"), letter_page(2).convert("RGB")]
    pages[0].save(OUT / "minutes-scan.pdf", save_all=True, append_images=pages[1:], resolution=200)
    print(f"wrote {OUT / 'invoice.png'} and {OUT / 'minutes-scan.pdf'}")


if __name__ == "__main__":
    main()
