from __future__ import annotations

from collections.abc import Callable

import pytest

from docsight.models import BBox, DocumentInfo, DocumentStatus, Line, PageResult, Result


def build_result(rows: list[list[tuple[str, float]]], *, markdown: str = "", blocks=None) -> Result:
    """A one-page result whose lines sit on rows 30 px apart, each (text, x) at that x."""
    lines = []
    for index, row in enumerate(rows):
        y = 20 + 30 * index
        for text, x in row:
            lines.append(
                Line(
                    text=text,
                    box=BBox(x0=x, y0=y, x1=x + 8 * len(text), y1=y + 20),
                    confidence=0.99,
                )
            )
    page = PageResult(
        number=1,
        width=600,
        height=40 + 30 * len(rows),
        dpi=200,
        markdown=markdown or "\n".join(" ".join(t for t, _ in r) for r in rows),
        lines=lines,
        blocks=blocks or [],
    )
    return Result(
        status=DocumentStatus.SUCCESS,
        document=DocumentInfo(media_type="image/png", size_bytes=1, sha256="0", page_count=1),
        engine="test",
        pages=[page],
    )


@pytest.fixture
def make_result() -> Callable[..., Result]:
    return build_result
