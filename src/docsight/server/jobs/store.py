"""The job store: the one truth about jobs, shared by every API replica and worker.

Workers never trust the queue for state. A job is *claimed* with a conditional UPDATE (queued,
or running under an expired lease) so that two workers handed the same id cannot both run it,
and progress and completion are written only while the claimant still holds the lease: a
worker that lost its lease (killed, partitioned) can no longer overwrite the result of the one
that took over. That is what makes redelivered tasks complete exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from docsight.server.jobs.db import make_engine, migrate
from docsight.server.jobs.tables import (
    CANCELLED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    TERMINAL,
    Batch,
    Job,
    JobEvent,
    WebhookDelivery,
    utcnow,
)


@dataclass(frozen=True)
class Page:
    items: list[Job]
    total: int


class JobStore:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def ping(self) -> None:
        with self.session() as s:
            s.execute(select(1))

    # --- creation and reading ---------------------------------------------------------------

    def add_batch(self, batch: Batch) -> Batch:
        with self.session() as s:
            s.add(batch)
            s.commit()
            return batch

    def get_batch(self, batch_id: str, tenant: str) -> Batch | None:
        with self.session() as s:
            return s.scalar(select(Batch).where(Batch.id == batch_id, Batch.tenant_id == tenant))

    def add_job(self, job: Job, event_detail: str | None = None) -> tuple[Job, bool]:
        """Insert ``job``; with an idempotency key already used, return that job instead."""
        with self.session() as s:
            s.add(job)
            s.add(JobEvent(job_id=job.id, event=job.status, detail=event_detail))
            try:
                s.commit()
                return job, True
            except IntegrityError:
                s.rollback()
                if job.idempotency_key is None:
                    raise
        existing = self.by_idempotency_key(job.tenant_id, job.idempotency_key)
        if existing is None:  # pragma: no cover - the conflicting row was deleted meanwhile
            raise RuntimeError("idempotency conflict on a vanished job")
        return existing, False

    def by_idempotency_key(self, tenant: str, key: str) -> Job | None:
        with self.session() as s:
            return s.scalar(
                select(Job).where(Job.tenant_id == tenant, Job.idempotency_key == key)
            )

    def get(self, job_id: str, tenant: str | None = None) -> Job | None:
        with self.session() as s:
            query = select(Job).where(Job.id == job_id)
            if tenant is not None:
                query = query.where(Job.tenant_id == tenant)
            return s.scalar(query)

    def list_jobs(
        self,
        tenant: str,
        *,
        status: str | None = None,
        batch_id: str | None = None,
        engine: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page:
        conditions = [Job.tenant_id == tenant]
        if status:
            conditions.append(Job.status == status)
        if batch_id:
            conditions.append(Job.batch_id == batch_id)
        if engine:
            conditions.append(Job.engine == engine)
        with self.session() as s:
            total = s.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0
            rows = s.scalars(
                select(Job)
                .where(*conditions)
                .order_by(Job.created_at.desc(), Job.id)
                .limit(limit)
                .offset(offset)
            )
            return Page(list(rows), total)

    def get_with_events(
        self, job_id: str, tenant: str
    ) -> tuple[Job | None, list[JobEvent]]:
        """A job and its history in one session: the status poll, the API's hottest query."""
        with self.session() as s:
            job = s.scalar(select(Job).where(Job.id == job_id, Job.tenant_id == tenant))
            if job is None:
                return None, []
            events = s.scalars(
                select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id)
            )
            return job, list(events)

    def events(self, job_id: str) -> list[JobEvent]:
        with self.session() as s:
            return list(
                s.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id))
            )

    # --- queue bookkeeping ------------------------------------------------------------------

    def queue_depth(self, priority: int | None = None) -> int:
        with self.session() as s:
            query = select(func.count()).select_from(Job).where(Job.status == QUEUED)
            if priority is not None:
                query = query.where(Job.priority == priority)
            return s.scalar(query) or 0

    def queue_position(self, job: Job) -> int:
        """1 for the next job to run; the order workers claim in (priority, then age)."""
        with self.session() as s:
            ahead = s.scalar(
                select(func.count())
                .select_from(Job)
                .where(
                    Job.status == QUEUED,
                    or_(
                        Job.priority < job.priority,
                        and_(Job.priority == job.priority, Job.created_at < job.created_at),
                    ),
                )
            )
            return (ahead or 0) + 1

    def stats(self) -> tuple[dict[str, int], dict[int, tuple[int, float]]]:
        """Jobs per state; per priority, queued jobs and the age in seconds of the oldest."""
        now = utcnow()
        with self.session() as s:
            states = dict(s.execute(select(Job.status, func.count()).group_by(Job.status)).all())
            oldest = s.execute(
                select(Job.priority, func.count(), func.min(Job.created_at))
                .where(Job.status == QUEUED)
                .group_by(Job.priority)
            ).all()
        queued = {
            int(p): (int(n), (now - _aware(t)).total_seconds() if t is not None else 0.0)
            for p, n, t in oldest
        }
        return {str(k): int(v) for k, v in states.items()}, queued

    # --- the claim/lease protocol ----------------------------------------------------------

    def claim(
        self,
        *,
        worker: str,
        lease: float,
        job_id: str | None = None,
        queues: list[str] | None = None,
    ) -> Job | None:
        """Take the next runnable job (or ``job_id``) for ``worker``; None if there is none."""
        for _ in range(5):
            now = utcnow()
            with self.session() as s:
                query = select(Job.id).where(_claimable(now))
                if job_id is not None:
                    query = query.where(Job.id == job_id)
                if queues is not None:
                    query = query.where(Job.queue.in_(queues))
                candidate = s.scalar(query.order_by(Job.priority, Job.created_at).limit(1))
                if candidate is None:
                    return None
                taken = s.execute(
                    update(Job)
                    .where(Job.id == candidate, _claimable(now))
                    .values(
                        status=RUNNING,
                        worker=worker,
                        leased_until=now + timedelta(seconds=lease),
                        attempts=Job.attempts + 1,
                        started_at=now,
                        not_before=None,
                    )
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    s.add(JobEvent(job_id=candidate, event=RUNNING, detail=worker))
                    s.commit()
                    return s.get(Job, candidate, populate_existing=True)
                s.rollback()
        return None

    def heartbeat(
        self, job_id: str, worker: str, lease: float, **values: Any
    ) -> tuple[bool, bool]:
        """Renew the lease (and write ``values``); returns (still ours, cancel requested)."""
        with self.session() as s:
            done = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.worker == worker, Job.status == RUNNING)
                .values(leased_until=utcnow() + timedelta(seconds=lease), **values)
                .execution_options(synchronize_session=False)
            )
            cancel = s.scalar(select(Job.cancel_requested).where(Job.id == job_id))
            s.commit()
            return done.rowcount == 1, bool(cancel)  # type: ignore[attr-defined]

    def finish(self, job_id: str, worker: str | None, status: str, **values: Any) -> bool:
        """Move a running job (held by ``worker``) to ``status``; False if no longer ours."""
        now = utcnow()
        conditions: list[ColumnElement[bool]] = [Job.id == job_id]
        if worker is not None:
            conditions += [Job.worker == worker, Job.status == RUNNING]
        if status == SUCCEEDED:  # a cancel that arrived after the last page still wins
            conditions.append(Job.cancel_requested.is_(False))
        with self.session() as s:
            done = s.execute(
                update(Job)
                .where(*conditions)
                .values(status=status, finished_at=now, leased_until=None, **values)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                s.rollback()
                return False
            s.add(JobEvent(job_id=job_id, event=status, detail=values.get("error_code")))
            s.commit()
            return True

    def requeue(self, job_id: str, *, delay: float = 0, reset_attempts: bool = False,
                refund_attempt: bool = False, detail: str | None = None) -> bool:
        """Put a job back in the queue (retry after ``delay`` seconds, or a replay)."""
        now = utcnow()
        values: dict[str, Any] = {
            "status": QUEUED,
            "worker": None,
            "leased_until": None,
            "not_before": now + timedelta(seconds=delay) if delay else None,
            "enqueued_at": now,
            "cancel_requested": False,
        }
        if refund_attempt:
            values["attempts"] = Job.attempts - 1
        if reset_attempts:
            values.update(attempts=0, error_code=None, error_message=None, finished_at=None,
                          pages_done=0, result_status=None)
        with self.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(**values))
            s.add(JobEvent(job_id=job_id, event=QUEUED, detail=detail))
            s.commit()
        return True

    def mark_enqueued(self, job_ids: list[str]) -> None:
        with self.session() as s:
            s.execute(update(Job).where(Job.id.in_(job_ids)).values(enqueued_at=utcnow()))
            s.commit()

    def request_cancel(self, job_id: str) -> str:
        """Cancel a queued job at once, or flag a running one; returns the resulting state."""
        with self.session() as s:
            done = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == QUEUED)
                .values(status=CANCELLED, finished_at=utcnow(), cancel_requested=True)
            )
            if done.rowcount == 1:  # type: ignore[attr-defined]
                s.add(JobEvent(job_id=job_id, event=CANCELLED, detail="while queued"))
                s.commit()
                return CANCELLED
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == RUNNING)
                .values(cancel_requested=True)
            )
            s.commit()
            return s.scalar(select(Job.status).where(Job.id == job_id)) or CANCELLED

    def stale(self, *, enqueued_before: datetime, limit: int = 500) -> list[Job]:
        """Queued jobs not (re)sent to the broker lately, and running ones with lapsed leases."""
        now = utcnow()
        with self.session() as s:
            return list(
                s.scalars(
                    select(Job)
                    .where(
                        or_(
                            and_(
                                Job.status == QUEUED,
                                or_(Job.enqueued_at.is_(None), Job.enqueued_at < enqueued_before),
                                or_(Job.not_before.is_(None), Job.not_before <= now),
                            ),
                            and_(Job.status == RUNNING, Job.leased_until < now),
                        )
                    )
                    .limit(limit)
                )
            )

    def batch_finished_once(self, batch_id: str) -> bool:
        """True for exactly one caller once every job of the batch has ended."""
        with self.session() as s:
            open_jobs = s.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.batch_id == batch_id, Job.status.not_in(sorted(TERMINAL)))
            )
            if open_jobs:
                return False
            done = s.execute(
                update(Batch)
                .where(Batch.id == batch_id, Batch.finished_notified.is_(False))
                .values(finished_notified=True)
            )
            s.commit()
            return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def expired(self, now: datetime, limit: int = 500) -> list[Job]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(Job)
                    .where(Job.expires_at < now, Job.status.in_(sorted(TERMINAL)))
                    .limit(limit)
                )
            )

    def delete_jobs(self, job_ids: list[str]) -> None:
        with self.session() as s:
            s.execute(delete(JobEvent).where(JobEvent.job_id.in_(job_ids)))
            s.execute(delete(WebhookDelivery).where(WebhookDelivery.job_id.in_(job_ids)))
            s.execute(delete(Job).where(Job.id.in_(job_ids)))
            s.commit()


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Job.status == QUEUED, or_(Job.not_before.is_(None), Job.not_before <= now)),
        and_(Job.status == RUNNING, Job.leased_until < now),
    )


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
