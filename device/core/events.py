"""Everything the daemon decides, as typed events on one bus: the log, the events file, the
database (device/kiosk/recorder.py), the page's state and its live stream all see the same events.

Each kind is a frozen dataclass with its wire name in ``kind``; ``to_json`` is the contract of
``--events FILE`` and of the page's event stream: ``{"t": seconds since start, "type": kind,
**fields}``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TextIO

from device.core.labels import CameraState, TrackSource
from device.core.reasons import Why

log = logging.getLogger("moodkiosk.events")
DAEMON_LOG = logging.getLogger("moodkiosk")


@dataclasses.dataclass(frozen=True)
class Event:
    """Base of every event; ``t`` is set by the bus when it is published."""

    kind: ClassVar[str] = ""
    t: float = dataclasses.field(default=0.0, kw_only=True)

    def to_json(self) -> dict[str, Any]:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "t"}
        return {"t": self.t, "type": self.kind, **fields}

    def describe(self) -> str | None:
        """One journald-friendly line (None: not worth a log line)."""
        return None

    def warning(self) -> bool:
        """Whether its log line is a warning (trouble) rather than information."""
        return False


@dataclasses.dataclass(frozen=True)
class MoodChanged(Event):
    """The decided mood changed."""

    kind: ClassVar[str] = "mood"
    emotion: str
    confidence: float
    faces: int

    def describe(self) -> str:
        return f"mood: {self.emotion} ({self.confidence:.0%}, {self.faces} face(s))"


@dataclasses.dataclass(frozen=True)
class Idle(Event):
    """Nobody seen for ``mood.idle_seconds``."""

    kind: ClassVar[str] = "idle"

    def describe(self) -> str:
        return "mood: idle (nobody seen for a while)"


@dataclasses.dataclass(frozen=True)
class TrackStarted(Event):
    """A track started; ``emotion`` is the mood it was chosen for (None: idle)."""

    kind: ClassVar[str] = "track"
    emotion: str | None
    playlist: str
    label: str
    title: str
    artist: str | None
    uri: str
    source: str
    language: str | None
    thumbnail: str | None
    why: Why | None  # None: nobody picked it (mpv went back to an earlier track)

    @property
    def reason(self) -> str:
        """The why in an English sentence ("" when there is none)."""
        return self.why.text() if self.why else ""

    def to_json(self) -> dict[str, Any]:
        """The fields, the why as data (``why``) and as an English sentence (``reason``)."""
        return {**super().to_json(), "why": self.why.to_json() if self.why else None, "reason": self.reason}

    def describe(self) -> str:
        return f"playing '{self.title}' from {self.playlist} for {self.emotion or 'idle'} ({self.uri})"


@dataclasses.dataclass(frozen=True)
class TrackFailed(Event):
    """A track could not be played (the kiosk moves on)."""

    kind: ClassVar[str] = "track-error"
    uri: str
    playlist: str
    error: str
    source: str = TrackSource.LOCAL

    def describe(self) -> str:
        return f"cannot play {self.uri}: {self.error}; moving on"

    def warning(self) -> bool:
        return True


@dataclasses.dataclass(frozen=True)
class CameraChanged(Event):
    """``state``: opening, open, offline, stalled, ended, paused or none; ``detail`` says why."""

    kind: ClassVar[str] = "camera"
    camera: str
    state: str
    detail: str = ""

    def describe(self) -> str:
        if self.state == CameraState.NONE and not self.detail:
            return "camera: off (--camera none); music and the web page still run"
        return f"camera {self.camera}: {self.state}" + (f" ({self.detail})" if self.detail else "")

    def warning(self) -> bool:
        return self.state in {CameraState.OFFLINE, CameraState.STALLED} or (self.state == CameraState.NONE and bool(self.detail))


@dataclasses.dataclass(frozen=True)
class Note(Event):
    """Something people should know: fading out, a part that is off and why."""

    kind: ClassVar[str] = "note"
    text: str

    def describe(self) -> str:
        return self.text


@dataclasses.dataclass(frozen=True)
class OverrideStarted(Event):
    """A mood set by hand on the page, until ``until`` (epoch seconds)."""

    kind: ClassVar[str] = "override"
    emotion: str
    minutes: float
    until: float
    by: str

    def describe(self) -> str:
        return f"mood set to {self.emotion} by {self.by} for {self.minutes:g} min"


@dataclasses.dataclass(frozen=True)
class OverrideEnded(Event):
    kind: ClassVar[str] = "override-end"
    why: str

    def describe(self) -> str:
        return f"mood override ended ({self.why}); the camera decides again"


@dataclasses.dataclass(frozen=True)
class LanguageChanged(Event):
    """The music language the kiosk follows: a member's, or the household's (``member`` None)."""

    kind: ClassVar[str] = "language"
    language: str
    member: str | None

    def describe(self) -> str:
        who = f"{self.member} took over" if self.member else "household default"
        return f"music language: {self.language} ({who})"


@dataclasses.dataclass(frozen=True)
class SettingsChanged(Event):
    """An admin changed settings on the page."""

    kind: ClassVar[str] = "settings"
    keys: list[str]
    by: str

    def describe(self) -> str:
        return f"settings changed on the page by {self.by}: {', '.join(self.keys)}"


@dataclasses.dataclass(frozen=True)
class SourceChanged(Event):
    """A remote playlist's health changed: ``state`` listing, ok or failing (with ``error``)."""

    kind: ClassVar[str] = "source"
    playlist: str
    label: str
    state: str
    error: str = ""

    def describe(self) -> str | None:
        if self.state == "failing":
            return f"music source {self.label} is unavailable: {self.error}; local music plays meanwhile, retrying"
        if self.state == "ok":
            return f"music source {self.label} works"
        return None

    def warning(self) -> bool:
        return self.state == "failing"


