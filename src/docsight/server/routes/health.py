"""``/healthz`` (the process answers), ``/readyz`` (it can do work), ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from docsight.engines.registry import check_available
from docsight.server.deps import ServiceDep
from docsight.server.jobs.service import JobService
from docsight.server.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


def _checks(service: JobService) -> dict[str, str]:
    engine = service.settings.engine.default
    probes = {"store": service.store.ping, "blobs": service.blobs.ping,
              "queue": service.queue.ping}
    checks = {}
    for name, probe in probes.items():
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"error: {type(exc).__name__}: {exc}"[:200]
    status = check_available(engine)
    checks[f"engine:{engine}"] = "ok" if status.available else f"error: {status.reason}"
    return checks


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(service: ServiceDep, response: Response) -> Health:
    """Store, queue, blob store and default engine; 503 with Retry-After when one fails."""
    checks = await run_in_threadpool(_checks, service)
    if any(value != "ok" for value in checks.values()):
        response.status_code = 503
        response.headers["Retry-After"] = "10"
        return Health(status="degraded", checks=checks)
    return Health(status="ok", checks=checks)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text."}})
def metrics(service: ServiceDep) -> Response:
    return Response(service.metrics.render(), media_type="text/plain; version=0.0.4")
