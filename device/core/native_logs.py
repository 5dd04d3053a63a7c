"""Capture what native libraries (MediaPipe, LiteRT, OpenCV) print straight to file descriptor 2."""

from __future__ import annotations

import faulthandler
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

_swap = threading.Lock()
_capturing = True


def show_native_output() -> None:
    """Never capture in this process: a probe run to see whether a library aborts must let its last words out."""
    global _capturing
    _capturing = False


def keep_python_stderr() -> None:
    """Point Python's ``sys.stderr`` (and so its logging and faulthandler) at a copy of fd 2.

    Called once at start: a capture below then only ever hides native output, never a log line
    written meanwhile by another thread; and a native crash (SIGSEGV, SIGABRT, SIGILL) still
    prints where in Python it happened, even while fd 2 is captured.
    """
    if getattr(sys.stderr, "_moodkiosk_own", False):
        return
    sys.stderr.flush()
    stream = os.fdopen(os.dup(2), "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace")
    stream._moodkiosk_own = True  # type: ignore[attr-defined]
    sys.stderr = stream
    faulthandler.enable(stream, all_threads=True)


def open_sink() -> BinaryIO:
    """Where native output is caught: an anonymous file in memory (nothing on any disk), else a temporary file."""
    if hasattr(os, "memfd_create"):
        return os.fdopen(os.memfd_create("moodkiosk-native-output"), "w+b")
    return tempfile.TemporaryFile(mode="w+b")


@contextmanager
def captured_native_stderr() -> Iterator[list[str]]:
    """Redirect fd 2 while the block runs; yields a list that receives the captured lines.

    MediaPipe and LiteRT log INFO lines from C++ on every model load, which would drown the CLI's
    own output and journald. The lines are kept so that a failure can still show them.

    fd 2 belongs to the whole process, so it is swapped only by the main thread and one block at
    a time: a block in another thread captures nothing (its native lines go to the log), and a
    call that hangs in a worker thread (a camera that never opens) can never leave fd 2 pointing
    elsewhere.
    """
    lines: list[str] = []
    if not _capturing or threading.current_thread() is not threading.main_thread() or not _swap.acquire(blocking=False):
        yield lines
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        with open_sink() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield lines
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                lines.extend(sink.read().decode("utf-8", "replace").splitlines())
    finally:
        _swap.release()
