"""What the kiosk is doing right now, kept up to date from the event bus (for the web page)."""

from __future__ import annotations

import time
from typing import Any

from device.events import Event


class KioskState:
    """The latest mood, track and camera state, as plain JSON-ready data."""

    def __init__(self) -> None:
        self.mood: dict[str, Any] | None = None
        self.track: dict[str, Any] | None = None
        self.camera: dict[str, Any] = {"state": "starting", "detail": ""}
        self.notes: list[dict[str, Any]] = []
        self.override: dict[str, Any] | None = None

    def __call__(self, event: Event) -> None:
        kind = event["type"]
        if kind == "mood":
            self.mood = {**{k: event[k] for k in ("emotion", "confidence", "faces")}, "since": time.time()}
        elif kind == "idle":
            self.mood = {"emotion": None, "confidence": 0.0, "faces": 0, "since": time.time()}
        elif kind == "track":
            keys = ("emotion", "playlist", "label", "title", "artist", "uri", "source", "reason", "language")
            self.track = {k: event.get(k) for k in keys}
            self.track["thumbnail"] = bool(event.get("thumbnail"))
            self.track["since"] = time.time()
        elif kind == "camera":
            self.camera = {k: event.get(k, "") for k in ("camera", "state", "detail")}
        elif kind == "override":
            self.override = {k: event[k] for k in ("emotion", "until", "by")}
        elif kind == "override-end":
            self.override = None
        elif kind in {"note", "track-error"}:
            self.notes = [*self.notes[-9:], {**event, "at": time.time()}]

    def snapshot(self) -> dict[str, Any]:
        return {
            "mood": self.mood,
            "track": self.track,
            "camera": self.camera,
            "notes": list(self.notes),
            "override": self.override,
        }
