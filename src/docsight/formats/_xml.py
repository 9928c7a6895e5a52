"""XML: the document, its pages, parsed blocks, tables and geometry, checked by ``docs/result.xsd``.

Built with ElementTree so escaping is never hand-made; characters XML 1.0 cannot carry at all
(most C0 controls, which OCR of noisy scans does produce) are removed first, because even
``&#1;`` is ill-formed and one stray byte would make the whole file unreadable.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from docsight.formats._common import number, succeeded, xml_safe
from docsight.formats._csv import value_text
from docsight.models import BBox, Block, BlockType, FieldValue, Line, PageResult, Result, Table

XSD_LOCATION = "result.xsd"


def to_xml(result: Result) -> str:
    root = ET.Element(
        "document",
        _attrs(
            schema_version=result.schema_version,
            status=result.status.value,
            engine=result.engine,
            model=result.model,
            created_at=result.created_at.isoformat(),
        ),
    )
    info = result.document
    ET.SubElement(
        root,
        "source",
        _attrs(
            name=info.name,
            media_type=info.media_type,
            size_bytes=info.size_bytes,
            sha256=info.sha256,
            page_count=info.page_count,
        ),
    )
    _warnings(root, result.warnings)
    if result.fields:
        fields = ET.SubElement(root, "fields")
        for field in result.fields:
            _field(fields, field)
    pages = ET.SubElement(root, "pages")
    for page in result.pages:
        _page(pages, page)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _attrs(**values: object) -> dict[str, str]:
    """Attributes with ``None`` left out, booleans as XSD booleans and text made XML-safe."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, float):
            out[key] = number(value)
        else:
            out[key] = xml_safe(str(value))
    return out


def _text(parent: ET.Element, tag: str, text: str, **attrs: object) -> ET.Element:
    element = ET.SubElement(parent, tag, _attrs(**attrs))
    element.text = xml_safe(text)
    return element


def _box(box: BBox | None) -> dict[str, object]:
    if box is None:
        return {}
    return {"x0": box.x0, "y0": box.y0, "x1": box.x1, "y1": box.y1}


def _warnings(parent: ET.Element, warnings: list[str]) -> None:
    if warnings:
        holder = ET.SubElement(parent, "warnings")
        for warning in warnings:
            _text(holder, "warning", warning)


def _field(parent: ET.Element, field: FieldValue) -> None:
    element = ET.SubElement(
        parent,
        "field",
        _attrs(
            name=field.name,
            type=field.type,
            confidence=float(field.confidence),
            page=field.page,
            valid=field.valid,
            source=field.source or None,
            **_box(field.box),
        ),
    )
    # Structured values (parties, line items, MRZ) travel as JSON text, marked so.
    structured = isinstance(field.value, dict | list)
    _text(element, "value", value_text(field.value), json=True if structured else None)
    if field.raw is not None:
        _text(element, "raw", field.raw)
    if field.error is not None:
        _text(element, "error", field.error)


def _page(parent: ET.Element, page: PageResult) -> None:
    element = ET.SubElement(
        parent,
        "page",
        _attrs(
            number=page.number,
            status=page.status.value,
            source=page.source,
            engine=page.engine,
            model=page.model,
            width=page.width,
            height=page.height,
            dpi=float(page.dpi),
            rotation=page.rotation,
            deskew=float(page.deskew),
            repetition=page.repetition,
        ),
    )
    if page.error is not None:
        _text(element, "error", page.error.message, code=page.error.code)
    _warnings(element, page.warnings)
    if not succeeded(page):
        return
    _text(element, "markdown", page.markdown)
    blocks = ET.SubElement(element, "blocks")
    for block in page.blocks:
        _block(blocks, block)
    if page.lines:
        lines = ET.SubElement(element, "lines")
        for line in page.lines:
            _line(lines, line)


def _block(parent: ET.Element, block: Block) -> None:
    box = _box(block.box)
    kind = block.type
    if kind is BlockType.HEADING:
        _text(parent, "heading", block.text, level=block.level, **box)
    elif kind is BlockType.LIST:
        element = ET.SubElement(parent, "list", _attrs(ordered=bool(block.ordered), **box))
        for item in block.items:
            _text(element, "item", item)
    elif kind is BlockType.TABLE:
        _table(parent, block.table or Table(n_rows=0, n_cols=0), box)
    elif kind is BlockType.EQUATION:
        latex = block.latex if block.latex is not None else block.text
        _text(parent, "equation", latex, display=bool(block.display), **box)
    elif kind is BlockType.PAGE_NUMBER:
        _text(parent, "page_number", block.text, value=block.value, total=block.total, **box)
    elif kind is BlockType.CHECKBOX:
        state = block.checkbox.state if block.checkbox else "unchecked"
        label = block.checkbox.label if block.checkbox else block.text
        _text(parent, "checkbox", label, state=state, **box)
    elif kind is BlockType.CODE:
        _text(parent, "code", block.text, language=block.language, **box)
    elif kind is BlockType.SEPARATOR:
        ET.SubElement(parent, "separator", _attrs(**box))
    elif kind is BlockType.PARAGRAPH:
        element = _text(parent, "paragraph", block.text, **box)
        for latex in block.inline_math:
            # After the text rather than spliced into it, so the paragraph's text stays
            # exactly what was read.
            _text(element, "math", latex)
    else:  # image, watermark, signature: text only
        _text(parent, kind.value, block.text, **box)


def _table(parent: ET.Element, table: Table, box: dict[str, object]) -> None:
    element = ET.SubElement(
        parent,
        "table",
        _attrs(rows=table.n_rows, cols=table.n_cols, header_rows=table.header_rows, **box),
    )
    if table.caption is not None:
        _text(element, "caption", table.caption)
    rows = [ET.SubElement(element, "row", _attrs(index=r)) for r in range(table.n_rows)]
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        if cell.row >= len(rows):
            continue
        _text(
            rows[cell.row],
            "cell",
            cell.text,
            col=cell.col,
            rowspan=cell.rowspan if cell.rowspan > 1 else None,
            colspan=cell.colspan if cell.colspan > 1 else None,
            header=True if cell.header else None,
        )


def _line(parent: ET.Element, line: Line) -> None:
    element = ET.SubElement(parent, "line", _attrs(confidence=line.confidence, **_box(line.box)))
    _text(element, "text", line.text)
    for word in line.words:
        _text(element, "word", word.text, confidence=word.confidence, **_box(word.box))
