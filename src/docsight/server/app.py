"""``create_app(settings)``: the FastAPI application, its lifespan and its middleware.

The lifespan builds the store (running migrations), blob store, cache, metrics and the queue
backend, and starts the housekeeping thread (expired results; with Celery, re-sending ids the
broker lost). Everything hangs off ``app.state`` and reaches routes through ``deps``; nothing is
global, so tests build as many apps as they like.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docsight import __version__
from docsight.server import problems
from docsight.server.cache import make_cache
from docsight.server.jobs.blobs import make_blob_store
from docsight.server.jobs.queue import InlineQueue, QueueBackend
from docsight.server.jobs.service import JobService
from docsight.server.jobs.store import JobStore
from docsight.server.logging import bound, configure_logging, get_logger, request_id_from
from docsight.server.metrics import Metrics
from docsight.server.routes.batches import router as batches_router
from docsight.server.routes.cache import router as cache_router
from docsight.server.routes.compare import router as compare_router
from docsight.server.routes.engines import router as engines_router
from docsight.server.routes.health import router as health_router
from docsight.server.routes.jobs import router as jobs_router
from docsight.server.routes.ocr import router as ocr_router
from docsight.server.shortcut import HotResultShortcut
from docsight.settings import Settings, get_settings

log = get_logger("docsight.api")

DESCRIPTION = """Self-hosted document OCR. Submit documents as jobs (`POST /v1/jobs`), poll
them (`GET /v1/jobs/{id}?wait=30`), fetch results in any format. Errors are
`application/problem+json` with a stable `code`."""


def make_queue(settings: Settings) -> QueueBackend:
    if settings.server.queue == "celery":
        from docsight.server.jobs.celery_app import CeleryQueue

        return CeleryQueue(settings)
    return InlineQueue(settings.server.inline_workers)


def build_service(settings: Settings, queue: QueueBackend | None = None) -> JobService:
    """The job service with its store (migrated), blobs, cache and queue; shared by workers."""
    server = settings.server
    store = JobStore(server.database_url)
    store.migrate()
    cache = make_cache(server.redis_url, server.cache_ttl)
    metrics = Metrics()
    metrics.watch_store(store.stats, cache.size)
    return JobService(
        settings=settings, store=store, cache=cache,
        blobs=make_blob_store(server.blob_dir, server.s3_endpoint_url),
        metrics=metrics, queue=queue or make_queue(settings),
    )


def _housekeeping(service: JobService, stop: threading.Event) -> None:
    while not stop.wait(service.server.housekeeping_every):
        try:
            service.cleanup_expired()
            service.redrive_webhooks()
            if service.queue.name != "inline":  # inline workers read the store directly
                service.reconcile(older_than=service.server.reconcile_after)
        except Exception:
            log.exception("housekeeping_failed")


class Observe:
    """Request id, metrics and one JSON log line per request.

    Plain ASGI rather than ``BaseHTTPMiddleware``: it sits on the hot status and cached-result
    paths, where the extra task and stream wrapping of the latter cost measurable latency.
    """

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = request_id_from(header)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        with bound(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route: Any = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        metrics: Metrics | None = getattr(self.state, "metrics", None)
        if metrics is not None:
            metrics.http_requests.labels(method, route, status).inc()
            metrics.http_latency.labels(method, route).observe(elapsed)
        if route not in ("/metrics", "/healthz"):
            log.info("http_request", method=method, route=route, status=status,
                     ms=round(elapsed * 1000, 1))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = build_service(settings)
        app.state.service = service
        app.state.metrics = service.metrics
        service.queue.start(service)
        stop = threading.Event()
        keeper = threading.Thread(
            target=_housekeeping, args=(service, stop), daemon=True
        )
        keeper.start()
        # Start-up leaves a few hundred thousand long-lived objects (routes, models, SQLAlchemy
        # mappers); frozen, full collections no longer walk them, which cut the p99 of hot routes.
        gc.freeze()
        log.info("service_started", queue=service.queue.name, version=__version__)
        try:
            yield
        finally:
            stop.set()
            service.shutdown.set()  # running inline jobs stop at the next page and requeue
            service.queue.stop()
            service.store.close()
            service.metrics.process_exiting()
            log.info("service_stopped")

    app = FastAPI(
        title="docsight",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=problems.documented(422, 500),
    )
    app.state.settings = settings
    problems.install(app)
    for router in (jobs_router, ocr_router, batches_router, compare_router, engines_router,
                   cache_router, health_router):
        app.include_router(router)

    app.add_middleware(HotResultShortcut, state=app.state)  # inside Observe: logged, counted
    app.add_middleware(Observe, state=app.state)
    return app
