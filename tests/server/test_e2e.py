"""The README session for real: ``docsight serve`` in a subprocess, the default engine, HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

SAMPLE = Path(__file__).parents[2] / "samples" / "invoice.png"


@contextmanager
def serving(tmp_path: Path, *args: str, **env_extra: str) -> Iterator[str]:
    """``docsight serve`` in a subprocess on a free port, up and answering; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DOCSIGHT_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env["DOCSIGHT_SERVER__DATABASE_URL"] = f"sqlite:///{tmp_path}/db.sqlite"
    env["DOCSIGHT_SERVER__BLOB_DIR"] = str(tmp_path / "blobs")
    env.update(env_extra)
    server = subprocess.Popen(
        [sys.executable, "-m", "docsight.cli", "serve", "--port", str(port), *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_serve_submit_poll_download(tmp_path: Path) -> None:
    with serving(tmp_path) as base, httpx.Client(base_url=base, timeout=120) as http:
        submitted = http.post("/v1/jobs", files={"file": (SAMPLE.name, SAMPLE.read_bytes())},
                              data={"formats": "json,csv"})
        assert submitted.status_code == 202
        location = submitted.headers["Location"]
        job = http.get(location, params={"wait": 60}).json()
        assert job["status"] == "succeeded" and job["engine"] == "rapidocr"
        result = http.get(f"{location}/result", params={"format": "json"}).json()
        assert "invoice" in result["pages"][0]["markdown"].lower()
        csv = http.get(f"{location}/result", params={"format": "csv"})
        assert csv.status_code == 200 and csv.text.startswith("page,")


@pytest.mark.slow
def test_serve_with_two_workers_reports_metrics_summed_over_both(tmp_path: Path) -> None:
    # the folder for the workers' metric files is made under this one
    with serving(tmp_path, "--workers", "2",
                 PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics")) as base:
        [folder] = list((tmp_path / "metrics").iterdir())
        sent = 0
        while len({p.stem.rsplit("_", 1)[-1] for p in folder.glob("counter_*.db")}) < 2:
            # a new connection each time: the kernel hands them to either worker
            assert httpx.get(f"{base}/v1/engines").status_code == 200
            sent += 1
            assert sent < 500, "one worker took every connection"
        sent += sum(httpx.get(f"{base}/v1/engines").status_code == 200 for _ in range(10))
        line = (f'docsight_http_requests_total{{method="GET",route="/v1/engines",status="200"}} '
                f"{float(sent)}")
        scrapes = [httpx.get(f"{base}/metrics").text for _ in range(6)]
        assert all(line in text for text in scrapes), scrapes[0][:3000]
        assert all("docsight_queue_depth" in text for text in scrapes)
    assert list((tmp_path / "metrics").iterdir()) == []  # removed on a clean stop
