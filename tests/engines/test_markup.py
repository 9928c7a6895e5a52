from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docsight.engines.markup import compose
from docsight.models import BBox, BlockKind, LayoutBlock, Line, Word
from docsight.parsing.markdown import parse_markdown

W, H = 1654, 2339  # A4 at 200 dpi
LH = 30  # body line height in pixels


def line(text: str, x0: float, y0: float, x1: float | None = None, h: float = LH) -> Line:
    x1 = x0 + 16 * len(text) if x1 is None else x1
    return Line(text=text, box=BBox(x0=x0, y0=y0, x1=x1, y1=y0 + h))


def block(kind: BlockKind, x0: float, y0: float, x1: float, y1: float) -> LayoutBlock:
    return LayoutBlock(kind=kind, box=BBox(x0=x0, y0=y0, x1=x1, y1=y1), confidence=0.9)


def column(prefix: str, x0: float, x1: float, y0: float, n: int) -> list[Line]:
    """A justified column of ``n`` lines, each reaching the column's right edge."""
    return [
        line(f"{prefix} line {i} of running text in this column", x0, y0 + i * 40, x1)
        for i in range(n)
    ]


# --- reading order -------------------------------------------------------------------------


def test_two_columns_are_read_column_by_column() -> None:
    left = column("Left", 100, 780, 300, 12)
    right = column("Right", 880, 1560, 300, 12)
    # Shuffle them row-interleaved, as an engine sorting by y would hand them over.
    lines = [ln for pair in zip(left, right, strict=True) for ln in pair]
    md = compose(lines, [], W, H)
    positions = [md.index(ln.text) for ln in left + right]
    assert positions == sorted(positions)
    # Wrapped lines of one column join into a paragraph.
    assert "Left line 0 of running text in this column Left line 1" in md


def test_lines_whose_padded_boxes_overlap_by_half_stay_in_order() -> None:
    """Single-spaced print at ~100 dpi: boxes 26 px tall on a 13 px pitch (a FUNSD form).

    The second line starts a pixel further left than the indented first one; read as one row
    sorted by x, its words came first.
    """
    texts = [
        "The Cigarette Test Station combines many of the stand-alone instruments that",
        "R&D currently uses to measure cigarette weight, pressure drop, ventilation, and",
        "hardness into one compact module. The CTS400 has the additional measurement of",
    ]
    lines = [line(t, 64 - (i > 0), 395 + 13 * i, 652, h=26) for i, t in enumerate(texts)]
    md = compose(lines, [], 762, 1000)
    assert [md.index(t) for t in texts] == sorted(md.index(t) for t in texts), md
    # Pieces of one row side by side, overlapping as much vertically, still make one row.
    label, value = line("Date:", 64, 600, 140, h=26), line("12/03/1994", 150, 606, 320, h=26)
    md = compose([value, label], [], 762, 1000)
    assert "Date: 12/03/1994" in md


def test_sidebar_is_read_whole_when_the_column_beside_it_edges_into_the_gutter() -> None:
    """An analyst note (scribeocr multicol_02): a key-figures sidebar beside a text column.

    The layout model's block of the main column starts 8 px into the gutter (a padded line
    box) and its chart box in the sidebar 14 px into it from the other side. Taken for blocks
    set across the gutter, they cut the page into bands: sidebar, main, sidebar, main.
    """
    banner = block(BlockKind.FIGURE, 663, 81, 1882, 394)
    side = [
        line(f"Sidebar figure {i:02d}: $1,004,{i:03d}", 104, 420 + 40 * i, 677, h=38)
        for i in range(28)
    ]

    def paragraph(name: str, y0: float, n: int, x0: float = 715) -> list[Line]:
        return [
            line(f"{name} sentence {i} runs on and on across the column", x0, y0 + 40 * i, 1875, 38)
            for i in range(n)
        ]

    first = paragraph("First", 620, 12)
    first[3] = line(first[3].text, 703, first[3].box.y0, 1875, 38)
    second = paragraph("Second", 1194, 12)
    third = paragraph("Third", 1712, 17, x0=711)
    blocks = [
        banner,
        block(BlockKind.TEXT, 703, 615, 1880, 1120),
        block(BlockKind.TEXT, 715, 1190, 1880, 1683),
        block(BlockKind.FIGURE, 100, 1635, 691, 2397),
        block(BlockKind.TEXT, 711, 1705, 1880, 2394),
    ]
    md = compose([*side, *first, *second, *third], blocks, 2000, 2468)
    order = [md.index(ln.text) for ln in [*side, first[0], second[0], third[0]]]
    assert order == sorted(order), md


