"""Capture what native libraries (MediaPipe, LiteRT) print straight to file descriptor 2."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def captured_native_stderr() -> Iterator[list[str]]:
    """Redirect fd 2 while the block runs; yields a list that receives the captured lines.

    MediaPipe and LiteRT log INFO lines from C++ on every model load, which would drown the CLI's
    own output and journald. The lines are kept so that a failure can still show them.
    """
    lines: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read().decode("utf-8", "replace").splitlines())
