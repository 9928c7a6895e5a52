"""The registry reports engine construction as a model load (time and memory), once."""

from __future__ import annotations

import mmap
import time
from typing import ClassVar

import pytest

from docsight.engines import registry
from docsight.engines.base import Availability
from docsight.engines.loads import REGISTRY, LoadLog, ModelLoad
from docsight.settings import Settings


class HeavyEngine:
    """Takes a while and some memory to construct, like an ONNX engine loading its sessions."""

    name: ClassVar[str] = "heavy"
    description: ClassVar[str] = "test double"

    def __init__(self, settings: Settings) -> None:
        time.sleep(0.05)
        # Fresh anonymous pages, touched: RSS grows by their size whatever the allocator holds
        # free from earlier tests (a bytes object could reuse already-resident heap).
        self.weights = mmap.mmap(-1, 32 << 20)
        for offset in range(0, 32 << 20, mmap.PAGESIZE):
            self.weights[offset] = 1

    @classmethod
    def availability(cls) -> Availability:
        return Availability(True)

    @property
    def model(self) -> str | None:
        return "heavy-v1"


def test_construction_is_recorded_once_per_instance(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    log = LoadLog()
    monkeypatch.setattr(registry, "LOADS", log)
    monkeypatch.setattr(registry, "_instances", {})
    monkeypatch.setattr(registry, "engine_class", lambda name: HeavyEngine)
    first = registry.get_engine("heavy", settings)
    assert registry.get_engine("heavy", settings) is first
    [load] = log.events()
    assert isinstance(load, ModelLoad)
    assert (load.engine, load.model, load.loader) == ("heavy", "heavy-v1", REGISTRY)
    assert 0.05 <= load.seconds < 5
    assert load.nbytes is None
    if load.rss_bytes is not None:  # None only where RSS cannot be read
        assert load.rss_bytes >= 30 << 20