def test_each_bulleted_item_is_a_block_of_its_own() -> None:
    """Items set as tightly as their wrapped lines: the bullet is what starts each one."""
    items = [
        [
            "■ Neutral Rating: We initiate coverage of Kirkland Lake with a Neutral rating and",
            "a target price. Though we appreciate the growing production, we are cautious.",
        ],
        [
            "■ Gold Darling: one of the best performing stocks on the exchange this year, with a",
            "share price return driven mainly by increased production and reserves.",
        ],
    ]
    lines = [
        line(text, 180 if k == 0 else 200, 300 + 40 * (2 * i + k), 1290)
        for i, item in enumerate(items)
        for k, text in enumerate(item)
    ]
    md = compose(lines, [], W, H)
    paragraphs = md.split("\n\n")
    starts = [p.split()[0:3] for p in paragraphs]
    assert starts == [["■", "Neutral", "Rating:"], ["■", "Gold", "Darling:"]]
    assert "Neutral rating and a target price" in paragraphs[0]


def test_title_spanning_two_columns_comes_first() -> None:
    title = line("A Title Across Both Columns", 500, 150, 1150)
    left = column("Left", 100, 780, 300, 10)
    right = column("Right", 880, 1560, 300, 10)
    md = compose([*right, title, *left], [], W, H)
    assert md.index(title.text) < md.index(left[0].text) < md.index(left[-1].text)
    assert md.index(left[-1].text) < md.index(right[0].text)


def test_two_columns_from_layout_text_blocks() -> None:
    left = column("Left", 100, 780, 300, 6)
    right = column("Right", 880, 1560, 300, 6)
    blocks = [
        block(BlockKind.TEXT, 90, 290, 790, 540),
        block(BlockKind.TEXT, 870, 290, 1570, 540),
    ]
    md = compose([*right, *left], blocks, W, H)
    assert md.index(left[-1].text) < md.index(right[0].text)
    assert len(md.split("\n\n")) == 2


def test_paragraphs_split_on_wide_gaps() -> None:
    first = column("One", 100, 1500, 300, 3)
    second = column("Two", 100, 1500, 500, 3)
    md = compose(first + second, [], W, H)
    paragraphs = md.split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("One line 0") and paragraphs[1].startswith("Two line 0")


def test_receipt_keeps_one_line_per_visual_line() -> None:
    items = [("Coffee", "3.50"), ("Bagel with cream cheese", "4.25"), ("TOTAL", "7.75")]
    lines = []
    for i, (name, amount) in enumerate(items):
        y = 200 + i * 34
        lines.append(line(name, 20, y))
        lines.append(line(amount, 520, y, 600))
    md = compose(lines, [], 620, 900)
    assert md.splitlines() == ["Coffee 3.50", "Bagel with cream cheese 4.25", "TOTAL 7.75"]


def test_receipt_rows_read_as_one_line_each_are_not_merged() -> None:
    rows = ["2 x Latte 9.00", "1 x Muffin 3.25", "Subtotal 12.25", "Tax 1.10"]
    lines = [line(t, 20, 200 + i * 34, 600) for i, t in enumerate(rows)]
    assert compose(lines, [], 620, 900).splitlines() == rows


def test_form_labels_and_values_stay_paired() -> None:
    pairs = [("Name:", "John Smith"), ("Date:", "2024-05-01"), ("Amount:", "$1,250.00")]
    lines = []
    for i, (label, value) in enumerate(pairs):
        lines.append(line(label, 100, 300 + i * 45))
        lines.append(line(value, 700, 300 + i * 45))
    md = compose(lines, [], W, H)
    assert md.splitlines() == ["Name: John Smith", "Date: 2024-05-01", "Amount: $1,250.00"]


