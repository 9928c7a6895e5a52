"""Running one claimed job: process, record progress, honour cancel, write the result once.

A heartbeat thread renews the job's lease while a page is being read, so a slow page does not
look like a dead worker. Progress and cancel are checked between pages (the pipeline's
``on_page``): cancel stops at page granularity and a cancelled job never reports success. A
worker that finds it has lost its lease stops without writing, so a redelivered job completes
exactly once. Document errors (bad input) fail the job at once; unexpected crashes are retried
with backoff and then dead-lettered with the error kept.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from docsight.compare import compare
from docsight.errors import DocsightError
from docsight.fields import extract, resolve_specs
from docsight.models import DocumentStatus, PageResult, PageStatus, Result
from docsight.pipeline import ProcessOptions, process
from docsight.server.jobs.blobs import input_key, result_key
from docsight.server.jobs.tables import CANCELLED, DEAD, FAILED, SUCCEEDED, Job, utcnow
from docsight.server.logging import bound, get_logger

if TYPE_CHECKING:
    from docsight.server.jobs.service import JobService

log = get_logger("docsight.runner")


class _Stop(Exception):
    """Raised from ``on_page`` to leave the pipeline between pages."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Heartbeat:
    def __init__(self, service: JobService, job: Job, worker: str) -> None:
        self.service, self.job, self.worker = service, job, worker
        self.lost = False
        self.cancel = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=5)

    def beat(self, **values: object) -> None:
        ours, cancel = self.service.store.heartbeat(
            self.job.id, self.worker, self.service.server.lease_seconds, **values
        )
        self.lost = self.lost or not ours
        self.cancel = self.cancel or cancel

    def _run(self) -> None:
        interval = self.service.server.lease_seconds / 3
        while not self._done.wait(interval):
            try:
                self.beat()
            except Exception:  # the next beat or the page boundary will tell
                log.warning("heartbeat_failed", job_id=self.job.id)


