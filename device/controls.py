"""What the household may do to the running kiosk, from the page or from Home Assistant: one path,
the same checks, the same events. Bad values raise :class:`ControlError` (nothing changes)."""

from __future__ import annotations

from device.conductor import Conductor
from device.household.track_votes import TrackVotes
from device.jukebox import Jukebox
from device.labels import EMOTIONS
from device.live_settings import LiveSettings

MAX_OVERRIDE_MINUTES = 24 * 60


class ControlError(ValueError):
    """A value the kiosk refuses; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class Controls:
    def __init__(self, conductor: Conductor, jukebox: Jukebox, live: LiveSettings, votes: TrackVotes) -> None:
        self.conductor, self.jukebox, self.live, self.votes = conductor, jukebox, live, votes

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

    def volume(self, volume: object) -> int:
        if isinstance(volume, bool) or not isinstance(volume, int) or not 0 <= volume <= 100:
            raise ControlError("'volume' must be a whole number from 0 to 100", "volume")
        self.jukebox.set_volume(volume)
        return volume
