"""The health chore: STATUS= lines for ``systemctl status``, and WATCHDOG=1 only while the event loop
runs *and* the frame analysis makes progress (a wedged camera or inference call gets the service
restarted by systemd)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from device.core.memory import release_free_memory
from device.core.systemd_notify import SystemdNotifier
from device.kiosk.watcher import Watcher

log = logging.getLogger("moodkiosk")
STATUS_SECONDS = 10.0


class FrameRate:
    """Frames analysed per second between two readings of a worker's frame counter.

    A new worker (the camera was changed) starts its count at 0: the first reading after the change
    says nothing (None) instead of a negative rate."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._worker: object = None
        self._counted, self._at = 0, clock()

    def read(self, worker: object, analysed: int) -> float | None:
        now = self._clock()
        same = worker is not None and worker is self._worker and analysed >= self._counted and now > self._at
        rate = (analysed - self._counted) / (now - self._at) if same else None
        self._worker, self._counted, self._at = worker, analysed, now
        return rate


class Health:
    """One :meth:`check` per interval: the STATUS= line, and the watchdog ping while the analysis makes progress
    (withheld, with one error line, while it does not)."""

    def __init__(
        self,
        notifier: SystemdNotifier,
        watcher: Watcher,
        status_line: Callable[[float | None], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.notifier, self.watcher, self.status_line = notifier, watcher, status_line
        self.rate = FrameRate(clock)
        self.rate.read(watcher.worker, watcher.analysed)
        self._withheld = False

    @property
    def interval(self) -> float:
        watchdog = self.notifier.watchdog_seconds
        return watchdog / 2 if watchdog else STATUS_SECONDS

    async def keep_watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.check()
            release_free_memory()  # the heap's free pages back to the system: a small board's memory stays flat

    def check(self) -> None:
        fps = self.watcher.fps = self.rate.read(self.watcher.worker, self.watcher.analysed)
        self.notifier.status(self.status_line(fps))
        watchdog = self.notifier.watchdog_seconds
        if not watchdog:
            return
        stuck_for = self.watcher.stuck_for(watchdog)
        if stuck_for is None:
            self.notifier.watchdog()
            self._withheld = False
        elif not self._withheld:
            self._withheld = True
            log.error("the frame analysis has made no progress for %.0f s; withholding the watchdog ping so "
                      "systemd restarts the service", stuck_for)  # fmt: skip
