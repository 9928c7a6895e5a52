import pytest

from docsight.document import open_document
from docsight.models import BBox, Line
from docsight.settings import Settings
from docsight.textlayer import TextLayer, assess, to_markdown
from support.pdfgen import text_pdf

BODY = [
    "Quarterly report of the northern region office",
    "Revenue grew in every month of the quarter while costs",
    "stayed flat, which lifted the operating margin to its",
    "highest level since the office opened its doors.",
]


def layer_of(pdf: bytes, settings: Settings, page: int = 1) -> TextLayer:
    with open_document(pdf, settings) as document:
        layer = document.text_layer(page)
    assert layer is not None
    return layer


def test_born_digital_text_and_boxes(settings: Settings) -> None:
    layer = layer_of(text_pdf([BODY]), settings)
    assert [line.text for line in layer.lines] == BODY
    tops = [line.box.y0 for line in layer.lines]
    assert tops == sorted(tops)
    for line in layer.lines:
        assert 0 <= line.box.x0 < line.box.x1 <= layer.width
        assert 0 <= line.box.y0 < line.box.y1 <= layer.height
    # 72 pt from the left edge at 200 dpi
    assert layer.lines[0].box.x0 == pytest.approx(200, abs=5)
    assert assess(layer, settings.text_layer) == (True, "usable text layer")


def test_unmapped_glyphs_make_the_layer_unusable(settings: Settings) -> None:
    layer = layer_of(text_pdf([BODY], unmapped_glyphs=True), settings)
    usable, reason = assess(layer, settings.text_layer)
    assert not usable
    assert "unmapped" in reason


def test_invisible_junk_ocr_layer_is_rejected(settings: Settings) -> None:
    junk = ["Tlie qnarterIy rcp0rt 0f tbe n0rthem rcgi0n", "~~ |l| ,.;; ^^ ii1l I|l 0O0"] * 3
    layer = layer_of(text_pdf([junk], render_mode=3), settings)
    assert layer.invisible_share == 1.0
    usable, reason = assess(layer, settings.text_layer)
    assert not usable
    assert "invisible" in reason


def test_invisible_good_ocr_layer_is_kept(settings: Settings) -> None:
    layer = layer_of(text_pdf([BODY], render_mode=3), settings)
    assert assess(layer, settings.text_layer)[0]


def test_too_little_text_means_scanned(settings: Settings) -> None:
    layer = layer_of(text_pdf([["p. 3"]]), settings)
    usable, reason = assess(layer, settings.text_layer)
    assert not usable
    assert "scanned" in reason


def test_markdown_joins_wrapped_lines_and_marks_page_numbers(settings: Settings) -> None:
    lines = [*BODY, *[""] * 40, "12"]
    markdown = to_markdown(layer_of(text_pdf([lines]), settings))
    assert "costs stayed flat" in markdown
    assert markdown.endswith("<page_number>12</page_number>")


def line(text: str, y: float, width: float = 1000) -> Line:
    return Line(text=text, box=BBox(x0=100, y0=y, x1=100 + width, y1=y + 30))


def test_markdown_keeps_short_lines_apart_and_finds_headings() -> None:
    layer = TextLayer(
        lines=[
            line("Annual Report", 100, 400),
            line("Name Amount", 200, 300),
            line("Rent 1,200.00", 240, 300),
            line("Food 310.50", 280, 300),
            line("A paragraph that is long enough to fill the whole column width", 360),
            line("and goes on here.", 400),
        ],
        width=1700,
        height=2200,
        dpi=200,
        char_count=200,
        bad_chars=0,
        invisible_share=0,
        font_sizes=[24, 11, 11, 11, 11, 11],
    )
    markdown = to_markdown(layer)
    assert markdown.startswith("# Annual Report")
    assert "Name Amount\nRent 1,200.00\nFood 310.50" in markdown
    assert "column width and goes on here." in markdown