def test_side_panel_of_figures_is_read_before_the_text_beside_it() -> None:
    panel = []
    for i in range(8):
        # Smaller type on its own pitch: the panel's rows don't line up with the text's.
        y = 310 + i * 33
        panel += [
            line(f"Q{i}", 100, y, h=22),
            line(f"${i}.5", 300, y, h=22),
            line(f"{i}%", 450, y, h=22),
        ]
    text = column("Main", 700, 1550, 300, 8)
    md = compose(panel + text, [], W, H)
    assert md.index("7%") < md.index(text[0].text)


def test_figure_set_between_two_columns_does_not_break_them() -> None:
    # A picture bridging the gutter with text beside it on both sides (the columns narrow
    # around it): each column is still read top to bottom, the picture after them.
    left = [
        *column("Left top", 100, 780, 300, 4),
        *column("Left beside", 100, 400, 460, 8),
        *column("Left foot", 100, 780, 800, 4),
    ]
    right = [
        *column("Right top", 880, 1560, 300, 4),
        *column("Right beside", 1200, 1560, 460, 8),
        *column("Right foot", 880, 1560, 800, 4),
    ]
    caption = line("Roofs restored after the war", 500, 740, 1100)
    blocks = [
        block(BlockKind.FIGURE, 450, 470, 1150, 730),
        block(BlockKind.CAPTION, 490, 735, 1110, 775),
    ]
    md = compose([*right, caption, *left], blocks, W, H)
    positions = [md.index(ln.text) for ln in left + right]
    assert positions == sorted(positions)
    assert md.endswith("<img>Roofs restored after the war</img>")


def test_footer_block_in_the_bottom_margin_is_read_last() -> None:
    left = column("Left", 100, 780, 300, 40)
    right = column("Right", 880, 1560, 300, 40)
    # Line boxes padded beyond the tight footer block: still the footer's.
    footer = line("TRAVEL & LEISURE SEPTEMBER 1993", 100, 2120, 700, h=44)
    blocks = [block(BlockKind.FOOTER, 110, 2130, 690, 2156)]
    md = compose([*left, *right, footer], blocks, W, H)
    assert md.endswith(footer.text)
    assert md.index(left[-1].text) < md.index(right[0].text)


def test_page_header_above_two_columns_comes_first() -> None:
    header = [line("ACME Research", 100, 60), line("January 28, 2014", 1200, 60)]
    left = column("Left", 100, 780, 300, 8)
    right = column("Right", 880, 1560, 300, 8)
    md = compose([*left, *right, *header], [], W, H)
    assert md.index("January 28") < md.index(left[0].text) < md.index(right[0].text)


def test_centred_lines_keep_their_breaks() -> None:
    rows = ["Bernal Cutlery", "766 Valencia Street", "San Francisco, CA 94110"]
    lines = [line(t, 300 - 8 * len(t), 100 + i * 34) for i, t in enumerate(rows)]
    assert compose(lines, [], 620, 900).splitlines() == rows


def test_phone_number_under_a_name_is_not_joined() -> None:
    lines = [line("Fahad Tariq, CPA, CA", 100, 300, 500), line("416 352 4593", 100, 335, 300)]
    assert compose(lines, [], W, H) == "Fahad Tariq, CPA, CA\n416 352 4593"


def test_a_hyphen_that_broke_a_word_stays_as_printed() -> None:
    lines = [
        line("This sentence has a long exam-", 100, 300, 1500),
        line("ple of wrapping across lines.", 100, 340, 900),
    ]
    expected = "This sentence has a long exam- ple of wrapping across lines."
    assert compose(lines, [], W, H) == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("the city historian Pro-", "fessor Ivo was there", "the city historian Pro- fessor Ivo"),
        ("for his four-", "year-old son was there", "for his four- year-old son"),
        ("the rise in COVID-", "related cases was there", "the rise in COVID- related cases"),
    ],
)
def test_wrapped_lines_join_with_their_text_verbatim(
    first: str, second: str, expected: str
) -> None:
    lines = [
        line(f"A long sentence of running text ends with {first}", 100, 300, 1500),
        line(second, 100, 340, 700),
    ]
    assert expected in compose(lines, [], W, H)


def test_large_line_without_layout_is_a_heading() -> None:
    lines = [
        line("Annual Report", 100, 200, 700, h=80),
        *column("Body", 100, 1500, 320, 3),
    ]
    md = compose(lines, [], W, H)
    assert md.startswith("# Annual Report\n\n")


