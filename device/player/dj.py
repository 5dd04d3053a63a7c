"""The DJ: which playlist fits a mood, and when the music should change. Pure logic.

Strategies map each emotion to a playlist name (the folder of the same name by default):
``match`` plays music like the mood; ``lift`` plays music to lift it (sad -> happy, angry,
fear and disgust -> neutral). ``player.mapping`` overrides single emotions.

A new mood changes the music at the end of the current track, unless it is strong
(confidence >= ``strong_confidence``) and lasting (held ``strong_seconds``): then at once.
Either way, two mood switches are at least ``min_switch_seconds`` apart. With nothing
playing, the first mood starts music at once.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from device.config import PlayerSettings
from device.inference.labels import EMOTIONS
from device.mood import Mood
from device.player.library import MusicLibrary, ShuffleQueue, Track

log = logging.getLogger("moodkiosk.dj")

STRATEGIES: dict[str, dict[str, str]] = {
    "match": {emotion: emotion for emotion in EMOTIONS},
    "lift": {
        "angry": "neutral",
        "disgust": "neutral",
        "fear": "neutral",
        "happy": "happy",
        "sad": "happy",
        "surprise": "surprise",
        "neutral": "neutral",
    },
}


@dataclass(frozen=True)
class Pick:
    """A track to play now, the mood it is for (None: idle), and why, for the on-screen note."""

    track: Track
    emotion: str | None
    reason: str


@dataclass(frozen=True)
class FadeOut:
    """Stop the music gently (nobody there)."""

    reason: str


class DJ:
    def __init__(self, settings: PlayerSettings, library: MusicLibrary, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.library = library
        self.rng = rng or random.Random()
        self.mapping = {**STRATEGIES[settings.strategy], **settings.mapping}
        self._queues: dict[str, ShuffleQueue] = {}
        self.playing_for: str | None = None  # the emotion the current music was chosen for
        self.pending: str | None = None  # a mood waiting for the end of the track
        self.last_switch_at: float | None = None
        self.idle = False
        self.requested: list[Track] = []  # tracks someone asked for (favorites): played before mood music
        self.manual = False  # a requested track is playing: mood switches wait for the end of the list
        self._requested_reason = ""

    def playlist_for(self, emotion: str | None) -> str:
        if emotion is None:
            return self.settings.idle_playlist
        return self.mapping.get(emotion, emotion)

    def pick(self, emotion: str | None) -> Pick | None:
        """The next track for ``emotion``, falling back to another playlist when that one is empty."""
        wanted = self.playlist_for(emotion)
        for name in self._fallbacks(wanted):
            track = self._queues.setdefault(name, ShuffleQueue(self.rng)).next(self.library.tracks(name))
            if track is None:
                continue
            if name == wanted:
                return Pick(track, emotion, f"{emotion or 'idle'} -> {name}")
            note = f"playlist '{wanted}' is empty or missing in {self.library.music_dir}; playing '{name}' instead"
            log.warning("%s", note)
            return Pick(track, emotion, note)
        log.warning(
            "no music found in %s: add folders named after the moods (happy/, sad/, neutral/, ...) with audio files",
            self.library.music_dir,
        )
        return None

    def _fallbacks(self, wanted: str) -> list[str]:
        order = [wanted, self.settings.fallback_playlist]
        return list(dict.fromkeys(order + self.library.names()))

    def on_mood(self, now: float, mood: Mood, playing: bool) -> Pick | FadeOut | None:
        """A new mood was decided: what to do about the music now (None: nothing yet)."""
        if mood.emotion is None:
            return self._on_idle(now, playing)
        self.idle = False
        if not playing:
            return self._switch(now, mood.emotion)
        if self.playlist_for(mood.emotion) == self.playlist_for(self.playing_for):
            self.playing_for, self.pending = mood.emotion, None
            return None
        self.pending = mood.emotion
        if self.settings.switch_at == "immediately" and self._may_switch(now) and not self.manual:
            return self._switch(now, mood.emotion)
        return self.on_update(now, mood)

    def play_now(self, tracks: list[Track], reason: str) -> Pick | None:
        """Someone asked for these tracks: play them in order, then go back to the mood's music."""
        self.requested, self._requested_reason = list(tracks), reason
        return self._next_requested()

    def _next_requested(self) -> Pick | None:
        if not self.requested:
            self.manual = False
            return None
        self.manual = True
        return Pick(self.requested.pop(0), self.playing_for, self._requested_reason)

    def on_update(self, now: float, mood: Mood | None) -> Pick | None:
        """Called for every analysed frame: a pending strong and lasting mood switches at once."""
        if self.manual or self.pending is None or mood is None or mood.emotion != self.pending:
            return None
        strong = mood.confidence >= self.settings.strong_confidence
        lasting = now - mood.since >= self.settings.strong_seconds
        if strong and lasting and self._may_switch(now):
            return self._switch(now, mood.emotion)
        return None

    def on_track_end(self, now: float) -> Pick | None:
        """The track ended (or failed): the next requested one, else the pending or current mood's."""
        if self.requested:
            return self._next_requested()
        self.manual = False
        if self.pending is not None:
            return self._switch(now, self.pending)
        if self.idle and self.settings.idle_action == "fade":
            return None
        if self.idle and self.settings.idle_action == "playlist":
            return self.pick(None)
        return None if self.playing_for is None else self.pick(self.playing_for)

    def skip(self, now: float) -> Pick | None:
        """Someone asked for the next track: the next requested one, the pending or current mood's, or neutral."""
        self.idle = False
        if self.requested:
            return self._next_requested()
        self.manual = False
        return self._switch(now, self.pending or self.playing_for or "neutral")

    def _on_idle(self, now: float, playing: bool) -> Pick | FadeOut | None:
        self.idle, self.pending = True, None
        if self.settings.idle_action == "keep":
            return None
        if self.settings.idle_action == "fade":
            return FadeOut("nobody seen for a while") if playing else None
        self.playing_for, self.last_switch_at = None, now
        return self.pick(None)

    def _may_switch(self, now: float) -> bool:
        return self.last_switch_at is None or now - self.last_switch_at >= self.settings.min_switch_seconds

    def _switch(self, now: float, emotion: str) -> Pick | None:
        self.pending = None
        self.playing_for = emotion
        self.last_switch_at = now
        return self.pick(emotion)
