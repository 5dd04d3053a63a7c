"""One daemon per state folder: a second ``moodkiosk run`` on the same folder refuses to start."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from device.core.errors import MoodkioskError


class RunLock:
    """An exclusive ``flock`` on ``<state_dir>/moodkiosk.lock``, held while the daemon runs (the kernel
    drops it when the process ends, however it ends)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "moodkiosk.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise MoodkioskError(
                f"another moodkiosk (pid {holder}) is already running on {self.path.parent}",
                "stop it first (sudo systemctl stop moodkiosk), or give this one its own --state-dir",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
