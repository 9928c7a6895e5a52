
import pytest
from doubles import expire_now, png
from fastapi.testclient import TestClient
from test_webhooks import wait_for

from conftest import with_server
from docsight.server import create_app
from docsight.server.jobs import runner
from docsight.server.jobs.tables import utcnow
from docsight.settings import Settings


def test_inline_jobs_queued_before_a_restart_resume(server_settings: Settings) -> None:
    settings = with_server(server_settings, inline_workers=1)
    with TestClient(create_app(settings)) as first:
        ids = [first.post("/v1/jobs", files={"file": ("a.png", png(str(i)))},
                          data={"engine": "slow"}).json()["id"] for i in range(3)]
    # The app stopped with jobs queued (and perhaps one interrupted between pages).
    with TestClient(create_app(settings)) as second:
        states = [second.get(f"/v1/jobs/{i}", params={"wait": 15}).json() for i in ids]
        assert [s["status"] for s in states] == ["succeeded"] * 3
        assert all(s["attempts"] == 1 for s in states)


def test_crashing_job_is_retried_then_dead_lettered_then_replayed(
    server_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_process = runner.process

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "process", crash)
    settings = with_server(server_settings, max_retries=1)
    with TestClient(create_app(settings)) as client:
        app = client.app
        app.state.service.queue.poll = 0.1
        job = client.post("/v1/jobs", files={"file": ("a.png", png())}).json()
        wait_for(lambda: client.get(f"/v1/jobs/{job['id']}").json()["status"] ==
                 "dead_letter")
        dead = client.get(f"/v1/jobs/{job['id']}").json()
        assert dead["attempts"] == 2
        assert dead["error"] == {"code": "internal_error", "message": "RuntimeError: boom"}
        events = [e["event"] for e in dead["history"]]
        assert events == ["queued", "running", "queued", "running", "dead_letter"]
        assert client.get("/v1/jobs", params={"status": "dead_letter"}).json()["total"] == 1
        monkeypatch.setattr(runner, "process", real_process)
        replayed = client.post(f"/v1/jobs/{job['id']}/replay")
        assert replayed.status_code == 202
        final = client.get(f"/v1/jobs/{job['id']}", params={"wait": 10}).json()
        assert final["status"] == "succeeded" and final["error"] is None
        assert client.post(f"/v1/jobs/{job['id']}/replay").status_code == 409


def test_expired_results_are_deleted(client: TestClient) -> None:
    job = client.post("/v1/jobs", files={"file": ("a.png", png())}).json()
    client.get(f"/v1/jobs/{job['id']}", params={"wait": 10})
    service = client.app.state.service
    assert service.cleanup_expired() == 0
    expire_now(service, job["id"])
    assert service.cleanup_expired() == 1
    assert client.get(f"/v1/jobs/{job['id']}").status_code == 404
    assert not (service.blobs.root / "default" / job["id"]).exists()


@pytest.mark.postgres
def test_the_service_runs_on_postgresql(server_settings: Settings, postgres_url: str) -> None:
    settings = with_server(server_settings, database_url=postgres_url, inline_workers=2)
    with TestClient(create_app(settings)) as client:
        ids = [client.post("/v1/jobs", files={"file": ("a.png", png(f"pg{i}"))},
                           headers={"Idempotency-Key": f"pg-{i % 3}"}).json()["id"]
               for i in range(4)]
        assert ids[3] == ids[0]
        for job_id in set(ids):
            assert client.get(f"/v1/jobs/{job_id}", params={"wait": 15}).json()["status"] == (
                "succeeded")
        assert client.get("/v1/jobs").json()["total"] == 3
        assert client.get("/readyz").json()["checks"]["store"] == "ok"


def test_submission_by_url(client: TestClient) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    document = png("by-url")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/files/scan.png"
            self.send_response(200 if found else 404)
            self.end_headers()
            if found:
                self.wfile.write(document)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        client.app.state.service.server.fetch_allow_private = True
        job = client.post("/v1/jobs", data={"url": f"{base}/files/scan.png"}).json()
        assert job["filename"] == "scan.png" and job["size_bytes"] == len(document)
        assert client.get(f"/v1/jobs/{job['id']}", params={"wait": 10}).json()["status"] == (
            "succeeded")
        missing = client.post("/v1/jobs", data={"url": f"{base}/nope.png"})
        assert (missing.status_code, missing.json()["code"]) == (422, "fetch_failed")
    finally:
        server.shutdown()
        server.server_close()


def test_a_job_that_keeps_killing_its_workers_is_dead_lettered(client: TestClient) -> None:
    service = client.app.state.service
    service.queue.stop()  # no inline worker: this test plays the dying workers itself
    job = client.post("/v1/jobs", files={"file": ("a.png", png("poison"))}).json()
    for attempt in range(service.server.max_retries + 1):
        assert service.claim(f"doomed-{attempt}") is not None
        with service.store.session() as session:  # the worker dies: its lease lapses
            from docsight.server.jobs.tables import Job

            session.get(Job, job["id"]).leased_until = utcnow()
            session.commit()
    claimed = service.claim("survivor")
    service.execute(claimed, "survivor")
    final = client.get(f"/v1/jobs/{job['id']}").json()
    assert final["status"] == "dead_letter" and final["error"]["code"] == "worker_lost"
