import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docsight import __version__
from docsight.cli import app
from docsight.engines import registry
from docsight.settings import get_settings
from support.images import text_image
from support.pdfgen import encrypt, image_pdf, text_pdf

runner = CliRunner()
TEXT = ["A born digital page with enough text to be used directly by the fast path."]


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.ENGINES, "size", "support.engines:SizeEngine")
    monkeypatch.setattr(registry, "_instances", {})
    for key in list(os.environ):
        if key.startswith("DOCSIGHT_"):
            monkeypatch.delenv(key)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def docs(tmp_path: Path) -> dict[str, Path]:
    files = {
        "text": text_pdf([TEXT, TEXT]),
        "scan": image_pdf([text_image(["scan"], size=(170, 220))]),
        "empty": b"",
        "zip": b"PK\x03\x04not a document at all",
        "corrupt": b"%PDF-1.7\nbroken",
        "locked": encrypt(text_pdf([TEXT]), "pw"),
    }
    paths = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        paths[name] = path
    return paths


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"docsight {__version__}"


def test_help_has_examples() -> None:
    result = runner.invoke(app, ["ocr", "--help"])
    assert result.exit_code == 0
    assert "--pages 1-3,7" in result.output


def test_markdown_to_stdout(docs: dict[str, Path]) -> None:
    result = runner.invoke(app, ["ocr", str(docs["text"])])
    assert result.exit_code == 0, result.output
    assert "fast path" in result.stdout


def test_outputs_written_to_folder(docs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["ocr", str(docs["scan"]), "--engine", "size", "-o", str(out), "--format", "md,json"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "scan.md").read_text().startswith("page 1")
    saved = json.loads((out / "scan.json").read_text())
    assert saved["status"] == "success"
    assert saved["schema_version"] == "1.0"
    assert saved["pages"][0]["engine"] == "size"
    assert f"wrote {out / 'scan.md'}" in result.stderr


@pytest.mark.parametrize(
    ("doc", "code", "error"),
    [
        ("empty", 3, "empty_document"),
        ("zip", 4, "unsupported_type"),
        ("corrupt", 5, "corrupt_document"),
        ("locked", 6, "encrypted_document"),
    ],
)
def test_bad_input_exit_codes(docs: dict[str, Path], doc: str, code: int, error: str) -> None:
    result = runner.invoke(app, ["ocr", str(docs[doc])])
    assert result.exit_code == code
    assert result.stderr.count("\n") == 1
    assert f"[{error}]" in result.stderr
    assert "Traceback" not in result.output
    as_json = runner.invoke(app, ["ocr", str(docs[doc]), "--json"])
    body = json.loads(as_json.stderr)
    assert body["error"]["code"] == error
    assert body["error"]["exit_code"] == code


def test_password_opens_encrypted(docs: dict[str, Path]) -> None:
    result = runner.invoke(app, ["ocr", str(docs["locked"]), "--password", "pw"])
    assert result.exit_code == 0
    assert "fast path" in result.stdout


def test_limits_from_environment(docs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCSIGHT_LIMITS__MAX_BYTES", "10")
    result = runner.invoke(app, ["ocr", str(docs["text"])])
    assert result.exit_code == 7
    assert "[limit_exceeded]" in result.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--pages", "9"], 8),
        (["--pages", "x-y"], 8),
        (["--engine", "nope"], 11),
        (["--format", "docx"], 20),
        (["--text-layer", "maybe"], 20),
        (["--format", "md,json"], 20),
    ],
)
def test_option_errors(docs: dict[str, Path], args: list[str], code: int) -> None:
    result = runner.invoke(app, ["ocr", str(docs["text"]), *args])
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("docsight: error [")


def test_missing_file_has_its_own_code(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ocr", str(tmp_path / "nope.png")])
    assert result.exit_code == 9
    assert "no such file" in result.stderr


def test_folder_processes_supported_files_and_reports_bad_ones(
    docs: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(docs["text"].read_bytes())
    (folder / "b.pdf").write_bytes(docs["corrupt"].read_bytes())
    (folder / "notes.txt").write_text("not a document")
    out = tmp_path / "out"
    result = runner.invoke(app, ["ocr", str(folder), "-o", str(out)])
    assert result.exit_code == 5  # the corrupt one; the good one is still written
    assert (out / "a.md").exists()
    assert not (out / "notes.md").exists()


def test_engines_lists_availability() -> None:
    result = runner.invoke(app, ["engines", "--json"])
    assert result.exit_code == 0
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["rapidocr"]["default"] is True
    assert rows["size"]["available"] is True
    for row in rows.values():
        assert row["available"] or row["reason"]


def test_stdin_and_pipe_are_quiet(docs: dict[str, Path]) -> None:
    """The real executable, reading stdin and writing to a pipe: no progress bar noise."""
    proc = subprocess.run(
        [sys.executable, "-m", "docsight.cli", "ocr", "-"],
        input=docs["text"].read_bytes(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"fast path" in proc.stdout
    assert proc.stderr == b""


def test_every_format_written_and_convert_round_trip(docs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    formats = "md,json,xml,csv,html,txt,pdf"
    result = runner.invoke(app, ["ocr", str(docs["text"]), "-o", str(out), "--format", formats])
    assert result.exit_code == 0, result.output
    for suffix in (".md", ".json", ".xml", ".csv", ".html", ".txt", ".pdf"):
        assert (out / f"text{suffix}").stat().st_size > 0, suffix
    assert (out / "text.pdf").read_bytes().startswith(b"%PDF")

    again = tmp_path / "again"
    converted = runner.invoke(
        app, ["convert", str(out / "text.json"), "-o", str(again), "--format", "html,md"]
    )
    assert converted.exit_code == 0, converted.output
    assert (again / "text.md").read_text() == (out / "text.md").read_text()
    assert "fast path" in (again / "text.html").read_text()


def test_convert_errors(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"not": "a result"}')
    result = runner.invoke(app, ["convert", str(bogus), "--format", "html"])
    assert result.exit_code == 2
    assert "not a docsight JSON result" in result.stderr
    missing = runner.invoke(app, ["convert", str(tmp_path / "none.json")])
    assert missing.exit_code == 9
    no_source = runner.invoke(app, ["convert", str(bogus), "--format", "pdf"])
    assert no_source.exit_code in (2, 20)


def test_binary_format_to_stdout(docs: dict[str, Path]) -> None:
    result = runner.invoke(app, ["ocr", str(docs["text"]), "--format", "pdf"])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"%PDF")


@pytest.mark.parametrize("command", [["engines"], ["ocr", "-", "--json"]])
def test_a_bad_setting_is_one_configuration_error_line(command: list[str]) -> None:
    """The real executable with a bad DOCSIGHT_* variable: exit 20 and no traceback."""
    env = {**os.environ, "DOCSIGHT_ENGINE__LEXICON": "klingon"}
    proc = subprocess.run(
        [sys.executable, "-m", "docsight.cli", *command],
        input=b"",
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 20
    assert b"Traceback" not in proc.stderr
    assert b"engine.lexicon" in proc.stderr and b"klingon" in proc.stderr