class JobRunner:
    def __init__(self, service: JobService) -> None:
        self.service = service

    def execute(self, job: Job, worker: str) -> None:
        with bound(request_id=job.request_id, job_id=job.id, worker=worker):
            status = self._execute(job, worker)
        if status is not None:
            self.service.metrics.job_transitions.labels(status).inc()
            self._after(job)

    def _execute(self, job: Job, worker: str) -> str | None:
        service, server = self.service, self.service.server
        store = service.store
        if job.cancel_requested:
            return CANCELLED if store.finish(job.id, worker, CANCELLED) else None
        if job.attempts > server.max_retries + 1:  # it keeps killing its workers: a poison job
            return self._dead(job, worker, "worker_lost",
                              f"the worker was lost {job.attempts - 1} times while running it")
        log.info("job_started", attempt=job.attempts)
        options = ProcessOptions(**{k: v for k, v in job.options.items()
                                    if k in ProcessOptions.model_fields})
        try:
            with _Heartbeat(service, job, worker) as heartbeat:
                data = service.blobs.get(input_key(job.tenant_id, job.id))

                def on_start(total: int) -> None:
                    heartbeat.beat(pages_total=total, pages_done=0)
                    self._check(heartbeat)

                def on_page(page: PageResult) -> None:
                    self._count(job, page)
                    heartbeat.beat(pages_done=page_counter.increment())
                    self._check(heartbeat)

                page_counter = _Counter()
                if job.kind == "compare":
                    return self._compare(job, worker, data, heartbeat)
                result = process(data, options, service.settings, name=job.filename,
                                 on_start=on_start, on_page=on_page)
                if heartbeat.lost:
                    raise _Stop("lease lost")
                _extract_fields(result, job.options)
        except _Stop as stop:
            return self._stopped(job, worker, stop.reason)
        except DocsightError as exc:
            log.info("job_failed", code=exc.code, error=exc.message)
            return FAILED if self._finish(job, worker, FAILED, error_code=exc.code,
                                          error_message=exc.message) else None
        except Exception as exc:
            return self._crashed(job, worker, exc)
        payload = result.model_dump_json().encode()
        service.blobs.put(result_key(job.tenant_id, job.id), payload)
        status, error = SUCCEEDED, {}
        if result.status is DocumentStatus.FAILURE:
            first = next((p.error for p in result.pages if p.error is not None), None)
            status = FAILED
            error = {"error_code": first.code if first else "engine_failed",
                     "error_message": first.message if first else "every page failed"}
        finished = self._finish(job, worker, status, result_status=result.status.value,
                                pages_done=len(result.pages), pages_total=len(result.pages),
                                media_type=result.document.media_type, **error)
        if not finished:  # lost the lease, or cancelled after the last page
            if not self._finish(job, worker, CANCELLED):
                return None
            service.blobs.delete(result_key(job.tenant_id, job.id))
            return CANCELLED
        if status == SUCCEEDED and job.cache_key and server.cache_ttl > 0:
            service.cache.put(job.cache_key, payload)
        log.info("job_finished", status=status, pages=len(result.pages))
        return status

    def _compare(self, job: Job, worker: str, data: bytes, heartbeat: _Heartbeat) -> str | None:
        """One document through several engines; the comparison is the job's (JSON) result."""
        comparison = compare(data, list(job.options["engines"]), self.service.settings,
                             pages=job.options.get("pages"), name=job.filename)
        if heartbeat.lost:
            raise _Stop("lease lost")
        payload = comparison.model_dump_json().encode()
        self.service.blobs.put(result_key(job.tenant_id, job.id), payload)
        pages = len(comparison.pages)
        done = self._finish(job, worker, SUCCEEDED, result_status="success", pages_done=pages,
                            pages_total=pages, media_type=comparison.document.media_type)
        return SUCCEEDED if done else None

    def _check(self, heartbeat: _Heartbeat) -> None:
        if heartbeat.lost:
            raise _Stop("lease lost")
        if heartbeat.cancel:
            raise _Stop("cancelled")
        if self.service.shutdown.is_set():
            raise _Stop("shutdown")

    def _count(self, job: Job, page: PageResult) -> None:
        metrics = self.service.metrics
        metrics.pages.labels(job.engine, page.status.value).inc()
        if page.status is PageStatus.SUCCESS and "ocr" in page.timings:
            metrics.page_seconds.labels(job.engine).observe(page.timings["ocr"])

    def _finish(self, job: Job, worker: str, status: str, **values: object) -> bool:
        expires = utcnow() + timedelta(seconds=self.service.server.result_ttl)
        return self.service.store.finish(job.id, worker, status, expires_at=expires, **values)

    def _stopped(self, job: Job, worker: str, reason: str) -> str | None:
        log.info("job_stopped", reason=reason)
        if reason == "cancelled":
            return CANCELLED if self._finish(job, worker, CANCELLED) else None
        if reason == "shutdown":  # resume after the restart; this attempt does not count
            self.service.store.requeue(job.id, detail="shutdown", refund_attempt=True)
        return None

    def _crashed(self, job: Job, worker: str, exc: Exception) -> str | None:
        message = f"{type(exc).__name__}: {exc}"
        log.exception("job_crashed", attempt=job.attempts)
        if job.attempts <= self.service.server.max_retries:
            delay = float(2 ** (job.attempts - 1))
            self.service.store.requeue(job.id, delay=delay, detail=f"retry: {message}")
            self.service.queue.enqueue(job, delay=delay)
            return None
        return self._dead(job, worker, "internal_error", message)

    def _dead(self, job: Job, worker: str, code: str, message: str) -> str | None:
        log.error("job_dead_lettered", code=code, error=message)
        done = self._finish(job, worker, DEAD, error_code=code, error_message=message)
        return DEAD if done else None

    def _after(self, job: Job) -> None:
        """Webhooks of the job and, when it was the batch's last, of the batch."""
        service = self.service
        if job.webhook_url:
            service.queue.notify("job", job.id)
        if job.batch_id and service.store.batch_finished_once(job.batch_id):
            batch = service.store.get_batch(job.batch_id, job.tenant_id)
            if batch is not None and batch.webhook_url:
                service.queue.notify("batch", batch.id)


def _extract_fields(result: Result, options: dict[str, Any]) -> None:
    """Typed fields when the submission asked for a template or fields (stored on the result)."""
    template, fields = options.get("template"), options.get("fields")
    if template is None and fields is None:
        return
    specs = []
    if template is not None:
        specs += resolve_specs(None if template == "auto" else template, result)
    if fields is not None:
        specs += resolve_specs(fields, result)
    extract(result, specs)


class _Counter:
    def __init__(self) -> None:
        self.value = 0

    def increment(self) -> int:
        self.value += 1
        return self.value
