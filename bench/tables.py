"""Table round trip: OCR a table image, export CSV, parse it back, score it against hOCR truth.

    python bench/tables.py [DATA_DIR] [--engines rapidocr,tesseract] [--refresh] [--misses]
                           [--json OUT]

DATA_DIR defaults to ../shared/data; the inputs are ``scribeocr/img/table_*.png`` and their
hand-corrected ``scribeocr/ground_truth/table_*.truth.hocr``. Each engine reads the image through
the library (``docsight.process``), the result is exported with ``docsight.formats.export(result,
"csv")`` (the combined ``page,table,row,col,text`` file) and that text is parsed back. OCR results
are cached per file hash and engine under bench/.cache/ (the same cache as bench/fields.py).

Ground-truth grid, from the hOCR word boxes alone (no per-document rules):

1. rows: words sorted top to bottom join the row whose vertical band they overlap by more than
   half of the smaller height (the band is the mean top and bottom of the row's words);
2. cells: on one row, words left to right stay in one cell unless the gap between them is
   wider than 1.5 character widths (the row's median width per character);
3. table region: the run of rows with the most cells that starts and ends on a row of two or more
   cells and never has two single-cell rows in a row (a section title or a wrapped line inside
   the table is allowed; body text, a caption or a page header ends the run); the region is the
   bounding box of that run's multi-cell rows and only words whose centre lies inside it count;
4. columns: x-coverage of the cells of the region's multi-cell rows, counting each row once;
   x positions covered by more than a tenth of those rows (by any, under ten rows) form the
   column intervals, so a few spanning headers or footers do not merge columns; every cell goes
   to the interval it overlaps most (the nearest one when it overlaps none).

Alignment and score, per image: every ground-truth word (letters and digits, case-folded) votes
for the CSV cells whose text holds it as a token, 1/k each when it is in k cells. A GT row maps to
the CSV ``(table, row)`` with most votes; a GT column, within each CSV table, to the CSV column
with most votes (so a table split in two still aligns), counting only the candidates in the
word's mapped row where it has any. Many-to-one maps are allowed and counted as collisions. A GT
cell is right when the CSV cell at (mapped row, the column mapped within that row's table)
contains its text on token boundaries: exactly (letters and digits, case-folded, spaces ignored)
or fuzzily (rapidfuzz ratio >= 80 against the best run of CSV tokens, so OCR character errors
count as right and structure errors as wrong). Containment forgives merged cells, so "strict"
also requires that no other GT cell maps to the same CSV cell. Cells with no letters or digits
(``-``, ``•``) are not scored.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import io
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeVar

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(1, str(ROOT / "src"))

CACHE = ROOT / "bench" / ".cache"
FUZZY = 80.0
ROW_OVERLAP = 0.5
CELL_GAP_CHARS = 1.5
COLUMN_NOISE = 0.1

Box = tuple[float, float, float, float]


# --- ground truth -------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    box: Box  # x0, y0, x1, y1

    @property
    def char_width(self) -> float:
        return (self.box[2] - self.box[0]) / max(1, len(self.text))


@dataclass
class Cell:
    words: list[Word]
    row: int = -1
    col: int = -1

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        return union(w.box for w in self.words)


def union(boxes: Iterable[Box]) -> Box:
    items = list(boxes)
    return (
        min(b[0] for b in items),
        min(b[1] for b in items),
        max(b[2] for b in items),
        max(b[3] for b in items),
    )


class _HocrWords(HTMLParser):
    """Collects ``ocrx_word`` spans (text and bbox), whatever their quoting or nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[Word] = []
        self._stack: list[bool] = []  # per open span: is it a word
        self._box: Box | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "span":
            return
        values = dict(attrs)
        is_word = "ocrx_word" in (values.get("class") or "").split()
        self._stack.append(is_word)
        if is_word:
            match = re.search(
                r"bbox\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)", values.get("title") or ""
            )
            self._box = tuple(float(v) for v in match.groups()) if match else None  # type: ignore[assignment]
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag != "span" or not self._stack:
            return
        if self._stack.pop() and self._box is not None:
            text = "".join(self._text).strip()
            if text:
                self.words.append(Word(text, self._box))
            self._box = None

    def handle_data(self, data: str) -> None:
        if self._box is not None:
            self._text.append(data)


def parse_hocr(text: str) -> list[Word]:
    parser = _HocrWords()
    parser.feed(text)
    parser.close()
    return parser.words


