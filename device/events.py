"""One publish/subscribe hub for everything the daemon does: log, events file, store, web page."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

log = logging.getLogger("moodkiosk.events")

Event = dict[str, Any]


class EventBus:
    """Synchronous fan-out on the event loop: subscribers must be quick (queue slow work)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started_at = clock()
        self._subscribers: list[Callable[[Event], None]] = []

    def subscribe(self, callback: Callable[[Event], None]) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Event], None]) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def publish(self, kind: str, **fields: Any) -> Event:
        """Send ``{"t": seconds since start, "type": kind, **fields}`` to every subscriber."""
        event: Event = {"t": round(self._clock() - self.started_at, 3), "type": kind, **fields}
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # one broken subscriber must not silence the others
                log.exception("event subscriber %r failed on %s", callback, kind)
        return event


class EventsFile:
    """Appends each event as one JSON line (``--events FILE``), flushed at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle: TextIO | None = path.open("a", encoding="utf-8")
        self._failed = False

    def __call__(self, event: Event) -> None:
        if self._handle is None:
            return
        try:
            self._handle.write(json.dumps(event) + "\n")
            self._handle.flush()
            self._failed = False
        except OSError as error:
            if not self._failed:  # say it once, not for every event
                log.error("cannot write events to %s: %s (is the disk full?)", self.path, error)
            self._failed = True

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def describe(event: Event) -> str | None:
    """A one-line, journald-friendly description of an event (None: not worth a log line)."""
    kind = event["type"]
    if kind == "mood":
        return f"mood: {event['emotion']} ({event['confidence']:.0%}, {event['faces']} face(s))"
    if kind == "idle":
        return "mood: idle (nobody seen for a while)"
    if kind == "track":
        return f"playing '{event['title']}' from {event['playlist']} for {event['emotion'] or 'idle'} ({event['uri']})"
    if kind == "track-error":
        return f"cannot play {event['uri']}: {event['error']}; moving on"
    if kind == "camera" and event["state"] == "none" and not event.get("detail"):
        return "camera: off (--camera none); music and the web page still run"
    if kind == "camera":
        return f"camera {event['camera']}: {event['state']}" + (f" ({event['detail']})" if event.get("detail") else "")
    if kind == "note":
        return str(event["text"])
    if kind == "override":
        return f"mood set to {event['emotion']} by {event['by']} for {event['minutes']:g} min"
    if kind == "override-end":
        return f"mood override ended ({event['why']}); the camera decides again"
    if kind == "language":
        who = f"{event['member']} took over" if event.get("member") else "household default"
        return f"music language: {event['language']} ({who})"
    if kind == "source" and event["state"] == "failing":
        return f"music source {event['label']} is unavailable: {event['error']}; local music plays meanwhile, retrying"
    if kind == "source" and event["state"] == "ok":
        return f"music source {event['label']} works"
    if kind == "settings":
        return f"settings changed on the page by {event['by']}: {', '.join(event['keys'])}"
    return None
