"""What the page shows of the kiosk: the latest mood, track, camera, notes and override, kept up to
date from the events on the bus, with what the parts say of themselves (player, language,
detection, music sources, analysis rate). ``snapshot()`` is ``GET /api/state`` (plus the user)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from device.core.events import (
    BriefChanged,
    CameraChanged,
    Event,
    Idle,
    MoodChanged,
    Note,
    OverrideEnded,
    OverrideStarted,
    SleepChanged,
    SpeakersChanged,
    TrackFailed,
    TrackStarted,
)
from device.core.labels import CameraState
from device.core.reasons import Why

if TYPE_CHECKING:
    from device.kiosk.conductor import Conductor
    from device.kiosk.jukebox import Jukebox
    from device.kiosk.live_settings import LiveSettings
    from device.kiosk.watcher import Watcher
    from device.player.library import Track


NOT_READING = (CameraState.PAUSED, CameraState.OFF, CameraState.NONE)  # camera states in which no mood is read


class KioskState:
    def __init__(
        self,
        conductor: Conductor,
        jukebox: Jukebox,
        watcher: Watcher,
        live: LiveSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock``: wall time (the page shows since when a mood or track holds)."""
        self.conductor, self.jukebox, self.watcher, self.live = conductor, jukebox, watcher, live
        self.clock = clock
        self.mood: dict[str, Any] | None = None
        self.track: dict[str, Any] | None = None
        self.sleep: dict[str, Any] | None = None  # the sleep timer, while one is set
        self.why: Why | None = None  # the playing track's, as data (the kiosk's screen shows its public part)
        self.camera: dict[str, Any] = {"state": "starting", "detail": ""}
        self.notes: list[dict[str, Any]] = []
        self.override: dict[str, Any] | None = None
        self.brief: dict[str, Any] | None = None  # the latest listening brief (llm settings)
        output = live.settings.player.output  # the rooms of a Snapcast house, when the music goes there
        self.speakers: dict[str, Any] = {"output": output, "on_snapcast": False, "rooms": [], "detail": ""}

    def __call__(self, event: Event) -> None:
        """The bus's subscriber."""
        if isinstance(event, MoodChanged):
            self.mood = {"emotion": event.emotion, "confidence": event.confidence, "faces": event.faces, "since": self.clock()}
        elif isinstance(event, Idle):
            self.mood = {"emotion": None, "confidence": 0.0, "faces": 0, "since": self.clock()}
        elif isinstance(event, TrackStarted):
            keys = ("emotion", "playlist", "label", "title", "artist", "uri", "source", "reason", "language")
            self.track = {key: getattr(event, key) for key in keys} | {"why": event.why.to_json() if event.why else None}
            self.why = event.why
            self.track |= {"thumbnail": bool(event.thumbnail), "since": self.clock(), "requested": self.conductor.dj.manual}
        elif isinstance(event, CameraChanged):
            self.camera = {"camera": event.camera, "state": event.state, "detail": event.detail}
        elif isinstance(event, OverrideStarted):
            self.override = {"emotion": event.emotion, "until": event.until, "by": event.by}
        elif isinstance(event, OverrideEnded):
            self.override = None
        elif isinstance(event, SleepChanged):
            self.sleep = {"until": event.until, "after_track": event.after_track, "by": event.by}
            if event.until is None and not event.after_track:
                self.sleep = None
        elif isinstance(event, SpeakersChanged):
            self.speakers = {key: value for key, value in event.to_json().items() if key not in {"t", "type"}}
        elif isinstance(event, BriefChanged):
            self.brief = {key: value for key, value in event.to_json().items() if key not in {"t", "type"}}
        elif isinstance(event, Note | TrackFailed):
            self.notes = [*self.notes[-9:], {**event.to_json(), "at": self.clock()}]

    @property
    def current_track(self) -> Track | None:
        """The track mpv has (playing or paused); None when nothing plays."""
        return self.jukebox.current_track

    def kept_offline(self, uri: str) -> bool:
        """Whether a remote track is kept on the kiosk (it plays without the network)."""
        return self.jukebox.offline(uri)

    def cover_of(self, uri: str) -> str | None:
        """The cover (a file or an image URL) of a track the kiosk knows: the library's, a YouTube result it found,
        a queued one (None: no such track, or no cover)."""
        queued = (request.track for request in self.conductor.dj.requested if request.track.uri == uri)
        track = self.jukebox.library.find(uri) or self.jukebox.found.get(uri) or next(queued, None)
        return track.thumbnail if track else None

    def queue(self) -> dict[str, Any]:
        """What plays next: the queued tracks in order, then music for which mood."""
        return self.conductor.queue_state()

    def snapshot(self) -> dict[str, Any]:
        settings = self.live.settings
        fps = self.watcher.fps
        return {
            "mood": self.mood,
            "track": self.track,
            "camera": self.camera,
            "notes": list(self.notes),
            "override": self.override,
            "brief": self.brief,
            "sleep": self.sleep,
            "player": self.jukebox.playback_state(),
            "queue": self.queue(),
            "language": self.conductor.language_state(settings.player.languages),
            "detection": {"paused": settings.camera.paused},
            "sources": self.jukebox.sources_state(),
            "speakers": self.speakers,
            "analysis": {"fps": None if fps is None else round(fps, 2), "frames": self.watcher.analysed},
        }

    def status_line(self, fps: float | None) -> str:
        """One line for systemd's STATUS=: e.g. "happy (82%), playing X, 4.0 fps"."""
        mood = self.mood
        seen = f"{mood['emotion']} ({mood['confidence']:.0%})" if mood and mood["emotion"] else "idle" if mood else "no mood yet"
        track = self.jukebox.current_track
        playing = f"playing {track.title}" if track else "nothing playing"
        camera = self.camera.get("state", "")
        frames = f"{fps:.1f} fps" if fps is not None and camera == CameraState.OPEN else f"camera {camera}"
        return f"{seen}, {playing}, {frames}"