def test_empty_page() -> None:
    assert compose([], [], W, H) == ""
    assert compose([line("   ", 10, 10)], [], W, H) == ""


# --- escaping ------------------------------------------------------------------------------


def test_text_is_escaped() -> None:
    md = compose([line("<script>alert('x')</script> & more", 100, 500)], [], W, H)
    assert "<script>" not in md
    # Only what could turn into HTML is escaped in markdown; an ampersand stays as printed.
    assert "&lt;script&gt;alert('x')&lt;/script&gt; & more" in md


def test_printed_asterisks_survive_as_text_not_emphasis() -> None:
    md = compose([line("***THANK YOU*** **2 ITEMS**", 100, 100)], [], W, H)
    assert "\\*\\*\\*THANK YOU\\*\\*\\*" in md
    assert [b.text for b in parse_markdown(md).blocks] == ["***THANK YOU*** **2 ITEMS**"]


def test_ampersand_is_escaped_only_inside_tables() -> None:
    lines = [
        line("Terms & conditions apply to AT&T orders", 100, 200, 900),
        *[
            line(t, 100 + c * 500, 400 + r * 50)
            for r, cells in enumerate([("Item", "Price"), ("Salt & pepper", "2.10"), ("Tea", "3")])
            for c, t in enumerate(cells)
        ],
    ]
    md = compose(lines, [block(BlockKind.TABLE, 80, 380, 1400, 560)], W, H)
    assert md.startswith("Terms & conditions apply to AT&T orders\n\n<table>")
    assert "<td>Salt &amp; pepper</td>" in md


# --- page numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14", "14"),
        ("- 14 -", "14"),
        ("— 7 —", "7"),
        ("Page 3 of 9", "Page 3 of 9"),
        ("9/22", "9/22"),
        ("iv", "iv"),
    ],
)
def test_page_number_in_bottom_margin(text: str, expected: str) -> None:
    lines = [*column("Body", 100, 1500, 300, 3), line(text, 800, 2200, 860)]
    md = compose(lines, [], W, H)
    assert md.endswith(f"<page_number>{expected}</page_number>")


def test_page_number_in_running_header() -> None:
    lines = [
        line("Horizontal Integration for Bargaining Power", 100, 80, 900),
        line("381", 1450, 80, 1510),
        *column("Body", 100, 1500, 300, 3),
    ]
    md = compose(lines, [], W, H)
    assert md.startswith("Horizontal Integration for Bargaining Power\n\n<page_number>381")


def test_numbers_in_the_body_are_not_page_numbers() -> None:
    lines = [*column("Body", 100, 1500, 300, 3), line("14", 800, 1200, 860)]
    assert "page_number" not in compose(lines, [], W, H)


def test_number_row_at_the_bottom_is_not_a_page_number() -> None:
    lines = [
        *column("Body", 100, 1500, 300, 3),
        line("12", 200, 2200, 240),
        line("34", 800, 2200, 840),
    ]
    assert "page_number" not in compose(lines, [], W, H)


def test_page_number_inside_a_stretched_table_block() -> None:
    lines = [line("15", 800, 100, 840), *_grid_lines(400)]
    md = compose(lines, [block(BlockKind.TABLE, 50, 60, 1600, 700)], W, H)
    assert md.startswith("<page_number>15</page_number>\n\n<table>")


# --- tables --------------------------------------------------------------------------------


def _grid_lines(y0: float) -> list[Line]:
    rows = [
        ("Item", "Qty", "Price"),
        ("Apples", "3", "1.20"),
        ("Pears", "12", "4.80"),
        ("Plums <ripe>", "7", "2.10"),
    ]
    out = []
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            out.append(line(text, 100 + c * 500, y0 + r * 50))
    return out


def test_table_rebuilt_with_header() -> None:
    md = compose(_grid_lines(400), [block(BlockKind.TABLE, 80, 380, 1400, 620)], W, H)
    assert md == (
        "<table>\n"
        "<tr><th>Item</th><th>Qty</th><th>Price</th></tr>\n"
        "<tr><td>Apples</td><td>3</td><td>1.20</td></tr>\n"
        "<tr><td>Pears</td><td>12</td><td>4.80</td></tr>\n"
        "<tr><td>Plums &lt;ripe&gt;</td><td>7</td><td>2.10</td></tr>\n"
        "</table>"
    )


