"""Finished results kept in process memory, so polling clients are answered without I/O.

A succeeded job's result never changes (replay only re-runs failed or dead-lettered jobs), so a
copy per API process is safe across replicas: the only event that invalidates it is expiry, and
every replica knows the job's ``expires_at``. Reading the result otherwise costs a store query
and a blob read on a worker thread, which caps the route at a few hundred requests per second
on two cores; from here it is a dictionary lookup on the event loop.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class HotResult:
    data: bytes
    media_type: str
    etag: str
    expires_at: float  # epoch seconds; the job's own result expiry


class HotResults:
    """A byte-bounded LRU of exported results keyed by tenant, job and format."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str, str], HotResult] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, tenant: str, job_id: str, fmt: str) -> HotResult | None:
        key = (tenant, job_id, fmt)
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item.expires_at <= time.time():
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item

    def put(self, tenant: str, job_id: str, fmt: str, item: HotResult) -> None:
        size = len(item.data)
        # 0 is off; and a few huge results must not evict everything else
        if not self.max_bytes or size > self.max_bytes // 4:
            return
        key = (tenant, job_id, fmt)
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = item
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                self._drop(next(iter(self._items)))

    def discard_job(self, tenant: str, job_id: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == tenant and k[1] == job_id]:
                self._drop(key)

    def _drop(self, key: tuple[str, str, str]) -> None:
        self._bytes -= len(self._items.pop(key).data)
