"""Engines for service tests: slow ones (to observe queues, progress, cancel) and gated ones.

Registered by name with ``monkeypatch.setitem(registry.ENGINES, ...)`` in-process, or by
``worker_main.py`` in Celery worker subprocesses (which read ``DOCSIGHT_TEST_*`` variables).
"""

from __future__ import annotations

import io
import os
import threading
import time
from typing import Any, ClassVar

from PIL import Image

from docsight.engines.base import Capabilities, PageImage
from docsight.models import EngineOutput
from support.engines import SizeEngine


class SlowEngine(SizeEngine):
    """Takes ``delay`` seconds per page (env ``DOCSIGHT_TEST_DELAY`` in subprocesses)."""

    name: ClassVar[str] = "slow"
    delay: ClassVar[float] = float(os.environ.get("DOCSIGHT_TEST_DELAY", "0.3"))
    calls: ClassVar[int] = 0

    def recognize(self, page: PageImage) -> EngineOutput:
        type(self).calls += 1
        time.sleep(self.delay)
        return super().recognize(page)


class GatedEngine(SizeEngine):
    """Blocks each page until the test opens ``gate``: the test decides when pages finish."""

    name: ClassVar[str] = "gated"
    gate: ClassVar[threading.Event] = threading.Event()
    started: ClassVar[threading.Event] = threading.Event()

    def recognize(self, page: PageImage) -> EngineOutput:
        type(self).started.set()
        if not self.gate.wait(timeout=20):
            raise RuntimeError("gate never opened")
        return super().recognize(page)


class GpuEngine(SizeEngine):
    name: ClassVar[str] = "gpu"
    capabilities: ClassVar[Capabilities] = Capabilities(gpu=True)


class InvoiceEngine(SizeEngine):
    """Reads every page as the same small invoice, for field extraction through the API."""

    name: ClassVar[str] = "invoice"

    def recognize(self, page: PageImage) -> EngineOutput:
        return EngineOutput(markdown="# Invoice\n\nInvoice number: INV-2024-0042\n\n"
                            "Invoice date: 2024-03-15\n\nTotal: 1,234.50 EUR")


def png(text: str = "hello", size: tuple[int, int] = (120, 60)) -> bytes:
    """A small distinct PNG; different ``text`` gives different bytes (and cache keys)."""
    image = Image.new("RGB", size, "white")
    image.putpixel((hash(text) % size[0], 0), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=None)
    return buffer.getvalue() + text.encode()  # trailing bytes: PNG readers ignore them


def register(engines: dict[str, str]) -> None:
    engines["size"] = "support.engines:SizeEngine"
    engines["slow"] = "doubles:SlowEngine"
    engines["gated"] = "doubles:GatedEngine"
    engines["gpu"] = "doubles:GpuEngine"
    engines["invoice"] = "doubles:InvoiceEngine"


def expire_now(service: Any, job_id: str) -> None:
    """Move a job's result expiry to now, as if its TTL had run out."""
    from docsight.server.jobs.tables import Job, utcnow

    with service.store.session() as session:
        session.get(Job, job_id).expires_at = utcnow()
        session.commit()
    time.sleep(0.01)