def test_table_without_word_header_has_no_th() -> None:
    lines = [line(t, 100 + c * 400, 400 + r * 50) for r in range(3) for c, t in enumerate("123")]
    md = compose(lines, [block(BlockKind.TABLE, 80, 380, 1400, 560)], W, H)
    assert "<th>" not in md and md.count("<tr>") == 3


def test_table_spanning_group_heading_and_wrapped_cell() -> None:
    lines = [
        line("Variable", 100, 400),
        line("Definition", 600, 400),
        line("Demographic variables", 100, 450, 700),
        line("ADIR", 140, 500),
        line("Area of dominant influence rank; measures", 600, 500),
        line("strength of the local market", 630, 535),
        line("MDHINC", 140, 570),
        line("Median household income", 600, 570),
        line("POPDEN", 140, 620),
        line("Population density", 600, 620),
        line("PERPHH", 140, 670),
        line("Persons per household", 600, 670),
    ]
    md = compose(lines, [block(BlockKind.TABLE, 80, 380, 1500, 720)], W, H)
    assert '<td colspan="2">Demographic variables</td>' in md
    assert (
        "<td>ADIR</td><td>Area of dominant influence rank; measures strength of the local "
        "market</td>" in md
    )
    assert md.count("<tr>") == 6


def test_table_cells_split_on_word_gaps() -> None:
    def merged(y: float, a: str, b: str) -> Line:
        words = [
            Word(text=a, box=BBox(x0=600, y0=y, x1=680, y1=y + LH)),
            Word(text=b, box=BBox(x0=900, y0=y, x1=980, y1=y + LH)),
        ]
        return Line(text=f"{a} {b}", box=BBox(x0=600, y0=y, x1=980, y1=y + LH), words=words)

    lines = [
        line("Year", 100, 400),
        merged(400, "2023", "2024"),
        line("Sales", 100, 450),
        merged(450, "10", "12"),
        line("Costs", 100, 500),
        merged(500, "7", "8"),
    ]
    md = compose(lines, [block(BlockKind.TABLE, 80, 380, 1100, 560)], W, H)
    assert "<tr><td>Sales</td><td>10</td><td>12</td></tr>" in md


def test_header_row_above_the_table_block_joins_the_table() -> None:
    header = [line("Date", 100, 340), line("Description", 300, 340), line("Balance", 900, 340)]
    body = [
        line(t, x, 400 + r * 40)
        for r in range(4)
        for x, t in ((100, f"0{r + 1}Aug2018"), (300, "Clearing Cheque"), (900, f"{r}0.00"))
    ]
    md = compose(header + body, [block(BlockKind.TABLE, 80, 390, 1100, 560)], W, H)
    assert md.startswith("<table>\n<tr><th>Date</th><th>Description</th><th>Balance</th></tr>")
    assert md.count("<tr>") == 5


def test_columns_a_few_pixels_apart_are_split() -> None:
    # The engine saw the gap between date and description, in every row: two columns.
    lines = []
    for r in range(5):
        lines.append(line(f"0{r + 1}Aug2018", 100, 400 + r * 40, 190))
        lines.append(line("Clearing Cheque", 193, 400 + r * 40, 330))
        lines.append(line(f"{r}.00", 800, 400 + r * 40))
    md = compose(lines, [block(BlockKind.TABLE, 80, 390, 1100, 620)], W, H)
    assert "<tr><td>01Aug2018</td><td>Clearing Cheque</td><td>0.00</td></tr>" in md


def test_figure_duplicating_a_table_is_dropped() -> None:
    blocks = [
        block(BlockKind.FIGURE, 82, 378, 1402, 622),
        block(BlockKind.TABLE, 80, 380, 1400, 620),
    ]
    md = compose(_grid_lines(400), blocks, W, H)
    assert md.startswith("<table>") and "<img>" not in md


