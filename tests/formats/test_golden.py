"""Every text writer against its golden file (update: pytest tests/formats --update-golden)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from docsight.formats import export, extension, tables_to_csv
from docsight.models import Result

Golden = Callable[[str, str | bytes], None]

TEXT_FORMATS = ["md", "json", "xml", "csv", "fields-csv", "html", "txt", "txt-clean"]


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_writer_matches_golden_file(fmt: str, result: Result, golden: Golden) -> None:
    output = export(result, fmt)
    assert isinstance(output, str)
    golden(f"sample{extension(fmt)}", output)


def test_per_table_csv_files_match_golden(result: Result, golden: Golden) -> None:
    files = tables_to_csv(result)
    assert list(files) == ["page001-table01.csv"]
    for name, text in files.items():
        golden(f"tables/{name}", text)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_writers_are_pure(fmt: str, result: Result) -> None:
    before = result.model_dump()
    assert export(result, fmt) == export(result, fmt)
    assert result.model_dump() == before
