"""``POST /v1/ocr``: submit and wait, for callers who want one request.

Waits up to ``server.sync_timeout`` seconds (default 30). If the job has ended, the answer is
the result itself (``200``, in ``?format=``); if not, ``202`` with the job and its ``Location``
instead of an error, so a slow document never costs the caller its work.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from docsight.server.deps import BaseUrlDep, ServiceDep
from docsight.server.problems import documented, problem, status_for_code
from docsight.server.routes._forms import FormDep
from docsight.server.routes._views import accepted, job_view

router = APIRouter(prefix="/v1", tags=["ocr"])


@router.post("/ocr", responses={
    200: {"content": {"application/json": {}, "text/markdown": {}},
          "description": "The result, when the job ended within the timeout."},
    202: {"description": "Still running: the job (JobPublic) and its Location."},
    **documented(400, 413, 415, 422, 429)})
async def ocr_sync(response: Response, service: ServiceDep, form: FormDep, base: BaseUrlDep,
                   file: Annotated[UploadFile | None, File()] = None,
                   format: str = "json") -> Response:
    """Read a document and answer with its result, or 202 after the sync timeout."""
    sub = form.submission(await file.read(), file.filename) if file else await form.from_url(
        service)
    job, created = await run_in_threadpool(service.submit, sub)
    job = await service.wait(job.id, sub.tenant, service.server.sync_timeout)
    headers = {"X-Docsight-Job-Id": job.id, "Location": f"/v1/jobs/{job.id}",
               "X-Docsight-Cache": "hit" if job.cache_hit else "miss"}
    if job.status == "succeeded":
        data, media_type = await run_in_threadpool(service.export, job, format)
        return Response(data, media_type=media_type, headers=headers)
    if job.error_code:
        return problem(status_for_code(job.error_code), job.error_code,
                       job.error_message or job.status, headers=headers)
    accepted(response, job, created)
    view = await job_view(service, job, base)
    return Response(view.model_dump_json(), status_code=202, media_type="application/json",
                    headers=headers)
