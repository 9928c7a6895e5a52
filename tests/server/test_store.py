import threading
import time
import uuid

import pytest

from docsight.server.jobs.store import JobStore
from docsight.server.jobs.tables import CANCELLED, QUEUED, RUNNING, SUCCEEDED, Job, utcnow


def new_job(**values: object) -> Job:
    fields = dict(id=uuid.uuid4().hex, tenant_id="default", engine="size", input_sha256="0" * 64,
                  options={}, formats={"names": ["json"]}, status=QUEUED, priority=1,
                  queue="cpu", size_bytes=1, pages_done=0, attempts=0, cache_hit=False,
                  cancel_requested=False, created_at=utcnow())
    fields.update(values)
    return Job(**fields)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/store.db"
    else:
        url = request.getfixturevalue("postgres_url")
    store = JobStore(url)
    store.migrate()
    store.migrate()  # idempotent
    yield store
    store.close()


def test_claim_order_is_priority_then_age(store: JobStore) -> None:
    low = store.add_job(new_job(priority=2))[0]
    normal = store.add_job(new_job(priority=1))[0]
    high = store.add_job(new_job(priority=0))[0]
    assert store.queue_position(high) == 1 and store.queue_position(low) == 3
    claimed = [store.claim(worker="w", lease=10) for _ in range(3)]
    assert [j.id for j in claimed if j] == [high.id, normal.id, low.id]
    assert store.claim(worker="w", lease=10) is None


def test_concurrent_claims_never_share_a_job(store: JobStore) -> None:
    for _ in range(20):
        store.add_job(new_job())
    taken: list[str] = []

    def worker(name: str) -> None:
        while (job := store.claim(worker=name, lease=10)) is not None:
            taken.append(job.id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 20 and len(set(taken)) == 20


def test_lapsed_lease_is_reclaimed_and_the_old_worker_cannot_finish(store: JobStore) -> None:
    job = store.add_job(new_job())[0]
    assert store.claim(worker="dead", lease=0.2) is not None
    assert store.claim(worker="other", lease=10) is None
    time.sleep(0.3)
    again = store.claim(worker="alive", lease=10)
    assert again is not None and again.attempts == 2
    assert store.heartbeat(job.id, "dead", 10) == (False, False)
    assert store.finish(job.id, "dead", SUCCEEDED) is False
    assert store.finish(job.id, "alive", SUCCEEDED) is True
    assert store.get(job.id).status == SUCCEEDED
    assert [e.event for e in store.events(job.id)] == [QUEUED, RUNNING, RUNNING, SUCCEEDED]


def test_idempotency_key_is_unique_per_tenant(store: JobStore) -> None:
    first, created = store.add_job(new_job(idempotency_key="k"))
    again, created_again = store.add_job(new_job(idempotency_key="k"))
    other, created_other = store.add_job(new_job(idempotency_key="k", tenant_id="t2"))
    assert created and not created_again and created_other
    assert again.id == first.id and other.id != first.id


def test_cancel_queued_and_running(store: JobStore) -> None:
    queued = store.add_job(new_job())[0]
    assert store.request_cancel(queued.id) == CANCELLED
    running = store.add_job(new_job())[0]
    store.claim(worker="w", lease=10)
    assert store.request_cancel(running.id) == RUNNING
    assert store.heartbeat(running.id, "w", 10) == (True, True)


def test_listing_filters_and_stats(store: JobStore) -> None:
    for index in range(3):
        store.add_job(new_job(engine="size" if index else "slow"))
    page = store.list_jobs("default", engine="size", limit=1)
    assert page.total == 2 and len(page.items) == 1
    states, queued = store.stats()
    assert states == {QUEUED: 3} and queued[1][0] == 3
    assert store.list_jobs("someone-else").total == 0


def test_a_cancel_after_the_last_page_beats_success(store: JobStore) -> None:
    job = store.add_job(new_job())[0]
    store.claim(worker="w", lease=10)
    store.request_cancel(job.id)
    assert store.finish(job.id, "w", SUCCEEDED) is False
    assert store.finish(job.id, "w", CANCELLED) is True
    assert store.get(job.id).status == CANCELLED


def test_the_migration_matches_the_models(store: JobStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from docsight.server.jobs.tables import Base

    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_get_with_events_reads_a_job_and_its_history_for_its_tenant_only(
    store: JobStore,
) -> None:
    job = store.add_job(new_job(tenant_id="t1"))[0]
    found, events = store.get_with_events(job.id, "t1")
    assert found is not None and found.id == job.id
    assert [e.event for e in events] == [e.event for e in store.events(job.id)] != []
    assert store.get_with_events(job.id, "t2") == (None, [])
