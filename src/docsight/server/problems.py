"""Errors as ``application/problem+json`` (RFC 9457), mapped from the core's tree in one place.

Every body carries the stable ``code`` of the error class, so clients branch on codes, not on
message text. ``429`` and ``503`` carry ``Retry-After``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from docsight import errors

PROBLEM = "application/problem+json"


class ServiceError(errors.DocsightError):
    """Failures that exist only in the service (queues, jobs, HTTP)."""

    code: ClassVar[str] = "service_error"
    status: ClassVar[int] = 500
    retry_after: int | None = None


class JobNotFoundError(ServiceError):
    code = "not_found"
    status = 404


class ConflictError(ServiceError):
    code = "conflict"
    status = 409


class NotReadyError(ServiceError):
    code = "result_not_ready"
    status = 409


class GoneError(ServiceError):
    code = "result_expired"
    status = 410


class QueueFullError(ServiceError):
    code = "queue_full"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DestinationRefusedError(ServiceError):
    code = "destination_refused"
    status = 422


class FetchError(ServiceError):
    code = "fetch_failed"
    status = 422


class PayloadTooLargeError(ServiceError):
    code = "limit_exceeded"
    status = 413


_STATUS: list[tuple[type[errors.DocsightError], int]] = [
    (errors.LimitExceededError, 413),
    (errors.UnsupportedTypeError, 415),
    (errors.DocumentNotFoundError, 422),
    (errors.PageSelectionError, 400),  # a bad request parameter, not a bad document
    (errors.InputError, 422),
    (errors.UnknownEngineError, 400),
    (errors.EngineUnavailableError, 503),
    (errors.EngineError, 502),
    (errors.ConfigurationError, 400),
]


class Problem(BaseModel):
    """The error body of every non-2xx response."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


def status_for(exc: errors.DocsightError) -> int:
    if isinstance(exc, ServiceError):
        return exc.status
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def status_for_code(code: str) -> int:
    """The HTTP status of the error class with this stable code (a job's stored error)."""
    pending: list[type[errors.DocsightError]] = [errors.DocsightError]
    while pending:
        cls = pending.pop()
        if cls.code == code and cls is not errors.DocsightError:
            return status_for(cls.__new__(cls))
        pending.extend(cls.__subclasses__())
    return 500  # internal_error, worker_lost: the service failed, not the request


def problem(status: int, code: str, detail: str, request: Request | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    from http import HTTPStatus

    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        code=code,
        detail=detail,
        instance=str(request.url.path) if request is not None else None,
        **extra,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into problem+json."""

    async def docsight_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, errors.DocsightError)
        status = status_for(exc)
        headers = {}
        retry = getattr(exc, "retry_after", None) or (30 if status == 503 else None)
        if retry is not None:
            headers["Retry-After"] = str(retry)
        return problem(status, exc.code, exc.message, request, headers)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return problem(422, "invalid_request", "the request is not valid", request,
                       errors=details)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, str(exc.detail), request,
                       dict(exc.headers or {}))

    async def crash(request: Request, exc: Exception) -> JSONResponse:
        return problem(500, "internal_error", "unexpected server error; see the logs", request)

    app.add_exception_handler(errors.DocsightError, docsight_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crash)


#: For ``responses=`` in route decorators so OpenAPI documents every error.
def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": Problem, "content": {PROBLEM: {}}, "description": "Problem details"}
        for status in statuses
    }
