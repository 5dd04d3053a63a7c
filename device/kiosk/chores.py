"""Background chores with names: a failure is logged with the chore's name and the chore restarts;
one-off writes are tracked so that shutdown can wait for them. Nothing dies silently."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger("moodkiosk.chores")
RESTART_SECONDS = (1.0, 5.0, 30.0, 60.0)


class Chores:
    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task] = {}
        self._spawned: set[asyncio.Task] = set()
        self.restarts: dict[str, int] = {}

    def run(self, name: str, chore: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``chore()`` for as long as the daemon runs; if it ever fails or ends, log why and start it again."""
        self._running[name] = asyncio.get_running_loop().create_task(self._guard(name, chore), name=f"chore {name}")

    async def _guard(self, name: str, chore: Callable[[], Coroutine[Any, Any, None]]) -> None:
        failures = 0
        while True:
            try:
                await chore()
                log.warning("the %s chore ended; starting it again", name)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the %s chore failed; starting it again", name)
            failures += 1
            self.restarts[name] = failures
            await asyncio.sleep(RESTART_SECONDS[min(failures, len(RESTART_SECONDS)) - 1])

    def spawn(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        """A one-off job (a database write): its failure is logged; shutdown waits for it."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._spawned.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._spawned.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed: %r", task.get_name(), task.exception())

    async def stop(self) -> None:
        """Cancel the chores, then let the one-off jobs finish."""
        for task in self._running.values():
            task.cancel()
        for task in [*self._running.values(), *self._spawned]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._running.clear()
