"""Giving freed memory back to the system after a large request.

glibc keeps the memory that large decodes and tokenizations freed in its arenas, so a server's
resident size stays at its peak; `malloc_trim(0)` returns it. On other C libraries (macOS,
Windows, musl without the symbol) the helper only runs the garbage collector.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from typing import Any


def give_back_memory() -> None:
    """Collect garbage, then ask glibc to return free heap pages to the system (a no-op elsewhere)."""
    gc.collect()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def _glibc() -> Any:
    """The C library when it has malloc_trim (glibc), else None; loaded on first use."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None
