from docsight.models import BBox, BlockType, Line
from docsight.parsing import parse_markdown

PAGE = """# Invoice 42

Issued by **ACME** on 2024-01-02. Total is $12.50 and $E=mc^2$ holds.

<table><tr><th>Item</th><th>Qty</th></tr><tr><td>Tea<td>2</tr></table>

$$
\\int_0^1 x\\,dx
$$

- one
- two

1. first
2. second

<img>A bar chart of sales</img>
<watermark>CONFIDENTIAL</watermark>
Gender: ☑ Male ☐ Female ☒ Other
<page_number>9/22</page_number>
<signature>J. Smith</signature>

```mermaid
graph TD; A-->B
```
"""


def types(markdown: str) -> list[str]:
    return [block.type.value for block in parse_markdown(markdown).blocks]


def test_every_block_type_in_reading_order() -> None:
    page = parse_markdown(PAGE, page=3)
    assert [b.type.value for b in page.blocks] == [
        "heading",
        "paragraph",
        "table",
        "equation",
        "list",
        "list",
        "image",
        "watermark",
        "paragraph",
        "checkbox",
        "checkbox",
        "checkbox",
        "page_number",
        "signature",
        "code",
    ]
    assert page.warnings == []
    assert all(block.page == 3 for block in page.blocks)
    heading, paragraph, table, equation, bullets, numbered = page.blocks[:6]
    assert (heading.level, heading.text) == (1, "Invoice 42")
    assert paragraph.inline_math == ["E=mc^2"]  # $12.50 is money, not math
    assert "ACME" in paragraph.text and "**" not in paragraph.text
    assert table.table is not None and table.table.grid == [["Item", "Qty"], ["Tea", "2"]]
    assert table.table.header_rows == 1
    assert equation.latex == "\\int_0^1 x\\,dx" and equation.display is True
    assert bullets.items == ["one", "two"] and bullets.ordered is False
    assert numbered.items == ["first", "second"] and numbered.ordered is True
    boxes = [b.checkbox for b in page.blocks if b.checkbox]
    assert [(c.state, c.label) for c in boxes] == [
        ("checked", "Male"),
        ("unchecked", "Female"),
        ("crossed", "Other"),
    ]
    number = page.blocks[12]
    assert (number.value, number.total) == (9, 22)
    assert page.blocks[-1].language == "mermaid"


def test_page_number_forms() -> None:
    for text, expected in [
        ("14", (14, None)),
        ("- 3 -", (3, None)),
        ("Page 2 of 7", (2, 7)),
        ("iv", (None, None)),
    ]:
        block = parse_markdown(f"<page_number>{text}</page_number>").blocks[0]
        assert (block.value, block.total) == expected, text


def test_inline_and_bracket_math() -> None:
    page = parse_markdown("Let \\(a^2\\) and $b_1$ be.\n\n\\[ x = y \\]")
    assert page.blocks[0].inline_math == ["a^2", "b_1"]
    assert page.blocks[1].latex == "x = y"


def test_tables_with_spans_and_broken_rows() -> None:
    html = (
        "<table><thead><tr><th rowspan=2>Name</th><th colspan=2>Score</th></tr>"
        "<tr><th>A</th><th>B</th></tr></thead>"
        "<tr><td>x<td>1<tr><td>y</td><td>2</td><td>3</td><td>4</td></table>"
    )
    table = parse_markdown(html).blocks[0].table
    assert table is not None
    assert table.header_rows == 2
    assert table.n_cols == 4
    assert table.grid[0] == ["Name", "Score", "Score", ""]
    assert table.grid[1][:3] == ["Name", "A", "B"]
    assert table.grid[2] == ["x", "1", "", ""]  # ragged row padded


def test_unclosed_table_and_tags_survive_with_warnings() -> None:
    page = parse_markdown("<table><tr><td>a</td><td>b\n\nAfter text\n<watermark>DRAFT")
    assert [b.type.value for b in page.blocks] == ["table", "paragraph", "watermark"]
    assert page.blocks[0].table.grid == [["a", "b"]]  # type: ignore[union-attr]
    assert page.blocks[2].text == "DRAFT"
    codes = {w.code for w in page.warnings}
    assert {"unclosed_table", "unclosed_tag"} <= codes


def test_stray_html_is_text_with_a_warning() -> None:
    page = parse_markdown("Hello <div class='x'>world</div> <b>bold</b>")
    assert page.blocks[0].text == "Hello world bold"
    assert page.warnings[0].code == "stray_html"


def test_html_img_alt_and_pipe_tables() -> None:
    page = parse_markdown('<img src="x.png" alt="Company logo">\n\n| a | b |\n|:--|--:|\n| 1 | 2 |')
    assert page.blocks[0].type is BlockType.IMAGE and page.blocks[0].text == "Company logo"
    assert page.blocks[1].table.grid == [["a", "b"], ["1", "2"]]  # type: ignore[union-attr]


def test_a_pipe_in_text_is_not_a_table() -> None:
    assert types("| just a line with a pipe") == ["paragraph"]


def test_repetition_loop_is_cut_and_flagged() -> None:
    looped = "Total 12.00\n" + "Thank you for shopping\n" * 200 + "End"
    page = parse_markdown(looped)
    assert page.repetition is True
    assert page.blocks[0].text.count("Thank you") == 1
    assert any(w.code == "repetition" for w in page.warnings)
    legit = "| a |\n|---|\n" + "| 1 |\n" * 3
    assert parse_markdown(legit).repetition is False


def test_phrase_loop_within_a_line() -> None:
    page = parse_markdown("The value is " + "the same " * 40)
    assert page.repetition is True
    assert page.blocks[0].text.count("the same") == 1
    leaders = parse_markdown("Chapter 1 ........................................ 5")
    assert leaders.repetition is False


def test_empty_page() -> None:
    assert parse_markdown("").blocks == []
    assert parse_markdown("   \n\n  ").blocks == []


def test_boxes_from_lines() -> None:
    lines = [
        Line(text="Invoice 42", box=BBox(x0=10, y0=10, x1=200, y1=40)),
        Line(text="Issued by ACME", box=BBox(x0=10, y0=60, x1=300, y1=80)),
        Line(text="on 2024-01-02.", box=BBox(x0=10, y0=85, x1=250, y1=105)),
    ]
    page = parse_markdown("# Invoice 42\n\nIssued by ACME\non 2024-01-02.", lines=lines)
    assert page.blocks[0].box == lines[0].box
    assert page.blocks[1].box == BBox(x0=10, y0=60, x1=300, y1=105)


def test_no_boxes_without_lines() -> None:
    assert all(b.box is None for b in parse_markdown(PAGE).blocks)
