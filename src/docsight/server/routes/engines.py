"""``GET /v1/engines``: the engines this server can run, and why the others cannot."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from docsight.engines.registry import list_engines
from docsight.server.deps import SettingsDep
from docsight.server.schemas import EngineInfoPublic

router = APIRouter(prefix="/v1", tags=["engines"])


@router.get("/engines", response_model=list[EngineInfoPublic])
def engines(settings: SettingsDep) -> list[EngineInfoPublic]:
    default = settings.engine.default
    return [
        EngineInfoPublic(name=e.name, description=e.description, available=e.available,
                         reason=e.reason, capabilities=asdict(e.capabilities),
                         default=e.name == default)
        for e in list_engines()
    ]