@dataclasses.dataclass(frozen=True)
class PlayerChanged(Event):
    """Playback changed without a new track: paused or resumed, the volume, a seek (``position`` seconds)."""

    kind: ClassVar[str] = "player"
    paused: bool
    volume: int
    position: float | None


@dataclasses.dataclass(frozen=True)
class QueueChanged(Event):
    """Someone added, removed or moved tracks in the queue (``size``: tracks waiting now)."""

    kind: ClassVar[str] = "queue"
    size: int
    by: str

    def describe(self) -> str:
        return f"queue changed by {self.by}: {self.size} track(s) waiting"


@dataclasses.dataclass(frozen=True)
class SpeakersChanged(Event):
    """Where the music plays (player.output) and the rooms of a Snapcast house changed: ``on_snapcast`` is
    whether the music goes to snapserver now; ``rooms`` are its snapclients (device.player.snapcast.Room)."""

    kind: ClassVar[str] = "speakers"
    output: str
    on_snapcast: bool
    rooms: list[dict[str, Any]]
    detail: str = ""  # why the music is not on Snapcast (admins see it)

    def describe(self) -> str | None:
        return None  # the notes say the changes that matter; a room's volume is not worth a log line


@dataclasses.dataclass(frozen=True)
class BriefChanged(Event):
    """The listening brief for a mood: the language model's (``source`` "llm"), or the built-in search
    words with ``note`` saying why the model's was not used."""

    kind: ClassVar[str] = "brief"
    emotion: str
    language: str
    text: str
    queries: list[str]
    source: str
    note: str = ""

    def describe(self) -> str:
        if self.source == "llm":
            return f"listening brief for {self.emotion} ({self.language}): {self.text} - searches: {'; '.join(self.queries)}"
        return f"listening brief for {self.emotion}: {self.note}"

    def warning(self) -> bool:
        return self.source != "llm"


@dataclasses.dataclass(frozen=True)
class SleepChanged(Event):
    """The sleep timer: the music fades and pauses at ``until`` (epoch seconds) or ``after_track``; both unset: off."""

    kind: ClassVar[str] = "sleep"
    until: float | None
    after_track: bool
    by: str

    def describe(self) -> str:
        if self.until is None and not self.after_track:
            return f"sleep timer off ({self.by})"
        when = "after this track" if self.after_track else time.strftime("at %H:%M", time.localtime(self.until))
        return f"sleep timer: the music pauses {when} (set by {self.by})"


Subscriber = Callable[[Event], None]


def event_kinds() -> list[str]:
    """The wire name of every kind of event, for the page's live stream (it listens to each one)."""
    kinds: list[str] = []
    classes = list(Event.__subclasses__())
    while classes:
        cls = classes.pop(0)
        classes += cls.__subclasses__()
        if cls.kind and cls.kind not in kinds:
            kinds.append(cls.kind)
    return kinds


class EventBus:
    """Synchronous fan-out on the event loop: subscribers must be quick (queue slow work)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started_at = clock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def publish(self, event: Event) -> Event:
        """Stamp ``event`` with the seconds since start and hand it to every subscriber."""
        event = dataclasses.replace(event, t=round(self._clock() - self.started_at, 3))
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # one broken subscriber must not silence the others
                log.exception("event subscriber %r failed on %s", callback, event.kind)
        return event


def log_event(event: Event) -> None:
    """The bus's log subscriber: one line per event worth one, warnings for trouble."""
    line = event.describe()
    if line:
        DAEMON_LOG.log(logging.WARNING if event.warning() else logging.INFO, "%s", line)


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
            self._handle.write(json.dumps(event.to_json()) + "\n")
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
