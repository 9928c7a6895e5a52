"""Markdown: the engines' own output, pages joined, so nothing the parser missed is lost."""

from __future__ import annotations

from docsight.formats._common import succeeded
from docsight.models import Result


def to_markdown(result: Result) -> str:
    """Pages' markdown in order; a failed page leaves an HTML comment saying why."""
    parts = []
    for page in result.pages:
        if succeeded(page):
            parts.append(page.markdown)
        elif page.error is not None:
            parts.append(f"<!-- page {page.number} failed: {page.error.code} -->")
    return "\n\n".join(parts).strip() + "\n"