def vertical_overlap(a: Box, b: Box) -> float:
    """Shared height of two boxes as a share of the smaller height."""
    shared = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min(a[3] - a[1], b[3] - b[1])
    return max(0.0, shared) / smaller if smaller > 0 else 0.0


def cluster_rows(words: Sequence[Word], overlap: float = ROW_OVERLAP) -> list[list[Word]]:
    """Words grouped into rows by vertical overlap, rows top to bottom, words left to right."""
    rows: list[list[Word]] = []
    bands: list[list[float]] = []  # per row: sum of tops, sum of bottoms, count
    for word in sorted(words, key=lambda w: ((w.box[1] + w.box[3]) / 2, w.box[0])):
        best, best_overlap = -1, overlap
        for index in range(len(rows) - 1, max(-1, len(rows) - 8), -1):  # recent rows suffice
            top, bottom, count = bands[index]
            share = vertical_overlap(word.box, (0, top / count, 0, bottom / count))
            if share > best_overlap:
                best, best_overlap = index, share
        if best < 0:
            rows.append([word])
            bands.append([word.box[1], word.box[3], 1])
        else:
            rows[best].append(word)
            bands[best][0] += word.box[1]
            bands[best][1] += word.box[3]
            bands[best][2] += 1
    for row in rows:
        row.sort(key=lambda w: w.box[0])
    rows.sort(key=lambda r: statistics.median((w.box[1] + w.box[3]) / 2 for w in r))
    return rows


def row_char_width(row: Sequence[Word]) -> float:
    """Median width per character of a row's words (of those with two or more characters)."""
    widths = [w.char_width for w in row if len(w.text) >= 2] or [w.char_width for w in row]
    return statistics.median(widths)


def split_cells(row: Sequence[Word], gap_chars: float = CELL_GAP_CHARS) -> list[Cell]:
    """One row's words joined into cells, split where a gap exceeds ``gap_chars`` char widths."""
    ordered = sorted(row, key=lambda w: w.box[0])
    if not ordered:
        return []
    limit = gap_chars * row_char_width(ordered)
    cells = [Cell([ordered[0]])]
    for word in ordered[1:]:
        if word.box[0] - cells[-1].words[-1].box[2] > limit:
            cells.append(Cell([word]))
        else:
            cells[-1].words.append(word)
    return cells


def table_rows(rows: Sequence[Sequence[Cell]]) -> tuple[int, int]:
    """The table's rows ``[start, end)``: the run with most cells that starts and ends on a
    multi-cell row and never has two single-cell rows in a row (a section title or a wrapped
    line inside a table is allowed; body text or a caption ends it)."""
    best, best_cells = (0, 0), 0
    start = None
    for index in range(len(rows) + 1):
        multi = index < len(rows) and len(rows[index]) >= 2
        if multi and start is None:
            start = index
        broken = index == len(rows) or (
            not multi and index + 1 < len(rows) and len(rows[index + 1]) < 2
        )
        if start is not None and (broken or index == len(rows)):
            end = index
            while end > start and len(rows[end - 1]) < 2:
                end -= 1
            cells = sum(len(r) for r in rows[start:end])
            if cells > best_cells:
                best, best_cells = (start, end), cells
            start = None
    return best


def column_intervals(
    rows: Sequence[Sequence[Cell]], noise: float = COLUMN_NOISE
) -> list[tuple[float, float]]:
    """X intervals covered by more than ``noise`` of the rows' cells (each row counted once)."""
    if not rows:
        return []
    edges: list[tuple[float, int]] = []
    for row in rows:
        spans = sorted((c.box[0], c.box[2]) for c in row)
        merged: list[list[float]] = []
        for x0, x1 in spans:  # a row counts once where its own cells overlap
            if merged and x0 <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], x1)
            else:
                merged.append([x0, x1])
        for x0, x1 in merged:
            edges += [(x0, 1), (x1, -1)]
    threshold = int(noise * len(rows)) if len(rows) >= 10 else 0
    intervals: list[tuple[float, float]] = []
    depth, start = 0, 0.0
    for x, step in sorted(edges, key=lambda e: (e[0], -e[1])):
        before = depth
        depth += step
        if before <= threshold < depth:
            start = x
        elif depth <= threshold < before and x > start:
            intervals.append((start, x))
    return intervals


