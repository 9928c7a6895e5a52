"""Result cache keyed by content hash + engine + options + tenant.

The same bytes read by the same engine with the same options give the same result, so a second
submission is answered from here in milliseconds and marked ``cache_hit``. Redis when
configured (shared by replicas, TTL enforced by Redis); an in-process LRU otherwise. Tenants
never share entries: the tenant is part of every key.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from typing import Any, Protocol

PREFIX = "docsight:cache:"


def cache_key(tenant: str, sha256: str, engine: str, options: dict[str, Any]) -> str:
    relevant = {k: v for k, v in sorted(options.items()) if k != "password" and v is not None}
    digest = hashlib.sha256(json.dumps([engine, relevant], sort_keys=True).encode()).hexdigest()
    return f"{tenant}:{sha256}:{digest[:32]}"


class ResultCache(Protocol):
    @property
    def hits(self) -> int: ...

    @property
    def misses(self) -> int: ...

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, value: bytes) -> None: ...

    def invalidate(self, tenant: str, sha256: str | None = None) -> int: ...

    def size(self) -> int: ...


class MemoryCache:
    """Per-process LRU with TTL; enough for one API process with inline workers."""

    def __init__(self, ttl: float, max_entries: int = 256) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] < time.monotonic():
                self._items.pop(key, None)
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: str, value: bytes) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[key] = (time.monotonic() + self.ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def invalidate(self, tenant: str, sha256: str | None = None) -> int:
        prefix = f"{tenant}:{sha256}:" if sha256 else f"{tenant}:"
        with self._lock:
            doomed = [k for k in self._items if k.startswith(prefix)]
            for key in doomed:
                del self._items[key]
            return len(doomed)

    def size(self) -> int:
        return len(self._items)


class RedisCache:
    """Shared by every replica and worker; hit/miss counts kept in Redis too."""

    def __init__(self, url: str, ttl: int) -> None:
        import redis

        self.ttl = ttl
        self._redis = redis.Redis.from_url(url)

    @property
    def hits(self) -> int:
        return int(self._redis.get(PREFIX + "stats:hits") or 0)  # type: ignore[arg-type]

    @property
    def misses(self) -> int:
        return int(self._redis.get(PREFIX + "stats:misses") or 0)  # type: ignore[arg-type]

    def get(self, key: str) -> bytes | None:
        value: bytes | None = self._redis.get(PREFIX + key)  # type: ignore[assignment]
        self._redis.incr(PREFIX + ("stats:hits" if value is not None else "stats:misses"))
        return value

    def put(self, key: str, value: bytes) -> None:
        if self.ttl > 0:
            self._redis.set(PREFIX + key, value, ex=self.ttl)

    def invalidate(self, tenant: str, sha256: str | None = None) -> int:
        pattern = f"{PREFIX}{tenant}:{sha256 or '*'}:*"
        keys = list(self._redis.scan_iter(match=pattern, count=500))
        return int(self._redis.delete(*keys)) if keys else 0  # type: ignore[arg-type]

    def size(self) -> int:
        return sum(1 for _ in self._redis.scan_iter(match=f"{PREFIX}*:*:*", count=500))


def make_cache(redis_url: str | None, ttl: int) -> ResultCache:
    return RedisCache(redis_url, ttl) if redis_url else MemoryCache(ttl)
