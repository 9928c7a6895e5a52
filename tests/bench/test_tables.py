"""The table round-trip scoring (bench/tables.py): pure, on synthetic boxes and CSV text."""

from __future__ import annotations

from tables import (
    Cell,
    CsvTable,
    Grid,
    Word,
    align,
    collisions,
    column_intervals,
    contains,
    monotone_map,
    parse_hocr,
    score,
    split_cells,
    table_grid,
    table_rows,
    vertical_overlap,
)

CHAR = 10  # px per character in the synthetic pages


def word(text: str, x: float, y: float, height: float = 12) -> Word:
    return Word(text, (x, y, x + CHAR * len(text), y + height))


def line(y: float, *parts: tuple[float, str]) -> list[Word]:
    """Words of ``text`` starting at x, one space (half a char) between words of a part."""
    words = []
    for x, text in parts:
        for piece in text.split():
            words.append(word(piece, x, y))
            x += CHAR * len(piece) + CHAR / 2
    return words


def page() -> list[Word]:
    """A caption, a 3x3 table with a section row, a footer paragraph."""
    return [
        *line(0, (0, "Table 1. Prices of things")),
        *line(40, (0, "Item"), (200, "Qty"), (300, "Price")),
        *line(60, (0, "Fruit")),  # a section title inside the table
        *line(80, (0, "Green apples"), (200, "3"), (300, "1.50")),
        *line(100, (0, "Pears"), (200, "12"), (300, "0.75")),
        *line(160, (0, "Some body text follows the table here")),
        *line(180, (0, "and goes on for a second line")),
    ]


def test_parse_hocr_reads_words_and_boxes() -> None:
    hocr = (
        "<div class='ocr_page'><span class='ocr_line' title='bbox 0 0 99 9'>"
        "<span class='ocrx_word' title='bbox 1 2 30 9; x_wconf 90'>A&amp;B</span> "
        '<span class="ocrx_word" title="bbox 40 2 60 9"><em>x</em>y</span></span></div>'
    )
    assert parse_hocr(hocr) == [Word("A&B", (1, 2, 30, 9)), Word("xy", (40, 2, 60, 9))]


def test_vertical_overlap_is_a_share_of_the_smaller_box() -> None:
    assert vertical_overlap((0, 0, 1, 10), (0, 5, 1, 10)) == 1.0
    assert vertical_overlap((0, 0, 1, 10), (0, 6, 1, 16)) == 0.4
    assert vertical_overlap((0, 0, 1, 10), (0, 20, 1, 30)) == 0.0


def test_cells_split_on_gaps_wider_than_one_and_a_half_chars() -> None:
    row = line(0, (0, "Green apples"), (200, "3"))
    cells = split_cells(row)
    assert [c.text for c in cells] == ["Green apples", "3"]
    tight = [word("ab", 0, 0), word("cd", 20 + 1.4 * CHAR, 0), word("ef", 60 + 3.1 * CHAR, 0)]
    assert [c.text for c in split_cells(tight)] == ["ab cd", "ef"]


def test_table_rows_stop_at_two_single_cell_rows() -> None:
    def row(n: int) -> list[Cell]:
        return [Cell([word("x", 20 * i, 0)]) for i in range(n)]

    rows = [row(1), row(3), row(1), row(3), row(3), row(1), row(1), row(2), row(2)]
    assert table_rows(rows) == (1, 5)  # 10 cells beat the 4 of the later run
    assert table_rows([row(1), row(1)]) == (0, 0)


def test_column_intervals_ignore_a_rare_spanning_row() -> None:
    rows = [[Cell([word("aaaa", 0, 0)]), Cell([word("bb", 100, 0)])] for _ in range(12)]
    rows.append([Cell([word("a long spanning title", 0, 0)]), Cell([word("z", 300, 0)])])
    assert column_intervals(rows) == [(0, 40), (100, 120)]
    assert column_intervals(rows[-1:]) == [(0, 210), (300, 310)]  # few rows: any coverage


def test_table_grid_keeps_the_table_region_only() -> None:
    grid = table_grid(page())
    assert grid.rows == 4 and grid.cols == 3
    found = {(c.row, c.col): c.text for c in grid.cells}
    assert found == {
        (0, 0): "Item",
        (0, 1): "Qty",
        (0, 2): "Price",
        (1, 0): "Fruit",
        (2, 0): "Green apples",
        (2, 1): "3",
        (2, 2): "1.50",
        (3, 0): "Pears",
        (3, 1): "12",
        (3, 2): "0.75",
    }


def csv_text(rows: list[list[str]], table: int = 1) -> str:
    lines = ["page,table,row,col,text"]
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row, start=1):
            lines.append(f'1,{table},{r},{c},"{text}"')
    return "\r\n".join(lines) + "\r\n"


def test_contains_is_token_aligned_and_fuzzy() -> None:
    assert contains("1.50", "EUR 1.50") == (True, 100.0)
    assert contains("Green apples", "green-apples") == (True, 100.0)
    assert not contains("1", "13 A")[0] and contains("1", "13 A")[1] < 80
    exact, ratio = contains("Green apples", "Grean apples")
    assert not exact and ratio >= 80
    assert contains("x", "") == (False, 0.0)


