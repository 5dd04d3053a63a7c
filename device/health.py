"""The health chore: STATUS= lines for ``systemctl status``, and WATCHDOG=1 only while the event loop
runs *and* the frame analysis makes progress (a wedged camera or inference call gets the service
restarted by systemd)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from device.memory import release_free_memory
from device.systemd_notify import SystemdNotifier
from device.watcher import Watcher

log = logging.getLogger("moodkiosk")
STATUS_SECONDS = 10.0


class Health:
    def __init__(self, notifier: SystemdNotifier, watcher: Watcher, status_line: Callable[[float | None], str]) -> None:
        self.notifier, self.watcher, self.status_line = notifier, watcher, status_line

    async def keep_watch(self) -> None:
        watchdog = self.notifier.watchdog_seconds
        interval = watchdog / 2 if watchdog else STATUS_SECONDS
        counted, counted_at, withheld = self.watcher.analysed, time.monotonic(), False
        while True:
            await asyncio.sleep(interval)
            now, analysed = time.monotonic(), self.watcher.analysed
            fps = (analysed - counted) / (now - counted_at) if self.watcher.worker else None
            counted, counted_at, self.watcher.fps = analysed, now, fps
            self.notifier.status(self.status_line(fps))
            release_free_memory()  # the heap's free pages back to the system: a small board's memory stays flat
            if not watchdog:
                continue
            stuck_for = self.watcher.stuck_for(watchdog)
            if stuck_for is None:
                self.notifier.watchdog()
                withheld = False
            elif not withheld:
                withheld = True
                log.error("the frame analysis has made no progress for %.0f s; withholding the watchdog ping so "
                          "systemd restarts the service", stuck_for)  # fmt: skip
