import ctypes
import sys

import pytest

from docsight.engines._memory import map_large_blocks, release_freed_memory


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc_trim only")
def test_freed_heap_pages_go_back_to_the_os() -> None:
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    size = 64 * 1024  # under the mmap threshold: from the heap, like small tensors
    blocks = [libc.malloc(size) for _ in range(2400)]  # ~150 MiB
    for block in blocks:
        ctypes.memset(block, 1, size)
    pinned = libc.malloc(size)  # keeps the heap top in use, so free() alone cannot shrink it
    for block in blocks:
        libc.free(block)
    held = _rss_mib()
    assert release_freed_memory()
    released = _rss_mib()
    libc.free(pinned)
    assert held - released > 100, (held, released)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt only")
def test_large_blocks_are_mapped_and_unmapped_on_free() -> None:
    """After ``map_large_blocks`` a freed 2 MiB block leaves at once, with no trim needed."""
    assert map_large_blocks()
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    size = 2 * 1024 * 1024
    blocks = [libc.malloc(size) for _ in range(60)]  # 120 MiB
    for block in blocks:
        ctypes.memset(block, 1, size)
    pinned = libc.malloc(64 * 1024)  # a live heap block above them would stop a heap shrink
    held = _rss_mib()
    for block in blocks:
        libc.free(block)
    freed = _rss_mib()
    libc.free(pinned)
    assert held - freed > 100, (held, freed)
