"""compare(): agreement figures between engines, and the CLI that writes HTML and JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from docsight.cli import app
from docsight.compare import compare, levenshtein, plain_text
from docsight.compare_html import render_html
from docsight.engines import registry
from docsight.engines.base import Availability, Capabilities, PageImage
from docsight.errors import EngineFailedError, EngineUnavailableError, InputError
from docsight.models import EngineOutput
from docsight.parsing import parse_markdown
from docsight.settings import Settings, get_settings
from support.pdfgen import image_pdf

rapidfuzz = pytest.importorskip("rapidfuzz")

HEAD = "<table><tr><th>Item</th><th>Amount</th></tr>"
TABLE_A = HEAD + "<tr><td>Paper</td><td>42.00</td></tr></table>"
TABLE_B = HEAD + "<tr><td>Paper</td><td>4.20</td></tr></table>"


class ScriptedEngine:
    """Answers each page with a fixed markdown; fails on page 2 when told to."""

    name: ClassVar[str] = "scripted"
    description: ClassVar[str] = "test double"
    capabilities: ClassVar[Capabilities] = Capabilities()
    markdown: ClassVar[str] = f"# Invoice 17\n\nTotal 42.00 on 2024-03-14\n\n{TABLE_A}"
    fail_on: ClassVar[set[int]] = set()

    def __init__(self, settings: Settings) -> None:
        pass

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True)

    @property
    def model(self) -> str | None:
        return f"{self.name}-1"

    def recognize(self, page: PageImage) -> EngineOutput:
        if page.number in self.fail_on:
            raise EngineFailedError(f"cannot read page {page.number}")
        return EngineOutput(markdown=self.markdown, model=self.model)


class OtherEngine(ScriptedEngine):
    name: ClassVar[str] = "other"
    markdown: ClassVar[str] = f"# Invoice 17\n\nTotal 42.00 on 2024-03-15\n\n{TABLE_B}"
    fail_on: ClassVar[set[int]] = {2}


class AbsentEngine(ScriptedEngine):
    @classmethod
    def availability(cls) -> Availability:
        return Availability(False, "install docsight[absent]")


@pytest.fixture(autouse=True)
def engines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_instances", {})
    for name, cls in (("a", "ScriptedEngine"), ("b", "OtherEngine"), ("c", "AbsentEngine")):
        monkeypatch.setitem(registry.ENGINES, name, f"{__name__}:{cls}")


@pytest.fixture
def pdf() -> bytes:
    return image_pdf([Image.new("RGB", (300, 400), "white") for _ in range(2)])


def test_pages_side_by_side_with_agreement(pdf: bytes, settings: Settings) -> None:
    result = compare(pdf, ["a", "b"], settings, name="two.pdf")
    assert result.engines == ["a", "b"] and len(result.pages) == 2
    first = result.pages[0]
    assert [run.engine for run in first.runs] == ["a", "b"]
    [pair] = first.pairs
    # Three characters differ: the day (4 -> 5) and the amount (42.00 -> 4.20, two edits).
    assert pair.distance == 3
    assert pair.cer == pytest.approx(3 / len(first.runs[0].text))
    assert pair.tables.a_tables == pair.tables.b_tables == 1
    assert pair.tables.cell_agreement == pytest.approx(3 / 4)
    assert pair.values.only_a == ["2024-03-14", "42.00"]
    assert pair.values.only_b == ["2024-03-15", "4.20"]
    assert pair.values.common == 2  # 17 and the other 42.00


def test_a_failed_page_is_recorded_not_raised(pdf: bytes, settings: Settings) -> None:
    result = compare(pdf, ["a", "b"], settings)
    second = result.pages[1]
    assert second.runs[1].error is not None and second.runs[1].error.code == "engine_failed"
    assert second.pairs == []  # nothing to compare against a page that was not read
    summary = {s.engine: s for s in result.summary}
    assert summary["b"].pages_ok == 1 and summary["b"].pages_failed == 1
    assert summary["a"].model == "scripted-1"
    assert list(result.mean_agreement) == ["a vs b"]


def test_bad_requests(pdf: bytes, settings: Settings) -> None:
    with pytest.raises(InputError, match="at least two"):
        compare(pdf, ["a"], settings)
    with pytest.raises(InputError, match="twice"):
        compare(pdf, ["a", "a"], settings)
    with pytest.raises(EngineUnavailableError, match=r"docsight\[absent\]"):
        compare(pdf, ["a", "c"], settings)


def test_tables_of_different_shapes_are_named() -> None:
    from docsight.compare import _tables

    wide = "<table><tr><td>1</td><td>2</td><td>3</td></tr></table>"
    diff = _tables(TABLE_A, wide)
    assert diff.compared == 0 and diff.mismatches == ["table 1: 2x2 vs 1x3"]


def test_spanned_cells_count_once() -> None:
    spanned = '<table><tr><td colspan="2">Pay 1234</td></tr><tr><td>a</td><td>b</td></tr></table>'
    assert plain_text(parse_markdown(spanned).blocks) == "Pay 1234 a b"


@given(st.text(alphabet="ab c☐\n", max_size=80), st.text(alphabet="abd ☑\n", max_size=80))
def test_levenshtein_matches_rapidfuzz(a: str, b: str) -> None:
    assert levenshtein(a, b) == rapidfuzz.distance.Levenshtein.distance(a, b)


def test_levenshtein_on_whole_pages_is_quick() -> None:
    import random
    import time

    rng = random.Random(7)
    a = "".join(rng.choice("abcdefghij klmno") for _ in range(6000))
    b = "".join(rng.choice("abcdefghij klmno") for _ in range(5500))
    tick = time.perf_counter()
    assert levenshtein(a, b) == rapidfuzz.distance.Levenshtein.distance(a, b)
    assert time.perf_counter() - tick < 2.0


def test_html_escapes_engine_output(pdf: bytes, settings: Settings) -> None:
    html = render_html(compare(pdf, ["a", "b"], settings, name="<x>.pdf"))
    assert "&lt;table&gt;" in html and "<table><tr><th>Item" not in html
    assert "&lt;x&gt;.pdf" in html and "engine_failed" in html


def test_cli_writes_html_and_json(pdf: bytes, tmp_path: Path) -> None:
    source = tmp_path / "two.pdf"
    source.write_bytes(pdf)
    get_settings.cache_clear()
    result = CliRunner().invoke(
        app, ["compare", str(source), "--engines", "a,b", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "page 1: a vs b: CER" in result.output
    body = json.loads((tmp_path / "out" / "two.compare.json").read_text())
    assert body["engines"] == ["a", "b"] and len(body["pages"]) == 2
    assert (tmp_path / "out" / "two.compare.html").read_text().startswith("<!doctype html>")


def test_cli_errors_are_typed(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["compare", str(tmp_path / "nope.png"), "--engines", "a,b"])
    assert missing.exit_code == 9
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buffer, format="PNG")
    (tmp_path / "x.png").write_bytes(buffer.getvalue())
    unknown = CliRunner().invoke(app, ["compare", str(tmp_path / "x.png"), "--engines", "a,zz"])
    assert unknown.exit_code == 11 and "nanonets-ocr-s" in unknown.output
