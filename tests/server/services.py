"""Fixtures for the real PostgreSQL and Redis at 127.0.0.1, skipped with a reason if absent."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest

PG_HOST = os.environ.get("DOCSIGHT_TEST_PG_HOST", "127.0.0.1")
REDIS_URL = os.environ.get("DOCSIGHT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database, dropped afterwards."""
    if not _listening(PG_HOST, 5432):
        pytest.skip(f"PostgreSQL not running at {PG_HOST}:5432 (.ci/run starts it)")
    import psycopg

    name = f"docsight_test_{uuid.uuid4().hex[:10]}"
    admin = f"host={PG_HOST} user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Redis database 13, flushed before and after (tests own that number)."""
    host = REDIS_URL.split("//", 1)[1].split(":", 1)[0]
    if not _listening(host, 6379):
        pytest.skip(f"Redis not running at {host}:6379 (.ci/run starts it)")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
