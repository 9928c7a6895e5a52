"""``/v1/cache``: hit/miss statistics and invalidation of the tenant's cached results."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from docsight.server.cache import MemoryCache
from docsight.server.deps import ServiceDep, TenantDep
from docsight.server.schemas import CacheStats

router = APIRouter(prefix="/v1/cache", tags=["cache"])


class Invalidated(BaseModel):
    removed: int


@router.get("", response_model=CacheStats)
def cache_stats(service: ServiceDep) -> CacheStats:
    cache = service.cache
    backend = "memory" if isinstance(cache, MemoryCache) else "redis"
    return CacheStats(backend=backend, entries=cache.size(), hits=cache.hits,
                      misses=cache.misses)


@router.delete("", response_model=Invalidated)
def invalidate(service: ServiceDep, tenant: TenantDep, sha256: str | None = None) -> Invalidated:
    """Forget cached results: of one document (``?sha256=``) or all of this tenant's."""
    return Invalidated(removed=service.cache.invalidate(tenant, sha256))
