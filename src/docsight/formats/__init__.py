"""Writers from a ``Result`` to the output formats, one small module per format.

Each writer is a pure function of the result (the searchable PDF also reads the source
document), so the CLI, the API and the worker share them. ``export`` returns ``str`` for text
formats and ``bytes`` for binary ones (``pdf``, ``xlsx``); ``write`` puts either in a file.
See ``docs/formats.md`` for what each format holds.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from docsight.errors import ConfigurationError
from docsight.formats._csv import fields_to_csv, neutralise, tables_to_csv, to_csv
from docsight.formats._html import to_html
from docsight.formats._json import result_schema, to_json
from docsight.formats._markdown import to_markdown
from docsight.formats._text import to_clean_text, to_text
from docsight.formats._xml import to_xml
from docsight.models import Result
from docsight.settings import Settings

#: The original document, as ``docsight.document.open_document`` accepts it.
Source = str | Path | bytes | IO[bytes]


@dataclass(frozen=True)
class Format:
    """What ``export`` needs to know about a format; ``render`` is None when it needs the source."""

    name: str
    extension: str
    media_type: str
    render: Callable[[Result], str | bytes] | None
    binary: bool = False
    needs_source: bool = False
    extra: str | None = None  # optional-dependency extra, when one is needed
    module: str | None = None  # the import that extra provides


def _xlsx(result: Result) -> bytes:
    from docsight.formats._xlsx import to_xlsx

    return to_xlsx(result)


WRITERS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format("md", ".md", "text/markdown; charset=utf-8", to_markdown),
        Format("json", ".json", "application/json", to_json),
        Format("xml", ".xml", "application/xml", to_xml),
        Format("csv", ".csv", "text/csv; charset=utf-8", to_csv),
        Format("fields-csv", ".fields.csv", "text/csv; charset=utf-8", fields_to_csv),
        Format("html", ".html", "text/html; charset=utf-8", to_html),
        Format("txt", ".txt", "text/plain; charset=utf-8", to_text),
        Format("txt-clean", ".clean.txt", "text/plain; charset=utf-8", to_clean_text),
        Format("pdf", ".pdf", "application/pdf", None, binary=True, needs_source=True),
        Format(
            "xlsx",
            ".xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _xlsx,
            binary=True,
            extra="xlsx",
            module="openpyxl",
        ),
    )
}
_ALIASES = {"markdown": "md", "text": "txt", "htm": "html", "clean": "txt-clean"}


def parse_formats(spec: str) -> list[str]:
    """``"md,json"`` → ``["md", "json"]``, refusing unknown or uninstalled formats up front."""
    names = [part.strip().lower() for part in spec.split(",") if part.strip()]
    names = [_ALIASES.get(name, name) for name in names]
    unknown = [name for name in names if name not in WRITERS]
    if unknown or not names:
        raise ConfigurationError(
            f"unknown format {', '.join(unknown) or spec!r}; choose from: {', '.join(WRITERS)}"
        )
    for name in names:
        _check_installed(WRITERS[name])
    return list(dict.fromkeys(names))


def _check_installed(fmt: Format) -> None:
    if fmt.module is not None and importlib.util.find_spec(fmt.module) is None:
        raise ConfigurationError(
            f"the {fmt.name} format needs the {fmt.extra!r} extra: "
            f"pip install 'docsight[{fmt.extra}]'"
        )


def export(
    result: Result,
    fmt: str,
    *,
    source: Source | None = None,
    settings: Settings | None = None,
    password: str | None = None,
) -> str | bytes:
    """The result in one format: ``str`` for text formats, ``bytes`` for ``pdf`` and ``xlsx``.

    ``source`` (the original document) is needed by ``pdf`` only, which re-renders its pages.
    """
    spec = _format(fmt)
    if spec.render is not None:
        _check_installed(spec)
        return spec.render(result)
    if source is None:
        raise ConfigurationError(f"the {spec.name} format needs the source document")
    from docsight.formats._pdf import write_searchable_pdf

    return write_searchable_pdf(result, source, settings or Settings(), password=password)


def write(
    result: Result,
    fmt: str,
    path: str | Path,
    *,
    source: Source | None = None,
    settings: Settings | None = None,
    password: str | None = None,
) -> Path:
    """Write ``export(...)`` to ``path`` as is: UTF-8, line ends as the format made them."""
    target = Path(path)
    data = export(result, fmt, source=source, settings=settings, password=password)
    target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return target


def extension(fmt: str) -> str:
    return _format(fmt).extension


def media_type(fmt: str) -> str:
    return _format(fmt).media_type


def _format(fmt: str) -> Format:
    name = _ALIASES.get(fmt.lower(), fmt.lower())
    if name not in WRITERS:
        raise ConfigurationError(f"unknown format {fmt!r}; choose from: {', '.join(WRITERS)}")
    return WRITERS[name]


def write_searchable_pdf(
    result: Result, source: Source, settings: Settings, *, password: str | None = None
) -> bytes:
    """See ``docsight.formats._pdf``; imported lazily because it pulls in PDFium."""
    from docsight.formats._pdf import write_searchable_pdf as _write

    return _write(result, source, settings, password=password)


__all__ = [
    "WRITERS",
    "Format",
    "export",
    "extension",
    "fields_to_csv",
    "media_type",
    "neutralise",
    "parse_formats",
    "result_schema",
    "tables_to_csv",
    "to_clean_text",
    "to_csv",
    "to_html",
    "to_json",
    "to_markdown",
    "to_text",
    "to_xml",
    "write",
    "write_searchable_pdf",
]
