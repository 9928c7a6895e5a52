import time

import pytest
from doubles import expire_now, png
from fastapi.testclient import TestClient

from docsight.server.jobs.hot import HotResult, HotResults


def item(size: int, ttl: float = 60.0) -> HotResult:
    return HotResult(b"x" * size, "application/json", '"e"', time.time() + ttl)


def test_lru_is_bounded_by_bytes_and_keeps_recent_use() -> None:
    hot = HotResults(max_bytes=1000)
    hot.put("t", "a", "json", item(200))
    hot.put("t", "b", "json", item(200))
    assert hot.get("t", "a", "json") is not None  # a is now the most recent
    hot.put("t", "c", "json", item(200))
    hot.put("t", "d", "json", item(200))
    hot.put("t", "e", "json", item(200))
    hot.put("t", "f", "json", item(200))
    assert hot.size_bytes == 1000
    assert hot.get("t", "b", "json") is None  # least recently used went first
    assert hot.get("t", "a", "json") is not None
    hot.put("t", "huge", "json", item(600))  # over a quarter of the budget: never kept
    assert hot.get("t", "huge", "json") is None


def test_entries_are_per_tenant_and_expire_with_the_job() -> None:
    hot = HotResults(max_bytes=1000)
    hot.put("t1", "a", "json", item(10))
    hot.put("t1", "old", "json", item(10, ttl=-1))
    assert hot.get("t2", "a", "json") is None
    assert hot.get("t1", "a", "md") is None
    assert hot.get("t1", "old", "json") is None
    assert len(hot) == 1
    hot.discard_job("t1", "a")
    assert (len(hot), hot.size_bytes) == (0, 0)


def test_results_are_served_from_memory_with_an_etag(client: TestClient) -> None:
    job = client.post("/v1/jobs", files={"file": ("a.png", png())}).json()
    client.get(f"/v1/jobs/{job['id']}", params={"wait": 10})
    service = client.app.state.service
    first = client.get(f"/v1/jobs/{job['id']}/result")
    assert first.status_code == 200 and first.headers["etag"]
    assert service.hot.get("default", job["id"], "json").data == first.content
    # the blob is gone, the answer still comes from memory: proof the hot path served it
    service.blobs.delete_prefix(f"default/{job['id']}")
    second = client.get(f"/v1/jobs/{job['id']}/result")
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    unchanged = client.get(f"/v1/jobs/{job['id']}/result",
                           headers={"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304 and not unchanged.content
    assert client.get(f"/v1/jobs/{job['id']}/result", params={"format": "md"}).status_code == 410


def test_expired_results_leave_memory_too(client: TestClient) -> None:
    job = client.post("/v1/jobs", files={"file": ("a.png", png())}).json()
    client.get(f"/v1/jobs/{job['id']}", params={"wait": 10})
    assert client.get(f"/v1/jobs/{job['id']}/result").status_code == 200
    service = client.app.state.service
    expire_now(service, job["id"])
    assert service.cleanup_expired() == 1
    assert client.get(f"/v1/jobs/{job['id']}/result").status_code == 404


def test_unfinished_jobs_are_not_kept(client: TestClient) -> None:
    job = client.post("/v1/jobs", files={"file": ("bad.pdf", b"%PDF-1.7 broken")}).json()
    client.get(f"/v1/jobs/{job['id']}", params={"wait": 10})
    assert client.get(f"/v1/jobs/{job['id']}/result").status_code == 409
    assert len(client.app.state.service.hot) == 0


def test_the_shortcut_answers_hits_without_the_router(client: TestClient) -> None:
    from docsight.server.deps import get_service

    job = client.post("/v1/jobs", files={"file": ("a.png", png())}).json()
    client.get(f"/v1/jobs/{job['id']}", params={"wait": 10})
    warm = client.get(f"/v1/jobs/{job['id']}/result", params={"format": "md"})

    def broken() -> None:
        raise RuntimeError("the router was used")

    client.app.dependency_overrides[get_service] = broken
    try:
        hit = client.get(f"/v1/jobs/{job['id']}/result?format=md",
                         headers={"X-Request-ID": "req-hot-1"})
        assert hit.status_code == 200 and hit.content == warm.content
        assert hit.headers["x-request-id"] == "req-hot-1"
        assert hit.headers["content-type"].startswith("text/markdown")
        with pytest.raises(RuntimeError, match="router"):  # a miss still goes to the route
            client.get(f"/v1/jobs/{job['id']}/result", params={"format": "csv"})
    finally:
        client.app.dependency_overrides.clear()
    metrics = client.get("/metrics").text
    assert 'route="/v1/jobs/{job_id}/result",status="200"' in metrics
