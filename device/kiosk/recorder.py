"""The recorder: writes the derived facts the page's history shows (decided moods, tracks played)
to SQLite, from the events on the bus, and the volume last set (the player comes back with it).
Never a picture; old rows go with the retention."""

from __future__ import annotations

from typing import Any

from device.core.events import Event, Idle, MoodChanged, PlayerChanged, TrackStarted
from device.core.store import Store
from device.kiosk.chores import Chores


class Recorder:
    def __init__(self, store: Store, chores: Chores, hourly: bool = False) -> None:
        """``hourly`` (privacy.mode = public): only which moods occurred in each hour is kept."""
        self.store, self.chores, self.hourly = store, chores, hourly
        self.volume: int | None = None  # as last written

    async def last_volume(self) -> int | None:
        """The volume last set, for the player's start (None: never set, or unreadable)."""
        value = await self.store.remembered("volume")
        self.volume = int(value) if value is not None and value.isdigit() and 0 <= int(value) <= 100 else None
        return self.volume

    async def history(self, since: float) -> dict[str, list[dict[str, Any]]]:
        """The decided moods and the tracks played since ``since`` (epoch seconds), oldest first."""
        moods = [{"at": at, "emotion": e, "confidence": round(c, 3), "faces": f} for at, e, c, f in await self.store.moods(since)]
        plays = [
            {"at": at, "uri": uri, "title": title, "playlist": playlist, "source": source, "emotion": emotion}
            for at, uri, title, playlist, source, emotion in await self.store.plays(since)
        ]
        return {"moods": moods, "plays": plays}

    def __call__(self, event: Event) -> None:
        if isinstance(event, MoodChanged | Idle) and self.hourly:
            emotion = event.emotion if isinstance(event, MoodChanged) else None
            self.chores.spawn("recording an hour's mood", self.store.add_mood_hour(emotion))
        elif isinstance(event, MoodChanged):
            self.chores.spawn("recording a mood", self.store.add_mood(event.emotion, event.confidence, event.faces))
        elif isinstance(event, Idle):
            self.chores.spawn("recording idle", self.store.add_mood(None, 0.0, 0))
        elif isinstance(event, TrackStarted):
            play = self.store.add_play(event.uri, event.title, event.playlist, event.source, event.emotion)
            self.chores.spawn("recording a play", play)
        elif isinstance(event, PlayerChanged) and event.volume != self.volume:
            self.volume = event.volume
            self.chores.spawn("remembering the volume", self.store.remember("volume", str(event.volume)))
