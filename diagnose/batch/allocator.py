"""Let a batch command keep the heap memory it frees, instead of faulting it in again.

Why: tagging a million rows allocates and frees NumPy and SciPy arrays of
tens of megabytes, slice after slice, in the parent and in every forked
worker. By default glibc gives the top of the heap back to the kernel as
soon as it is free, so the next slice's arrays are page-faulted in afresh:
on this project's 2-core machine a 1M-row `classify` spent 5-7 s of its
~25 s in the kernel, mostly on those faults. A top pad tells malloc to grow
the heap in larger steps and to keep that much freed memory when it trims,
so the same pages are reused. Only `classify` asks for it: alternating runs
on 1M rows gave 26.7 s against 28.3 s, while `risk` and `report`, whose large
arrays live longer, ran slower with it (the pad also turns off glibc's
adaptive mmap threshold).

Only glibc has `mallopt` with this meaning; elsewhere this does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TOP_PAD = -2  # glibc's <malloc.h> parameter number
TOP_PAD_BYTES = 256 << 20


def keep_freed_memory(pad: int = TOP_PAD_BYTES) -> bool:
    """Set glibc's top pad to `pad` bytes for this process and the workers it forks; True if set."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "mallopt") or not hasattr(libc, "gnu_get_libc_version"):
        return False  # not glibc (musl has no tunable top pad)
    libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return libc.mallopt(M_TOP_PAD, int(pad)) == 1
