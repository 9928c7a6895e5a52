"""The ``docsight`` command: a thin adapter over ``pipeline.process`` and ``formats``.

Errors print one line (or one JSON object with ``--json``) on stderr and exit with the code of
their class in ``errors``; tracebacks appear only with ``DOCSIGHT_DEBUG=1``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, cast

import typer
from pydantic import ValidationError
from rich.progress import Progress

from docsight import __version__
from docsight.document import SUPPORTED_TYPES, sniff_media_type
from docsight.engines.registry import list_engines
from docsight.errors import (
    ConfigurationError,
    DocsightError,
    DocumentNotFoundError,
    InputError,
    exit_code_for,
)
from docsight.fields import extract_requested
from docsight.formats import WRITERS, export, extension, parse_formats, write
from docsight.models import DocumentStatus, PageResult, Result
from docsight.pipeline import ProcessOptions, process
from docsight.settings import TextLayerMode, get_settings

app = typer.Typer(
    name="docsight",
    help="Any document in, Nanonets-style markdown out (offline, on the CPU by default).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FORMATS_HELP = "Output formats, comma-separated: " + ",".join(WRITERS)

OCR_EXAMPLES = """
Examples:

  docsight ocr scan.png                       # markdown to stdout

  docsight ocr report.pdf --pages 1-3,7 -o out --format md,json,html,csv,pdf

  docsight ocr invoices/ -o out               # every document in a folder

  cat photo.jpg | docsight ocr - > photo.md   # read stdin

  docsight ocr book.pdf --text-layer never --dpi 300 --engine tesseract

  docsight ocr receipt.jpg --template auto -f json    # fields on result.fields
"""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"docsight {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """docsight: self-hosted document OCR and data extraction."""


@app.command(epilog=OCR_EXAMPLES)
def ocr(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, or - for stdin.")],
    output_dir: Annotated[
        Path | None, typer.Option("-o", "--output-dir", help="Write outputs here.")
    ] = None,
    engine: Annotated[str | None, typer.Option(help="Engine name (see: docsight engines).")] = None,
    pages: Annotated[str | None, typer.Option(help="Pages to read, e.g. 1-3,7.")] = None,
    dpi: Annotated[int | None, typer.Option(help="Render resolution for PDF pages.")] = None,
    text_layer: Annotated[
        str | None, typer.Option(help="Use a PDF's own text: auto | always | never.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMATS_HELP)] = "md",
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF.")] = None,
    template: Annotated[
        str | None,
        typer.Option(
            help="Extract fields with a template (see: docsight templates list), or auto."
        ),
    ] = None,
    fields_file: Annotated[
        Path | None,
        typer.Option("--fields", help="Extract the fields of a JSON/YAML template or JSON Schema."),
    ] = None,
    json_errors: Annotated[bool, typer.Option("--json", help="Errors as JSON on stderr.")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress bar.")] = False,
) -> None:
    """OCR documents into Markdown, JSON, HTML, CSV, PDF..., optionally extracting fields."""
    with _errors(json_errors):
        formats = parse_formats(fmt)
        if text_layer not in (None, "auto", "always", "never"):
            raise ConfigurationError(
                f"--text-layer must be auto, always or never, not {text_layer!r}"
            )
        if output_dir is None and len(formats) > 1:
            raise ConfigurationError("several formats need an output folder: add -o OUTDIR")
        options = ProcessOptions(
            engine=engine,
            pages=pages,
            dpi=dpi,
            text_layer=cast(TextLayerMode | None, text_layer),
            password=password,
        )
        files = list(_expand(inputs))
        settings = get_settings()
        exit_code = 0
        with _Progress(
            bar=not quiet and sys.stderr.isatty(), quiet=quiet, files=len(files)
        ) as progress:
            for label, source in files:
                try:
                    result = process(
                        source,
                        options,
                        settings,
                        name=label,
                        on_start=progress.start_file,
                        on_page=progress.page_done,
                    )
                except InputError as exc:
                    # One bad file in a batch must not stop the others.
                    _report(exc, json_errors, file=label)
                    exit_code = exit_code or exc.exit_code
                    continue
                if template is not None or fields_file is not None:
                    extract_requested(result, template=template, fields_file=fields_file)
                exit_code = exit_code or _page_exit_code(result)
                _emit(
                    result, label, formats, output_dir, progress, source=source, password=password
                )
        raise typer.Exit(exit_code)


@app.command(epilog="Example:\n\n  docsight convert out/report.json --format html,csv -o out")
def convert(
    result_file: Annotated[Path, typer.Argument(help="A result saved with --format json.")],
    output_dir: Annotated[
        Path | None, typer.Option("-o", "--output-dir", help="Write outputs here.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMATS_HELP)] = "md",
    source: Annotated[
        Path | None, typer.Option(help="The original document (needed for --format pdf).")
    ] = None,
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF.")] = None,
    json_errors: Annotated[bool, typer.Option("--json", help="Errors as JSON on stderr.")] = False,
) -> None:
    """Re-export a saved JSON result to other formats without running OCR again."""
    with _errors(json_errors):
        formats = parse_formats(fmt)
        if output_dir is None and len(formats) > 1:
            raise ConfigurationError("several formats need an output folder: add -o OUTDIR")
        if not result_file.is_file():
            raise DocumentNotFoundError(f"{result_file}: no such file")
        try:
            result = Result.model_validate_json(result_file.read_bytes())
        except ValueError as exc:
            first = str(exc).splitlines()[0]
            raise InputError(f"{result_file}: not a docsight JSON result ({first})") from exc
        if "pdf" in formats and source is None:
            raise ConfigurationError("--format pdf needs the original document: add --source")
        with _Progress(bar=False, quiet=False, files=1) as progress:
            _emit(
                result,
                str(result_file),
                formats,
                output_dir,
                progress,
                source=source,
                password=password,
            )


@app.command()
def engines(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List engines, whether each can run here, and why not."""
    infos = list_engines()
    default = get_settings().engine.default
    if as_json:
        rows = [
            {
                "name": i.name,
                "default": i.name == default,
                "available": i.available,
                "reason": i.reason,
                "description": i.description,
                "capabilities": vars(i.capabilities),
            }
            for i in infos
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    for info in infos:
        state = "available" if info.available else f"unavailable: {info.reason}"
        flags = ",".join(k for k, v in vars(info.capabilities).items() if v) or "-"
        mark = " (default)" if info.name == default else ""
        typer.echo(f"{info.name}{mark}\t{state}\tcapabilities={flags}\t{info.description}")


def _expand(inputs: list[str]) -> Iterator[tuple[str, Path | bytes]]:
    for item in inputs:
        if item == "-":
            yield "stdin", sys.stdin.buffer.read()
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _readable(p))
            if not found:
                raise InputError(f"{path}: no supported documents in this folder")
            yield from ((str(p), p) for p in found)
        elif path.exists():
            yield str(path), path
        else:
            raise DocumentNotFoundError(f"{path}: no such file or folder")


