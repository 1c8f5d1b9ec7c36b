"""Freed memory handed back to the system. glibc keeps what a process frees in its heaps for
reuse, and the free pages between live blocks stay resident: a worker's RSS would grow to its
biggest request's and stay there."""

import ctypes

try:
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
except OSError:  # not glibc: nothing to do
    _malloc_trim = None


def release_free_memory() -> None:
    """Hand the heaps' free pages back to the system, also those between live blocks, which
    glibc's trim threshold never reaches (malloc_trim; p50 0.2 ms, README)."""
    if _malloc_trim is not None:
        _malloc_trim(0)
