import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="needs the server extra: pip install 'docsight[server]'")

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

import doubles
from services import postgres_url, redis_url  # noqa: F401  (fixtures)

from docsight.engines import registry
from docsight.server import create_app
from docsight.settings import Settings


@pytest.fixture(autouse=True)
def test_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    patched = dict(registry.ENGINES)
    doubles.register(patched)
    for name, target in patched.items():
        monkeypatch.setitem(registry.ENGINES, name, target)
    doubles.GatedEngine.gate.clear()
    doubles.GatedEngine.started.clear()


@pytest.fixture
def server_settings(tmp_path: Path, settings: Settings) -> Settings:
    """Service settings on a fresh SQLite file and blob dir, with the size test engine."""
    server = settings.server.model_copy(update={
        "database_url": f"sqlite:///{tmp_path}/docsight.db",
        "blob_dir": str(tmp_path / "blobs"),
        "webhook_allow_private": True,
        "webhook_backoff": 0.01,
        "webhook_secret": "s3cret",
        "lease_seconds": 3,
        "sync_timeout": 5.0,
    })
    engine = settings.engine.model_copy(update={"default": "size"})
    return settings.model_copy(update={"server": server, "engine": engine})


def with_server(settings: Settings, **values: object) -> Settings:
    return settings.model_copy(update={"server": settings.server.model_copy(update=values)})


@pytest.fixture
def client(server_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(server_settings)) as test_client:
        yield test_client