def test_borderless_table_taken_for_a_figure_is_a_table() -> None:
    lines = [
        line(t, 100 + c * 400, 400 + r * 50)
        for r in range(8)
        for c, t in enumerate([f"Row {r} label", f"{r}.25", f"{r * 3}.10"])
    ]
    md = compose(lines, [block(BlockKind.FIGURE, 80, 380, 1400, 820)], W, H)
    assert md.startswith("<table>") and md.count("<tr>") == 8


def _invoice_page() -> tuple[list[Line], list[LayoutBlock]]:
    """The shipped invoice sample's geometry: the layout model saw no table, only a figure box
    from above the item table to the foot of the page, and took the note above it for a caption.
    """
    note = [
        line(
            "Thank you for your order. The items below were delivered on 12 March", 128, 635, 1047
        ),
        line(
            "to the address above. Please quote the invoice number with your payment.",
            128,
            678,
            1029,
        ),
    ]
    # Cells as the engine boxed them: (text, x0, x1), rows 64 px apart, 40 px high.
    rows = [
        [("Description", 146, 297), ("Qty", 762, 825)],
        [("Recycled copy paper", 144, 551), ("4", 766, 796)],
        [("Ballpoint pens", 146, 517), ("2", 766, 796)],
        [("Lever arch files", 146, 456), ("10", 769, 811)],
        [("Desk organiser", 148, 447), ("1", 766, 796)],
    ]
    prices = [("Unit price", "Amount"), ("18.50", "74.00"), ("9.90", "19.80")]
    prices += [("2.35", "23.50"), ("27.00", "27.00")]
    for cells, (unit, amount) in zip(rows, prices, strict=True):
        cells.append((unit, 964, 964 + 13 * len(unit)))
        cells.append((amount, 1205, 1205 + 14 * len(amount)))
    table = [
        line(t, x0, 815 + r * 64, x1, h=40) for r, cells in enumerate(rows) for t, x0, x1 in cells
    ]
    totals = [
        line(t, x0, 1155 + r * 48, x1, h=40)
        for r, cells in enumerate(
            [
                [("Subtotal", 953, 1074), ("144.30", 1324, 1427)],
                [("VAT 20%", 953, 1079), ("28.86", 1321, 1411)],
                [("Total due (GBP)", 955, 1164), ("173.16", 1324, 1427)],
            ]
        )
        for t, x0, x1 in cells
    ]
    notes = [
        line("Payment: bank transfer to IBAN GB82 WEST 1234 5698 7654 32", 135, 1496, 901),
        line("Terms: 30 days net. Late payments incur 2% interest per month.", 135, 1540, 899),
    ]
    folio = line("1/1", 807, 2195, 856, h=39)
    head = [
        line("INVOICE", 121, 144, 391, h=75),
        line("Northwind Office Supplies Ltd.", 124, 247, 553, h=48),
        line("12 Harbour Street, Bristol BS1 4DJ, United Kingdom", 126, 292, 748, h=41),
        line("VAT GB 123 4567 89 billing@northwind.example", 126, 333, 728, h=42),
        line("Bill to:", 126, 452, 222, h=41),
        line("Ada Lovelace, Analytical Engines plc", 126, 493, 580, h=41),
        line("4 Marylebone Road, London NW1 5LR", 128, 532, 598, h=41),
        line("Invoice no.", 1038, 148, 1178, h=32),
        line("INV-2024-0117", 1245, 142, 1436, h=38),
        line("Invoice date", 1036, 190, 1198, h=38),
        line("14 March 2024", 1247, 187, 1438, h=39),
        line("Due date", 1036, 233, 1162, h=39),
        line("13 April 2024", 1247, 231, 1420, h=39),
    ]
    blocks = [
        block(BlockKind.TITLE, 136, 158, 380, 212),
        block(BlockKind.TEXT, 131, 258, 745, 370),
        block(BlockKind.TEXT, 131, 460, 594, 567),
        block(BlockKind.FIGURE, 27, 544, 1652, 2339),
        block(BlockKind.CAPTION, 134, 647, 1040, 714),
    ]
    return [*head, *note, *table, *totals, *notes, folio], blocks


def test_note_taken_for_a_caption_of_a_table_stays_a_paragraph() -> None:
    lines, blocks = _invoice_page()
    md = compose(lines, blocks, W, H)
    assert "<img>" not in md
    assert "\n\nThank you for your order. The items below" in md
    assert md.index("Thank you") < md.index("<table>")


