"""Start-up migrations when several processes start on one fresh database at once.

``docsight serve --workers N`` and API replicas each migrate at start-up; without a lock the
second process to create a table fails its start-up (seen as reset connections in the
two-worker end-to-end test).
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import inspect

from docsight.server.jobs.db import make_engine, migrate


def _migrate(url: str, barrier: object, errors: object) -> None:
    engine = make_engine(url)
    barrier.wait()  # type: ignore[attr-defined]
    try:
        migrate(engine)
    except Exception as exc:  # reported to the parent, which fails the test
        errors.put(f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def _race(url: str, processes: int = 4) -> list[str]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    errors = ctx.Queue()
    workers = [ctx.Process(target=_migrate, args=(url, barrier, errors)) for _ in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    return found


@pytest.mark.slow
def test_processes_migrating_one_fresh_sqlite_file_at_once_all_start(tmp_path: Path) -> None:
    for round_ in range(3):
        url = f"sqlite:///{tmp_path}/race{round_}.sqlite"
        assert _race(url) == []
        assert "jobs" in inspect(make_engine(url)).get_table_names()


@pytest.mark.slow
def test_processes_migrating_one_fresh_postgres_database_at_once_all_start(
    postgres_url: str,
) -> None:
    assert _race(postgres_url) == []
    assert "jobs" in inspect(make_engine(postgres_url)).get_table_names()
