"""Celery backend with real worker processes and a real Redis (faults included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from doubles import png
from fastapi.testclient import TestClient
from receiver import Receiver
from test_webhooks import wait_for

from conftest import with_server
from docsight.server import create_app
from docsight.settings import Settings
from support.pdfgen import image_pdf

pytestmark = pytest.mark.redis
HERE = Path(__file__).parent


def env_for(settings: Settings) -> dict[str, str]:
    server = settings.server
    env = dict(os.environ)
    env.update({
        "DOCSIGHT_SERVER__QUEUE": "celery",
        "DOCSIGHT_SERVER__REDIS_URL": server.redis_url or "",
        "DOCSIGHT_SERVER__DATABASE_URL": server.database_url,
        "DOCSIGHT_SERVER__BLOB_DIR": server.blob_dir,
        "DOCSIGHT_SERVER__LEASE_SECONDS": str(server.lease_seconds),
        "DOCSIGHT_SERVER__CELERY_VISIBILITY_TIMEOUT": str(server.celery_visibility_timeout),
        "DOCSIGHT_SERVER__WEBHOOK_ALLOW_PRIVATE": "true",
        "DOCSIGHT_SERVER__WEBHOOK_SECRET": server.webhook_secret,
        "DOCSIGHT_SERVER__WEBHOOK_BACKOFF": "0.05",
        "DOCSIGHT_ENGINE__DEFAULT": "size",
        "DOCSIGHT_TEST_DELAY": "0.7",
    })
    return env


class Workers:
    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"worker{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "worker_main.py"), "--pool=solo", "--log-level=INFO",
             *extra],  # a later --pool wins
            env={**env_for(self.settings), **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "".join(p.read_text() for p in sorted(self.log_dir.glob("worker*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def celery_settings(server_settings: Settings, redis_url: str) -> Settings:
    return with_server(server_settings, queue="celery", redis_url=redis_url, lease_seconds=3,
                       celery_visibility_timeout=4, housekeeping_every=0.5,
                       reconcile_after=2.0)


@pytest.fixture
def workers(celery_settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    workers = Workers(celery_settings, tmp_path)
    yield workers
    workers.stop()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_jobs_run_on_a_worker_with_request_id_and_redis_cache(
    celery_settings: Settings, workers: Workers
) -> None:
    metrics_port = free_port()
    workers.start(f"--metrics-port={metrics_port}")
    with TestClient(create_app(celery_settings)) as client:
        assert client.get("/readyz").json()["checks"]["queue"] == "ok"
        ids = [client.post("/v1/jobs", files={"file": ("a.png", png(str(i)))},
                           headers={"X-Request-ID": f"req-{i}"},
                           data={"priority": ["low", "normal", "high"][i % 3]}).json()["id"]
               for i in range(4)]
        for job_id in ids:
            assert client.get(f"/v1/jobs/{job_id}", params={"wait": 30}).json()["status"] == (
                "succeeded")
        again = client.post("/v1/jobs", files={"file": ("a.png", png("0"))}).json()
        assert again["cache_hit"] is True  # the worker filled the shared Redis cache
        assert client.get("/v1/cache").json()["backend"] == "redis"
        worker_metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert 'docsight_pages_processed_total{engine="size",status="success"} 4.0' in (
            worker_metrics)
        assert ('docsight_model_load_seconds_count{engine="size",loader="registry",'
                'model="size-1"} 1.0') in worker_metrics
    logs = workers.logs()
    assert '"request_id": "req-2"' in logs and f'"job_id": "{ids[2]}"' in logs


def test_prefork_worker_exports_what_its_children_count(
    celery_settings: Settings, workers: Workers, tmp_path: Path
) -> None:
    base = tmp_path / "prom"
    port = free_port()
    proc = workers.start("--pool=prefork", "--concurrency=2", f"--metrics-port={port}",
                         env={"PROMETHEUS_MULTIPROC_DIR": str(base)})

    def scrape() -> str:
        return httpx.get(f"http://127.0.0.1:{port}/metrics").text

    with TestClient(create_app(celery_settings)) as client:
        ids = [client.post("/v1/jobs", files={"file": ("a.png", png(f"pf{i}"))}).json()["id"]
               for i in range(4)]
        for job_id in ids:
            assert client.get(f"/v1/jobs/{job_id}", params={"wait": 30}).json()["status"] == (
                "succeeded")
    text = scrape()
    assert 'docsight_pages_processed_total{engine="size",status="success"} 4.0' in text
    assert 'docsight_job_transitions_total{state="succeeded"} 4.0' in text
    assert 'docsight_engine_page_seconds_count{engine="size"} 4.0' in text
    assert 'docsight_model_load_seconds_count{engine="size",loader="registry",model="size-1"}' in (
        text)  # once per child that ran a job: each loads its own engines
    assert "docsight_model_resident_bytes{" in text

    [folder] = base.iterdir()  # this worker's own folder, under the operator's
    live = {int(p.stem.rsplit("_", 1)[1]): p for p in folder.glob("gauge_livesum_*.db")}
    assert live, "no child wrote its model memory"
    victim = next(iter(live))
    os.kill(victim, signal.SIGKILL)  # the OOM killer's way: no chance to clean up
    # each scrape sweeps; the pid stays "alive" until the pool has reaped the zombie
    wait_for(lambda: bool(scrape()) and not live[victim].exists(), timeout=10)
    text = scrape()  # its model memory is no longer counted, what it did still is
    assert 'docsight_pages_processed_total{engine="size",status="success"} 4.0' in text

    proc.terminate()
    assert proc.wait(timeout=15) == 0
    assert not folder.exists()  # removed on a clean stop


def test_high_priority_overtakes_queued_low_priority_jobs(
    celery_settings: Settings, workers: Workers
) -> None:
    with TestClient(create_app(celery_settings)) as client:
        lows = [client.post("/v1/jobs", files={"file": ("a.png", png(f"low{i}"))},
                            data={"priority": "low"}).json()["id"] for i in range(4)]
        high = client.post("/v1/jobs", files={"file": ("a.png", png("high"))},
                           data={"priority": "high"}).json()["id"]
        workers.start()  # one solo worker, prefetch 1: it must take the high job first
        finished = {job_id: client.get(f"/v1/jobs/{job_id}", params={"wait": 30}).json()[
            "finished_at"] for job_id in [high, *lows]}
        assert finished[high] < min(finished[job_id] for job_id in lows)


def test_worker_killed_mid_job_is_redelivered_and_completes_once(
    celery_settings: Settings, workers: Workers
) -> None:
    receiver = Receiver()
    first = workers.start()
    pdf = image_pdf([png_image() for _ in range(4)])
    try:
        with TestClient(create_app(celery_settings)) as client:
            job = client.post("/v1/jobs", files={"file": ("doc.pdf", pdf)},
                              data={"engine": "slow", "webhook_url": receiver.url}).json()
            wait_for(lambda: client.get(f"/v1/jobs/{job['id']}").json()["progress"][
                "pages_done"] >= 1, timeout=30)
            first.send_signal(signal.SIGKILL)
            first.wait()
            workers.start()
            final = client.get(f"/v1/jobs/{job['id']}", params={"wait": 45}).json()
            assert final["status"] == "succeeded", final
            assert final["attempts"] == 2 and final["progress"]["pages_done"] == 4
            assert receiver.received.wait(15)
            time.sleep(1.0)  # a duplicate delivery would show up here
            view = client.get(f"/v1/jobs/{job['id']}").json()
            assert [a["delivered"] for a in view["webhook"]["attempts"]] == [True]
            assert len(receiver.posts) == 1
            succeeded = [e for e in view["history"] if e["event"] == "succeeded"]
            assert len(succeeded) == 1
    finally:
        receiver.close()


def png_image():
    from PIL import Image

    return Image.new("RGB", (200, 100), "white")


def test_redis_restart_with_jobs_queued_loses_no_job(
    server_settings: Settings, tmp_path: Path
) -> None:
    """Our own throwaway Redis (no persistence), restarted while five jobs wait in it."""
    import shutil
    import socket

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server binary not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def start_redis() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _listening(port), timeout=10)
        return proc

    redis_proc = start_redis()
    settings = with_server(server_settings, queue="celery",
                           redis_url=f"redis://127.0.0.1:{port}/0", lease_seconds=3,
                           celery_visibility_timeout=4, housekeeping_every=0.5,
                           reconcile_after=2.0)
    workers = Workers(settings, tmp_path)
    try:
        with TestClient(create_app(settings)) as client:
            ids = [client.post("/v1/jobs", files={"file": ("a.png", png(f"r{i}"))}).json()["id"]
                   for i in range(5)]
            redis_proc.terminate()  # no persistence: the queued messages are gone
            redis_proc.wait()
            redis_proc = start_redis()
            workers.start()
            states = [client.get(f"/v1/jobs/{i}", params={"wait": 30}).json()["status"]
                      for i in ids]
            assert states == ["succeeded"] * 5
    finally:
        workers.stop()
        redis_proc.terminate()
        redis_proc.wait()


def _listening(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
