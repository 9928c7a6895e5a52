"""The job service: submission, queries, cancel/replay, results, webhooks and housekeeping.

Routes, the inline threads and the Celery tasks all call these keyword-only functions; none of
them touches the store or the blobs directly. Running a claimed job lives in ``runner``.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from docsight.document import sniff_media_type
from docsight.engines.registry import ENGINES, engine_class
from docsight.errors import ConfigurationError, EmptyDocumentError, UnsupportedTypeError
from docsight.fields import get_template, resolve_specs
from docsight.formats import export, media_type, parse_formats
from docsight.models import Result
from docsight.pipeline import ProcessOptions
from docsight.server import webhooks
from docsight.server.cache import ResultCache, cache_key
from docsight.server.jobs.blobs import BlobStore, input_key, job_prefix, result_key
from docsight.server.jobs.deliveries import record_delivery, undelivered_webhooks
from docsight.server.jobs.hot import HotResult, HotResults
from docsight.server.jobs.queue import QueueBackend
from docsight.server.jobs.runner import JobRunner
from docsight.server.jobs.store import JobStore
from docsight.server.jobs.tables import (
    DEAD,
    FAILED,
    PRIORITIES,
    QUEUED,
    SUCCEEDED,
    TERMINAL,
    Batch,
    Job,
    WebhookDelivery,
    utcnow,
)
from docsight.server.logging import get_logger
from docsight.server.metrics import Metrics
from docsight.server.problems import (
    ConflictError,
    GoneError,
    JobNotFoundError,
    NotReadyError,
    PayloadTooLargeError,
    QueueFullError,
)
from docsight.settings import Settings

log = get_logger("docsight.jobs")
DEFAULT_FORMATS = ["json", "md"]


@dataclass
class Submission:
    """One document to read, as the API received it."""

    data: bytes
    filename: str | None = None
    options: ProcessOptions = field(default_factory=ProcessOptions)
    formats: list[str] = field(default_factory=lambda: list(DEFAULT_FORMATS))
    priority: str = "normal"
    webhook_url: str | None = None
    idempotency_key: str | None = None
    request_id: str | None = None
    tenant: str = "default"
    batch_id: str | None = None
    template: str | None = None  # built-in template name, or "auto" (classify)
    fields: Any = None  # catalog names, field specs, a template mapping or a JSON Schema
    compare: list[str] | None = None  # engines to compare: makes this a ``compare`` job


class JobService:
    def __init__(
        self,
        *,
        settings: Settings,
        store: JobStore,
        blobs: BlobStore,
        cache: ResultCache,
        metrics: Metrics,
        queue: QueueBackend,
    ) -> None:
        self.settings = settings
        self.server = settings.server
        self.store = store
        self.blobs = blobs
        self.cache = cache
        self.metrics = metrics
        self.queue = queue
        self.shutdown = threading.Event()
        self.runner = JobRunner(self)
        self.hot = HotResults(self.server.hot_results_bytes)

    # --- submission ------------------------------------------------------------------------

    def validate(self, sub: Submission) -> str:
        """Refuse what would fail later anyway, before storing anything; returns the engine."""
        engine = sub.options.engine or self.settings.engine.default
        engine_class(engine)  # UnknownEngineError lists the choices
        sub.formats = parse_formats(",".join(sub.formats)) if sub.formats else DEFAULT_FORMATS
        if sub.priority not in PRIORITIES:
            raise ConfigurationError(f"priority must be one of {', '.join(PRIORITIES)}")
        if len(sub.data) > self.server.max_upload_bytes:
            raise PayloadTooLargeError(
                f"upload of {len(sub.data)} bytes exceeds {self.server.max_upload_bytes}"
            )
        if not sub.data:
            raise EmptyDocumentError(f"{sub.filename or 'upload'}: the document is empty (0 bytes)")
        if sniff_media_type(sub.data[:2048]) is None:
            raise UnsupportedTypeError(
                f"{sub.filename or 'upload'}: not a supported document type "
                "(supported: PDF, PNG, JPEG, TIFF, WebP, BMP, GIF)"
            )
        if sub.webhook_url:
            webhooks.check_destination(
                sub.webhook_url, allow_private=self.server.webhook_allow_private
            )
        if sub.template not in (None, "auto"):
            get_template(sub.template)
        if sub.fields is not None:
            resolve_specs(sub.fields)
        if sub.compare is not None and (
            len(sub.compare) < 2 or len(set(sub.compare)) != len(sub.compare)
        ):
            raise ConfigurationError("compare needs two or more different engines")
        return engine

    def check_capacity(self, priority: str, count: int = 1) -> None:
        limit = self.server.max_queued.get(priority)
        if limit is None:
            return
        depth = self.store.queue_depth(PRIORITIES[priority])
        if depth + count > limit:
            self.metrics.rejected.labels(priority).inc(count)
            raise QueueFullError(
                f"the {priority} queue is full ({depth} waiting, limit {limit}); retry later",
                retry_after=max(1, min(300, depth // max(1, self.server.inline_workers))),
            )

    def submit(self, sub: Submission) -> tuple[Job, bool]:
        """Store the input and queue a job (or answer from the cache); (job, newly created)."""
        if sub.idempotency_key:
            existing = self.store.by_idempotency_key(sub.tenant, sub.idempotency_key)
            if existing is not None:
                return existing, False
        engine = self.validate(sub)
        if sub.batch_id is None:
            self.check_capacity(sub.priority)
        job = self._new_job(sub, engine)
        cached = self.cache.get(job.cache_key or "") if self.server.cache_ttl > 0 else None
        self.metrics.cache.labels("hit" if cached else "miss").inc()
        self.blobs.put(input_key(sub.tenant, job.id), sub.data)
        if cached is not None:
            result = Result.model_validate_json(cached)
            self.blobs.put(result_key(sub.tenant, job.id), cached)
            now = utcnow()
            job.status, job.cache_hit, job.result_status = SUCCEEDED, True, result.status.value
            job.pages_done = job.pages_total = len(result.pages)
            job.media_type = result.document.media_type
            job.started_at = job.finished_at = now
            job.expires_at = now + timedelta(seconds=self.server.result_ttl)
        job, created = self.store.add_job(job, "cache hit" if cached else None)
        if created:
            self.metrics.job_transitions.labels(job.status).inc()
            if job.status == QUEUED:
                self.queue.enqueue(job)
            elif job.webhook_url:
                self.queue.notify("job", job.id)
        log.info(
            "job_submitted",
            job_id=job.id,
            created=created,
            cache_hit=job.cache_hit,
            engine=engine,
            size_bytes=len(sub.data),
        )
        return job, created

    def _new_job(self, sub: Submission, engine: str) -> Job:
        sha = hashlib.sha256(sub.data).hexdigest()
        options = sub.options.model_dump(exclude_none=True)
        options["engine"] = engine
        if sub.template is not None:
            options["template"] = sub.template
        if sub.fields is not None:
            options["fields"] = sub.fields
        if sub.compare is not None:
            options["engines"] = sub.compare
        gpu = any(
            ENGINES.get(name) is not None and engine_class(name).capabilities.gpu
            for name in sub.compare or [engine]
        )
        return Job(
            id=uuid.uuid4().hex,
            tenant_id=sub.tenant,
            batch_id=sub.batch_id,
            status=QUEUED,
            kind="ocr" if sub.compare is None else "compare",
            priority=PRIORITIES[sub.priority],
            queue="gpu" if gpu else "cpu",
            engine=engine,
            options=options,
            formats={"names": sub.formats},
            filename=sub.filename,
            size_bytes=len(sub.data),
            input_sha256=sha,
            cache_key=cache_key(sub.tenant, sha, engine, options) if not sub.compare else None,
            idempotency_key=sub.idempotency_key,
            request_id=sub.request_id,
            webhook_url=sub.webhook_url,
            enqueued_at=utcnow(),
            created_at=utcnow(),
            pages_done=0,
            attempts=0,
            cache_hit=False,
            cancel_requested=False,
        )

    def create_batch(
        self,
        subs: list[Submission],
        *,
        tenant: str,
        webhook_url: str | None,
        request_id: str | None,
        priority: str,
    ) -> tuple[Batch, list[Job]]:
        for sub in subs:
            self.validate(sub)
        if webhook_url:
            webhooks.check_destination(webhook_url, allow_private=self.server.webhook_allow_private)
        self.check_capacity(priority, len(subs))
        batch = self.store.add_batch(
            Batch(
                id=uuid.uuid4().hex,
                tenant_id=tenant,
                size=len(subs),
                webhook_url=webhook_url,
                request_id=request_id,
                created_at=utcnow(),
                finished_notified=False,
            )
        )
        jobs = []
        for sub in subs:
            sub.batch_id = batch.id
            jobs.append(self.submit(sub)[0])
        if webhook_url and self.store.batch_finished_once(batch.id):  # all from the cache
            self.queue.notify("batch", batch.id)
        return batch, jobs

    # --- queries ----------------------------------------------------------------------------

    def get(self, job_id: str, tenant: str) -> Job:
        job = self.store.get(job_id, tenant)
        if job is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        return job

    def get_batch(self, batch_id: str, tenant: str) -> tuple[Batch, list[Job]]:
        batch = self.store.get_batch(batch_id, tenant)
        if batch is None:
            raise JobNotFoundError(f"no batch {batch_id!r}")
        jobs = self.store.list_jobs(tenant, batch_id=batch_id, limit=10_000).items
        return batch, sorted(jobs, key=lambda job: (job.created_at, job.id))

    async def wait(self, job_id: str, tenant: str, timeout: float) -> Job:
        """Long-poll: return as soon as the job is terminal, or after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(timeout, self.server.max_wait)
        delay = 0.02
        while True:
            job = await asyncio.to_thread(self.get, job_id, tenant)
            if job.status in TERMINAL or loop.time() >= deadline:
                return job
            await asyncio.sleep(min(delay, max(0.0, deadline - loop.time())))
            delay = min(delay * 1.5, 0.25)

    def result(self, job: Job) -> Result:
        if job.kind != "ocr":
            raise ConflictError(f"job {job.id} is a {job.kind} job: its result is JSON only")
        return Result.model_validate_json(self.result_bytes(job))

    def result_bytes(self, job: Job) -> bytes:
        if job.status not in TERMINAL:
            raise NotReadyError(f"job {job.id} is {job.status}; poll until it finishes")
        key = result_key(job.tenant_id, job.id)
        if not self.blobs.exists(key):
            if job.status == SUCCEEDED or (job.status == FAILED and job.result_status):
                raise GoneError(f"the result of job {job.id} has expired")
            raise ConflictError(f"job {job.id} ended {job.status} without a result")
        return self.blobs.get(key)

    def export_hot(self, job_id: str, tenant: str, fmt: str) -> HotResult:
        """The exported result, kept in memory when the job succeeded (it can no longer change)."""
        job = self.get(job_id, tenant)
        data, mtype = self.export(job, fmt)
        raw = data.encode() if isinstance(data, str) else data
        finished = job.finished_at.timestamp() if job.finished_at else 0.0
        item = HotResult(raw, mtype, f'"{job.id}-{fmt}-{int(finished * 1000)}"',
                         job.expires_at.timestamp() if job.expires_at else 0.0)
        if job.status == SUCCEEDED:  # a budget of 0 keeps nothing (HotResults.put)
            self.hot.put(tenant, job.id, fmt, item)
        return item

    def export(self, job: Job, fmt: str) -> tuple[str | bytes, str]:
        [name] = parse_formats(fmt)
        if job.kind != "ocr" and name != "json":
            raise ConfigurationError(f"job {job.id} is a {job.kind} job: ask for format=json")
        if name == "json":  # stored as JSON already; skip a parse and re-serialise
            return self.result_bytes(job), media_type(name)
        source = self.blobs.get(input_key(job.tenant_id, job.id)) if name == "pdf" else None
        options = job.options or {}
        data = export(
            self.result(job),
            name,
            source=source,
            settings=self.settings,
            password=options.get("password"),
        )
        return data, media_type(name)

    # --- control ----------------------------------------------------------------------------

    def claim(self, worker: str, job_id: str | None = None) -> Job | None:
        return self.store.claim(worker=worker, lease=self.server.lease_seconds, job_id=job_id)

    def execute(self, job: Job, worker: str) -> None:
        self.runner.execute(job, worker)

    def cancel(self, job_id: str, tenant: str) -> Job:
        job = self.get(job_id, tenant)
        if job.status in TERMINAL:
            raise ConflictError(f"job {job_id} already ended {job.status}")
        self.store.request_cancel(job_id)
        return self.get(job_id, tenant)

    def replay(self, job_id: str, tenant: str) -> Job:
        job = self.get(job_id, tenant)
        if job.status not in (DEAD, FAILED):
            raise ConflictError(f"only dead_letter or failed jobs replay; {job_id} is {job.status}")
        self.check_capacity(_priority_name(job.priority))
        self.store.requeue(job_id, reset_attempts=True, detail="replay")
        job = self.get(job_id, tenant)
        self.queue.enqueue(job)
        return job

    def reconcile(self, older_than: float) -> int:
        """Re-send ids the broker may have lost (restart) or whose worker died; returns count."""
        stale = self.store.stale(enqueued_before=utcnow() - timedelta(seconds=older_than))
        for job in stale:
            self.queue.enqueue(job)
        if stale:
            self.store.mark_enqueued([job.id for job in stale])
            log.info("jobs_reenqueued", count=len(stale))
        return len(stale)

    def redrive_webhooks(self) -> int:
        """Resume webhooks that a dead process never sent or stopped retrying.

        Inline delivery threads die with their process; a job qualifies only once it has been
        quiet for longer than a full retry schedule, so no delivery is still in flight.
        """
        schedule = self.server.webhook_backoff * 2 ** (self.server.webhook_retries + 1) + 60
        pending = undelivered_webhooks(
            self.store,
            quiet_since=utcnow() - timedelta(seconds=schedule),
            max_attempts=self.server.webhook_retries + 1,
        )
        for job_id in pending:
            self.queue.notify("job", job_id)
        return len(pending)

    def cleanup_expired(self) -> int:
        expired = self.store.expired(utcnow())
        for job in expired:
            self.hot.discard_job(job.tenant_id, job.id)
            self.blobs.delete_prefix(job_prefix(job.tenant_id, job.id))
        if expired:
            self.store.delete_jobs([job.id for job in expired])
        return len(expired)

    # --- webhooks ---------------------------------------------------------------------------

    def deliver_webhook(self, kind: str, ident: str) -> bool:
        """Send the completion webhook of a job or batch once, recording every attempt."""
        payload: dict[str, Any]
        if kind == "job":
            job = self.store.get(ident)
            if job is None or not job.webhook_url or job.webhook_delivered_at is not None:
                return False
            url, payload = job.webhook_url, {"event": "job.finished", "job": job_summary(job)}
        else:
            batch = self.store.get_batch(ident, tenant=self._tenant_of_batch(ident))
            if batch is None or not batch.webhook_url or batch.webhook_delivered_at is not None:
                return False
            jobs = self.store.list_jobs(batch.tenant_id, batch_id=batch.id, limit=10_000).items
            url = batch.webhook_url
            payload = {
                "event": "batch.finished",
                "batch": {"id": batch.id, "jobs": [job_summary(j) for j in jobs]},
            }

        def record(attempt: webhooks.Attempt) -> None:
            self.metrics.webhooks.labels("delivered" if attempt.delivered else "failed").inc()
            record_delivery(
                self.store,
                WebhookDelivery(
                    job_id=ident if kind == "job" else None,
                    batch_id=ident if kind == "batch" else None,
                    attempt=attempt.number,
                    url=url,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    delivered=attempt.delivered,
                    at=utcnow(),
                ),
            )

        return webhooks.deliver(
            url,
            payload,
            secret=self.server.webhook_secret,
            retries=self.server.webhook_retries,
            backoff=self.server.webhook_backoff,
            allow_private=self.server.webhook_allow_private,
            event=payload["event"],
            record=record,
        )

    def _tenant_of_batch(self, batch_id: str) -> str:
        with self.store.session() as s:
            batch = s.get(Batch, batch_id)
            return batch.tenant_id if batch is not None else ""


def job_summary(job: Job) -> dict[str, Any]:
    """What a webhook says about a job: enough to decide whether to fetch the result."""
    return {
        "id": job.id,
        "status": job.status,
        "result_status": job.result_status,
        "batch_id": job.batch_id,
        "filename": job.filename,
        "sha256": job.input_sha256,
        "pages": job.pages_total,
        "cache_hit": job.cache_hit,
        "error": {"code": job.error_code, "message": job.error_message} if job.error_code else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _priority_name(priority: int) -> str:
    return {v: k for k, v in PRIORITIES.items()}.get(priority, "normal")
