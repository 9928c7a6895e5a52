"""Engines by name, imported lazily so that a missing optional extra only matters when used."""

from __future__ import annotations

import importlib
import os
import threading
import time
from dataclasses import dataclass

from docsight.engines.base import Availability, Capabilities, Engine
from docsight.engines.loads import LOADS, REGISTRY, ModelLoad, resident_bytes, rss_growth
from docsight.errors import EngineUnavailableError, UnknownEngineError
from docsight.settings import Settings

ENGINES: dict[str, str] = {
    "rapidocr": "docsight.engines.rapid:RapidOcrEngine",
    "tesseract": "docsight.engines.tesseract:TesseractEngine",
    "nanonets": "docsight.engines.nanonets:NanonetsEngine",
    "openai": "docsight.engines.openai_compat:OpenAICompatEngine",
}

_instances: dict[tuple[str, str], Engine] = {}
_ENGINE_SECTIONS = {"engine", "vlm", "openai", "models"}
_lock = threading.Lock()
# Engines a forked child inherited: kept referenced, never torn down in the child, whose copy of
# the runtime's threads does not exist.
_inherited: list[Engine] = []


def _forget_after_fork() -> None:
    """A forked child loads its own engines instead of using the parent's.

    OpenVINO's inference threads do not survive ``fork``: a child that read a page with an
    engine its parent had loaded (``multiprocessing`` on Linux, after one ``process()`` in the
    parent) waited forever. The lock is renewed too, in case the fork caught it held.
    """
    global _lock
    _inherited.extend(_instances.values())
    _instances.clear()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


@dataclass(frozen=True)
class EngineInfo:
    name: str
    description: str
    available: bool
    reason: str
    capabilities: Capabilities


def engine_class(name: str) -> type[Engine]:
    """Import and return the class registered under ``name``."""
    try:
        target = ENGINES[name]
    except KeyError:
        choices = ", ".join(sorted(ENGINES))
        raise UnknownEngineError(f"unknown engine {name!r}; choose one of: {choices}") from None
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        # A broken or partial install is an unavailable engine, not a crash.
        raise EngineUnavailableError(f"engine {name!r} cannot be imported: {exc}") from exc
    cls: type[Engine] = getattr(module, attr)
    return cls


def get_engine(name: str, settings: Settings) -> Engine:
    """A shared engine instance for ``name`` and these engine settings (models load once).

    Keyed on every section an engine reads, not on render or limit settings, so a per-call
    ``dpi`` does not reload models but a changed model path does. Construction is reported to
    ``loads.LOADS`` because for most engines it is the model load (time and memory); engines
    that load weights later through the model manager report that load from there.
    """
    key = (name, settings.model_dump_json(include=_ENGINE_SECTIONS))
    with _lock:
        engine = _instances.get(key)
        if engine is None:
            cls = engine_class(name)
            status = cls.availability()
            if not status.available:
                raise EngineUnavailableError(f"engine {name!r} is not available: {status.reason}")
            rss = resident_bytes()
            tick = time.perf_counter()
            engine = cls(settings)
            seconds = time.perf_counter() - tick
            _instances[key] = engine
            model = getattr(engine, "model", None) or name
            LOADS.record(ModelLoad(name, str(model), REGISTRY, seconds, rss_growth(rss)))
        return engine


def list_engines() -> list[EngineInfo]:
    """Every registered engine with whether it can run here and, if not, why."""
    infos = []
    for name in ENGINES:
        try:
            cls = engine_class(name)
            status = cls.availability()
            infos.append(
                EngineInfo(name, cls.description, status.available, status.reason, cls.capabilities)
            )
        except EngineUnavailableError as exc:
            infos.append(EngineInfo(name, "", False, exc.message, Capabilities()))
    return infos


def check_available(name: str) -> Availability:
    return engine_class(name).availability()
