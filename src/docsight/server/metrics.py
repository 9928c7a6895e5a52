"""Prometheus metrics, one registry per app so tests and embedded apps do not collide.

Job and queue gauges are read from the store at scrape time rather than counted in memory:
with several replicas and workers, only the store knows the truth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

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
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
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

    def watch_store(self, read: StatsReader, cache_size: Callable[[], int]) -> None:
        self.registry.register(_StoreCollector(read, cache_size))

    def render(self) -> bytes:
        return generate_latest(self.registry)


def priority_name(priority: int) -> str:
    return _PRIORITY_NAMES.get(priority, str(priority))
