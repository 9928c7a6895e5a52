"""A pure-ASGI shortcut for the most polled request: a finished job's result, already in memory.

Routing, dependency resolution and the exception middlewares of FastAPI cost several times what
answering from ``JobService.hot`` does; under a hundred concurrent clients on two cores that
difference is the p99 (see docs/benchmarks.md, "Service load"). The shortcut sits inside
``Observe`` (so request ids, logs and metrics are unchanged), answers only a ``GET`` of
``/v1/jobs/{id}/result`` that is already in memory, and hands everything else, misses
included, to the application unchanged. The route in ``routes/jobs.py`` builds the same
response through ``result_response``, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import State
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from docsight.server.jobs.hot import HotResult

_RESULT_PATH = re.compile(r"^/v1/jobs/([^/]+)/result$")
RESULT_ROUTE = "/v1/jobs/{job_id}/result"


def tenant_of(state: Any) -> str:
    """The tenant of a request; one per deployment until authentication resolves principals.

    Shared by ``deps.get_tenant`` and the shortcut, so both see the same tenant. When
    authentication lands it must resolve the principal from the request here, for both paths:
    the shortcut answers without FastAPI's dependencies.
    """
    tenant: str = state.settings.server.tenant
    return tenant


def result_response(item: HotResult, if_none_match: str | None) -> Response:
    headers = {"ETag": item.etag, "Cache-Control": "private, max-age=0, must-revalidate"}
    if if_none_match is not None and item.etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(item.data, media_type=item.media_type, headers=headers)


class _RouteLabel:
    """Stands in for the matched route so ``Observe`` labels metrics the same either way."""

    path = RESULT_ROUTE


class HotResultShortcut:
    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = _RESULT_PATH.match(scope["path"])
            service = getattr(self.state, "service", None)
            if match and service is not None:
                query = parse_qs(scope["query_string"].decode("latin-1"))
                fmt = query.get("format", ["json"])[-1]
                item = service.hot.get(tenant_of(self.state), match.group(1), fmt)
                if item is not None:
                    scope["route"] = _RouteLabel()
                    header = dict(scope["headers"]).get(b"if-none-match")
                    response = result_response(
                        item, header.decode("latin-1") if header is not None else None)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
