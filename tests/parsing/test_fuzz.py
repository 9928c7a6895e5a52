"""Property tests: the parser takes any string, and real-looking mutated markup, quickly."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docsight.parsing.markdown import _parse, parse_markdown

FRAGMENTS = [
    "<table>",
    "</table>",
    "<tr>",
    "</tr>",
    "<td>",
    "</td>",
    "<th colspan=3>",
    "<td rowspan='99999'>",
    "<img>",
    "</img>",
    "<watermark>",
    "</watermark>",
    "<page_number>",
    "</page_number>",
    "<signature>",
    "</signature>",
    "$$",
    "$",
    "\\[",
    "\\]",
    "\\(",
    "```",
    "```mermaid",
    "# ",
    "## ",
    "- ",
    "1. ",
    "| a | b |",
    "|---|---|",
    "☐",
    "☑",
    "☒",
    "- [x] ",
    "\n",
    "\n\n",
    "text",
    "12.50",
    "**bold**",
    "<div>",
    "</div>",
    "<br>",
    "&amp;",
    "&#0;",
    "<",
    ">",
    "\x00",
    "\r",
    "<thead>",
    "<caption>",
    "---",
]

markup = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=20), max_size=60).map("".join)
BUDGET = 2.0  # seconds per input: bounded time, not a speed target


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markup)
def test_mutated_markup_never_raises_in_the_core_parser(text: str) -> None:
    started = time.perf_counter()
    page = _parse(text, 1)  # the inner parser, without the safety net
    assert time.perf_counter() - started < BUDGET
    for block in page.blocks:
        if block.table is not None:
            assert all(len(row) == block.table.n_cols for row in block.table.grid)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_string_parses(text: str) -> None:
    started = time.perf_counter()
    parse_markdown(text)
    _parse(text, 1)
    assert time.perf_counter() - started < BUDGET


def test_long_pathological_inputs_are_bounded() -> None:
    for text in [
        "$" * 100_000,
        "<table>" * 20_000,
        "<td colspan=100 rowspan=100>" * 2_000,
        "a" * 200_000,
        "ab" * 100_000,
        "<img>" * 30_000,
        "☐" * 50_000,
        "| a " * 30_000,
        "\n".join(["x"] * 100_000),
    ]:
        started = time.perf_counter()
        parse_markdown(text)
        assert time.perf_counter() - started < 10, text[:20]
