"""Prometheus metrics, one registry per app so tests and embedded apps do not collide.

Job and queue gauges are read from the store at scrape time rather than counted in memory:
with several replicas and workers, only the store knows the truth.

Model loads come from the engines' ``loads.LOADS`` log (the engines may not import the server),
turned into ordinary metric updates rather than read at scrape time, so that the same code
works in prometheus_client's multiprocess mode, where only values written by metric objects
reach the process that serves ``/metrics`` (a prefork Celery worker's parent).
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from docsight.engines.loads import LOADS, Event, LoadLog, ModelLoad
from docsight.server.jobs.tables import PRIORITIES

_PRIORITY_NAMES = {v: k for k, v in PRIORITIES.items()}
StatsReader = Callable[[], tuple[dict[str, int], dict[int, tuple[int, float]]]]


class _StoreCollector(Collector):
    def __init__(self, read: StatsReader, cache_size: Callable[[], int]) -> None:
        self._read = read
        self._cache_size = cache_size

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            states, queued = self._read()
        except Exception:  # a scrape must not fail because the store blinked
            return
        jobs = GaugeMetricFamily("docsight_jobs", "Jobs in the store by state.", labels=["state"])
        for state, count in sorted(states.items()):
            jobs.add_metric([state], count)
        yield jobs
        depth = GaugeMetricFamily(
            "docsight_queue_depth", "Queued jobs by priority.", labels=["priority"]
        )
        age = GaugeMetricFamily(
            "docsight_queue_oldest_age_seconds",
            "Age of the oldest queued job by priority.",
            labels=["priority"],
        )
        for name, number in PRIORITIES.items():
            count, oldest = queued.get(number, (0, 0.0))
            depth.add_metric([name], count)
            age.add_metric([name], oldest)
        yield age
        yield depth
        cache = GaugeMetricFamily("docsight_cache_entries", "Entries in the result cache.")
        try:
            cache.add_metric([], self._cache_size())
            yield cache
        except Exception:
            return


class Metrics:
    def __init__(self, loads: LoadLog = LOADS) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        # Set by ``docsight serve --workers N`` (and prefork workers): every process writes its
        # values to files there, and a scrape, answered by whichever process the kernel picks,
        # must merge them all rather than report that one process.
        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        self._store: _StoreCollector | None = None
        if self.multiprocess_dir is None:
            ProcessCollector(registry=r)  # memory and CPU of this process (models included)
        self.http_requests = Counter(
            "docsight_http_requests", "HTTP requests.", ["method", "route", "status"], registry=r
        )
        self.http_latency = Histogram(
            "docsight_http_request_duration_seconds",
            "HTTP request latency.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=r,
        )
        self.job_transitions = Counter(
            "docsight_job_transitions", "Jobs reaching a state.", ["state"], registry=r
        )
        self.pages = Counter(
            "docsight_pages_processed", "Pages processed.", ["engine", "status"], registry=r
        )
        self.page_seconds = Histogram(
            "docsight_engine_page_seconds",
            "Engine time per page.",
            ["engine"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
            registry=r,
        )
        self.cache = Counter("docsight_cache_lookups", "Cache lookups.", ["outcome"], registry=r)
        self.webhooks = Counter(
            "docsight_webhook_deliveries", "Webhook delivery attempts.", ["outcome"], registry=r
        )
        self.rejected = Counter(
            "docsight_submissions_rejected", "Submissions refused (backpressure).",
            ["priority"], registry=r,
        )
        self.model_load_seconds = Histogram(
            "docsight_model_load_seconds",
            "Wall time of each model load in this process (summed over a prefork worker's "
            "children). loader=registry: engine construction, which is the model load for "
            "rapidocr; loader=model_manager: VLM weights loaded on first use, warm-up included.",
            ["engine", "model", "loader"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
            registry=r,
        )
        self.model_resident = Gauge(
            "docsight_model_resident_bytes",
            "Resident memory (RSS) growth measured around the load of each model still loaded, "
            "summed over live processes. Approximate: includes anything else allocated during "
            "the load and excludes GPU memory (see docsight_model_bytes).",
            ["engine", "model", "loader"],
            multiprocess_mode="livesum",
            registry=r,
        )
        self.model_bytes = Gauge(
            "docsight_model_bytes",
            "Memory of loaded models by the model manager's own accounting (the framework's "
            "footprint of the weights, on their device), summed over live processes.",
            ["engine", "model", "device"],
            multiprocess_mode="livesum",
            registry=r,
        )
        loads.subscribe(self._on_model_event)

    def _on_model_event(self, event: Event) -> None:
        load, sign = (event, 1) if isinstance(event, ModelLoad) else (event.load, -1)
        if isinstance(event, ModelLoad):
            self.model_load_seconds.labels(load.engine, load.model, load.loader).observe(
                load.seconds
            )
        if load.rss_bytes is not None:
            self.model_resident.labels(load.engine, load.model, load.loader).inc(
                sign * load.rss_bytes
            )
        if load.nbytes is not None:
            self.model_bytes.labels(load.engine, load.model, load.device).inc(sign * load.nbytes)

    def watch_store(self, read: StatsReader, cache_size: Callable[[], int]) -> None:
        self._store = _StoreCollector(read, cache_size)
        self.registry.register(self._store)

    def render(self) -> bytes:
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        merged = multiprocess_registry(self.multiprocess_dir)
        if self._store is not None:  # read from the store once, not summed per process
            merged.register(self._store)
        return generate_latest(merged)

    def process_exiting(self) -> None:
        """Drop this process's live gauges from the merged view (multiprocess mode only)."""
        if self.multiprocess_dir is not None:
            mark_process_dead(os.getpid(), self.multiprocess_dir)  # type: ignore[no-untyped-call]


class _DeadProcessSweeper(Collector):
    """Drops the live gauges of worker children that died without saying so.

    A child that exits cleanly calls ``mark_process_dead`` itself (``worker_process_shutdown``);
    one killed by the OOM killer or SIGKILL cannot, and its models would otherwise stay counted
    in ``docsight_model_*_bytes`` for as long as the worker runs. Registered before the
    multiprocess collector, so each scrape sweeps first.
    """

    _FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")

    def __init__(self, path: str) -> None:
        self._path = path

    def collect(self) -> Iterable[Metric]:
        pids = set()
        for name in glob.glob(os.path.join(self._path, "gauge_live*_*.db")):
            match = self._FILE.search(name)
            if match:
                pids.add(int(match.group(1)))
        for pid in pids:
            if not _alive(pid):
                mark_process_dead(pid, self._path)  # type: ignore[no-untyped-call]
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def multiprocess_registry(path: str) -> CollectorRegistry:
    """A registry that merges what every process wrote under ``path`` (prefork workers).

    The processes must have been started with ``PROMETHEUS_MULTIPROC_DIR=path`` so their
    metrics are written there; the process serving this registry needs no metrics of its own.
    """
    registry = CollectorRegistry()
    registry.register(_DeadProcessSweeper(path))
    MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    return registry


def priority_name(priority: int) -> str:
    return _PRIORITY_NAMES.get(priority, str(priority))
