"""What the household may do to the running kiosk, from the page or from Home Assistant: one path,
the same checks, the same events. Bad values raise :class:`ControlError` (nothing changes)."""

from __future__ import annotations

from device.conductor import Conductor
from device.household.track_votes import TrackVotes
from device.jukebox import Jukebox
from device.labels import EMOTIONS
from device.live_settings import LiveSettings
from device.store import Store

MAX_OVERRIDE_MINUTES = 24 * 60
QUEUE_PLACES = ("now", "next", "end")
MAX_QUEUE = 200


class ControlError(ValueError):
    """A value the kiosk refuses; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class NotNowError(ControlError):
    """A request that cannot apply in the kiosk's present state (e.g. seeking with nothing playing)."""


class Controls:
    def __init__(self, conductor: Conductor, jukebox: Jukebox, live: LiveSettings, votes: TrackVotes, store: Store) -> None:
        self.conductor, self.jukebox, self.live, self.votes, self.store = conductor, jukebox, live, votes, store

    def override(self, emotion: object, minutes: object, by: str) -> float:
        """Play ``emotion``'s music now and hold it ``minutes``; returns the end time."""
        if emotion not in EMOTIONS:
            raise ControlError(f"'emotion' must be one of {', '.join(EMOTIONS)}", "emotion")
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not 0 < minutes <= MAX_OVERRIDE_MINUTES:
            raise ControlError(f"'minutes' must be a number above 0 and at most {MAX_OVERRIDE_MINUTES}", "minutes")
        return self.conductor.override_mood(str(emotion), float(minutes), by)

    def end_override(self) -> bool:
        return self.conductor.end_override()

    async def detect(self, on: bool, by: str) -> None:
        """Resume (True) or pause emotion detection: paused, the camera is closed (privacy)."""
        await self.live.change({"camera.paused": not on}, by)

    async def next_track(self) -> None:
        """Another track; a quick skip of one the kiosk chose counts against it for that mood."""
        jukebox = self.jukebox
        track, emotion, seconds = jukebox.current_track, self.conductor.chosen_for(), jukebox.played_seconds()
        self.conductor.next_track()  # first: the skip happens even when the vote cannot be written (a full disk)
        await self.votes.skipped(track, emotion, seconds, jukebox.settings.skip_seconds)

    def seek(self, position: object) -> float:
        """Jump to ``position`` seconds into the playing track."""
        if isinstance(position, bool) or not isinstance(position, int | float) or not 0 <= position <= 24 * 3600:
            raise ControlError("'position' must be a number of seconds from 0", "position")
        if not self.jukebox.seek(float(position)):
            raise NotNowError("nothing is playing", "position")
        return float(position)

    def enqueue(self, uri: object, at: object, by: str) -> None:
        """Queue a track of the library, or a YouTube result of a search on the page (by its URI): play it
        ``now``, ``next`` or at the ``end``."""
        if at not in QUEUE_PLACES:
            raise ControlError(f"'at' must be one of {', '.join(QUEUE_PLACES)}", "at")
        track = (self.jukebox.library.find(uri) or self.jukebox.found.get(uri)) if isinstance(uri, str) else None
        if track is None:  # only the library's tracks and YouTube results the kiosk itself found: never any URI
            raise ControlError("no such track in the music library", "uri")
        if len(self.conductor.dj.requested) >= MAX_QUEUE:
            raise ControlError(f"the queue is full ({MAX_QUEUE} tracks)", "uri")
        self.conductor.queue_tracks([track], f"asked for by {by}", by, str(at))

    def move(self, request_id: int, position: object, by: str) -> bool:
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise ControlError("'position' must be a whole number from 0 (next)", "position")
        return self.conductor.move_in_queue(request_id, position, by)

    async def volume(self, volume: object) -> int:
        """Set the volume, stored first: once this returns, a power cut keeps it (the player starts with it)."""
        if isinstance(volume, bool) or not isinstance(volume, int) or not 0 <= volume <= 100:
            raise ControlError("'volume' must be a whole number from 0 to 100", "volume")
        await self.store.remember("volume", str(volume))
        self.jukebox.set_volume(volume)
        return volume
