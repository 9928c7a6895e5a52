"""The ``celery`` queue backend: Redis broker, ids only, ``acks_late``, priorities, routing.

Tasks carry a job id (and the request id for the logs), never documents: the store and the blob
store hold the rest, so a task is idempotent: a second delivery finds the job claimed or done.
``acks_late`` plus ``task_reject_on_worker_lost`` means a message held by a worker that dies is
redelivered (after the broker's visibility timeout); the job's lease decides who may finish it.
Priorities use the Redis transport's priority steps (0 = high, 3 = normal, 6 = low) with a
prefetch of one, so a worker always takes the most urgent message next. Jobs whose engine needs
a GPU go to the ``gpu`` queue, the rest to ``cpu``; webhooks have their own ``webhooks`` queue.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from celery import Celery, Task  # type: ignore[import-untyped]

from docsight.server.jobs.queue import worker_name
from docsight.server.jobs.tables import QUEUED, RUNNING, TERMINAL, utcnow
from docsight.server.logging import bound, configure_logging, get_logger
from docsight.settings import Settings, get_settings

if TYPE_CHECKING:
    from docsight.server.jobs.service import JobService
    from docsight.server.jobs.tables import Job

log = get_logger("docsight.celery")
PRIORITY_STEP = 3
WEBHOOK_QUEUE = "webhooks"


def make_celery(settings: Settings) -> Celery:
    server = settings.server
    if not server.redis_url:
        raise ValueError("the celery queue needs DOCSIGHT_SERVER__REDIS_URL")
    app = Celery("docsight", broker=server.redis_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_default_queue="cpu",
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_transport_options={
            "visibility_timeout": server.celery_visibility_timeout,
            "queue_order_strategy": "priority",
            "priority_steps": list(range(10)),
        },
    )
    _register_tasks(app, settings)
    return app


_service_lock = threading.Lock()
_services: dict[int, JobService] = {}


def worker_service(app: Celery, settings: Settings) -> JobService:
    """The worker process's job service, built on first use (after the prefork fork)."""
    with _service_lock:
        service = _services.get(id(app))
        if service is None:
            from docsight.server.app import build_service

            configure_logging()
            service = build_service(settings, queue=CeleryQueue(settings, app))
            _services[id(app)] = service
        return service


def serve_metrics(
    app: Celery, settings: Settings, port: int, *, multiprocess_dir: str | None = None
) -> None:
    """Expose this worker's metrics (pages, engine time, model loads, webhooks) on ``port``.

    ``solo`` and ``threads`` pools run jobs in this process: its service's registry is served.
    A prefork pool runs them in children, which cannot share a port, so the parent serves the
    merge of the files that the children write under ``multiprocess_dir`` (prometheus_client
    multiprocess mode, which the caller must have switched on before the children exist). The
    parent builds no service of its own: it would be forked into every child.
    """
    from prometheus_client import start_http_server

    if multiprocess_dir is None:
        start_http_server(port, registry=worker_service(app, settings).metrics.registry)
        return
    from celery.signals import worker_process_shutdown  # type: ignore[import-untyped]
    from prometheus_client.multiprocess import mark_process_dead

    from docsight.server.metrics import multiprocess_registry

    def process_gone(**_: object) -> None:  # in the child, as it exits cleanly
        mark_process_dead(os.getpid(), multiprocess_dir)  # type: ignore[no-untyped-call]

    worker_process_shutdown.connect(process_gone, weak=False)
    start_http_server(port, registry=multiprocess_registry(multiprocess_dir))


def retry_delay(job: Job | None, lease_seconds: float) -> float | None:
    """Seconds to wait before looking at a job we could not claim; None when nothing is left."""
    if job is None or job.status in TERMINAL:
        return None
    now = utcnow()
    if job.status == QUEUED and job.not_before is not None and job.not_before > now:
        return (job.not_before - now).total_seconds() + 0.1
    if job.status == RUNNING and job.leased_until is not None:
        return max(0.5, (job.leased_until - now).total_seconds() + 0.5)
    return lease_seconds


def _register_tasks(app: Celery, settings: Settings) -> None:
    @app.task(name="docsight.run_job", bind=True, max_retries=None)  # type: ignore[untyped-decorator]
    def run_job(self: Task[Any, Any], job_id: str, request_id: str | None = None) -> None:
        service = worker_service(app, settings)
        worker = worker_name(str(self.request.hostname or "celery"))
        with bound(request_id=request_id, job_id=job_id, task_id=self.request.id):
            job = service.claim(worker, job_id)
            if job is not None:
                service.execute(job, worker)
                return
            delay = retry_delay(service.store.get(job_id), service.server.lease_seconds)
            if delay is not None:  # held by a worker that may be dead: look again later
                log.info("job_busy_retry_later", delay=round(delay, 1))
                raise self.retry(countdown=delay)

    @app.task(name="docsight.deliver_webhook")  # type: ignore[untyped-decorator]
    def deliver_webhook(kind: str, ident: str) -> None:
        worker_service(app, settings).deliver_webhook(kind, ident)


class CeleryQueue:
    name = "celery"

    def __init__(self, settings: Settings | None = None, app: Celery | None = None) -> None:
        self.settings = settings or get_settings()
        self.app = app or make_celery(self.settings)

    def start(self, service: JobService) -> None:
        """Nothing to start: ``docsight worker`` processes run the jobs."""

    def stop(self) -> None:
        self.app.close()

    def enqueue(self, job: Job, *, delay: float = 0) -> None:
        self.app.send_task(
            "docsight.run_job",
            args=[job.id],
            kwargs={"request_id": job.request_id},
            queue=job.queue,
            priority=job.priority * PRIORITY_STEP,
            countdown=delay or None,
        )

    def notify(self, kind: str, ident: str) -> None:
        self.app.send_task("docsight.deliver_webhook", args=[kind, ident], queue=WEBHOOK_QUEUE)

    def ping(self) -> None:
        with self.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
