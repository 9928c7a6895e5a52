"""Result types shared by the engines, the pipeline and every interface.

Coordinates are pixels of the page image the engine saw, origin top-left; each page records
its ``width``/``height``/``dpi`` so boxes convert to PDF points (``x * 72 / dpi``) or to
fractions of the page. Engines that know no geometry (VLMs) leave ``lines`` empty rather than
inventing boxes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION = "1.0"


class BBox(BaseModel):
    """Axis-aligned box in page pixels."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def union(self, other: BBox) -> BBox:
        return BBox(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )


class Word(BaseModel):
    text: str
    box: BBox
    confidence: float | None = Field(None, ge=0, le=1)


class Line(BaseModel):
    """A text line as the engine found it; ``words`` may be empty when only lines are known."""

    text: str
    box: BBox
    confidence: float | None = Field(None, ge=0, le=1)
    words: list[Word] = Field(default_factory=list)


class BlockKind(StrEnum):
    """Layout regions an engine can report next to its markdown."""

    TITLE = "title"
    TEXT = "text"
    TABLE = "table"
    FIGURE = "figure"
    CAPTION = "caption"
    EQUATION = "equation"
    HEADER = "header"
    FOOTER = "footer"
    PAGE_NUMBER = "page_number"
    LIST = "list"


class LayoutBlock(BaseModel):
    kind: BlockKind
    box: BBox
    confidence: float | None = Field(None, ge=0, le=1)


# Clockwise quarter turns an engine may give a page to read it upright.
Rotation = Literal[0, 90, 180, 270]


class EngineOutput(BaseModel):
    """What an engine returns for one page image."""

    markdown: str
    lines: list[Line] = Field(default_factory=list)
    blocks: list[LayoutBlock] = Field(default_factory=list)
    model: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    repetition: bool = Field(False, description="The engine cut a decoding loop (VLMs).")
    rotation: Rotation = Field(
        0,
        description="Degrees clockwise the engine turned the page image to read it upright; "
        "boxes are in the pixels of the turned image.",
    )
    deskew: float = Field(
        0.0,
        description="Degrees clockwise (negative: counter-clockwise) the engine then turned "
        "the page to straighten its lines.",
    )
    size: tuple[int, int] | None = Field(
        None,
        description="Width and height of the image the boxes are in, where the engine turned "
        "or straightened the page (None: the page image's own).",
    )


# --- Structured content, parsed from the markdown (docsight.parsing) -------------------------


