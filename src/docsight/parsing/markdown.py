"""Nanonets-style markdown → ordered ``Block``s, tolerant of what real model output looks like.

The parser never raises: anything it cannot make sense of survives as paragraph text and a
warning on the page. Every regular expression is linear (no nested quantifiers) and inputs
are scanned once, so time per input is bounded by its length — a fuzz test holds both.

Order of recognition on each page: fenced code, HTML tables, display math, then line-based
markdown (headings, lists, pipe tables, rules, paragraphs); inside text, the Nanonets tags
(``<img>``, ``<watermark>``, ``<page_number>``, ``<signature>``) and checkboxes ☐ ☑ ☒ split
the text into their own blocks in reading order.
"""

from __future__ import annotations

import re
from html import unescape

from docsight.models import Block, BlockType, Checkbox, CheckState, Line, ParsedPage, ParseWarning
from docsight.parsing.geometry import attach_boxes
from docsight.parsing.repetition import collapse_repetition
from docsight.parsing.tables import is_pipe_separator, parse_html_table, parse_pipe_table

MAX_INPUT = 2_000_000  # characters; a runaway generation beyond this is cut with a warning

_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)\s*$")
_TABLE_OPEN = re.compile(r"<table\b[^>]*>", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*([-*+•]|\d{1,3}[.)])\s+(.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TAG = re.compile(
    r"<(img|watermark|page_number|signature)\b([^>]*)>(.*?)(?:</\1\s*>|(?=<\1\b)|$)",
    re.IGNORECASE | re.DOTALL,
)
_HTML_IMG = re.compile(r"<img\b([^>]*?)/?>", re.IGNORECASE)
_ALT = re.compile(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_ANY_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9_:-]*\b[^<>]*>")
_CHECK_MARKS: dict[str, CheckState] = {"☐": "unchecked", "☑": "checked", "☒": "crossed"}
_TASK_ITEM = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s+(.*)$")
_INLINE_MATH = re.compile(
    r"(?<![\\$])\$(?=\S)([^$\n]{1,2000}?)(?<=\S)\$(?!\d)|\\\((.{1,2000}?)\\\)"
)
_PAGE_OF = re.compile(
    r"^\D{0,12}?(\d{1,5})\s*(?:/|of|von|de|sur|di)\s*(\d{1,5})\D{0,3}$", re.IGNORECASE
)
_PAGE_ONE = re.compile(r"^\D{0,12}?(\d{1,5})\D{0,3}$")


def parse_markdown(markdown: str, *, page: int = 1, lines: list[Line] | None = None) -> ParsedPage:
    """Blocks of one page; never raises (a parser bug degrades to text plus a warning)."""
    try:
        parsed = _parse(markdown, page)
    except Exception as exc:  # the guarantee users rely on: any string parses
        parsed = ParsedPage(
            blocks=[Block(type=BlockType.PARAGRAPH, text=markdown, markdown=markdown, page=page)],
            warnings=[ParseWarning(code="parser_error", message=f"{type(exc).__name__}: {exc}")],
        )
    if lines:
        attach_boxes(parsed.blocks, lines)
    return parsed


def _parse(markdown: str, page: int) -> ParsedPage:
    warnings: list[ParseWarning] = []
    text = markdown.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if len(text) > MAX_INPUT:
        text = text[:MAX_INPUT]
        warnings.append(ParseWarning(code="truncated", message=f"input cut at {MAX_INPUT} chars"))
    text, repeated = collapse_repetition(text)
    if repeated:
        warnings.append(
            ParseWarning(code="repetition", message="repeated lines from a decoding loop removed")
        )
    state = _State(page, warnings)
    for kind, chunk in _split_structural(text, warnings):
        if kind == "code":
            state.code(chunk)
        elif kind == "table":
            state.html_table(chunk)
        elif kind == "math":
            state.display_math(chunk)
        else:
            state.markdown_lines(chunk.split("\n"))
    return ParsedPage(blocks=state.blocks, warnings=warnings, repetition=repeated)


def _split_structural(text: str, warnings: list[ParseWarning]) -> list[tuple[str, str]]:
    """Cut out code fences, HTML tables and display math; the rest stays markdown."""
    chunks: list[tuple[str, str]] = []
    lines = text.split("\n")
    buffer: list[str] = []
    i = 0

    def flush() -> None:
        if buffer:
            chunks.append(("md", "\n".join(buffer)))
            buffer.clear()

    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            end = next(
                (j for j in range(i + 1, len(lines)) if lines[j].strip() == fence.group(1)), None
            )
            if end is None:
                warnings.append(ParseWarning(code="unclosed_code", message="code fence not closed"))
                end = len(lines)
            flush()
            chunks.append(("code", "\n".join([fence.group(2), *lines[i + 1 : end]])))
            i = end + 1
            continue
        opening = _TABLE_OPEN.search(line)
        if opening:
            before = line[: opening.start()]
            if before.strip():
                buffer.append(before)
            flush()
            rest = "\n".join([line[opening.start() :], *lines[i + 1 :]])
            close = _TABLE_CLOSE.search(rest)
            if close is None:
                # Unclosed: the table runs to the first blank line after it.
                blank = rest.find("\n\n")
                stop = len(rest) if blank < 0 else blank
                warnings.append(ParseWarning(code="unclosed_table", message="<table> not closed"))
                fragment, remainder = rest[:stop], rest[stop:]
            else:
                fragment, remainder = rest[: close.end()], rest[close.end() :]
            chunks.append(("table", fragment))
            lines = remainder.split("\n") if remainder else []
            i = 0
            continue
        stripped = line.strip()
        if stripped.startswith("$$") or stripped.startswith("\\["):
            closer = "$$" if stripped.startswith("$$") else "\\]"
            body = stripped[2:]
            if closer in body:
                latex, _, after = body.partition(closer)
                flush()
                chunks.append(("math", latex))
                if after.strip():
                    buffer.append(after)
                i += 1
                continue
            end = next((j for j in range(i + 1, len(lines)) if closer in lines[j]), None)
            if end is not None:
                flush()
                last, _, after = lines[end].partition(closer)
                chunks.append(("math", "\n".join([body, *lines[i + 1 : end], last])))
                if after.strip():
                    buffer.append(after)
                i = end + 1
                continue
            warnings.append(ParseWarning(code="unclosed_math", message=f"{closer} not closed"))
        buffer.append(line)
        i += 1
    flush()
    return chunks


class _State:
    """Accumulates blocks for one page."""

    def __init__(self, page: int, warnings: list[ParseWarning]) -> None:
        self.page = page
        self.warnings = warnings
        self.blocks: list[Block] = []

    def add(self, block_type: BlockType, markdown: str, **fields: object) -> None:
        block = Block(type=block_type, markdown=markdown, page=self.page, **fields)  # type: ignore[arg-type]
        self.blocks.append(block)

    def code(self, chunk: str) -> None:
        language, _, body = chunk.partition("\n")
        self.add(
            BlockType.CODE, f"```{language}\n{body}\n```", text=body, language=language or None
        )

    def html_table(self, fragment: str) -> None:
        table = parse_html_table(fragment)
        if table.n_rows == 0:
            self.warnings.append(ParseWarning(code="empty_table", message="table without rows"))
        text = "\n".join("\t".join(row) for row in table.grid)
        self.add(BlockType.TABLE, fragment, text=text, table=table)

    def display_math(self, latex: str) -> None:
        latex = latex.strip()
        self.add(BlockType.EQUATION, f"$${latex}$$", text=latex, latex=latex, display=True)

    def markdown_lines(self, lines: list[str]) -> None:
        paragraph: list[str] = []
        items: list[str] = []
        ordered = False
        pipe: list[str] = []

        def flush_paragraph() -> None:
            if paragraph:
                self.inline_text("\n".join(paragraph))
                paragraph.clear()

        def flush_list() -> None:
            if items:
                markdown = "\n".join(items)
                texts = [_plain(_LIST_ITEM.sub(r"\2", item)) for item in items]
                self.add(
                    BlockType.LIST, markdown, text="\n".join(texts), items=texts, ordered=ordered
                )
                items.clear()

        def flush_pipe() -> None:
            if pipe:
                if len(pipe) >= 2 and any(is_pipe_separator(row) for row in pipe):
                    table = parse_pipe_table(pipe)
                    text = "\n".join("\t".join(row) for row in table.grid)
                    self.add(BlockType.TABLE, "\n".join(pipe), text=text, table=table)
                else:
                    paragraph.extend(pipe)
                    flush_paragraph()
                pipe.clear()

        for line in lines:
            stripped = line.strip()
            if stripped.startswith("|") or (pipe and is_pipe_separator(stripped)):
                flush_paragraph()
                flush_list()
                pipe.append(stripped)
                continue
            flush_pipe()
            if not stripped:
                flush_paragraph()
                flush_list()
                continue
            heading = _HEADING.match(line)
            task = _TASK_ITEM.match(line)
            item = _LIST_ITEM.match(line)
            if heading:
                flush_paragraph()
                flush_list()
                text = _plain(heading.group(2))
                self.add(BlockType.HEADING, stripped, text=text, level=len(heading.group(1)))
            elif _RULE.match(line):
                flush_paragraph()
                flush_list()
                self.add(BlockType.SEPARATOR, stripped)
            elif task:
                flush_paragraph()
                flush_list()
                state: CheckState = "unchecked" if task.group(1) == " " else "checked"
                label = _plain(task.group(2))
                self.add(
                    BlockType.CHECKBOX,
                    stripped,
                    text=label,
                    checkbox=Checkbox(state=state, label=label),
                )
            elif item and not any(mark in stripped[:3] for mark in _CHECK_MARKS):
                flush_paragraph()
                if items and ordered != item.group(1)[0].isdigit():
                    flush_list()
                ordered = item.group(1)[0].isdigit()
                items.append(stripped)
            elif items and line[:1].isspace():
                items[-1] += " " + stripped  # continuation of the last item
            else:
                flush_list()
                paragraph.append(stripped)
        flush_pipe()
        flush_paragraph()
        flush_list()

    def inline_text(self, text: str) -> None:
        """A paragraph, split around Nanonets tags and checkboxes so each gets its block."""
        position = 0
        for match in _TAG.finditer(text):
            self.text_with_checkboxes(text[position : match.start()])
            self.tag(match.group(1).lower(), match.group(2), match.group(3), match.group(0))
            position = match.end()
        self.text_with_checkboxes(text[position:])

    def tag(self, name: str, attrs: str, body: str, source: str) -> None:
        if not source.lower().rstrip().endswith(f"</{name}>"):
            self.warnings.append(ParseWarning(code="unclosed_tag", message=f"<{name}> not closed"))
        content = _plain(body)
        if name == "img":
            alt = _ALT.search(attrs)
            if not content and alt:
                content = _plain(alt.group(1).strip("\"'"))
            self.add(BlockType.IMAGE, source, text=content)
        elif name == "watermark":
            self.add(BlockType.WATERMARK, source, text=content)
        elif name == "signature":
            self.add(BlockType.SIGNATURE, source, text=content)
        else:
            value, total = _page_number(content)
            self.add(BlockType.PAGE_NUMBER, source, text=content, value=value, total=total)

    def text_with_checkboxes(self, text: str) -> None:
        if not text.strip():
            return
        marks = [i for i, ch in enumerate(text) if ch in _CHECK_MARKS]
        if not marks:
            self.paragraph(text)
            return
        self.paragraph(text[: marks[0]])
        for index, start in enumerate(marks):
            end = marks[index + 1] if index + 1 < len(marks) else len(text)
            label = _plain(text[start + 1 : end])
            state = _CHECK_MARKS[text[start]]
            self.add(
                BlockType.CHECKBOX,
                text[start:end].strip(),
                text=label,
                checkbox=Checkbox(state=state, label=label),
            )

    def paragraph(self, text: str) -> None:
        source = text.strip()
        if not source:
            return
        for html_image in _HTML_IMG.finditer(source):
            alt = _ALT.search(html_image.group(1))
            description = _plain(alt.group(1).strip("\"'")) if alt else ""
            self.add(BlockType.IMAGE, html_image.group(0), text=description)
        source_no_img = _HTML_IMG.sub("", source).strip()
        if not source_no_img:
            return
        if _ANY_TAG.search(source_no_img):
            self.warnings.append(
                ParseWarning(code="stray_html", message="HTML tags removed from text")
            )
        math = [m.group(1) or m.group(2) for m in _INLINE_MATH.finditer(source_no_img)]
        plain = _plain(source_no_img)
        if plain:
            self.add(
                BlockType.PARAGRAPH,
                source_no_img,
                text=plain,
                inline_math=[m.strip() for m in math],
            )


def _plain(text: str) -> str:
    """Reading text: tags removed, entities decoded, markdown emphasis dropped, spaces folded."""
    without_tags = _ANY_TAG.sub(" ", text)
    decoded = unescape(without_tags)
    # An escaped asterisk is a printed one (``\*\*\*THANK YOU\*\*\*``), never emphasis.
    shielded = decoded.replace("\\*", "\x00")
    unemphasised = re.sub(r"(\*\*|__)(.+?)\1", r"\2", shielded).replace("\x00", "*")
    lines = [" ".join(line.split()) for line in unemphasised.split("\n")]
    return "\n".join(line for line in lines if line)


def _page_number(text: str) -> tuple[int | None, int | None]:
    match = _PAGE_OF.match(text.strip())
    if match:
        return int(match.group(1)), int(match.group(2))
    match = _PAGE_ONE.match(text.strip())
    if match:
        return int(match.group(1)), None
    return None, None
