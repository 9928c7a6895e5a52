"""Start-up migrations when several processes start on one fresh database at once.

``docsight serve --workers N`` and API replicas each migrate at start-up; without a lock the
second process to create a table fails its start-up (seen as reset connections in the
two-worker end-to-end test).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect

from docsight.server.jobs.db import make_engine

# Each process imports first, then waits for a common start time, so that the migrations
# themselves overlap.
_MIGRATE = """
import sys, time
from docsight.server.jobs.db import make_engine, migrate
engine = make_engine(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
migrate(engine)
"""


def _race(url: str, processes: int = 4) -> list[tuple[int, str]]:
    """Exit code and stderr of each process that did not migrate cleanly."""
    start = time.time() + 8  # imports take a few seconds on a busy two-core host
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE, url, str(start)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    failed = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            failed.append((proc.returncode, err.decode(errors="replace")[-500:]))
    return failed


@pytest.mark.slow
def test_processes_migrating_one_fresh_sqlite_file_at_once_all_start(tmp_path: Path) -> None:
    for round_ in range(2):
        url = f"sqlite:///{tmp_path}/race{round_}.sqlite"
        assert _race(url) == []
        assert "jobs" in inspect(make_engine(url)).get_table_names()


@pytest.mark.slow
def test_processes_migrating_one_fresh_postgres_database_at_once_all_start(
    postgres_url: str,
) -> None:
    assert _race(postgres_url) == []
    assert "jobs" in inspect(make_engine(postgres_url)).get_table_names()
