"""Loaded models, one instance per process, kept under a memory budget.

Why a manager rather than models owned by engine instances: engine instances are cheap and
may be made per settings variant (the registry caches them by engine settings, ``compare``
makes its own), while a 3B model is 7 GB that must exist once. So engines ask the manager for a
model by key; the manager loads it on first use, keeps recently used models while their summed
size fits the budget (least recently used evicted first), unloads models idle longer than the
timeout, and serialises generation per model, because two threads generating on one model
would contend for the same device memory and gain nothing.

Threading: every public method may be called from any thread. Loading a model holds only
that key's lock, so a slow load never blocks users of another model.

Every load and unload is reported to ``loads.LOADS`` (wall time, RSS growth, ``nbytes``) so the
service can export them; the manager does not know about metrics itself.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from docsight.engines.loads import (
    LOADS,
    MODEL_MANAGER,
    ModelLoad,
    ModelUnload,
    resident_bytes,
    rss_growth,
)
from docsight.engines.registry import ENGINES
from docsight.errors import UnknownEngineError
from docsight.settings import Settings


@dataclass
class LoadedModel:
    """A model and what it needs to run, as a loader returns it."""

    model: Any
    processor: Any
    nbytes: int
    device: str
    details: dict[str, Any] = field(default_factory=dict)
    load_seconds: float = 0.0
    warmup_seconds: float = 0.0


@dataclass(frozen=True)
class ModelStats:
    key: str
    nbytes: int
    device: str
    load_seconds: float
    warmup_seconds: float
    uses: int
    idle_seconds: float
    in_use: bool


@dataclass
class _Entry:
    loaded: LoadedModel
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = 0.0
    uses: int = 0
    in_use: int = 0
    record: ModelLoad | None = None


Loader = Callable[[], LoadedModel]


class ModelManager:
    def __init__(
        self,
        budget_bytes: int | None = None,
        idle_timeout_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget_bytes = budget_bytes
        self.idle_timeout_s = idle_timeout_s
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._sweeper: threading.Thread | None = None
        self._stop = threading.Event()

    @contextmanager
    def use(
        self, key: str, loader: Loader, expected_bytes: int = 0, *, engine: str | None = None
    ) -> Iterator[LoadedModel]:
        """The model under ``key``, loaded if needed, held exclusively for one generation.

        ``engine`` labels the load in metrics; by default it is the ``name`` of the object
        whose bound method ``loader`` is (an engine's ``self._load``).
        """
        entry = self._acquire(key, loader, expected_bytes, engine)
        try:
            with entry.lock:
                yield entry.loaded
        finally:
            with self._lock:
                entry.in_use -= 1
                entry.last_used = self._clock()

    def get(
        self, key: str, loader: Loader, expected_bytes: int = 0, *, engine: str | None = None
    ) -> LoadedModel:
        """Load (or find) a model without holding it, e.g. to warm it up at start-up."""
        with self.use(key, loader, expected_bytes, engine=engine) as loaded:
            return loaded

    def unload(self, key: str | None = None) -> list[str]:
        """Unload one model, or every model not in use when ``key`` is None."""
        with self._lock:
            keys = [key] if key is not None else list(self._entries)
            dropped = [k for k in keys if k in self._entries and not self._entries[k].in_use]
            gone = [self._entries.pop(k) for k in dropped]
        _report_unloads(gone)
        if dropped:
            _release_memory()
        return dropped

    def sweep(self) -> list[str]:
        """Unload models idle longer than the timeout; returns their keys."""
        if self.idle_timeout_s <= 0:
            return []
        now = self._clock()
        with self._lock:
            idle = [
                k
                for k, e in self._entries.items()
                if not e.in_use and now - e.last_used >= self.idle_timeout_s
            ]
        return [k for k in idle if self.unload(k)]

    def stats(self) -> list[ModelStats]:
        now = self._clock()
        with self._lock:
            return [
                ModelStats(
                    key=k,
                    nbytes=e.loaded.nbytes,
                    device=e.loaded.device,
                    load_seconds=e.loaded.load_seconds,
                    warmup_seconds=e.loaded.warmup_seconds,
                    uses=e.uses,
                    idle_seconds=now - e.last_used,
                    in_use=e.in_use > 0,
                )
                for k, e in self._entries.items()
            ]

    def close(self) -> None:
        self._stop.set()
        self.unload()

    def _acquire(
        self, key: str, loader: Loader, expected_bytes: int, engine: str | None
    ) -> _Entry:
        with self._lock:
            entry = self._hit(key)
            if entry is not None:
                return entry
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one thread loads; the others wait here and then find it
            with self._lock:
                entry = self._hit(key)
                if entry is not None:
                    return entry
            self._make_room(expected_bytes)
            tick = self._clock()
            rss = resident_bytes()
            wall = time.perf_counter()
            loaded = loader()
            record = _load_record(key, loader, loaded, engine, time.perf_counter() - wall, rss)
            if not loaded.load_seconds:
                loaded.load_seconds = self._clock() - tick
            with self._lock:
                entry = _Entry(loaded, last_used=self._clock(), uses=1, in_use=1, record=record)
                self._entries[key] = entry
            LOADS.record(record)
            self._make_room(0)
            self._start_sweeper()
            return entry

    def _hit(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            entry.uses += 1
            entry.in_use += 1
            entry.last_used = self._clock()
        return entry

    def _make_room(self, incoming: int) -> None:
        """Evict least recently used idle models until ``incoming`` more bytes fit."""
        if self.budget_bytes is None:
            return
        while True:
            with self._lock:
                used = sum(e.loaded.nbytes for e in self._entries.values())
                if used + incoming <= self.budget_bytes:
                    return
                victim = next((k for k, e in self._entries.items() if not e.in_use), None)
                if victim is None:
                    return  # everything is busy: go over budget rather than fail a page
                if len(self._entries) == 1 and incoming == 0:
                    return  # a lone model larger than the budget still has to run
                gone = self._entries.pop(victim)
            _report_unloads([gone])
            _release_memory()

    def _start_sweeper(self) -> None:
        if self.idle_timeout_s <= 0 or self._sweeper is not None:
            return
        period = max(1.0, min(self.idle_timeout_s / 4, 30.0))

        def run() -> None:
            while not self._stop.wait(period):
                self.sweep()

        self._sweeper = threading.Thread(target=run, name="docsight-model-sweeper", daemon=True)
        self._sweeper.start()


def _load_record(
    key: str,
    loader: Loader,
    loaded: LoadedModel,
    engine: str | None,
    seconds: float,
    rss: int | None,
) -> ModelLoad:
    """The load as metrics see it: wall time (warm-up included), RSS growth and ``nbytes``."""
    owner = getattr(loader, "__self__", None)
    name = engine or str(getattr(owner, "name", "") or "unknown")
    model = getattr(owner, "model", None) or loaded.details.get("source") or key
    return ModelLoad(
        engine=name,
        model=str(model),
        loader=MODEL_MANAGER,
        seconds=seconds,
        rss_bytes=rss_growth(rss),
        nbytes=loaded.nbytes,
        device=loaded.device,
    )


def _report_unloads(entries: list[_Entry]) -> None:
    for entry in entries:
        if entry.record is not None:
            LOADS.record(ModelUnload(entry.record))


def _release_memory() -> None:
    """Return freed tensors to the device; torch is only touched if something imported it."""
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


_default: ModelManager | None = None
_default_lock = threading.Lock()


def default_manager(settings: Settings) -> ModelManager:
    """The process-wide manager, configured by the first settings that ask for it."""
    global _default
    with _default_lock:
        if _default is None:
            budget = settings.vlm.memory_budget_gb
            _default = ModelManager(
                budget_bytes=int(budget * 1024**3) if budget else None,
                idle_timeout_s=settings.vlm.idle_timeout_s,
            )
        return _default


def select_model(settings: Settings, name: str) -> tuple[str, Settings]:
    """The engine and settings for ``name``: an engine name, or a ``settings.models`` entry.

    This is how a model is chosen per call: ``select_model(settings, "nanonets-ocr2-3b")``
    gives ``("nanonets", settings-with-that-model)`` to hand to ``pipeline.process``.
    """
    if name in ENGINES:
        return name, settings
    spec = settings.models.get(name)
    if spec is None:
        choices = ", ".join(sorted({*ENGINES, *settings.models}))
        raise UnknownEngineError(f"unknown engine or model {name!r}; choose one of: {choices}")
    if spec.engine == "nanonets":
        section: Any = settings.vlm
        limits = {"max_new_tokens": spec.max_new_tokens, "max_pixels": spec.max_pixels}
        updates = {"model": spec.model, "revision": spec.revision, "prompt": spec.prompt}
        field_name = "vlm"
    elif spec.engine == "openai":
        section = settings.openai
        limits = {"max_tokens": spec.max_new_tokens, "max_pixels": spec.max_pixels}
        updates = {"model": spec.model, "base_url": spec.base_url, "prompt": spec.prompt}
        field_name = "openai"
    else:
        return spec.engine, settings
    changes: dict[str, object] = {k: v for k, v in {**updates, **limits}.items() if v is not None}
    if spec.engine == "nanonets" and spec.revision is None:
        changes["revision"] = None  # a pin belongs to one model; never carry it to another
    return spec.engine, settings.model_copy(update={field_name: section.model_copy(update=changes)})


__all__ = ["LoadedModel", "ModelManager", "ModelStats", "default_manager", "select_model"]
