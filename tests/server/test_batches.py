import io
import json
import zipfile

from doubles import png
from fastapi.testclient import TestClient
from receiver import Receiver
from test_webhooks import wait_for


def test_batch_status_zip_and_one_webhook(client: TestClient) -> None:
    receiver = Receiver()
    try:
        files = [("files", (f"doc{i}.png", png(f"batch{i}"), "image/png")) for i in range(3)]
        files.append(("files", ("broken.pdf", b"%PDF-1.4 broken", "application/pdf")))
        response = client.post("/v1/batches", files=files,
                               data={"webhook_url": receiver.url, "formats": "json,md"})
        assert response.status_code == 202, response.text
        batch = response.json()
        assert batch["size"] == 4 and response.headers["Location"] == f"/v1/batches/{batch['id']}"
        wait_for(lambda: client.get(f"/v1/batches/{batch['id']}").json()["status"] ==
                 "completed")
        done = client.get(f"/v1/batches/{batch['id']}").json()
        assert done["counts"] == {"succeeded": 3, "failed": 1}
        assert done["jobs"][0]["filename"] == "doc0.png"
        listed = client.get("/v1/jobs", params={"batch_id": batch["id"]}).json()
        assert listed["total"] == 4
        archive = zipfile.ZipFile(io.BytesIO(
            client.get(f"/v1/batches/{batch['id']}/zip", params={"format": "json,md"}).content))
        names = sorted(archive.namelist())
        assert "001-doc0.json" in names and "003-doc2.md" in names
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest[3]["error"]["code"] in {"corrupt_document", "unsupported_type"}
        assert receiver.received.wait(10)
        wait_for(lambda: len(receiver.posts) >= 1)
        assert [p["event"] for p in receiver.payloads()] == ["batch.finished"]
        assert len(receiver.payloads()[0]["batch"]["jobs"]) == 4
    finally:
        receiver.close()


def test_batch_is_refused_whole_when_one_document_is_invalid(client: TestClient) -> None:
    files = [("files", ("a.png", png("a"))), ("files", ("b.png", png("b")))]
    response = client.post("/v1/batches", files=files, data={"engine": "nope"})
    assert response.status_code == 400
    assert client.get("/v1/jobs").json()["total"] == 0


def test_batch_of_cache_hits_still_notifies_once(client: TestClient) -> None:
    first = client.post("/v1/jobs", files={"file": ("a.png", png("hit"))}).json()
    client.get(f"/v1/jobs/{first['id']}", params={"wait": 10})
    receiver = Receiver()
    try:
        response = client.post("/v1/batches", files=[("files", ("a.png", png("hit")))],
                               data={"webhook_url": receiver.url})
        assert response.json()["status"] == "completed"
        assert receiver.received.wait(10)
        wait_for(lambda: len(receiver.posts) == 1)
    finally:
        receiver.close()
