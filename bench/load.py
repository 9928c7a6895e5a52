"""Load and fault benchmark of the HTTP service, from a second process.

    python bench/load.py [--duration 5] [--jobs 1000] [--skip-celery] [--json OUT]

1. Starts ``docsight serve`` (inline queue, SQLite) and, for comparison, a bare FastAPI app with
   one JSON endpoint, each in its own uvicorn process. Reads one born-digital PDF once (text
   layer: no OCR, so the engine's CPU use does not blur the service's figures) so that a
   cached result exists.
2. From this process (httpx, asyncio), at 10 and 100 concurrent clients for ``--duration``
   seconds each: submissions/s (the same document: cache hits, the path that must be fast),
   latency of ``GET /v1/jobs/{id}`` (status), ``GET /v1/jobs/{id}/result`` (stored result),
   ``POST /v1/ocr`` answered from the cache, and the bare endpoint; overhead = p50 status /
   p50 bare.
3. Unless ``--skip-celery``: ``--jobs`` born-digital PDFs queued with the Celery backend on
   Redis (db 14), two ``docsight worker`` processes, one SIGKILLed when half the jobs are done;
   counts jobs lost (not ``succeeded`` at the end) and jobs run more than once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
BARE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/ping")
def ping() -> dict[str, str]:
    return {"status": "ok"}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _clients(target: tuple[str, str, dict[str, Any] | None], clients: int,
                   duration: float) -> tuple[list[float], int]:
    method, url, files = target
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        stop_at = time.perf_counter() + duration

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                tick = time.perf_counter()
                try:
                    response = await http.request(method, url, files=files)
                except httpx.TransportError:  # e.g. a keep-alive connection closed under us
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - tick)
                errors += response.status_code >= 400

        await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors


def _run_clients(args: tuple[tuple[str, str, dict[str, Any] | None], int, float]) -> Any:
    return asyncio.run(_clients(*args))


def hammer(target: tuple[str, str, dict[str, Any] | None], clients: int,
           duration: float) -> dict[str, float]:
    """``clients`` concurrent clients spread over processes of 25 (one asyncio loop with
    hundreds of connections measures the client's own pool more than the server)."""
    from concurrent.futures import ProcessPoolExecutor

    shares = [25] * (clients // 25) + ([clients % 25] if clients % 25 else [])
    started = time.perf_counter()
    with ProcessPoolExecutor(len(shares)) as pool:
        parts = list(pool.map(_run_clients, [(target, n, duration) for n in shares]))
    elapsed = time.perf_counter() - started
    latencies = [value for part, _ in parts for value in part]
    errors = sum(count for _, count in parts)
    return {"requests": len(latencies), "per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1), "errors": errors}


def api_benchmark(duration: float, work: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCSIGHT_")}
    env.update(DOCSIGHT_SERVER__DATABASE_URL=f"sqlite:///{work}/api.db",
               DOCSIGHT_SERVER__BLOB_DIR=str(work / "blobs"),
               DOCSIGHT_SERVER__MAX_QUEUED='{"high":100000,"normal":100000,"low":100000}')
    port, bare_port = free_port(), free_port()
    (work / "bare_app.py").write_text(BARE_APP)
    procs = [
        subprocess.Popen([sys.executable, "-m", "docsight.cli", "serve", "--port", str(port),
                          "--log-level", "warning"], env=env, stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--port",
                          str(bare_port), "--log-level", "warning"], cwd=work),
    ]
    base, bare = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    try:
        wait_http(f"{base}/healthz")
        wait_http(f"{bare}/ping")
        from support.pdfgen import text_pdf

        document = text_pdf([["Load benchmark document with a born-digital text layer."]])
        first = httpx.post(f"{base}/v1/jobs", files={"file": ("load.pdf", document)}).json()
        job_id = first["id"]
        job = httpx.get(f"{base}/v1/jobs/{job_id}", params={"wait": 60}, timeout=70).json()
        if job["status"] != "succeeded":
            raise RuntimeError(f"the warm-up job did not succeed: {job}")
        files = {"file": ("load.pdf", document)}
        scenarios: dict[str, tuple[str, str, dict[str, Any] | None]] = {
            "submit (cache hit)": ("POST", f"{base}/v1/jobs", files),
            "status": ("GET", f"{base}/v1/jobs/{job_id}", None),
            "stored result (json)": ("GET", f"{base}/v1/jobs/{job_id}/result", None),
            "sync ocr (cache hit)": ("POST", f"{base}/v1/ocr", files),
            "bare FastAPI endpoint": ("GET", f"{bare}/ping", None),
        }
        results: dict[str, Any] = {}
        for clients in (10, 100):
            for name, target in scenarios.items():
                results[f"{name} @ {clients}"] = hammer(target, clients, duration)
                print(f"{name:24s} {clients:4d} clients: {results[f'{name} @ {clients}']}",
                      flush=True)
            status, plain = results[f"status @ {clients}"], results[f"bare FastAPI endpoint @ "
                                                                     f"{clients}"]
            results[f"overhead status/bare @ {clients}"] = round(
                status["p50_ms"] / max(plain["p50_ms"], 0.01), 2)
        return results
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)


def celery_benchmark(jobs: int, work: Path) -> dict[str, Any]:
    import redis

    from support.pdfgen import text_pdf

    redis_url = "redis://127.0.0.1:6379/14"
    redis.Redis.from_url(redis_url).flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCSIGHT_")}
    env.update(DOCSIGHT_SERVER__QUEUE="celery", DOCSIGHT_SERVER__REDIS_URL=redis_url,
               DOCSIGHT_SERVER__DATABASE_URL=f"sqlite:///{work}/celery.db",
               DOCSIGHT_SERVER__BLOB_DIR=str(work / "celery-blobs"),
               DOCSIGHT_SERVER__LEASE_SECONDS="5", DOCSIGHT_SERVER__RECONCILE_AFTER="10",
               DOCSIGHT_SERVER__HOUSEKEEPING_EVERY="2",
               DOCSIGHT_SERVER__CELERY_VISIBILITY_TIMEOUT="30", DOCSIGHT_SERVER__CACHE_TTL="0",
               DOCSIGHT_SERVER__MAX_QUEUED='{"high":100000,"normal":100000,"low":100000}')
    port = free_port()
    api = subprocess.Popen([sys.executable, "-m", "docsight.cli", "serve", "--port", str(port),
                            "--log-level", "warning"], env=env, stderr=subprocess.DEVNULL)
    logs = [open(work / f"worker{i}.log", "wb") for i in range(2)]  # noqa: SIM115
    workers: list[subprocess.Popen[bytes]] = []
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz")
        started = time.perf_counter()
        ids = []
        with httpx.Client(base_url=base, timeout=60) as http:
            for index in range(jobs):
                pdf = text_pdf([[f"Benchmark document number {index} with a text layer."]])
                ids.append(http.post("/v1/jobs", files={"file": (f"d{index}.pdf", pdf)}
                                     ).json()["id"])
            submitted = time.perf_counter() - started
            workers = [subprocess.Popen(
                [sys.executable, "-m", "docsight.cli", "worker", "--pool=solo",
                 "--log-level=WARNING"], env=env, stdout=log, stderr=subprocess.STDOUT)
                for log in logs]
            killed = False
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                done = http.get("/v1/jobs", params={"status": "succeeded", "limit": 1}).json()
                if not killed and done["total"] >= jobs // 2:
                    workers[0].send_signal(signal.SIGKILL)
                    killed_at = done["total"]
                    killed = True
                if done["total"] >= jobs:
                    break
                time.sleep(0.5)
            elapsed = time.perf_counter() - started
            states: dict[str, int] = {}
            reruns = 0
            for offset in range(0, jobs, 500):
                page = http.get("/v1/jobs", params={"limit": 500, "offset": offset}).json()
                for job in page["items"]:
                    states[job["status"]] = states.get(job["status"], 0) + 1
                    reruns += job["attempts"] > 1
        return {"jobs": jobs, "submit_s": round(submitted, 1), "total_s": round(elapsed, 1),
                "killed_after": killed_at if killed else None, "states": states,
                "jobs_lost": jobs - states.get("succeeded", 0), "jobs_rerun": reruns}
    finally:
        for proc in [*workers, api]:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()
    report: dict[str, Any] = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_api:
            report["api"] = api_benchmark(args.duration, Path(tmp))
        if not args.skip_celery:
            report["celery_kill"] = celery_benchmark(args.jobs, Path(tmp))
            print("celery:", report["celery_kill"], flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
