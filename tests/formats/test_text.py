from docsight.formats import to_clean_text, to_markdown, to_text
from docsight.models import BBox, ErrorInfo, Line, PageStatus, Result
from docsight.parsing.markdown import parse_markdown


def test_pages_are_separated_by_form_feeds(result: Result) -> None:
    pages = to_text(result).split("\f")
    assert len(pages) == 2
    assert pages[0].startswith("CONFIDENTIAL\n\nQuarterly Report\n")
    assert pages[1].startswith("Approval\n")


def test_tables_are_tab_separated_rows_with_spanned_cells_written_once(result: Result) -> None:
    # "Region" spans two rows and "Revenue" two columns: each is text once, its span left blank.
    assert "Region\tRevenue\t\n\tQ2\tQ3\nNorth\t1,200.00\t-12.50\n" in to_text(result)


def test_clean_text_drops_page_numbers_and_watermarks(result: Result) -> None:
    clean = to_clean_text(result)
    assert "CONFIDENTIAL" not in clean and "1/2" not in clean
    assert not any(line == "2" for line in clean.splitlines())
    assert to_text(result, clean=True) == clean
    assert "Quarterly Report" in clean and "☑ I agree to the terms" in clean


def test_failed_page_keeps_its_place_empty(result: Result) -> None:
    result.pages[0].status = PageStatus.FAILURE
    result.pages[0].error = ErrorInfo(code="engine_error", message="boom")
    pages = to_text(result).split("\f")
    assert pages[0] == "" and pages[1].startswith("Approval")


def test_unparsed_page_falls_back_to_lines_then_markdown(result: Result) -> None:
    page = result.pages[1]
    page.blocks = []
    assert to_text(result).split("\f")[1] == "Approval\nI agree to the terms\n"
    page.lines = []
    page.markdown = "## Approval"
    assert to_text(result).split("\f")[1] == "## Approval\n"


def test_table_cells_with_tabs_or_newlines_stay_in_their_column(result: Result) -> None:
    table = result.pages[0].blocks[5].table
    assert table is not None
    table.cells[4].text = "North\tand\nEast"
    assert "North and East\t1,200.00\t-12.50" in to_text(result)


def test_markdown_joins_pages_and_marks_failures(result: Result) -> None:
    result.pages[1].status = PageStatus.FAILURE
    result.pages[1].error = ErrorInfo(code="engine_timeout", message="slow")
    result.pages[1].lines = [Line(text="x", box=BBox(x0=0, y0=0, x1=1, y1=1))]
    markdown = to_markdown(result)
    assert markdown.startswith(result.pages[0].markdown)
    assert markdown.endswith("\n\n<!-- page 2 failed: engine_timeout -->\n")


def test_a_list_keeps_its_printed_numbers(result: Result) -> None:
    page = result.pages[1]
    page.blocks = parse_markdown("3. Scope\n4. Terms\n13) Signatures").blocks
    assert to_text(result).split("\f")[1] == "3. Scope\n4. Terms\n13) Signatures\n"
