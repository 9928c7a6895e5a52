"""Load and fault benchmark of the HTTP service, from a second process.

    python bench/load.py [--duration 5] [--workers 2] [--jobs 1000] [--skip-celery] [--json OUT]

1. Starts ``docsight serve --workers N`` (inline queue, SQLite) and, for comparison, a bare
   FastAPI app with one JSON endpoint under ``uvicorn --workers N``. Reads one born-digital PDF
   once (text layer: no OCR, so the engine's CPU use does not blur the service's figures) so
   that a cached result exists.
2. From this process (closed-loop clients on raw keep-alive sockets, one uvloop event loop), at
   10 and 100 concurrent clients for ``--duration``
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
import gc
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
from urllib.parse import urlsplit

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


def _request_bytes(method: str, url: str, files: dict[str, Any] | None) -> tuple[str, int, bytes]:
    """One HTTP/1.1 keep-alive request, serialised once and replayed by every client."""
    parts = urlsplit(url)
    body = b""
    headers = [f"{method} {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1",
               f"Host: {parts.netloc}"]
    if files:
        boundary = "docsightloadboundary"
        chunks = []
        for field, (filename, content) in files.items():
            chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                          f'filename="{filename}"\r\nContent-Type: application/octet-stream'
                          f"\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
        headers.append(f"Content-Type: multipart/form-data; boundary={boundary}")
    headers.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode() + body
    return parts.hostname or "127.0.0.1", parts.port or 80, request


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Status code of one response, its body read to the end (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = {k.strip().lower(): v.strip()
              for k, _, v in (x.partition(":") for x in lines[1:] if x)}
    if "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


Target = tuple[str, str, dict[str, Any] | None]


async def _load(target: Target, clients: int, duration: float,
                rate: float | None) -> tuple[list[float], int]:
    """``clients`` keep-alive connections on raw sockets, closed-loop or paced.

    A hand-rolled HTTP/1.1 client, not httpx: on two cores shared with the server, the client's
    own CPU per request decides how much is left for the server, and httpx spends several times
    what a socket write and one header parse cost.

    Closed loop (``rate`` None): each client sends its next request when the last answer
    arrives; at saturation that measures throughput, since latency is then clients / rate.
    Paced: together the clients offer ``rate`` requests/s; each request has a scheduled send
    time and its latency counts from that time, so a slow answer that delays the client's next
    request is charged to that request too (no coordinated omission).
    """
    host, port, request = _request_bytes(*target)
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + (0.0 if rate is None else 0.2)
    interval = 0.0 if rate is None else clients / rate

    async def client(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        due = start + interval * index / clients
        try:
            while due < start + duration:
                if rate is None:
                    due = time.perf_counter()
                elif (delay := due - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                try:
                    writer.write(request)
                    status = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError):  # the server closed on us
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                else:
                    latencies.append(time.perf_counter() - due)
                    errors += status >= 400
                due += interval
        finally:
            writer.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, errors


def _run(target: Target, clients: int, duration: float,
         rate: float | None) -> tuple[list[float], int]:
    gc.collect()
    gc.freeze()  # the client's own full collections would show up as server latency
    try:
        import uvloop

        return uvloop.run(_load(target, clients, duration, rate))
    except ImportError:
        return asyncio.run(_load(target, clients, duration, rate))


def _summary(latencies: list[float], errors: int, seconds: float) -> dict[str, float]:
    return {"requests": len(latencies), "per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1), "errors": errors}


def paced(target: Target, clients: int, duration: float, rate: float) -> dict[str, float]:
    """Open-loop: ``clients`` connections offering ``rate`` requests/s together."""
    return {"offered_per_s": rate, **_summary(*_run(target, clients, duration, rate), duration)}


def hammer(target: Target, clients: int, duration: float) -> dict[str, float]:
    """``clients`` concurrent closed-loop clients from one process (one event loop)."""
    started = time.perf_counter()
    latencies, errors = _run(target, clients, duration, None)
    return _summary(latencies, errors, time.perf_counter() - started)


def api_benchmark(duration: float, work: Path, workers: int,
                  rates: list[float]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCSIGHT_")}
    env.update(DOCSIGHT_SERVER__DATABASE_URL=f"sqlite:///{work}/api.db",
               DOCSIGHT_SERVER__BLOB_DIR=str(work / "blobs"),
               DOCSIGHT_SERVER__MAX_QUEUED='{"high":100000,"normal":100000,"low":100000}')
    port, bare_port = free_port(), free_port()
    (work / "bare_app.py").write_text(BARE_APP)
    procs = [
        subprocess.Popen([sys.executable, "-m", "docsight.cli", "serve", "--port", str(port),
                          "--workers", str(workers), "--log-level", "warning"], env=env,
                         stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--port",
                          str(bare_port), "--workers", str(workers), "--log-level", "warning"],
                         cwd=work),
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
        scenarios: dict[str, Target] = {
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
        for name in ("stored result (json)", "status", "bare FastAPI endpoint"):
            for rate in rates:
                key = f"{name} @ 100 clients paced {rate:g}/s"
                results[key] = paced(scenarios[name], 100, duration, rate)
                print(f"{name:24s}  100 clients, {rate:6g}/s offered: {results[key]}", flush=True)
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
    parser.add_argument("--workers", type=int, default=2,
                        help="uvicorn processes, for docsight and the bare app alike")
    parser.add_argument("--rates", type=lambda text: [float(x) for x in text.split(",")],
                        default=[500.0, 1000.0, 2000.0],
                        help="offered request rates of the paced (open-loop) runs")
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()
    report: dict[str, Any] = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_api:
            report["workers"] = args.workers
            report["api"] = api_benchmark(args.duration, Path(tmp), args.workers, args.rates)
        if not args.skip_celery:
            report["celery_kill"] = celery_benchmark(args.jobs, Path(tmp))
            print("celery:", report["celery_kill"], flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
