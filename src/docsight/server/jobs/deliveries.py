"""The webhook delivery log: every attempt recorded, and the deliveries still owed.

Kept beside the job store (same database, same sessions) but apart from the claim/lease code,
which it does not touch.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update

from docsight.server.jobs.store import JobStore
from docsight.server.jobs.tables import TERMINAL, Batch, Job, WebhookDelivery, utcnow


def deliveries(
    store: JobStore, *, job_id: str | None = None, batch_id: str | None = None
) -> list[WebhookDelivery]:
    with store.session() as s:
        query = select(WebhookDelivery).order_by(WebhookDelivery.id)
        if job_id is not None:
            query = query.where(WebhookDelivery.job_id == job_id)
        if batch_id is not None:
            query = query.where(WebhookDelivery.batch_id == batch_id)
        return list(s.scalars(query))


def record_delivery(store: JobStore, delivery: WebhookDelivery) -> None:
    """Log one attempt; a successful one also marks the job or batch delivered."""
    with store.session() as s:
        s.add(delivery)
        if delivery.delivered and delivery.job_id:
            s.execute(
                update(Job).where(Job.id == delivery.job_id).values(webhook_delivered_at=utcnow())
            )
        elif delivery.delivered and delivery.batch_id:
            s.execute(
                update(Batch)
                .where(Batch.id == delivery.batch_id)
                .values(webhook_delivered_at=utcnow())
            )
        s.commit()


def undelivered_webhooks(
    store: JobStore, *, quiet_since: datetime, max_attempts: int, limit: int = 100
) -> list[str]:
    """Ended jobs whose webhook was never delivered, with attempts left and none lately."""
    attempts = (
        select(
            WebhookDelivery.job_id,
            func.count().label("n"),
            func.max(WebhookDelivery.at).label("last"),
        )
        .where(WebhookDelivery.job_id.is_not(None))
        .group_by(WebhookDelivery.job_id)
        .subquery()
    )
    with store.session() as s:
        rows = s.scalars(
            select(Job.id)
            .outerjoin(attempts, attempts.c.job_id == Job.id)
            .where(
                Job.status.in_(sorted(TERMINAL)),
                Job.webhook_url.is_not(None),
                Job.webhook_delivered_at.is_(None),
                Job.finished_at < quiet_since,
                or_(attempts.c.n.is_(None), attempts.c.n < max_attempts),
                or_(attempts.c.last.is_(None), attempts.c.last < quiet_since),
            )
            .limit(limit)
        )
        return list(rows)
