"""Test-double engines: registered for a test with ``monkeypatch.setitem(ENGINES, ...)``."""

from __future__ import annotations

import weakref
from typing import ClassVar

from docsight.engines.base import Availability, Capabilities, PageImage
from docsight.errors import EngineFailedError
from docsight.models import BBox, EngineOutput, Line
from docsight.settings import Settings


class SizeEngine:
    """Reports the page size as its text; fails on the pages listed in ``fail_on``."""

    name: ClassVar[str] = "size"
    description: ClassVar[str] = "test double"
    capabilities: ClassVar[Capabilities] = Capabilities(boxes=True)
    fail_on: ClassVar[set[int]] = set()
    crash_on: ClassVar[set[int]] = set()
    alive: ClassVar[list[weakref.ref[object]]] = []
    instances: ClassVar[int] = 0

    def __init__(self, settings: Settings) -> None:
        type(self).instances += 1

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True)

    @property
    def model(self) -> str | None:
        return "size-1"

    def recognize(self, page: PageImage) -> EngineOutput:
        type(self).alive.append(weakref.ref(page.image))
        if page.number in self.fail_on:
            raise EngineFailedError(f"cannot read page {page.number}")
        if page.number in self.crash_on:
            raise RuntimeError("engine bug")
        width, height = page.image.size
        text = f"page {page.number} {width}x{height}"
        box = BBox(x0=0, y0=0, x1=width, y1=height)
        return EngineOutput(markdown=text, lines=[Line(text=text, box=box, confidence=1.0)])


class MissingEngine(SizeEngine):
    name: ClassVar[str] = "missing"

    @classmethod
    def availability(cls) -> Availability:
        return Availability(False, "missing Python module(s) nothing; install docsight[nothing]")