def assign_column(box: Box, intervals: Sequence[tuple[float, float]]) -> int:
    def score(item: tuple[int, tuple[float, float]]) -> tuple[float, float]:
        x0, x1 = item[1]
        shared = min(box[2], x1) - max(box[0], x0)
        distance = max(x0 - box[2], box[0] - x1, 0.0)
        return (shared, -distance)

    return max(enumerate(intervals), key=score)[0]


@dataclass
class Grid:
    cells: list[Cell]
    region: Box | None
    rows: int
    cols: int


def table_grid(words: Sequence[Word]) -> Grid:
    """The ground-truth table: cells with row and column indices inside the table region."""
    rows = [split_cells(r) for r in cluster_rows(words)]
    start, end = table_rows(rows)
    multi = [r for r in rows[start:end] if len(r) >= 2]
    if not multi:
        return Grid([], None, 0, 0)
    region = union(c.box for r in multi for c in r)

    def inside(cell: Cell) -> bool:
        x0, y0, x1, y1 = cell.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return region[0] <= cx <= region[2] and region[1] <= cy <= region[3]

    kept = [[c for c in r if inside(c)] for r in rows]
    kept = [r for r in kept if r]
    intervals = column_intervals(multi)
    cells: list[Cell] = []
    for index, row in enumerate(kept):
        for cell in row:
            cell.row, cell.col = index, assign_column(cell.box, intervals)
            cells.append(cell)
    return Grid(cells, region, len(kept), len(intervals))


# --- CSV side -----------------------------------------------------------------------------

Key = tuple[str, str]  # (page, table)


def norm(text: str) -> str:
    """Letters and digits only, case-folded."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def tokens(text: str) -> list[str]:
    return [t for t in (norm(p) for p in text.split()) if t]


@dataclass
class CsvTable:
    """Cells of the combined CSV as ``{(page, table): {(row, col): text}}``."""

    cells: dict[Key, dict[tuple[int, int], str]]

    @classmethod
    def parse(cls, text: str) -> CsvTable:
        cells: dict[Key, dict[tuple[int, int], str]] = defaultdict(dict)
        reader = csv.DictReader(io.StringIO(text))
        for record in reader:
            value = record["text"] or ""
            key = (record["page"], record["table"])
            cells[key][(int(record["row"]), int(record["col"]))] = value
        return cls(dict(cells))

    def locate(self) -> dict[str, list[tuple[Key, int, int]]]:
        """Token -> the CSV cells ``(key, row, col)`` whose text holds it."""
        index: dict[str, list[tuple[Key, int, int]]] = defaultdict(list)
        for key, grid in self.cells.items():
            for (row, col), text in grid.items():
                for token in set(tokens(text)):
                    index[token].append((key, row, col))
        return index


def contains(needle: str, hay: str) -> tuple[bool, float]:
    """(exact, best fuzzy ratio) of ``needle`` against the best run of ``hay``'s tokens."""
    target = norm(needle)
    parts = tokens(hay)
    if not target or not parts:
        return False, 0.0
    best, exact = 0.0, False
    for i in range(len(parts)):
        joined = ""
        for j in range(i, len(parts)):
            joined += parts[j]
            if joined == target:
                exact = True
            best = max(best, fuzz.ratio(target, joined))
            if len(joined) > 2 * len(target) + 2:
                break
    return exact, best


T = TypeVar("T")
REPEAT_PENALTY = 1e-3  # on a tie, a one-to-one map beats a many-to-one one


def monotone_map(votes: dict[int, dict[T, float]], targets: Sequence[T]) -> dict[int, T]:
    """Items (ordered ints) -> ordered ``targets``, never going backwards, most votes in total.

    Rows and columns keep their order in both grids, so this settles ties between identical
    texts (a value repeated in two columns) by position. Several items may share a target (a
    merged row or column) at a tiny cost; an item whose votes cannot be kept in order is left
    unmapped.
    """
    items = sorted(i for i, v in votes.items() if v)
    m = len(targets)
    position = {t: j for j, t in enumerate(targets)}
    none = float("-inf")
    start = 0.0  # best total with nothing mapped yet
    last = [none] * m  # best total with the last mapped target exactly j
    trail: list[list[tuple[str, int]]] = []  # per item, per j: how last[j] was reached
    for item in items:
        row = {position[t]: v for t, v in votes[item].items() if t in position}
        new = list(last)
        how = [("keep", j) for j in range(m)]
        best_before, best_index = start, -1  # max over start and last[k] for k < j
        for j in range(m):
            if j in row:
                fresh = best_before + row[j]
                again = last[j] + row[j] - REPEAT_PENALTY
                if fresh > new[j] and fresh >= again:
                    new[j], how[j] = fresh, ("from", best_index)
                elif again > new[j]:
                    new[j], how[j] = again, ("same", j)
            if last[j] > best_before:
                best_before, best_index = last[j], j
        last = new
        trail.append(how)
    mapping: dict[int, T] = {}
    j = max(range(m), key=lambda k: last[k], default=-1)
    if j < 0 or last[j] <= start:
        return mapping
    for index in range(len(items) - 1, -1, -1):
        if j < 0:
            break
        kind, k = trail[index][j]
        if kind == "keep":
            continue
        mapping[items[index]] = targets[j]
        j = k
    return mapping


