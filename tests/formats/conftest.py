"""A realistic two-page result with every block type, and golden-file comparison.

Golden files under ``golden/`` are written only by ``pytest tests/formats --update-golden``;
a test compares byte for byte otherwise, so a change in any writer shows up as a diff to review.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from docsight.models import (
    BBox,
    Block,
    BlockType,
    Checkbox,
    DocumentInfo,
    DocumentStatus,
    FieldValue,
    Line,
    PageResult,
    Result,
    Table,
    TableCell,
    Word,
)

GOLDEN = Path(__file__).parent / "golden"


Golden = Callable[[str, str | bytes], None]


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    update = bool(request.config.getoption("--update-golden", default=False))

    def check(name: str, actual: str | bytes) -> None:
        data = actual.encode("utf-8") if isinstance(actual, str) else actual
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        if not path.exists():
            pytest.fail(f"no golden file {name}: run pytest tests/formats --update-golden")
        expected = path.read_bytes()
        if isinstance(actual, str):
            assert actual == expected.decode("utf-8"), f"{name} differs from its golden file"
        else:
            assert data == expected, f"{name} differs from its golden file"

    return check


def words_line(text: str, x: float, y: float, *, height: float = 40, char: float = 20) -> Line:
    """A line whose words get boxes laid out left to right, as an engine would report them."""
    words = []
    cursor = x
    for token in text.split():
        width = len(token) * char
        words.append(
            Word(
                text=token,
                box=BBox(x0=cursor, y0=y, x1=cursor + width, y1=y + height),
                confidence=0.97,
            )
        )
        cursor += width + char
    box = words[0].box.union(words[-1].box)
    return Line(text=text, box=box, confidence=0.95, words=words)


def table_block() -> Block:
    cells = [
        TableCell(row=0, col=0, text="Region", header=True, rowspan=2),
        TableCell(row=0, col=1, text="Revenue", header=True, colspan=2),
        TableCell(row=1, col=1, text="Q2", header=True),
        TableCell(row=1, col=2, text="Q3", header=True),
        TableCell(row=2, col=0, text="North"),
        TableCell(row=2, col=1, text="1,200.00"),
        TableCell(row=2, col=2, text="-12.50"),
        TableCell(row=3, col=0, text="=SUM(B3:C3)"),
        TableCell(row=3, col=1, text="@cmd"),
        TableCell(row=3, col=2, text="+41 22 555"),
    ]
    table = Table(
        n_rows=4,
        n_cols=3,
        header_rows=2,
        cells=cells,
        grid=[
            ["Region", "Revenue", "Revenue"],
            ["Region", "Q2", "Q3"],
            ["North", "1,200.00", "-12.50"],
            ["=SUM(B3:C3)", "@cmd", "+41 22 555"],
        ],
        caption="Table 1: Revenue by region",
    )
    return Block(
        type=BlockType.TABLE,
        page=1,
        table=table,
        markdown="<table>…</table>",
        box=BBox(x0=150, y0=900, x1=1550, y1=1300),
    )


def page_one() -> PageResult:
    blocks = [
        Block(
            type=BlockType.WATERMARK,
            page=1,
            text="CONFIDENTIAL",
            markdown="<watermark>CONFIDENTIAL</watermark>",
        ),
        Block(
            type=BlockType.HEADING,
            page=1,
            level=1,
            text="Quarterly Report",
            markdown="# Quarterly Report",
            box=BBox(x0=150, y0=150, x1=810, y1=230),
        ),
        Block(
            type=BlockType.PARAGRAPH,
            page=1,
            text="Revenue grew by $\\alpha = 5\\%$ in Q3 & costs fell <2%.",
            inline_math=["\\alpha = 5\\%"],
            markdown="Revenue grew by $\\alpha = 5\\%$ in Q3 & costs fell <2%.",
        ),
        Block(
            type=BlockType.LIST,
            page=1,
            items=["Sales up", "Costs down"],
            ordered=False,
            markdown="- Sales up\n- Costs down",
        ),
        Block(
            type=BlockType.LIST,
            page=1,
            items=["Plan", "Act"],
            ordered=True,
            markdown="1. Plan\n2. Act",
        ),
        table_block(),
        Block(
            type=BlockType.EQUATION, page=1, latex="E = mc^2", display=True, markdown="$$E = mc^2$$"
        ),
        Block(
            type=BlockType.IMAGE,
            page=1,
            text="Bar chart of revenue by quarter",
            markdown="<img>Bar chart of revenue by quarter</img>",
        ),
        Block(
            type=BlockType.PAGE_NUMBER,
            page=1,
            text="1/2",
            value=1,
            total=2,
            markdown="<page_number>1/2</page_number>",
        ),
    ]
    lines = [
        words_line("Quarterly Report", 150, 150, height=80, char=40),
        words_line("Revenue grew by 5% in Q3", 150, 300),
        words_line("Sales up", 190, 380),
        words_line("Costs down", 190, 440),
        words_line("1/2", 820, 2080),
    ]
    markdown = "\n\n".join(block.markdown for block in blocks)
    return PageResult(
        number=1,
        source="ocr",
        engine="rapid",
        model="ppocr-v4",
        width=1700,
        height=2200,
        dpi=200,
        markdown=markdown,
        lines=lines,
        blocks=blocks,
        timings={"render": 0.1, "ocr": 1.2},
    )


def page_two() -> PageResult:
    blocks = [
        Block(type=BlockType.HEADING, page=2, level=2, text="Approval", markdown="## Approval"),
        Block(
            type=BlockType.CHECKBOX,
            page=2,
            checkbox=Checkbox(state="checked", label="I agree to the terms"),
            text="☑ I agree to the terms",
            markdown="☑ I agree to the terms",
        ),
        Block(
            type=BlockType.CHECKBOX,
            page=2,
            checkbox=Checkbox(state="unchecked", label="Send me offers"),
            text="☐ Send me offers",
            markdown="☐ Send me offers",
        ),
        Block(
            type=BlockType.CHECKBOX,
            page=2,
            checkbox=Checkbox(state="crossed", label="Not applicable"),
            text="☒ Not applicable",
            markdown="☒ Not applicable",
        ),
        Block(
            type=BlockType.SIGNATURE,
            page=2,
            text="J. Smith",
            markdown="<signature>J. Smith</signature>",
        ),
        Block(
            type=BlockType.CODE,
            page=2,
            language="python",
            text='print("héllo")',
            markdown='```python\nprint("héllo")\n```',
        ),
        Block(type=BlockType.SEPARATOR, page=2, markdown="---"),
        Block(
            type=BlockType.PARAGRAPH,
            page=2,
            text="Ελληνικά και 日本語 text.",
            markdown="Ελληνικά και 日本語 text.",
        ),
        Block(type=BlockType.EQUATION, page=2, latex="x_i", display=False, markdown="$x_i$"),
        Block(
            type=BlockType.PAGE_NUMBER,
            page=2,
            text="2",
            value=2,
            markdown="<page_number>2</page_number>",
        ),
    ]
    lines = [
        Line(text="Approval", box=BBox(x0=200, y0=200, x1=500, y1=250)),
        Line(text="I agree to the terms", box=BBox(x0=200, y0=300, x1=800, y1=340)),
    ]
    markdown = "\n\n".join(block.markdown for block in blocks)
    return PageResult(
        number=2,
        source="text_layer",
        engine="text_layer",
        width=1700,
        height=2200,
        dpi=200,
        markdown=markdown,
        lines=lines,
        blocks=blocks,
        timings={"text_layer": 0.01},
    )


def sample_fields() -> list[FieldValue]:
    return [
        FieldValue(
            name="invoice_number",
            type="string",
            value="INV-2026-001",
            raw="Invoice No. INV-2026-001",
            confidence=0.98,
            page=1,
            box=BBox(x0=150, y0=300, x1=630, y1=340),
            source="label",
        ),
        FieldValue(
            name="total",
            type="amount",
            value=-1187.5,
            raw="-1.187,50 EUR",
            confidence=0.91,
            page=1,
            source="table",
        ),
        FieldValue(
            name="iban",
            type="iban",
            value="DE00 1234",
            raw="DE00 1234",
            valid=False,
            error="IBAN checksum fails",
            confidence=0.4,
            page=2,
            source="label",
        ),
        FieldValue(
            name="seller",
            type="party",
            value={"name": "ACME <b>", "vat": "=cmd"},
            confidence=0.8,
            page=1,
            source="letterhead",
        ),
        FieldValue(name="due_date", type="date", value=None, confidence=0.0),
    ]


def sample_result() -> Result:
    return Result(
        status=DocumentStatus.SUCCESS,
        document=DocumentInfo(
            name="report.pdf",
            media_type="application/pdf",
            size_bytes=12345,
            sha256="ab" * 32,
            page_count=2,
        ),
        engine="rapid",
        model="ppocr-v4",
        options={"pages": None, "dpi": 200},
        pages=[page_one(), page_two()],
        fields=sample_fields(),
        timings={"total": 1.5},
        warnings=["page 2: text layer used"],
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


@pytest.fixture
def result() -> Result:
    return sample_result()


@pytest.fixture
def make_result() -> Callable[[], Result]:
    """A fresh sample per call, for tests that change it."""
    return sample_result
