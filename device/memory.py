"""Keep the daemon's memory flat over months: fewer glibc malloc arenas.

glibc gives busy threads their own malloc arenas (up to 8 per core). With the camera, analysis,
mpv and web threads allocating and freeing frames and buffers, memory freed in one arena is not
reused by another, and the RSS of a long-running kiosk creeps up (measured: about 300 MB an hour
with 3-second tracks, flat with two arenas; see scripts/soak.py). Two arenas cost nothing here.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("moodkiosk.memory")
M_ARENA_MAX = -8  # from glibc's malloc.h


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Call before threads start (other C libraries simply lack mallopt: then nothing happens)."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
