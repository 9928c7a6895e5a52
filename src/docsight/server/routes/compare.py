"""``POST /v1/compare``: one document through several engines, as a job.

The comparison (per-page agreement, table and value differences; ``docsight.compare``) is the
job's result, fetched as JSON from ``/v1/jobs/{id}/result`` once the job ends.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from docsight.server.deps import BaseUrlDep, ServiceDep
from docsight.server.problems import documented
from docsight.server.routes._forms import FormDep
from docsight.server.routes._views import accepted, job_view
from docsight.server.schemas import JobPublic

router = APIRouter(prefix="/v1", tags=["compare"])


@router.post("/compare", status_code=202, response_model=JobPublic,
             responses=documented(400, 413, 415, 422, 429))
async def submit_comparison(
    response: Response, service: ServiceDep, form: FormDep, base: BaseUrlDep,
    engines: Annotated[str, Form(description="Two or more engines or models: a,b[,c].")],
    file: Annotated[UploadFile | None, File()] = None,
) -> JobPublic:
    sub = form.submission(await file.read(), file.filename) if file else await form.from_url(
        service)
    sub.compare = [name.strip() for name in engines.split(",") if name.strip()]
    job, created = await run_in_threadpool(service.submit, sub)
    accepted(response, job, created)
    return await job_view(service, job, base)
