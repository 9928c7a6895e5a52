"""The default CPU engine as the engine tests build it: two threads, no layout model."""

from __future__ import annotations

import pytest

from docsight.engines.rapid import RapidOcrEngine
from docsight.settings import EngineSettings, Settings


def rapid_engine() -> RapidOcrEngine:
    """A fresh RapidOCR engine, or the calling test skipped where its packages are missing.

    The layout model is off: these tests read lines and words, and it would cost each module
    a second model load.
    """
    status = RapidOcrEngine.availability()
    if not status.available:
        pytest.skip(status.reason)
    return RapidOcrEngine(Settings(engine=EngineSettings(threads=2, use_layout=False)))