def _readable(path: Path) -> bool:
    with path.open("rb") as handle:
        return sniff_media_type(handle.read(2048)) in SUPPORTED_TYPES


def _emit(
    result: Result,
    label: str,
    formats: list[str],
    output_dir: Path | None,
    progress: _Progress,
    *,
    source: Path | bytes | None,
    password: str | None = None,
) -> None:
    settings = get_settings()
    if output_dir is None:
        data = export(result, formats[0], source=source, settings=settings, password=password)
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        sys.stdout.flush()
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    stem = "stdin" if label == "stdin" else Path(label).stem
    for fmt in formats:
        target = output_dir / f"{stem}{extension(fmt)}"
        write(result, fmt, target, source=source, settings=settings, password=password)
        progress.note(f"wrote {target}")


def _page_exit_code(result: Result) -> int:
    """Partial success exits 0 (details are in the result); a total failure exits non-zero."""
    if result.status is not DocumentStatus.FAILURE:
        return 0
    first = next((p.error for p in result.pages if p.error), None)
    return exit_code_for(first.code if first else "error")


def _report(exc: DocsightError, as_json: bool, file: str | None = None) -> None:
    if as_json:
        body: dict[str, object] = dict(exc.to_dict())
        if file:
            body["file"] = file
        typer.echo(json.dumps({"error": body}), err=True)
    else:
        where = f"{file}: " if file and not exc.message.startswith(file) else ""
        typer.echo(f"docsight: error [{exc.code}]: {where}{exc.message}", err=True)


@contextmanager
def _errors(as_json: bool) -> Iterator[None]:
    try:
        yield
    except DocsightError as exc:
        _report(exc, as_json)
        raise typer.Exit(exc.exit_code) from None
    except ValidationError as exc:
        error = _bad_setting(exc)
        _report(error, as_json)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("docsight: interrupted", err=True)
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        if os.environ.get("DOCSIGHT_DEBUG"):
            raise
        internal = DocsightError(f"internal error: {type(exc).__name__}: {exc}")
        _report(internal, as_json)
        raise typer.Exit(1) from None


class _Progress:
    """A rich progress bar over files and pages on a terminal; no bar when piped."""

    def __init__(self, *, bar: bool, quiet: bool, files: int) -> None:
        self.quiet = quiet
        self._bar: Progress | None = Progress(transient=True) if bar else None
        if self._bar is not None:
            self._files_task = self._bar.add_task("files", total=files)
            self._pages_task = self._bar.add_task("pages", total=None)

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def start_file(self, pages: int) -> None:
        if self._bar is not None:
            self._bar.reset(self._pages_task, total=pages)

    def page_done(self, page: PageResult) -> None:
        if self._bar is not None:
            self._bar.advance(self._pages_task)
            if self._bar.tasks[self._pages_task].finished:
                self._bar.advance(self._files_task)

    def note(self, message: str) -> None:
        if not self.quiet:
            typer.echo(message, err=True)


from docsight.cli_server import register as _register_server  # noqa: E402

_register_server(app)


from docsight.cli_vlm import register as _register_vlm  # noqa: E402

_register_vlm(app)


from docsight.cli_fields import register as _register_fields  # noqa: E402

_register_fields(app)


def _bad_setting(exc: ValidationError) -> ConfigurationError:
    """A bad ``DOCSIGHT_*`` variable as one line naming the setting."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return ConfigurationError(f"setting {where}: {first['msg']} (input {first.get('input')!r})")


def main() -> None:
    try:
        app()
    except ValidationError as exc:  # settings read outside a command's error handling
        error = _bad_setting(exc)
        _report(error, False)
        raise SystemExit(error.exit_code) from None


if __name__ == "__main__":
    main()
