from pathlib import Path

import pytest
from doubles import png
from fastapi.testclient import TestClient

from conftest import with_server
from docsight.server import create_app
from docsight.server.jobs.blobs import LocalBlobStore, S3BlobStore, make_blob_store
from docsight.settings import Settings


def exercise(store) -> None:
    store.put("t/j1/input", b"one")
    store.put("t/j1/result.json", b"{}")
    store.put("t/j2/input", b"two")
    assert store.get("t/j1/input") == b"one" and store.exists("t/j1/result.json")
    store.delete("t/j1/result.json")
    assert not store.exists("t/j1/result.json")
    store.delete_prefix("t/j1")
    assert not store.exists("t/j1/input") and store.get("t/j2/input") == b"two"
    store.ping()


def test_local_blob_store(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    exercise(store)
    with pytest.raises(ValueError):
        store.put("../escape", b"x")


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch):
    moto = pytest.importorskip("moto", reason="S3 tests need moto (dev extra)")
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        import boto3

        boto3.client("s3").create_bucket(Bucket="docs")
        yield


def test_s3_blob_store(s3: None) -> None:
    store = make_blob_store("s3://docs/prefix")
    assert isinstance(store, S3BlobStore) and store.prefix == "prefix"
    exercise(store)


def test_the_service_on_s3(s3: None, server_settings: Settings) -> None:
    settings = with_server(server_settings, blob_dir="s3://docs/docsight")
    with TestClient(create_app(settings)) as client:
        job = client.post("/v1/jobs", files={"file": ("a.png", png("s3"))}).json()
        done = client.get(f"/v1/jobs/{job['id']}", params={"wait": 10}).json()
        assert done["status"] == "succeeded"
        assert client.get(f"/v1/jobs/{job['id']}/result", params={"format": "md"}).text
        assert client.get("/readyz").json()["checks"]["blobs"] == "ok"
