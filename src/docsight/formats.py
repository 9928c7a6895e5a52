"""Writers from a ``Result`` to the output formats (Markdown and JSON for now).

Each writer is a pure function of the result, so the CLI, the API and ``convert`` share them.
"""

from __future__ import annotations

from collections.abc import Callable

from docsight.errors import ConfigurationError
from docsight.models import PageStatus, Result


def to_markdown(result: Result) -> str:
    """Pages' markdown in order; a failed page leaves an HTML comment saying why."""
    parts = []
    for page in result.pages:
        if page.status is PageStatus.SUCCESS:
            parts.append(page.markdown)
        elif page.error is not None:
            parts.append(f"<!-- page {page.number} failed: {page.error.code} -->")
    return "\n\n".join(parts).strip() + "\n"


def to_json(result: Result) -> str:
    return result.model_dump_json(indent=2) + "\n"


WRITERS: dict[str, tuple[str, Callable[[Result], str]]] = {
    "md": (".md", to_markdown),
    "json": (".json", to_json),
}


def parse_formats(spec: str) -> list[str]:
    """``"md,json"`` → ``["md", "json"]``, refusing unknown names with the choices."""
    names = [part.strip().lower() for part in spec.split(",") if part.strip()]
    aliases = {"markdown": "md"}
    names = [aliases.get(name, name) for name in names]
    unknown = [name for name in names if name not in WRITERS]
    if unknown or not names:
        raise ConfigurationError(
            f"unknown format {', '.join(unknown) or spec!r}; choose from: {', '.join(WRITERS)}"
        )
    return list(dict.fromkeys(names))


def export(result: Result, fmt: str) -> str:
    return WRITERS[fmt][1](result)


def extension(fmt: str) -> str:
    return WRITERS[fmt][0]
