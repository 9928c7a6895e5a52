"""The model manager: load once, LRU under a budget, idle unload, thread safety."""

from __future__ import annotations

import threading
import time

import pytest

from docsight.engines import model_manager
from docsight.engines.loads import MODEL_MANAGER, LoadLog, ModelLoad, ModelUnload
from docsight.engines.model_manager import LoadedModel, ModelManager, default_manager
from docsight.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def loader(size: int, calls: list[str], name: str, delay: float = 0.0):  # type: ignore[no-untyped-def]
    def load() -> LoadedModel:
        calls.append(name)
        time.sleep(delay)
        return LoadedModel(model=object(), processor=None, nbytes=size, device="cpu")

    return load


def test_loads_once_across_threads() -> None:
    manager = ModelManager()
    calls: list[str] = []
    seen: list[int] = []

    def work() -> None:
        with manager.use("m", loader(10, calls, "m", delay=0.2)) as loaded:
            seen.append(id(loaded.model))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["m"] and len(set(seen)) == 1
    [stats] = manager.stats()
    assert stats.uses == 4 and not stats.in_use and stats.load_seconds >= 0.2


def test_generation_is_serialised_per_model() -> None:
    manager = ModelManager()
    active: list[int] = []
    peak: list[int] = []

    def work() -> None:
        with manager.use("m", loader(1, [], "m")):
            active.append(1)
            peak.append(len(active))
            time.sleep(0.02)
            active.pop()

    threads = [threading.Thread(target=work) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(peak) == 1


def test_least_recently_used_is_evicted_under_the_budget() -> None:
    clock = Clock()
    manager = ModelManager(budget_bytes=100, clock=clock)
    calls: list[str] = []
    manager.get("a", loader(60, calls, "a"), expected_bytes=60)
    clock.now = 1
    manager.get("b", loader(30, calls, "b"), expected_bytes=30)
    clock.now = 2
    manager.get("a", loader(60, calls, "a"))  # a is now the most recent
    manager.get("c", loader(40, calls, "c"), expected_bytes=40)
    assert [s.key for s in manager.stats()] == ["a", "c"]  # b went first
    assert calls == ["a", "b", "c"]


def test_a_model_in_use_is_never_evicted() -> None:
    manager = ModelManager(budget_bytes=50)
    with manager.use("a", loader(40, [], "a")):
        manager.get("b", loader(40, [], "b"), expected_bytes=40)
        assert {s.key for s in manager.stats()} == {"a", "b"}  # over budget, not broken
        assert manager.unload("a") == []


def test_idle_models_are_unloaded() -> None:
    clock = Clock()
    manager = ModelManager(idle_timeout_s=60, clock=clock)
    manager.get("a", loader(1, [], "a"))
    clock.now = 30
    manager.get("b", loader(1, [], "b"))
    clock.now = 70
    assert manager.sweep() == ["a"]
    assert [s.key for s in manager.stats()] == ["b"]
    manager.close()


def test_default_manager_takes_the_settings(settings: Settings) -> None:
    manager = default_manager(settings)
    assert manager is default_manager(settings)
    assert manager.idle_timeout_s == settings.vlm.idle_timeout_s


class FakeVlm:
    """Stands for an engine: the manager labels a load with its ``name`` and ``model``."""

    name = "nanonets"
    model = "org/vlm-3b@abc"

    def _load(self) -> LoadedModel:
        time.sleep(0.02)
        return LoadedModel(model=object(), processor=None, nbytes=40, device="cuda:0")


def test_loads_and_evictions_are_reported_with_labels_and_sizes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = LoadLog()
    monkeypatch.setattr(model_manager, "LOADS", log)
    manager = ModelManager(budget_bytes=50)
    manager.get("vlm", FakeVlm()._load)
    manager.get("vlm", FakeVlm()._load)  # a hit is not a load
    manager.get("other", loader(30, [], "other"), expected_bytes=30, engine="openai")
    manager.unload()
    loads = [e for e in log.events() if isinstance(e, ModelLoad)]
    assert [(e.engine, e.model, e.loader, e.nbytes, e.device) for e in loads] == [
        ("nanonets", "org/vlm-3b@abc", MODEL_MANAGER, 40, "cuda:0"),
        ("openai", "other", MODEL_MANAGER, 30, "cpu"),  # no owner: the key names the model
    ]
    assert loads[0].seconds >= 0.02
    unloads = [e.load for e in log.events() if isinstance(e, ModelUnload)]
    assert unloads == loads  # vlm evicted for the budget, then other unloaded
