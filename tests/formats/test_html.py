from html.parser import HTMLParser

import pytest

from docsight.formats import to_html
from docsight.models import Block, BlockType, Result

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(document.cookie)",
    '"><svg onload=alert(1)>',
    "</textarea><iframe src=//evil.example>",
]


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    collector.close()
    return collector


def test_page_is_standalone_and_loads_nothing(result: Result) -> None:
    page = to_html(result)
    collector = parse(page)
    tags = {tag for tag, _ in collector.tags}
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    for _, attrs in collector.tags:
        for name, value in attrs:
            assert name not in ("src", "href"), f"{name}={value} would fetch"
    assert "default-src 'none'" in page
    assert "http://" not in page and "https://" not in page


@pytest.mark.parametrize("payload", HOSTILE)
def test_engine_strings_are_escaped_everywhere(result: Result, payload: str) -> None:
    result.document.name = payload
    page_one = result.pages[0]
    page_one.blocks.append(Block(type=BlockType.PARAGRAPH, text=payload))
    page_one.blocks.append(Block(type=BlockType.IMAGE, text=payload))
    page_one.blocks.append(Block(type=BlockType.CODE, text=payload, language=payload))
    page_one.blocks.append(Block(type=BlockType.EQUATION, latex=payload, display=True))
    page_one.blocks.append(Block(type=BlockType.LIST, items=[payload]))
    table = page_one.blocks[5].table
    assert table is not None
    table.cells[0].text = payload
    table.caption = payload
    result.fields[0].name = payload
    result.fields[0].value = payload
    result.fields[2].error = payload
    page = to_html(result)
    collector = parse(page)
    for tag, attrs in collector.tags:
        assert tag not in ("script", "img", "svg", "iframe", "textarea")
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"
            assert "javascript:" not in (value or "") or name == "aria-label"
    if any(char in payload for char in "<>\"'&"):
        assert payload not in page  # markup-bearing text never appears raw
    assert sum(payload in chunk for chunk in collector.text) >= 9  # shown, as text


def test_table_keeps_spans_and_header_rows(result: Result) -> None:
    page = to_html(result)
    assert '<th rowspan="2">Region</th><th colspan="2">Revenue</th>' in page
    assert "<thead>" in page and "<caption>Table 1: Revenue by region</caption>" in page


def test_equations_stay_latex_in_math_delimiters(result: Result) -> None:
    page = to_html(result)
    assert r'<div class="math display">\[E = mc^2\]</div>' in page
    assert r'<span class="math inline">\(\alpha = 5\%\)</span>' in page
    assert r'<span class="math inline">\(x_i\)</span>' in page


def test_furniture_is_visible_and_styled(result: Result) -> None:
    page = to_html(result)
    for css in ("watermark", "page-number", "signature", "checkbox checked", "checkbox crossed"):
        assert f'class="{css}"' in page
        assert f".{css.split()[-1]}" in page  # a rule in the stylesheet
    assert "<figcaption>Bar chart of revenue by quarter</figcaption>" in page
    assert page.count('<hr class="page-break">') == len(result.pages) - 1


def test_unparsed_page_shows_its_markdown_escaped(result: Result) -> None:
    result.pages[1].blocks = []
    result.pages[1].markdown = "<b>raw</b>"
    assert '<pre class="raw">&lt;b&gt;raw&lt;/b&gt;</pre>' in to_html(result)


def test_fields_table_marks_invalid_values(result: Result) -> None:
    page = to_html(result)
    assert '<section class="fields">' in page
    assert '<tr class="invalid"><th scope="row">iban</th>' in page
    assert "IBAN checksum fails" in page
    assert "{&quot;name&quot;: &quot;ACME &lt;b&gt;&quot;" in page
