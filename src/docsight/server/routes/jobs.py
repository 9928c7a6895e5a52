"""``/v1/jobs``: submit, list, status (long-poll), cancel, replay, results and pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from docsight.models import PageResult
from docsight.server.deps import BaseUrlDep, ServiceDep, TenantDep
from docsight.server.problems import JobNotFoundError, documented
from docsight.server.routes._forms import FormDep
from docsight.server.routes._views import accepted, job_detail, job_view
from docsight.server.schemas import JobList, JobPublic, JobState
from docsight.server.shortcut import result_response

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
FileField = Annotated[UploadFile | None, File(description="The document (PDF or image).")]


@router.post("", status_code=202, response_model=JobPublic,
             responses=documented(400, 413, 415, 422, 429))
async def submit_job(response: Response, service: ServiceDep, form: FormDep, base: BaseUrlDep,
                     file: FileField = None) -> JobPublic:
    """Queue a document; answer 202 with ``Location`` at once (a cache hit is already done)."""
    if file is not None:
        sub = form.submission(await file.read(), file.filename)
    else:
        sub = await form.from_url(service)
    job, created = await run_in_threadpool(service.submit, sub)
    accepted(response, job, created)
    return await job_view(service, job, base)


@router.get("", response_model=JobList)
def list_jobs(service: ServiceDep, tenant: TenantDep, base: BaseUrlDep,
              status: JobState | None = None, batch_id: str | None = None,
              engine: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
              offset: Annotated[int, Query(ge=0)] = 0) -> JobList:
    """The job history, newest first, with filters and offset pagination."""
    page = service.store.list_jobs(tenant, status=status, batch_id=batch_id, engine=engine,
                              limit=limit, offset=offset)
    items = [JobPublic.build(job, base=base) for job in page.items]
    more = offset + limit < page.total
    following = f"{base}/v1/jobs?limit={limit}&offset={offset + limit}" if more else None
    return JobList(items=items, total=page.total, limit=limit, offset=offset, next=following)


@router.get("/{job_id}", response_model=JobPublic, responses=documented(404))
async def get_job(job_id: str, service: ServiceDep, tenant: TenantDep, base: BaseUrlDep,
                  wait: Annotated[float, Query(ge=0, le=300, description=(
                      "Seconds to hold the request until the job ends (capped by the "
                      "server's max_wait)."))] = 0) -> JobPublic:
    """Status, progress and queue position; ``?wait=N`` long-polls until the job ends."""
    if wait <= 0:
        return await run_in_threadpool(job_detail, service, job_id, tenant, base)
    job = await service.wait(job_id, tenant, wait)
    return await job_view(service, job, base, detail=True)


@router.delete("/{job_id}", response_model=JobPublic, status_code=202,
               responses=documented(404, 409))
async def cancel_job(job_id: str, service: ServiceDep, tenant: TenantDep,
                     base: BaseUrlDep) -> JobPublic:
    """Cancel: a queued job at once, a running one at its next page boundary."""
    job = await run_in_threadpool(service.cancel, job_id, tenant)
    return await job_view(service, job, base)


@router.post("/{job_id}/replay", response_model=JobPublic, status_code=202,
             responses=documented(404, 409, 429))
async def replay_job(job_id: str, service: ServiceDep, tenant: TenantDep, response: Response,
                     base: BaseUrlDep) -> JobPublic:
    """Queue a dead-lettered (or failed) job again, attempts reset."""
    job = await run_in_threadpool(service.replay, job_id, tenant)
    accepted(response, job)
    return await job_view(service, job, base)


@router.get("/{job_id}/result", responses={
    200: {"content": {"application/json": {}, "text/markdown": {}, "text/csv": {}},
          "description": "The result in the requested format, with an `ETag`."},
    304: {"description": "`If-None-Match` matched: the result has not changed."},
    **documented(404, 409, 410)})
async def get_result(job_id: str, service: ServiceDep, tenant: TenantDep,
                     format: str = "json",
                     if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """The result in any export format (``json``, ``md``, ``csv``, ``html``, ``xml``, …).

    Finished results are answered from process memory (``server/shortcut.py``); the first
    request for a job and format reads the store and blob store on a worker thread.
    """
    item = service.hot.get(tenant, job_id, format)  # usually answered by the shortcut already
    if item is None:
        item = await run_in_threadpool(service.export_hot, job_id, tenant, format)
    return result_response(item, if_none_match)


@router.get("/{job_id}/pages", response_model=list[PageResult], responses=documented(404, 409))
def get_pages(job_id: str, service: ServiceDep, tenant: TenantDep) -> list[PageResult]:
    """Per-page results (markdown, lines, blocks, errors) in page order."""
    return service.result(service.get(job_id, tenant)).pages


@router.get("/{job_id}/pages/{number}", response_model=PageResult, responses=documented(404))
def get_page(job_id: str, number: int, service: ServiceDep, tenant: TenantDep) -> PageResult:
    for page in service.result(service.get(job_id, tenant)).pages:
        if page.number == number:
            return page
    raise JobNotFoundError(f"job {job_id} has no page {number}")
