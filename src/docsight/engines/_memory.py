"""Hand memory that ONNX Runtime freed back to the operating system between model stages.

With its arena off, ONNX Runtime frees each activation tensor when it dies, but glibc keeps
the freed blocks (in the arenas of the runtime's worker threads, above its trim threshold) for
reuse; detection's few hundred megabytes then sit beside recognition's and the layout model's,
and the process's peak is their sum rather than their maximum. Measured on four GeoTopo pages
at 200 dpi: peak 810 MiB without, 705 MiB with a trim after detection and recognition, for
~40 ms per trim. A fixed mmap threshold (``mallopt``) gave 450-500 MiB but doubled the time
(every large tensor page-faulted afresh), so it is not used.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - musl has no malloc_trim: probe once
    except (OSError, AttributeError):
        return None
    return libc


def release_freed_memory() -> bool:
    """Return the allocator's free pages to the OS; False where the allocator cannot."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number


@cache
def map_large_blocks(threshold: int = 1 << 20) -> bool:
    """Serve blocks of ``threshold`` bytes and more from their own mappings, once per process.

    Used with OpenVINO, which keeps a model's activation buffers between calls until told to
    release them: glibc's dynamic threshold had moved those blocks into the heap, where they
    fragmented it, and the 16-page GeoTopo slice peaked at 1,049 MiB; with a fixed 1 MiB
    threshold 907 MiB, for no measurable time (31-35 s either way, noisy host). Under ONNX
    Runtime, which frees every tensor after each call, the same setting doubled the time per
    page, so only the OpenVINO path sets it.
    """
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, threshold))
