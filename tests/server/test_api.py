import time

from doubles import GatedEngine, png
from fastapi.testclient import TestClient


def submit(client: TestClient, data: bytes | None = None, **form: str) -> dict:
    response = client.post("/v1/jobs", files={"file": ("doc.png", data or png(), "image/png")},
                           data=form)
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/v1/jobs/{response.json()['id']}"
    return response.json()


def test_submit_poll_and_fetch_results(client: TestClient) -> None:
    job = submit(client, formats="json,md,csv")
    done = client.get(f"/v1/jobs/{job['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded"
    assert done["progress"] == {"pages_done": 1, "pages_total": 1}
    assert [e["event"] for e in done["history"]][:1] == ["queued"]
    result = client.get(f"/v1/jobs/{job['id']}/result").json()
    assert result["pages"][0]["markdown"].startswith("page 1 120x60")
    markdown = client.get(f"/v1/jobs/{job['id']}/result", params={"format": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    csv = client.get(f"/v1/jobs/{job['id']}/result", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "result.csv" in done["links"]
    pages = client.get(f"/v1/jobs/{job['id']}/pages").json()
    assert [p["number"] for p in pages] == [1]
    assert client.get(f"/v1/jobs/{job['id']}/pages/1").json()["number"] == 1
    assert client.get(f"/v1/jobs/{job['id']}/pages/9").status_code == 404


def test_errors_are_problem_json_with_codes(client: TestClient) -> None:
    missing = client.get("/v1/jobs/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    bad_engine = client.post("/v1/jobs", files={"file": ("a.png", png())}, data={"engine": "x"})
    assert (bad_engine.status_code, bad_engine.json()["code"]) == (400, "unknown_engine")
    bad_format = client.post("/v1/jobs", files={"file": ("a.png", png())}, data={"formats": "z"})
    assert bad_format.json()["code"] == "configuration_error"
    invalid = client.post("/v1/jobs", files={"file": ("a.png", png())}, data={"dpi": "5"})
    assert (invalid.status_code, invalid.json()["code"]) == (422, "invalid_request")
    nothing = client.post("/v1/jobs", data={"engine": "size"})
    assert nothing.json()["code"] == "fetch_failed"


def test_empty_and_unsupported_uploads_are_refused_before_queueing(client: TestClient) -> None:
    empty = client.post("/v1/jobs", files={"file": ("a.pdf", b"")}, data={"engine": "size"})
    assert empty.headers["content-type"] == "application/problem+json"
    assert (empty.status_code, empty.json()["code"]) == (422, "empty_document")
    text = client.post("/v1/jobs", files={"file": ("notes.md", b"# just markdown")})
    assert (text.status_code, text.json()["code"]) == (415, "unsupported_type")
    assert client.get("/v1/jobs").json()["total"] == 0


def test_corrupt_document_fails_the_job_with_its_code(client: TestClient) -> None:
    job = submit(client, b"%PDF-1.7 this is not really a pdf")
    done = client.get(f"/v1/jobs/{job['id']}", params={"wait": 10}).json()
    assert done["status"] == "failed"
    assert done["error"]["code"] in {"corrupt_document", "unsupported_type"}
    result = client.get(f"/v1/jobs/{job['id']}/result")
    assert result.status_code == 409 and result.json()["code"] == "conflict"


def test_idempotency_key_returns_the_same_job(client: TestClient) -> None:
    headers = {"Idempotency-Key": "abc-123"}
    first = client.post("/v1/jobs", files={"file": ("a.png", png())}, headers=headers)
    second = client.post("/v1/jobs", files={"file": ("a.png", png())}, headers=headers)
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert client.get("/v1/jobs").json()["total"] == 1


def test_sync_ocr_returns_the_result_or_202(client: TestClient, server_settings) -> None:
    response = client.post("/v1/ocr", files={"file": ("a.png", png("sync"))},
                           params={"format": "md"})
    assert response.status_code == 200 and response.text.startswith("page 1")
    assert response.headers["X-Docsight-Cache"] == "miss"
    again = client.post("/v1/ocr", files={"file": ("a.png", png("sync"))})
    assert again.headers["X-Docsight-Cache"] == "hit" and again.json()["status"] == "success"
    client.app.state.service.server.sync_timeout = 0.2
    slow = client.post("/v1/ocr", files={"file": ("b.png", png("slow"))},
                       data={"engine": "gated"})
    assert slow.status_code == 202 and slow.headers["Location"].startswith("/v1/jobs/")
    GatedEngine.gate.set()


def test_cache_hit_is_marked_and_fast(client: TestClient) -> None:
    first = submit(client, png("cached"))
    client.get(f"/v1/jobs/{first['id']}", params={"wait": 10})
    tick = time.perf_counter()
    second = submit(client, png("cached"))
    assert time.perf_counter() - tick < 0.5
    assert second["status"] == "succeeded" and second["cache_hit"] is True
    assert client.get(f"/v1/jobs/{second['id']}/result").json()["status"] == "success"
    other_options = submit(client, png("cached"), pages="1")
    assert other_options["cache_hit"] is False
    stats = client.get("/v1/cache").json()
    assert stats["backend"] == "memory" and stats["hits"] >= 1
    assert client.delete("/v1/cache").json()["removed"] >= 1
    assert submit(client, png("cached"))["cache_hit"] is False


def test_queue_position_progress_and_cancel(client: TestClient) -> None:
    running = submit(client, png("one"), engine="gated")
    assert GatedEngine.started.wait(10)
    queued = submit(client, png("two"), engine="gated")
    high = submit(client, png("three"), engine="gated", priority="high")
    assert client.get(f"/v1/jobs/{high['id']}").json()["queue_position"] == 1
    assert client.get(f"/v1/jobs/{queued['id']}").json()["queue_position"] == 2
    assert client.get(f"/v1/jobs/{running['id']}").json()["status"] == "running"
    cancelled = client.delete(f"/v1/jobs/{queued['id']}").json()
    assert cancelled["status"] == "cancelled"
    client.delete(f"/v1/jobs/{running['id']}")
    GatedEngine.gate.set()
    final = client.get(f"/v1/jobs/{running['id']}", params={"wait": 10}).json()
    assert final["status"] == "cancelled" and final["result_status"] is None
    assert client.delete(f"/v1/jobs/{running['id']}").status_code == 409
    assert client.get(f"/v1/jobs/{high['id']}", params={"wait": 10}).json()["status"] == (
        "succeeded")


def test_list_filters_and_pagination(client: TestClient) -> None:
    ids = [submit(client, png(str(i)))["id"] for i in range(5)]
    for job_id in ids:
        client.get(f"/v1/jobs/{job_id}", params={"wait": 10})
    page = client.get("/v1/jobs", params={"limit": 2}).json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["next"]
    assert page["items"][0]["id"] == ids[-1]
    last = client.get("/v1/jobs", params={"limit": 2, "offset": 4}).json()
    assert len(last["items"]) == 1 and last["next"] is None
    assert client.get("/v1/jobs", params={"status": "failed"}).json()["total"] == 0
    assert client.get("/v1/jobs", params={"engine": "size"}).json()["total"] == 5


def test_backpressure_answers_429_with_retry_after(client: TestClient) -> None:
    client.app.state.service.server.max_queued["low"] = 1
    submit(client, png("a"), engine="gated")
    assert GatedEngine.started.wait(10)
    submit(client, png("b"), engine="gated", priority="low")
    full = client.post("/v1/jobs", files={"file": ("c.png", png("c"))},
                       data={"priority": "low", "engine": "gated"})
    assert full.status_code == 429 and int(full.headers["Retry-After"]) >= 1
    assert full.json()["code"] == "queue_full"
    assert submit(client, png("d"), engine="gated")["status"] == "queued"
    GatedEngine.gate.set()


def test_engines_health_ready_metrics_and_request_id(client: TestClient) -> None:
    engines = {e["name"]: e for e in client.get("/v1/engines").json()}
    assert engines["size"]["default"] and engines["size"]["available"]
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready["status"] == "ok" and set(ready["checks"]) >= {"store", "queue", "blobs"}
    response = client.get("/healthz", headers={"X-Request-ID": "req-42"})
    assert response.headers["X-Request-ID"] == "req-42"
    job = submit(client)
    client.get(f"/v1/jobs/{job['id']}", params={"wait": 10})
    text = client.get("/metrics").text
    assert 'docsight_http_requests_total{method="POST",route="/v1/jobs",status="202"}' in text
    assert 'docsight_jobs{state="succeeded"} 1.0' in text
    assert "docsight_pages_processed_total" in text and "docsight_queue_depth" in text


def test_openapi_documents_every_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/ocr", "/v1/batches", "/v1/engines",
            "/readyz", "/metrics"} <= set(spec["paths"])
    assert "429" in spec["paths"]["/v1/jobs"]["post"]["responses"]


def test_gpu_engines_route_to_the_gpu_queue(client: TestClient) -> None:
    assert submit(client, engine="gpu")["queue"] == "gpu"
    assert submit(client, png("cpu"))["queue"] == "cpu"


def test_template_and_fields_are_extracted_into_the_result(client: TestClient) -> None:
    job = submit(client, png("inv"), engine="invoice", template="invoice",
                 fields='["due_date"]')
    assert job["options"]["template"] == "invoice"
    client.get(f"/v1/jobs/{job['id']}", params={"wait": 10})
    fields = {f["name"]: f for f in client.get(f"/v1/jobs/{job['id']}/result").json()["fields"]}
    assert fields["invoice_number"]["value"] == "INV-2024-0042"
    names = submit(client, png("inv2"), engine="invoice", fields="invoice_number,total")
    client.get(f"/v1/jobs/{names['id']}", params={"wait": 10})
    result = client.get(f"/v1/jobs/{names['id']}/result").json()
    assert {f["name"] for f in result["fields"]} <= {"invoice_number", "total"}
    bad = client.post("/v1/jobs", files={"file": ("a.png", png())}, data={"template": "nope"})
    assert (bad.status_code, bad.json()["code"]) == (400, "configuration_error")
    bad_json = client.post("/v1/jobs", files={"file": ("a.png", png())}, data={"fields": "[x"})
    assert bad_json.json()["code"] == "configuration_error"


def test_compare_runs_as_a_job_with_a_json_result(client: TestClient) -> None:
    response = client.post("/v1/compare", files={"file": ("a.png", png("cmp"))},
                           data={"engines": "size,invoice"})
    assert response.status_code == 202, response.text
    job = client.get(response.headers["Location"], params={"wait": 10}).json()
    assert job["kind"] == "compare" and job["status"] == "succeeded"
    assert set(job["links"]) == {"self", "result.json"}
    comparison = client.get(f"/v1/jobs/{job['id']}/result").json()
    assert comparison["engines"] == ["size", "invoice"]
    assert len(comparison["pages"][0]["runs"]) == 2
    assert client.get(f"/v1/jobs/{job['id']}/result", params={"format": "md"}).status_code == 400
    assert client.get(f"/v1/jobs/{job['id']}/pages").status_code == 409
    one = client.post("/v1/compare", files={"file": ("a.png", png())}, data={"engines": "size"})
    assert one.json()["code"] == "configuration_error"


def test_sync_ocr_failure_is_a_problem_with_the_jobs_code(client: TestClient) -> None:
    response = client.post("/v1/ocr", files={"file": ("x.pdf", b"%PDF-1.4 broken")})
    assert response.status_code in (415, 422)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] in {"corrupt_document", "unsupported_type"}
    assert response.headers["X-Docsight-Job-Id"]
