import time

import pytest
from doubles import png
from fastapi.testclient import TestClient
from receiver import Receiver

from docsight.server.problems import DestinationRefusedError
from docsight.server.webhooks import SIGNATURE_HEADER, check_destination, sign, verify


@pytest.fixture
def receiver():
    receiver = Receiver(fail_first=3)
    yield receiver
    receiver.close()


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_webhook_failing_three_times_is_delivered_once(client: TestClient, receiver) -> None:
    job = client.post("/v1/jobs", files={"file": ("a.png", png())},
                      data={"webhook_url": receiver.url}).json()
    assert receiver.received.wait(10)
    wait_for(lambda: client.get(f"/v1/jobs/{job['id']}").json()["webhook"]["delivered_at"])
    view = client.get(f"/v1/jobs/{job['id']}").json()
    attempts = view["webhook"]["attempts"]
    assert [a["delivered"] for a in attempts] == [False, False, False, True]
    assert [a["status_code"] for a in attempts] == [500, 500, 500, 200]
    assert len(receiver.posts) == 4
    headers, body = receiver.posts[-1]
    assert verify("s3cret", body, headers[SIGNATURE_HEADER])
    assert not verify("wrong", body, headers[SIGNATURE_HEADER])
    payload = receiver.payloads()[-1]
    assert payload["event"] == "job.finished" and payload["job"]["id"] == job["id"]
    assert payload["job"]["status"] == "succeeded"


def test_signature_rejects_stale_timestamps() -> None:
    body = b'{"a":1}'
    old = sign("k", body, int(time.time()) - 3600)
    assert not verify("k", body, old)
    assert verify("k", body, sign("k", body, int(time.time())))
    assert not verify("k", body, "garbage")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/", "http://192.168.0.1/",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://[fe80::1]/",
    "ftp://example.com/", "http:///nohost",
])
def test_private_and_odd_destinations_are_refused(url: str) -> None:
    with pytest.raises(DestinationRefusedError):
        check_destination(url, allow_private=False)


def test_public_destination_and_operator_override_pass() -> None:
    check_destination("https://93.184.216.34/hook", allow_private=False)
    check_destination("http://127.0.0.1:9/hook", allow_private=True)


def test_submission_with_private_webhook_is_refused_by_default(
        client: TestClient) -> None:
    client.app.state.service.server.webhook_allow_private = False
    response = client.post("/v1/jobs", files={"file": ("a.png", png())},
                           data={"webhook_url": "http://127.0.0.1:1/hook"})
    assert response.status_code == 422
    assert response.json()["code"] == "destination_refused"
    by_url = client.post("/v1/jobs", data={"url": "http://169.254.169.254/doc.pdf"})
    assert by_url.json()["code"] == "destination_refused"


def test_a_webhook_lost_with_its_process_is_redriven_once(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from docsight.server.jobs.tables import Job, utcnow

    service = client.app.state.service
    receiver = Receiver()
    try:
        real_notify = service.queue.notify
        monkeypatch.setattr(service.queue, "notify", lambda kind, ident: None)  # "crash"
        job = client.post("/v1/jobs", files={"file": ("a.png", png("lost"))},
                          data={"webhook_url": receiver.url}).json()
        client.get(f"/v1/jobs/{job['id']}", params={"wait": 10})
        assert service.redrive_webhooks() == 0  # too recent: a delivery may be in flight
        with service.store.session() as session:
            session.get(Job, job["id"]).finished_at = utcnow() - timedelta(hours=1)
            session.commit()
        monkeypatch.setattr(service.queue, "notify", real_notify)
        assert service.redrive_webhooks() == 1
        assert receiver.received.wait(10)
        wait_for(lambda: client.get(f"/v1/jobs/{job['id']}").json()["webhook"]["delivered_at"])
        assert service.redrive_webhooks() == 0 and len(receiver.posts) == 1
    finally:
        receiver.close()