def test_values_beside_their_labels_are_not_a_column() -> None:
    # Dates as long as a text column's lines, each level with its label: a form, not columns.
    lines, blocks = _invoice_page()
    md = compose(lines, blocks, W, H)
    assert "Invoice date 14 March 2024\nDue date 13 April 2024" in md


def test_table_ends_at_a_wide_gap_and_leaves_out_the_page_number() -> None:
    lines, blocks = _invoice_page()
    md = compose(lines, blocks, W, H)
    table = md[md.index("<table>") : md.index("</table>")]
    assert "Desk organiser" in table and "144.30" in table
    assert "Payment" not in table and "Terms" not in table and "1/1" not in table
    # Two labelled lines are two fields, not one wrapped sentence.
    assert "7654 32\nTerms: 30 days" in md
    assert md.endswith("<page_number>1/1</page_number>")


def test_table_block_stretched_over_notes_keeps_only_the_grid() -> None:
    grid = _grid_lines(400)
    notes = [line("All prices include delivery to the door of the customer.", 100, 900, 1200)]
    md = compose([*grid, *notes], [block(BlockKind.TABLE, 50, 380, 1600, 1000)], W, H)
    assert md.endswith("</table>\n\nAll prices include delivery to the door of the customer.")


def test_sentences_in_a_figure_box_are_a_paragraph() -> None:
    lines = [
        line("The harbour was rebuilt in the spring and opened to", 300, 500, 1200),
        line("ships again in May, after two years of repairs.", 300, 540, 1100),
    ]
    md = compose(lines, [block(BlockKind.FIGURE, 250, 450, 1300, 620)], W, H)
    assert md == (
        "The harbour was rebuilt in the spring and opened to ships again in May, after two "
        "years of repairs."
    )


# --- figures, titles, equations -----------------------------------------------------------


def test_figure_takes_its_caption() -> None:
    caption = line("Figure 1: Sales by region", 300, 820)
    blocks = [
        block(BlockKind.FIGURE, 200, 300, 1400, 800),
        block(BlockKind.CAPTION, 290, 815, 900, 860),
    ]
    md = compose([caption], blocks, W, H)
    assert md == "<img>Figure 1: Sales by region</img>"


def test_figure_without_text_or_caption() -> None:
    md = compose([], [block(BlockKind.FIGURE, 200, 300, 1400, 800)], W, H)
    assert md == "<img>figure</img>"


def test_figure_with_labels_and_no_caption_uses_them() -> None:
    lines = [line("Q1", 300, 700), line("Q2", 600, 700)]
    md = compose(lines, [block(BlockKind.FIGURE, 200, 300, 1400, 800)], W, H)
    assert md == "<img>Q1 Q2</img>"


def test_title_block_is_a_heading() -> None:
    lines = [line("Results", 100, 200, 400, h=60), *column("Body", 100, 1500, 320, 2)]
    md = compose(lines, [block(BlockKind.TITLE, 90, 190, 410, 270)], W, H)
    assert md.startswith("# Results\n\n")


def test_small_title_block_is_a_second_level_heading() -> None:
    lines = [line("Methods", 100, 200, 300), *column("Body", 100, 1500, 320, 2)]
    md = compose(lines, [block(BlockKind.TITLE, 90, 190, 310, 240)], W, H)
    assert md.startswith("## Methods\n\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("E = mc^2", "$$E = mc^2$$"),
        ("The quick brown fox jumps", "The quick brown fox jumps"),
    ],
)
def test_equation_block(text: str, expected: str) -> None:
    md = compose([line(text, 300, 500)], [block(BlockKind.EQUATION, 280, 490, 1200, 540)], W, H)
    assert md == expected


def test_nested_duplicate_text_blocks_read_as_one() -> None:
    lines = [
        line("TEV/EBITDA", 200, 400),
        line("11.9 x", 600, 400),
        line("P/E", 200, 450),
        line("18.6 x", 600, 450),
    ]
    blocks = [
        block(BlockKind.TEXT, 190, 390, 900, 490),
        block(BlockKind.TEXT, 195, 390, 380, 490),
    ]
    assert compose(lines, blocks, W, H) == "TEV/EBITDA 11.9 x\nP/E 18.6 x"