class BlockType(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST = "list"
    TABLE = "table"
    EQUATION = "equation"
    IMAGE = "image"
    WATERMARK = "watermark"
    PAGE_NUMBER = "page_number"
    SIGNATURE = "signature"
    CHECKBOX = "checkbox"
    CODE = "code"
    SEPARATOR = "separator"


CheckState = Literal["unchecked", "checked", "crossed"]


class TableCell(BaseModel):
    """A cell as written (before spans are expanded); row/col are its top-left grid slot."""

    row: int = Field(..., ge=0)
    col: int = Field(..., ge=0)
    text: str
    rowspan: int = Field(1, ge=1)
    colspan: int = Field(1, ge=1)
    header: bool = False


class Table(BaseModel):
    """A table with its cells and the rectangular grid obtained by expanding spans."""

    n_rows: int = Field(..., ge=0)
    n_cols: int = Field(..., ge=0)
    header_rows: int = Field(0, ge=0, description="Leading rows that are column headers.")
    cells: list[TableCell] = Field(default_factory=list)
    grid: list[list[str]] = Field(
        default_factory=list, description="n_rows x n_cols texts; a spanned cell repeats."
    )
    caption: str | None = None


class Checkbox(BaseModel):
    state: CheckState
    label: str = ""


class Block(BaseModel):
    """One element of a page in reading order; fields beyond ``type``/``text`` by type."""

    type: BlockType
    text: str = ""
    markdown: str = ""
    page: int = Field(1, ge=1)
    box: BBox | None = None
    level: int | None = Field(None, description="Heading level 1-6.")
    items: list[str] = Field(default_factory=list, description="List items (plain text).")
    ordered: bool | None = None
    table: Table | None = None
    latex: str | None = Field(None, description="Equation source without delimiters.")
    display: bool | None = Field(None, description="Display ($$, \\[) vs inline ($) math.")
    inline_math: list[str] = Field(default_factory=list, description="$…$ spans in the text.")
    value: int | None = Field(None, description="Page number value when numeric.")
    total: int | None = Field(None, description="Page count from forms like 9/22.")
    checkbox: Checkbox | None = None
    language: str | None = Field(None, description="Code block language (e.g. mermaid).")


class ParseWarning(BaseModel):
    code: str
    message: str


class ParsedPage(BaseModel):
    blocks: list[Block] = Field(default_factory=list)
    warnings: list[ParseWarning] = Field(default_factory=list)
    repetition: bool = Field(False, description="A decoding loop (repeated lines) was found.")


class PageStatus(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


class DocumentStatus(StrEnum):
    SUCCESS = "success"
    PARTIAL_SUCCESS = "partial_success"
    FAILURE = "failure"


class ErrorInfo(BaseModel):
    code: str
    message: str


class PageResult(BaseModel):
    """One page: its markdown, geometry when known, where its text came from, and timings."""

    number: int = Field(..., ge=1, description="1-based page number in the source document.")
    status: PageStatus = PageStatus.SUCCESS
    source: Literal["ocr", "text_layer"] = "ocr"
    engine: str | None = None
    model: str | None = None
    width: int = 0
    height: int = 0
    dpi: float = 0
    markdown: str = ""
    lines: list[Line] = Field(default_factory=list)
    layout: list[LayoutBlock] = Field(
        default_factory=list, description="Layout regions found by the engine's layout model."
    )
    blocks: list[Block] = Field(
        default_factory=list, description="Structured content parsed from the markdown."
    )
    repetition: bool = Field(False, description="A decoding loop was detected on this page.")
    rotation: Rotation = Field(
        0,
        description="Degrees clockwise the page was turned to read it upright (a scan fed "
        "sideways or upside down); width, height and boxes are those of the upright page.",
    )
    deskew: float = Field(
        0.0,
        description="Degrees clockwise (negative: counter-clockwise) the upright page was then "
        "turned to straighten its lines, on a canvas grown to hold it; width, height and boxes "
        "are those of the straightened page.",
    )
    error: ErrorInfo | None = None
    warnings: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(
        default_factory=dict, description="Seconds per stage (render, text_layer, ocr, ...)."
    )

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class DocumentInfo(BaseModel):
    name: str | None = None
    media_type: str
    size_bytes: int
    sha256: str
    page_count: int = Field(..., description="Pages in the source, before page selection.")


class FieldValue(BaseModel):
    """One extracted field (``docsight.fields``): printed text, canonical value, certainty.

    ``value`` is JSON-ready (ISO dates, floats for amounts, dicts for MRZ/periods, lists for
    parties and line items). ``valid`` is false when the value parsed but fails its validator
    (an IBAN whose checksum fails); ``error`` then says why. ``confidence`` is calibrated on
    real documents; ``box`` is absent when the engine gave no geometry.
    """

    name: str
    type: str
    value: Any = None
    raw: str | None = None
    confidence: float = Field(0.0, ge=0, le=1)
    page: int | None = None
    box: BBox | None = None
    valid: bool = True
    error: str | None = None
    source: str = Field("", description="How it was found: label, table, letterhead, vlm, ...")


class Result(BaseModel):
    """The outcome of ``process``: a document's pages and how they were made."""

    schema_version: str = SCHEMA_VERSION
    status: DocumentStatus
    document: DocumentInfo
    engine: str
    model: str | None = None
    options: dict[str, object] = Field(default_factory=dict)
    pages: list[PageResult] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    fields: list[FieldValue] = Field(
        default_factory=list, description="Extracted fields, when extraction was asked for."
    )
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def markdown(self) -> str:
        """All successful pages' markdown, separated by a blank line."""
        return "\n\n".join(p.markdown for p in self.pages if p.status is PageStatus.SUCCESS)
