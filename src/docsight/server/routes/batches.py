"""``/v1/batches``: many documents in one request, one aggregated status, one zip."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from docsight.server.deps import BaseUrlDep, ServiceDep, TenantDep
from docsight.server.jobs.bundle import batch_zip
from docsight.server.problems import documented
from docsight.server.routes._forms import FormDep
from docsight.server.schemas import BatchPublic, JobPublic

router = APIRouter(prefix="/v1/batches", tags=["batches"])


@router.post("", status_code=202, response_model=BatchPublic,
             responses=documented(400, 413, 415, 422, 429))
async def submit_batch(response: Response, service: ServiceDep, form: FormDep,
                       base: BaseUrlDep,
                       files: Annotated[list[UploadFile], File(description="The documents.")],
                       ) -> BatchPublic:
    """Queue every file with the same options; ``webhook_url`` fires once, for the batch."""
    subs = [form.submission(await f.read(), f.filename) for f in files]
    for sub in subs:
        sub.webhook_url = None
    batch, jobs = await run_in_threadpool(
        lambda: service.create_batch(subs, tenant=form.tenant, webhook_url=form.webhook_url,
                                     request_id=form.request_id, priority=form.priority))
    response.headers["Location"] = f"/v1/batches/{batch.id}"
    return BatchPublic.build(batch, [JobPublic.build(j, base=base) for j in jobs], base=base)


@router.get("/{batch_id}", response_model=BatchPublic, responses=documented(404))
def get_batch(batch_id: str, service: ServiceDep, tenant: TenantDep,
              base: BaseUrlDep) -> BatchPublic:
    batch, jobs = service.get_batch(batch_id, tenant)
    return BatchPublic.build(batch, [JobPublic.build(j, base=base) for j in jobs], base=base)


@router.get("/{batch_id}/zip", response_class=Response, responses={
    200: {"content": {"application/zip": {}}, "description": "Every output and a manifest."},
    **documented(404)})
def get_batch_zip(batch_id: str, service: ServiceDep, tenant: TenantDep,
                  format: str = "json,md") -> Response:
    _, jobs = service.get_batch(batch_id, tenant)
    data = batch_zip(service, jobs, format)
    disposition = f'attachment; filename="batch-{batch_id}.zip"'
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": disposition})