def test_header_and_footer_blocks_stay_as_text() -> None:
    lines = [line("ACME Corp confidential", 100, 60), *column("Body", 100, 1500, 300, 2)]
    md = compose(lines, [block(BlockKind.HEADER, 90, 50, 600, 100)], W, H)
    assert md.startswith("ACME Corp confidential\n\n")


# --- no text is lost or repeated ----------------------------------------------------------

_KINDS = [k for k in BlockKind if k is not BlockKind.PAGE_NUMBER]


@st.composite
def pages(draw: st.DrawFn) -> tuple[list[Line], list[LayoutBlock]]:
    n = draw(st.integers(0, 40))
    lines = []
    for i in range(n):
        words = draw(st.integers(1, 6))
        text = " ".join(f"t{i}w{k}" for k in range(words))
        x0 = draw(st.integers(0, W - 100))
        y0 = draw(st.integers(0, H - 60))
        w = draw(st.integers(20, 1200))
        h = draw(st.integers(8, 90))
        lines.append(Line(text=text, box=BBox(x0=x0, y0=y0, x1=min(W, x0 + w), y1=y0 + h)))
    blocks = []
    for _ in range(draw(st.integers(0, 6))):
        x0 = draw(st.integers(0, W - 200))
        y0 = draw(st.integers(0, H - 200))
        blocks.append(
            block(
                draw(st.sampled_from(_KINDS)),
                x0,
                y0,
                x0 + draw(st.integers(50, 1400)),
                y0 + draw(st.integers(30, 1200)),
            )
        )
    return lines, blocks


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_every_line_appears_exactly_once(page: tuple[list[Line], list[LayoutBlock]]) -> None:
    lines, blocks = page
    md = compose(lines, blocks, W, H)
    for ln in lines:
        assert md.count(ln.text) == 1, ln.text
    # Nothing but the input's tokens and the markup's own words.
    tokens = set(re.findall(r"t\d+w\d+", md))
    assert tokens == {tok for ln in lines for tok in ln.text.split()}


def test_unsure_page_sized_figure_around_text_is_not_a_picture() -> None:
    body = [
        Line(
            text=f"Paragraph line {n} with enough words to read as prose.",
            box=BBox(x0=130, y0=300 + 45 * n, x1=1180, y1=335 + 45 * n),
        )
        for n in range(5)
    ]
    hallucinated = LayoutBlock(
        kind=BlockKind.FIGURE, box=BBox(x0=0, y0=200, x1=1650, y1=2330), confidence=0.51
    )
    text_block = LayoutBlock(
        kind=BlockKind.TEXT, box=BBox(x0=128, y0=290, x1=1185, y1=540), confidence=0.93
    )
    markdown = compose(body, [hallucinated, text_block], 1654, 2339)
    assert "<img>" not in markdown
    assert "Paragraph line 4" in markdown
    sure = hallucinated.model_copy(update={"confidence": 0.9})
    assert "<img>" in compose(body, [sure, text_block], 1654, 2339)


def test_columns_whose_padded_boxes_touch_part_at_the_ink() -> None:
    """A tight spreadsheet (300 dpi): the detector's padded boxes of neighbouring amounts touch.

    On scribeocr table_10 ``$1,767.4`` ended at x 2185 and ``$2,160.0`` started there, while
    their ink lay apart; by line boxes its eight year columns were one.
    """
    from docsight.engines._markup_table import column_spans, table_rows

    def cell(text: str, ink0: float, ink1: float, y: float) -> Line:
        word = Word(text=text, box=BBox(x0=ink0, y0=y, x1=ink1, y1=y + 52))
        return Line(text=text, box=BBox(x0=ink0 - 12, y0=y, x1=ink1 + 12, y1=y + 52), words=[word])

    rows = []
    for r in range(6):
        y = 400 + 60 * r
        # Right-aligned amounts: the second column's ink starts where each number's width says.
        rows += [cell(f"${r},767.4", 2065, 2181, y), cell(f"{r}.0", 2205 + 20 * (r % 3), 2314, y)]
    spans = column_spans(table_rows(rows))
    assert len(spans) == 2
    assert 2181 <= spans[0][1] <= 2205
