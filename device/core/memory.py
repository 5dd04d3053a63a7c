"""Process limits for a daemon that runs for months: flat memory, enough file descriptors.

glibc gives busy threads their own malloc arenas (up to 8 per core). With the camera, analysis,
mpv and web threads allocating and freeing frames and buffers, memory freed in one arena is not
reused by another, and the RSS of a long-running kiosk creeps up (measured: about 300 MB an hour
with 3-second tracks, flat with two arenas; see scripts/soak.py). Two arenas cost nothing here.

glibc also raises its mmap threshold each time a big block is freed, so after a few photos their
buffers come from the heap, which is rarely given back: a fixed threshold keeps every buffer of
4 MB or more (a decoded photo) in its own mapping, returned the moment it is freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import resource

log = logging.getLogger("moodkiosk.memory")
M_ARENA_MAX = -8  # from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 4 * 2**20


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Call before threads start (other C libraries simply lack mallopt: then nothing happens)."""
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    return bool(mallopt(M_ARENA_MAX, arenas))


def release_free_memory() -> None:
    """Hand memory that is free inside the heap back to the system (glibc's malloc_trim; elsewhere nothing)."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard one (systemd's LimitNOFILE); returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft
