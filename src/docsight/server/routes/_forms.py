"""The submission form shared by ``/v1/jobs``, ``/v1/ocr`` and ``/v1/batches``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Form, Header
from starlette.concurrency import run_in_threadpool

from docsight.errors import ConfigurationError
from docsight.pipeline import ProcessOptions
from docsight.server.deps import RequestIdDep, ServiceDep, TenantDep
from docsight.server.fetch import fetch_document
from docsight.server.jobs.service import DEFAULT_FORMATS, JobService, Submission
from docsight.server.problems import FetchError

Priority = Literal["high", "normal", "low"]


@dataclass
class SubmitForm:
    options: ProcessOptions
    formats: list[str]
    priority: str
    webhook_url: str | None
    url: str | None
    idempotency_key: str | None
    tenant: str
    request_id: str
    template: str | None = None
    fields: Any = None

    def submission(self, data: bytes, filename: str | None) -> Submission:
        return Submission(
            data=data, filename=filename, options=self.options, formats=list(self.formats),
            priority=self.priority, webhook_url=self.webhook_url,
            idempotency_key=self.idempotency_key, request_id=self.request_id,
            tenant=self.tenant, template=self.template, fields=self.fields,
        )

    async def from_url(self, service: JobService) -> Submission:
        if not self.url:
            raise FetchError("send a file (multipart field 'file') or a 'url'")
        server = service.server
        data, name = await run_in_threadpool(
            fetch_document, self.url, max_bytes=server.max_upload_bytes,
            allow_private=server.fetch_allow_private,
        )
        return self.submission(data, name)


def submit_form(
    tenant: TenantDep,
    request_id: RequestIdDep,
    url: Annotated[str | None, Form(description="Fetch the document from this URL.")] = None,
    engine: Annotated[str | None, Form(description="Engine; see GET /v1/engines.")] = None,
    pages: Annotated[str | None, Form(description="Page selection such as 1-3,7.")] = None,
    dpi: Annotated[int | None, Form(ge=36, le=1200)] = None,
    text_layer: Annotated[Literal["auto", "always", "never"] | None, Form()] = None,
    password: Annotated[str | None, Form(description="Password of an encrypted PDF.")] = None,
    formats: Annotated[str, Form(description="Result formats offered, e.g. json,md,csv.")] = (
        ",".join(DEFAULT_FORMATS)
    ),
    priority: Annotated[Priority, Form()] = "normal",
    webhook_url: Annotated[str | None, Form(description="POSTed when the job ends.")] = None,
    template: Annotated[str | None, Form(description=(
        "Extract typed fields with this built-in template, or 'auto' to classify."))] = None,
    fields: Annotated[str | None, Form(description=(
        "Fields to extract: catalog names (a,b,c) or JSON (a list of names/specs, a "
        "template mapping, or a JSON Schema)."))] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> SubmitForm:
    options = ProcessOptions(engine=engine, pages=pages, dpi=dpi, text_layer=text_layer,
                             password=password)
    return SubmitForm(options, [f for f in formats.split(",") if f.strip()], priority,
                      webhook_url, url, idempotency_key, tenant, request_id, template,
                      _parse_fields(fields))


def _parse_fields(fields: str | None) -> Any:
    if fields is None or not fields.strip():
        return None
    if fields.lstrip()[:1] in "[{":
        try:
            return json.loads(fields)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"fields is not valid JSON: {exc}") from exc
    return [name.strip() for name in fields.split(",") if name.strip()]


FormDep = Annotated[SubmitForm, Depends(submit_form)]
__all__ = ["FormDep", "ServiceDep", "SubmitForm"]
