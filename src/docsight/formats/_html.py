r"""HTML: one standalone page to read a result in any browser, offline.

Every string from an engine is untrusted (a scanned page can say ``<script>``), so all of it goes
through ``html.escape`` and none of it ever lands in a URL attribute. The page loads nothing: CSS
is inline, a Content-Security-Policy forbids scripts and fetches, and equations stay as LaTeX in
``\(...\)`` / ``\[...\]`` spans, the delimiters MathJax and KaTeX auto-render look for when a
site embeds the body, while the page stays readable on its own.
"""

from __future__ import annotations

import re
from html import escape

from docsight.formats._common import CHECK_GLYPHS, succeeded, table_grid, xml_safe
from docsight.formats._csv import value_text
from docsight.formats._html_style import STYLE
from docsight.models import Block, BlockType, FieldValue, PageResult, Result, Table

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_LANGUAGE = re.compile(r"[A-Za-z0-9_+-]{1,32}")


def esc(text: str) -> str:
    return escape(xml_safe(text), quote=True)


def to_html(result: Result) -> str:
    title = result.document.name or "document"
    pages = '\n<hr class="page-break">\n'.join(_page(page) for page in result.pages)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="und">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="docsight">\n'
        f"<title>{esc(title)}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n"
        f'<header class="document">\n<h1 class="document-name">{esc(title)}</h1>\n'
        f'<p class="meta">{len(result.pages)} page(s) · engine {esc(result.engine)}'
        f" · status {esc(result.status.value)}</p>\n</header>\n"
        f"<main>\n{_fields(result.fields)}{pages}\n</main>\n</body>\n</html>\n"
    )


def _fields(fields: list[FieldValue]) -> str:
    if not fields:
        return ""
    rows = []
    for field in fields:
        css = "" if field.valid else ' class="invalid"'
        note = f'<br><span class="field-error">{esc(field.error)}</span>' if field.error else ""
        rows.append(
            f'<tr{css}><th scope="row">{esc(field.name)}</th>'
            f"<td>{esc(value_text(field.value))}{note}</td>"
            f"<td>{field.confidence:.0%}</td><td>{field.page or ''}</td></tr>"
        )
    return (
        '<section class="fields">\n<h2>Fields</h2>\n<table>\n'
        "<thead><tr><th>Field</th><th>Value</th><th>Confidence</th><th>Page</th></tr></thead>\n"
        "<tbody>" + "".join(rows) + "</tbody>\n</table>\n</section>\n"
    )


def _page(page: PageResult) -> str:
    origin = "text layer" if page.source == "text_layer" else "OCR"
    label = f'<p class="page-label">Page {page.number} · {origin}</p>'
    if not succeeded(page):
        error = page.error
        reason = f"{esc(error.code)}: {esc(error.message)}" if error else "no result"
        body = f'<p class="page-error">This page failed ({reason}).</p>'
        css = "page failed"
    elif page.blocks:
        body = "\n".join(block_html(block) for block in page.blocks)
        css = "page"
    else:
        body = f'<pre class="raw">{esc(page.markdown or page.text)}</pre>'
        css = "page"
    return (
        f'<section class="{css}" id="page-{page.number}" data-page="{page.number}">\n'
        f"{label}\n{body}\n</section>"
    )


def block_html(block: Block) -> str:
    kind = block.type
    if kind is BlockType.HEADING:
        level = min(max(block.level or 2, 1), 6)
        return f"<h{level}>{esc(block.text)}</h{level}>"
    if kind is BlockType.PARAGRAPH:
        return f"<p>{_with_inline_math(block.text, block.inline_math)}</p>"
    if kind is BlockType.LIST:
        tag = "ol" if block.ordered else "ul"
        items = "".join(f"<li>{esc(item)}</li>" for item in block.items)
        return f"<{tag}>{items}</{tag}>"
    if kind is BlockType.TABLE and block.table is not None:
        return table_html(block.table)
    if kind is BlockType.EQUATION:
        latex = esc(block.latex if block.latex is not None else block.text)
        if block.display:
            return f'<div class="math display">\\[{latex}\\]</div>'
        return f'<p><span class="math inline">\\({latex}\\)</span></p>'
    if kind is BlockType.IMAGE:
        description = esc(block.text) or "Image"
        return (
            f'<figure class="image"><div class="image-box" role="img" aria-label="{description}">'
            f"image</div><figcaption>{description}</figcaption></figure>"
        )
    if kind is BlockType.CHECKBOX and block.checkbox is not None:
        state = block.checkbox.state
        return (
            f'<p class="checkbox {state}"><span class="box" aria-label="{state}">'
            f"{CHECK_GLYPHS[state]}</span> {esc(block.checkbox.label)}</p>"
        )
    if kind is BlockType.CODE:
        language = block.language or ""
        css = f' class="language-{language}"' if _LANGUAGE.fullmatch(language) else ""
        return f"<pre><code{css}>{esc(block.text)}</code></pre>"
    if kind is BlockType.SEPARATOR:
        return "<hr>"
    css = {
        BlockType.WATERMARK: "watermark",
        BlockType.PAGE_NUMBER: "page-number",
        BlockType.SIGNATURE: "signature",
    }.get(kind, "text")
    return f'<p class="{css}">{esc(block.text)}</p>'


def table_html(table: Table) -> str:
    """The table from its cells, so spans survive; from the grid when no cells were kept."""
    rows: list[list[str]] = [[] for _ in range(table.n_rows)]
    if table.cells:
        for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
            if cell.row >= table.n_rows:
                continue
            tag = "th" if cell.header or cell.row < table.header_rows else "td"
            spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
                f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""
            )
            rows[cell.row].append(f"<{tag}{spans}>{esc(cell.text)}</{tag}>")
    else:
        for r, row in enumerate(table_grid(table)):
            tag = "th" if r < table.header_rows else "td"
            rows[r] = [f"<{tag}>{esc(text)}</{tag}>" for text in row]
    head = rows[: table.header_rows]
    body = rows[table.header_rows :]
    parts = ["<table>"]
    if table.caption:
        parts.append(f"<caption>{esc(table.caption)}</caption>")
    if head:
        parts.append("<thead>" + "".join(f"<tr>{''.join(r)}</tr>" for r in head) + "</thead>")
    parts.append("<tbody>" + "".join(f"<tr>{''.join(r)}</tr>" for r in body) + "</tbody>")
    parts.append("</table>")
    return "\n".join(parts)


def _with_inline_math(text: str, inline_math: list[str]) -> str:
    r"""Paragraph text with each ``$latex$`` it contains turned into a ``\(...\)`` span."""
    out: list[str] = []
    rest = text
    for latex in inline_math:
        marker = f"${latex}$"
        before, found, after = rest.partition(marker)
        if not found:
            continue
        out.append(esc(before))
        out.append(f'<span class="math inline">\\({esc(latex)}\\)</span>')
        rest = after
    out.append(esc(rest))
    return "".join(out)
