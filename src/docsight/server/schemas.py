"""Response models (``XPublic``): what the API promises, and what OpenAPI documents."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from docsight.server.jobs.tables import Batch, Job, JobEvent, WebhookDelivery
from docsight.server.metrics import priority_name

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled", "dead_letter"]


class Progress(BaseModel):
    pages_done: int
    pages_total: int | None = Field(None, description="Known once the document is opened.")


class ErrorPublic(BaseModel):
    code: str
    message: str | None = None


class EventPublic(BaseModel):
    at: datetime
    event: str
    detail: str | None = None


class DeliveryPublic(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None = None
    error: str | None = None
    delivered: bool


class WebhookPublic(BaseModel):
    url: str
    delivered_at: datetime | None = None
    attempts: list[DeliveryPublic] = Field(default_factory=list)


class JobPublic(BaseModel):
    id: str
    kind: Literal["ocr", "compare"] = "ocr"
    status: JobState
    result_status: str | None = Field(
        None, description="success | partial_success | failure, once the document was read."
    )
    batch_id: str | None = None
    engine: str
    priority: str
    queue: str
    filename: str | None = None
    media_type: str | None = None
    size_bytes: int
    sha256: str
    options: dict[str, object]
    formats: list[str]
    progress: Progress
    queue_position: int | None = Field(None, description="1 = next to run; only while queued.")
    cache_hit: bool = Field(False, description="Answered from the result cache.")
    attempts: int
    error: ErrorPublic | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = Field(None, description="When the result is deleted.")
    links: dict[str, str] = Field(default_factory=dict)
    webhook: WebhookPublic | None = None
    history: list[EventPublic] | None = None

    @classmethod
    def build(
        cls,
        job: Job,
        *,
        base: str,
        position: int | None = None,
        events: list[JobEvent] | None = None,
        deliveries: list[WebhookDelivery] | None = None,
    ) -> JobPublic:
        names = list(job.formats.get("names", [])) if job.formats else []
        links = {"self": f"{base}/v1/jobs/{job.id}"}
        if job.kind != "ocr":
            names = ["json"]
        if job.status in ("succeeded", "failed") and job.result_status:
            if job.kind == "ocr":
                links["pages"] = f"{base}/v1/jobs/{job.id}/pages"
            for name in names:
                links[f"result.{name}"] = f"{base}/v1/jobs/{job.id}/result?format={name}"
        webhook = None
        if job.webhook_url:
            webhook = WebhookPublic(
                url=job.webhook_url,
                delivered_at=job.webhook_delivered_at,
                attempts=[DeliveryPublic.model_validate(d, from_attributes=True)
                          for d in deliveries or []],
            )
        return cls(
            id=job.id,
            kind=job.kind,  # type: ignore[arg-type]
            status=job.status,  # type: ignore[arg-type]
            result_status=job.result_status,
            batch_id=job.batch_id,
            engine=job.engine,
            priority=priority_name(job.priority),
            queue=job.queue,
            filename=job.filename,
            media_type=job.media_type,
            size_bytes=job.size_bytes,
            sha256=job.input_sha256,
            options={k: v for k, v in (job.options or {}).items() if k != "password"},
            formats=names,
            progress=Progress(pages_done=job.pages_done, pages_total=job.pages_total),
            queue_position=position,
            cache_hit=job.cache_hit,
            attempts=job.attempts,
            error=ErrorPublic(code=job.error_code, message=job.error_message)
            if job.error_code else None,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            expires_at=job.expires_at,
            links=links,
            webhook=webhook,
            history=[EventPublic.model_validate(e, from_attributes=True) for e in events]
            if events is not None else None,
        )


class JobList(BaseModel):
    items: list[JobPublic]
    total: int
    limit: int
    offset: int
    next: str | None = Field(None, description="URL of the next page, if any.")


class BatchPublic(BaseModel):
    id: str
    status: Literal["running", "completed"] = Field(
        description="completed once every job has ended (whatever the outcome)."
    )
    size: int
    counts: dict[str, int] = Field(description="Jobs per state.")
    created_at: datetime
    jobs: list[JobPublic]
    links: dict[str, str]

    @classmethod
    def build(cls, batch: Batch, jobs: list[JobPublic], *, base: str) -> BatchPublic:
        counts: dict[str, int] = {}
        for job in jobs:
            counts[job.status] = counts.get(job.status, 0) + 1
        done = all(j.status in ("succeeded", "failed", "cancelled", "dead_letter") for j in jobs)
        return cls(
            id=batch.id,
            status="completed" if done else "running",
            size=batch.size,
            counts=counts,
            created_at=batch.created_at,
            jobs=jobs,
            links={"self": f"{base}/v1/batches/{batch.id}",
                   "zip": f"{base}/v1/batches/{batch.id}/zip"},
        )


class EngineInfoPublic(BaseModel):
    name: str
    description: str
    available: bool
    reason: str
    capabilities: dict[str, bool]
    default: bool


class CacheStats(BaseModel):
    backend: str
    entries: int
    hits: int
    misses: int


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    checks: dict[str, str] = Field(default_factory=dict)