@dataclass
class Alignment:
    rows: dict[int, tuple[Key, int]]
    cols: dict[tuple[int, Key], int]  # (GT column, CSV table) -> CSV column
    row_collisions: int
    col_collisions: int


def align(grid: Grid, table: CsvTable) -> Alignment:
    """GT rows -> CSV (table, row); (GT column, CSV table) -> CSV column; by word votes."""
    index = table.locate()
    row_votes: dict[int, dict[tuple[Key, int], float]] = defaultdict(lambda: defaultdict(float))
    word_hits: list[tuple[Cell, list[tuple[Key, int, int]]]] = []
    for cell in grid.cells:
        for word in cell.words:
            hits = index.get(norm(word.text), [])
            if not hits:
                continue
            word_hits.append((cell, hits))
            for key, row, _ in hits:
                row_votes[cell.row][(key, row)] += 1 / len(hits)
    row_targets = {(key, row) for key, cells in table.cells.items() for row, _ in cells}
    rows = monotone_map(row_votes, sorted(row_targets, key=_order))
    # columns are mapped per CSV table, so a GT table split into several CSV tables still aligns
    col_votes: dict[Key, dict[int, dict[int, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    for cell, hits in word_hits:
        target = rows.get(cell.row)
        local = [h for h in hits if (h[0], h[1]) == target] or hits
        for key, _, col in local:
            col_votes[key][cell.col][col] += 1 / len(local)
    cols: dict[tuple[int, Key], int] = {}
    for key, votes in col_votes.items():
        order = sorted({col for _, col in table.cells[key]})
        for gt, col in monotone_map(votes, order).items():
            cols[(gt, key)] = col
    col_targets = [(gt[1], col) for gt, col in cols.items()]
    return Alignment(rows, cols, collisions(rows.values()), collisions(col_targets))


def _order(target: tuple[Key, int]) -> tuple[int, int, int]:
    (page, table), row = target
    return int(page), int(table), row


def collisions(targets: Iterable[object]) -> int:
    """How many mapped items share their target with an earlier one."""
    items = list(targets)
    return len(items) - len(set(items))


@dataclass
class Score:
    cells: int = 0
    fuzzy: int = 0
    exact: int = 0
    strict: int = 0  # right (fuzzy) and alone in its CSV cell
    misses: list[str] = field(default_factory=list)


def score(grid: Grid, table: CsvTable, alignment: Alignment) -> Score:
    result = Score()
    slots: dict[int, tuple[Key, int, int] | None] = {}
    for cell in grid.cells:
        row = alignment.rows.get(cell.row)
        col = alignment.cols.get((cell.col, row[0])) if row is not None else None
        slots[id(cell)] = (row[0], row[1], col) if row is not None and col is not None else None
    shared = Counter(slot for slot in slots.values() if slot is not None)
    for cell in grid.cells:
        if not norm(cell.text):
            continue
        result.cells += 1
        slot = slots[id(cell)]
        text = table.cells[slot[0]].get(slot[1:], "") if slot is not None else ""
        exact, ratio = contains(cell.text, text)
        right = exact or ratio >= FUZZY
        result.exact += exact
        result.fuzzy += right
        result.strict += right and shared[slot] == 1
        if not right:
            result.misses.append(f"r{cell.row}c{cell.col} {cell.text!r} -> {text!r}")
    return result


# --- running ------------------------------------------------------------------------------


def cached_result(path: Path, engine: str, *, refresh: bool = False):
    """The OCR result of ``path``, read from the cache when the same bytes were seen before."""
    from docsight.models import Result

    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
    target = CACHE / engine / f"{digest}.json"
    if target.exists() and not refresh:
        return Result.model_validate_json(target.read_text(encoding="utf-8"))
    from docsight import ProcessOptions, process

    result = process(path, ProcessOptions(engine=engine))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tmp")
    partial.write_text(result.model_dump_json(), encoding="utf-8")
    partial.replace(target)
    return result


@dataclass
class ImageReport:
    image: str
    engine: str
    csv_tables: int
    gt_rows: int
    gt_cols: int
    cells: int
    fuzzy: int
    exact: int
    strict: int
    row_collisions: int
    col_collisions: int
    misses: list[str]

    @property
    def share(self) -> float:
        return self.fuzzy / self.cells if self.cells else 0.0


def evaluate(image: Path, truth: Path, engine: str, refresh: bool) -> ImageReport:
    from docsight.formats import export

    grid = table_grid(parse_hocr(truth.read_text(encoding="utf-8")))
    result = cached_result(image, engine, refresh=refresh)
    exported = export(result, "csv")
    text = exported.decode("utf-8") if isinstance(exported, bytes) else exported
    table = CsvTable.parse(text)
    alignment = align(grid, table)
    got = score(grid, table, alignment)
    return ImageReport(
        image.stem,
        engine,
        len(table.cells),
        grid.rows,
        grid.cols,
        got.cells,
        got.fuzzy,
        got.exact,
        got.strict,
        alignment.row_collisions,
        alignment.col_collisions,
        got.misses,
    )


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "–"


def markdown(reports: Sequence[ImageReport]) -> str:
    lines = [
        "| engine | image | table found (CSV tables) | GT rows × cols | GT cells "
        "| right fuzzy / exact / strict | share fuzzy | share exact | share strict "
        "| row / col collisions |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for engine in dict.fromkeys(r.engine for r in reports):
        mine = [r for r in reports if r.engine == engine]
        for r in mine:
            found = f"yes ({r.csv_tables})" if r.csv_tables else "no"
            lines.append(
                f"| {engine} | {r.image} | {found} | {r.gt_rows} × {r.gt_cols} | {r.cells} "
                f"| {r.fuzzy} / {r.exact} / {r.strict} | {_share(r.fuzzy, r.cells)} "
                f"| {_share(r.exact, r.cells)} | {_share(r.strict, r.cells)} "
                f"| {r.row_collisions} / {r.col_collisions} |"
            )
        cells = sum(r.cells for r in mine)
        fuzzy, exact = sum(r.fuzzy for r in mine), sum(r.exact for r in mine)
        strict = sum(r.strict for r in mine)
        found = sum(1 for r in mine if r.csv_tables)
        lines.append(
            f"| **{engine}** | **all (micro)** | {found} of {len(mine)} | | {cells} "
            f"| {fuzzy} / {exact} / {strict} | **{_share(fuzzy, cells)}** "
            f"| {_share(exact, cells)} | {_share(strict, cells)} "
            f"| {sum(r.row_collisions for r in mine)} / {sum(r.col_collisions for r in mine)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--engines", default="rapidocr,tesseract")
    parser.add_argument("--refresh", action="store_true", help="re-run OCR, ignore the cache")
    parser.add_argument("--misses", action="store_true", help="print the wrong cells")
    parser.add_argument("--json", help="write the per-image figures here")
    args = parser.parse_args()
    root = Path(args.data) / "scribeocr"
    reports: list[ImageReport] = []
    for engine in args.engines.split(","):
        for image in sorted((root / "img").glob("table_*.png")):
            truth = root / "ground_truth" / f"{image.stem}.truth.hocr"
            if not truth.exists():
                truth = root / "ground_truth" / f"{image.stem}.hocr"
            tick = time.perf_counter()
            report = evaluate(image, truth, engine, args.refresh)
            reports.append(report)
            print(
                f"{engine} {image.stem}: {report.fuzzy}/{report.cells} "
                f"({time.perf_counter() - tick:.1f} s)",
                file=sys.stderr,
            )
            if args.misses:
                for miss in report.misses:
                    print("   ", miss, file=sys.stderr)
    print(markdown(reports))
    print(f"\n{datetime.date.today().isoformat()}")
    if args.json:
        Path(args.json).write_text(
            json.dumps([asdict(r) | {"share": r.share} for r in reports], indent=2),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
