"""Giving freed memory back to the system: Arrow's pool and the C heap."""
from __future__ import annotations

import ctypes
import sys


def release_arrow_memory() -> None:
    """Hand memory Arrow's allocator and the C heap have freed back to the system.

    Why: reading a file builds and drops large Arrow buffers (the bytes,
    raw cells, intermediate columns); mimalloc keeps freed pages for reuse,
    and after reading a 1M-row export that was ~0.5 GB still counted
    against the process while tagging ran. NumPy and Python objects live on
    glibc's heap, which also keeps freed pages; `malloc_trim` returns them
    (in the featurising workers this took ~50 MB per worker off the peak
    of a 1M-row `classify`, docs/PERFORMANCE.md). Cheap (milliseconds).
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim_c_heap()


def use_system_pool() -> None:
    """Allocate Arrow's buffers with the C library's malloc instead of mimalloc, from now on.

    Why: mimalloc keeps pages it has freed for reuse, and `release_unused`
    does not hand all of them back, so after reading a 1M-row export the
    process held ~57 MB more with it than with the system allocator, whose
    free pages `malloc_trim` returns. On the 1M-row 9-column `classify`
    (alternating runs, 2026-12-02) peak PSS of the process tree fell by
    60–80 MB and the wall time did not grow, and `report`, `risk` and the
    XLSX peaked 210–280 MB lower; the 52-column `classify`, the one input
    where it costs, peaked 130–200 MB higher (docs/PERFORMANCE.md).
    Buffers already allocated stay with the pool that made them. A pool
    chosen for the process through ARROW_DEFAULT_MEMORY_POOL is left as it is.
    """
    import os

    import pyarrow as pa

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    return getattr(ctypes.CDLL(None), "malloc_trim", None)


_TRIM = _malloc_trim()


def trim_c_heap() -> None:
    """Return the C heap's free pages to the system (glibc only; elsewhere nothing to do)."""
    if _TRIM is not None:
        _TRIM(0)
