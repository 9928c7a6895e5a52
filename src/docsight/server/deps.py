"""``Annotated`` dependency aliases, so routes declare what they need in one word.

The providers are ``async def`` although they await nothing: FastAPI runs a plain ``def``
dependency on a worker thread, and that hop per dependency per request was the largest single
cost of the hot status and result routes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from docsight.server.jobs.service import JobService
from docsight.server.shortcut import tenant_of
from docsight.settings import Settings


async def get_service(request: Request) -> JobService:
    service: JobService = request.app.state.service
    return service


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_tenant(request: Request) -> str:
    """One tenant until authentication lands; the seam where a principal will be resolved."""
    return tenant_of(request.app.state)


async def get_request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


async def get_base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


ServiceDep = Annotated[JobService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TenantDep = Annotated[str, Depends(get_tenant)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
BaseUrlDep = Annotated[str, Depends(get_base_url)]
