"""Model loads and unloads as events, for whoever wants to measure them (the service's metrics).

The engines may not import the server (an import-linter contract), yet the load time and the
memory a model takes are only known here. So the registry and the model manager report to a
process-wide :data:`LOADS` log, and the service subscribes to it. The log keeps the recent
events and replays them to a late subscriber: an engine loaded before the metrics existed (a
warm-up, a second app in one process) is still counted once by each subscriber.

Memory is measured two ways, because neither is right alone: the growth of resident memory
(RSS) around a load sees ONNX sessions and CPU weights but not GPU memory, and counts whatever
another thread allocated meanwhile; the model manager's own accounting (``LoadedModel.nbytes``,
from the framework) sees weights on any device but not the runtime's working memory.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

REGISTRY = "registry"
MODEL_MANAGER = "model_manager"


@dataclass(frozen=True)
class ModelLoad:
    """One model (or engine instance) made resident in this process."""

    engine: str
    model: str
    loader: str  # REGISTRY (engine construction) or MODEL_MANAGER (weights loaded on first use)
    seconds: float
    rss_bytes: int | None = None  # RSS growth around the load; None where RSS is unreadable
    nbytes: int | None = None  # the model manager's accounting; None for registry loads
    device: str = ""


@dataclass(frozen=True)
class ModelUnload:
    """A load undone (evicted, idle, unloaded): the same labels and amounts, given back."""

    load: ModelLoad


Event = ModelLoad | ModelUnload
Listener = Callable[[Event], None]
log = logging.getLogger(__name__)


class LoadLog:
    """Load and unload events of this process, delivered to subscribers in order.

    Listeners are called under the log's lock so that a subscriber's replay and live events
    never interleave or repeat; they must be quick and must not record events themselves.
    Bound methods are held weakly: a metrics object that is dropped stops listening without
    having to unsubscribe (tests and embedded apps make many).
    """

    def __init__(self, keep: int = 1024) -> None:
        self._lock = threading.Lock()
        self._events: deque[Event] = deque(maxlen=keep)
        self._listeners: list[Callable[[], Listener | None]] = []

    def record(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)
            alive = []
            for ref in self._listeners:
                listener = ref()
                if listener is None:
                    continue
                alive.append(ref)
                _deliver(listener, event)
            self._listeners = alive

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Replay the kept events to ``listener``, then send it new ones; returns an undo."""
        ref: Callable[[], Listener | None]
        if inspect.ismethod(listener):
            ref = weakref.WeakMethod(listener)
        else:

            def ref() -> Listener | None:
                return listener

        with self._lock:
            for event in self._events:
                _deliver(listener, event)
            self._listeners.append(ref)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = [r for r in self._listeners if r is not ref]

        return unsubscribe

    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)


def _deliver(listener: Listener, event: Event) -> None:
    try:
        listener(event)
    except Exception:  # a broken metric must never fail a model load
        log.exception("model load listener failed")


LOADS = LoadLog()


def resident_bytes() -> int | None:
    """Resident memory of the current process, or None where it cannot be read cheaply.

    ``/proc/self/statm`` rather than psutil: psutil is not a dependency, and this is read
    twice per load; elsewhere psutil is used if someone installed it.
    """
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        return None
    return int(psutil.Process().memory_info().rss)


def rss_growth(before: int | None) -> int | None:
    """RSS growth since ``before`` (never negative: a collection during the load is not a gain)."""
    after = resident_bytes()
    if before is None or after is None:
        return None
    return max(0, after - before)


__all__ = [
    "LOADS",
    "MODEL_MANAGER",
    "REGISTRY",
    "Event",
    "LoadLog",
    "ModelLoad",
    "ModelUnload",
    "resident_bytes",
    "rss_growth",
]