def test_perfect_round_trip_with_shifted_indices_scores_every_cell() -> None:
    grid = table_grid(page())
    table = CsvTable.parse(
        csv_text(
            [
                ["", "", "", ""],  # an extra empty row and column shift every index
                ["", "Item", "Qty", "Price"],
                ["", "Fruit", "Fruit", "Fruit"],  # a spanned section row repeats
                ["", "Green apples", "3", "1.50"],
                ["", "Pears", "12", "0.75"],
            ]
        )
    )
    alignment = align(grid, table)
    key = ("1", "1")
    assert alignment.rows == {0: (key, 2), 1: (key, 3), 2: (key, 4), 3: (key, 5)}
    assert alignment.cols == {(0, key): 2, (1, key): 3, (2, key): 4}
    assert alignment.row_collisions == alignment.col_collisions == 0
    result = score(grid, table, alignment)
    assert (result.cells, result.fuzzy, result.exact) == (10, 10, 10)


def test_structure_errors_fail_and_character_errors_pass_fuzzily() -> None:
    grid = table_grid(page())
    table = CsvTable.parse(
        csv_text(
            [
                ["Item Qty", "Price"],  # two columns merged into one cell
                ["Fruit", ""],
                ["Grean apples 3", "1.50"],
                ["Pears 12", "0.75"],
            ]
        )
    )
    alignment = align(grid, table)
    assert alignment.col_collisions == 1  # Item and Qty both map to CSV column 1
    result = score(grid, table, alignment)
    # contained on token boundaries: merged cells still hold each text (collisions say so)
    assert result.cells == 10 and result.fuzzy == 10 and result.exact == 9
    # strict: two GT cells in one CSV cell are both wrong (Item/Qty, apples/3, Pears/12)
    assert result.strict == 4


def test_missing_rows_and_split_tables() -> None:
    grid = table_grid(page())
    first = csv_text([["Item", "Qty", "Price"], ["Fruit", "", ""]], table=1)
    second = csv_text([["Green apples", "3", "1.50"]], table=2).split("\r\n", 1)[1]
    table = CsvTable.parse(first + second)
    alignment = align(grid, table)
    assert alignment.rows[2] == (("1", "2"), 1)
    assert 3 not in alignment.rows  # Pears was lost
    result = score(grid, table, alignment)
    # columns are aligned per CSV table, so the split-off row still scores; Pears does not
    assert alignment.cols[(0, ("1", "2"))] == 1 and alignment.cols[(0, ("1", "1"))] == 1
    assert result.cells == 10 and result.fuzzy == 7


def test_collisions_count_repeats() -> None:
    assert collisions([1, 2, 3]) == 0
    assert collisions([1, 1, 1, 2]) == 2


def test_empty_grid_scores_nothing() -> None:
    grid = Grid([], None, 0, 0)
    table = CsvTable.parse(csv_text([["a"]]))
    assert score(grid, table, align(grid, table)).cells == 0


def test_monotone_map_keeps_order_and_prefers_one_to_one_on_ties() -> None:
    # two GT columns hold the same values, each found in both CSV columns 5 and 7
    votes = {4: {5: 3.0, 7: 3.0}, 6: {5: 3.0, 7: 3.0}, 0: {1: 2.0}}
    assert monotone_map(votes, [1, 2, 5, 7]) == {0: 1, 4: 5, 6: 7}
    # a merged column: both GT columns really are in CSV column 2
    assert monotone_map({0: {2: 1.0}, 1: {2: 1.0}}, [1, 2]) == {0: 2, 1: 2}
    # an out-of-order outlier is dropped rather than breaking the order of the rest
    votes = {0: {"a": 1.0}, 1: {"d": 0.5}, 2: {"b": 1.0}, 3: {"c": 1.0}}
    assert monotone_map(votes, ["a", "b", "c", "d"]) == {0: "a", 2: "b", 3: "c"}
    assert monotone_map({}, ["a"]) == {}
    assert monotone_map({0: {"z": 1.0}}, ["a"]) == {}


def test_repeated_values_in_two_columns_align_by_position() -> None:
    words = [
        *line(0, (0, "Code"), (100, "Net"), (200, "Tax"), (300, "Total")),
        *line(20, (0, "A1"), (100, "5.00"), (200, "0.00"), (300, "5.00")),
        *line(40, (0, "B2"), (100, "7.00"), (200, "0.00"), (300, "7.00")),
    ]
    grid = table_grid(words)
    table = CsvTable.parse(
        csv_text(
            [
                ["Code", "Net", "Tax", "Total"],
                ["A1", "5.00", "0.00", "5.00"],
                ["B2", "7.00", "0.00", "7.00"],
            ]
        )
    )
    alignment = align(grid, table)
    assert sorted(alignment.cols.values()) == [1, 2, 3, 4]
    result = score(grid, table, alignment)
    assert result.cells == result.strict == 12
