"""Building public views of jobs (with queue position, history, webhook attempts)."""

from __future__ import annotations

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from docsight.server.jobs.deliveries import deliveries
from docsight.server.jobs.service import JobService
from docsight.server.jobs.tables import QUEUED, Job, JobEvent
from docsight.server.problems import JobNotFoundError
from docsight.server.schemas import JobPublic


def _view(
    service: JobService, job: Job, base: str, detail: bool, events: list[JobEvent] | None = None
) -> JobPublic:
    position = service.store.queue_position(job) if job.status == QUEUED else None
    if not detail:
        return JobPublic.build(job, base=base, position=position)
    return JobPublic.build(
        job, base=base, position=position,
        events=service.store.events(job.id) if events is None else events,
        deliveries=deliveries(service.store, job_id=job.id) if job.webhook_url else None,
    )


def job_detail(service: JobService, job_id: str, tenant: str, base: str) -> JobPublic:
    """Status without waiting, in one thread hop and one store session (the polling path)."""
    job, events = service.store.get_with_events(job_id, tenant)
    if job is None:
        raise JobNotFoundError(f"no job {job_id!r}")
    return _view(service, job, base, True, events)


async def job_view(service: JobService, job: Job, base: str, *, detail: bool = False) -> JobPublic:
    return await run_in_threadpool(_view, service, job, base, detail)


def accepted(response: Response, job: Job, created: bool = True) -> None:
    """202 with ``Location``; a repeated Idempotency-Key is flagged as a replay."""
    response.status_code = 202
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
