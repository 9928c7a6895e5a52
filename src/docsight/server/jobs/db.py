"""Database engines and migrations for the job store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key held while migrating ("docsight" in ASCII, as a bigint).
_PG_MIGRATION_LOCK = 0x646F637369676874


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so threads can share it."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (idempotent, run at start-up).

    Every API process and replica migrates when it starts, often at the same moment (``serve
    --workers N``, a deployment's replicas): one at a time, or the second to create a table
    fails its start-up (measured: 3 of 4 processes starting together on a fresh PostgreSQL
    database failed, and on a fresh SQLite file). PostgreSQL serializes them with a
    transaction-scoped advisory lock, SQLite with a lock file beside the database; whoever
    waited then finds the schema at head and does nothing.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _file_lock(_sqlite_path(engine)), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


@contextmanager
def _file_lock(database: Path | None) -> Iterator[None]:
    """An exclusive lock on ``<database>.migrate-lock`` (nothing for other databases)."""
    if database is None:
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows: one process per SQLite file is all it supports anyway
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
