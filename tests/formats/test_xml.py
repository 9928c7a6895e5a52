import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from docsight.formats import to_xml
from docsight.formats._common import xml_safe
from docsight.models import Block, BlockType, ErrorInfo, PageStatus, Result

XSD = Path(__file__).resolve().parents[2] / "docs" / "result.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def test_sample_validates_against_the_xsd(result: Result, schema: xmlschema.XMLSchema) -> None:
    schema.validate(to_xml(result))


def test_failed_page_validates_and_says_why(result: Result, schema: xmlschema.XMLSchema) -> None:
    page = result.pages[1]
    page.status = PageStatus.FAILURE
    page.error = ErrorInfo(code="engine_timeout", message="took > 60 s")
    output = to_xml(result)
    schema.validate(output)
    element = ET.fromstring(output).findall("pages/page")[1]
    assert element.get("status") == "failure"
    assert element.findtext("error") == "took > 60 s"
    assert element.find("blocks") is None


def test_table_cells_keep_their_spans(result: Result) -> None:
    table = ET.fromstring(to_xml(result)).find("pages/page/blocks/table")
    assert table is not None
    first = table.find("row/cell")
    assert first is not None and first.get("rowspan") == "2" and first.get("header") == "true"
    assert table.findall("row/cell")[1].get("colspan") == "2"


def test_words_carry_boxes_and_confidence(result: Result) -> None:
    word = ET.fromstring(to_xml(result)).find("pages/page/lines/line/word")
    assert word is not None and word.text == "Quarterly"
    assert {k: word.get(k) for k in ("x0", "y0", "x1", "y1", "confidence")} == {
        "x0": "150",
        "y0": "150",
        "x1": "510",
        "y1": "230",
        "confidence": "0.97",
    }


def test_forbidden_control_characters_are_removed(
    result: Result, schema: xmlschema.XMLSchema
) -> None:
    result.pages[0].blocks.insert(
        0, Block(type=BlockType.PARAGRAPH, text="bell\x07 nul\x00 ok\ttab <&> \ufffe\U0001d518")
    )
    output = to_xml(result)
    schema.validate(output)
    paragraph = ET.fromstring(output).find("pages/page/blocks/paragraph")
    assert paragraph is not None
    assert paragraph.text == "bell nul ok\ttab <&> \U0001d518"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=40))
@example(text="a\r\nb\rc\x00\x1f<'\"&>")
def test_any_text_gives_well_formed_xml(text: str, make_result: Callable[[], Result]) -> None:
    result = make_result()
    result.document.name = text
    result.pages[0].blocks = [Block(type=BlockType.HEADING, level=1, text=text)]
    root = ET.fromstring(to_xml(result))
    assert root.find("source").get("name") == xml_safe(text)  # type: ignore[union-attr]
    heading = root.find("pages/page/blocks/heading")
    assert heading is not None and (heading.text or "") == xml_safe(text)
