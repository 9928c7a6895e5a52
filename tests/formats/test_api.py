"""The package's public surface: the names the CLI and API import, and the registry."""

from pathlib import Path

import pytest

from docsight.errors import ConfigurationError
from docsight.formats import WRITERS, export, extension, media_type, parse_formats, write
from docsight.models import Result


def test_parse_formats_normalises_aliases_and_duplicates() -> None:
    assert parse_formats(" Markdown, json,md ,TEXT,htm") == ["md", "json", "txt", "html"]


@pytest.mark.parametrize("spec", ["docx", "", " , ", "md,nope"])
def test_parse_formats_refuses_unknown_with_the_choices(spec: str) -> None:
    with pytest.raises(ConfigurationError, match="choose from: md, json, xml"):
        parse_formats(spec)


def test_missing_optional_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("docsight.formats.importlib.util.find_spec", lambda name: None)
    with pytest.raises(ConfigurationError, match=r"pip install 'docsight\[xlsx\]'"):
        parse_formats("md,xlsx")


def test_every_format_has_an_extension_and_media_type() -> None:
    for name, fmt in WRITERS.items():
        assert extension(name) == fmt.extension and fmt.extension.startswith(".")
        assert media_type(name)
    assert len({fmt.extension for fmt in WRITERS.values()}) == len(WRITERS)


def test_export_returns_str_for_text_formats(result: Result) -> None:
    for name, fmt in WRITERS.items():
        if not fmt.binary:
            assert isinstance(export(result, name), str)


def test_pdf_needs_the_source(result: Result) -> None:
    with pytest.raises(ConfigurationError, match="needs the source document"):
        export(result, "pdf")


def test_write_keeps_bytes_exactly(result: Result, tmp_path: Path) -> None:
    target = write(result, "csv", tmp_path / "out.csv")
    assert target.read_bytes() == export(result, "csv").encode()  # type: ignore[union-attr]
    assert b"\r\n" in target.read_bytes()


def test_unknown_format_in_export_is_a_configuration_error(result: Result) -> None:
    with pytest.raises(ConfigurationError):
        export(result, "docx")


def test_core_imports_no_interface_framework() -> None:
    import subprocess
    import sys

    code = (
        "import sys, docsight.formats, docsight.formats._pdf, docsight.formats._xlsx;"
        "bad = {'typer', 'rich', 'fastapi'} & set(sys.modules);"
        "print(*sorted(bad)); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
