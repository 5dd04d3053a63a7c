"""The conductor: analysed frames -> mood tracker -> DJ, and everything people say about it.

The one owner of the kiosk's behaviour: which mood holds (the camera's, or one set by hand for
a while), whose music language applies (the member who took over, else the household's), and
what the DJ should do about the music. It decides; the jukebox carries the decisions out. The
web page calls it (takeover, override, play this, what would play), never the other way round.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from device.core.config import ANY_LANGUAGE, MoodSettings, PlayerSettings
from device.core.events import (
    BriefChanged,
    EventBus,
    Idle,
    LanguageChanged,
    MoodChanged,
    OverrideEnded,
    OverrideStarted,
    QueueChanged,
    SleepChanged,
)
from device.core.labels import EMOTIONS
from device.core.reasons import Why, WhyKind
from device.inference.analyzer import FrameAnalysis
from device.inference.mood import Mood, MoodTracker
from device.kiosk.jukebox import Jukebox
from device.player.catalog import label
from device.player.dj import DJ
from device.player.library import Track
from device.player.listening_brief import Ask, ListeningBriefs
from device.player.votes import Votes

log = logging.getLogger("moodkiosk")


class Conductor:
    def __init__(
        self,
        mood: MoodSettings,
        player: PlayerSettings,
        bus: EventBus,
        jukebox: Jukebox,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus, self.jukebox, self._clock = bus, jukebox, clock
        self.tracker = MoodTracker(mood)
        self.dj = DJ(player, jukebox.catalog)
        self.household_language = player.language
        self.member: str | None = None  # who took over ("I'm here"): the kiosk plays their language
        self.member_artists: tuple[str, ...] = ()  # and leans to their artists, else to the household's
        self.household_artists: tuple[str, ...] = ()
        self.override: Mood | None = None  # a mood set by hand, until _override_timer fires
        self._override_timer: asyncio.TimerHandle | None = None
        self._sleep_handle: asyncio.TimerHandle | None = None
        self._sleep_after_track = False
        jukebox.on_track_end = self.track_ended

    # Settings
    def configure_mood(self, settings: MoodSettings) -> None:
        self.tracker.settings = settings

    def configure_player(self, settings: PlayerSettings) -> None:
        self.dj.configure(settings)
        self.household_language = settings.language
        if self.member is None and self.dj.language != settings.language:
            self._follow_language(settings.language, None)

    @property
    def mood(self) -> Mood | None:
        """The mood that rules the music: one set by hand, else the camera's."""
        return self.override or self.tracker.current

    # The camera's side
    def on_analysis(self, at: float, analysis: FrameAnalysis) -> None:
        mood = self.tracker.update(at, analysis.faces)
        if mood is not None and mood.emotion is None and self.member is not None:
            log.info("nobody seen for a while: %s's language no longer applies", self.member)
            self.release(self.member)
        if mood is not None:
            self._publish_mood(mood)
        if self.override is not None:  # the hand-set mood holds; the camera's is still shown and recorded
            return
        if mood is not None:
            action = self.dj.on_mood(at, mood, self.jukebox.playing)
            self.jukebox.apply(action, mood)
            if action is None and self.dj.pending:
                playlist = ", ".join(self.dj.playlists_for(self.dj.pending))
                self.jukebox.show_note(f"I see {mood.emotion} ({mood.confidence:.0%}) - {playlist} music after this track")
        else:
            self.jukebox.apply(self.dj.on_update(at, self.tracker.current), self.tracker.current)

    def _publish_mood(self, mood: Mood) -> None:
        if mood.emotion is None:
            self.bus.publish(Idle())
        else:
            self.bus.publish(MoodChanged(mood.emotion, round(mood.confidence, 3), mood.faces))

    def track_ended(self) -> None:
        """The jukebox finished (or gave up on) a track: the DJ's next pick (paused at once, when the sleep timer
        said "after this track")."""
        self.jukebox.apply(self.dj.on_track_end(self._clock()), self.tracker.current)
        if self._sleep_after_track:
            self._sleep_after_track = False
            self.jukebox.pause()
            self.bus.publish(SleepChanged(None, False, "the sleep timer"))

    # The sleep timer
    def sleep(self, seconds: float | None, after_track: bool, by: str) -> float | None:
        """Fade out and pause in ``seconds``, or ``after_track``; neither: no timer. Returns when (epoch seconds)."""
        if self._sleep_handle:
            self._sleep_handle.cancel()
            self._sleep_handle = None
        self._sleep_after_track = after_track
        until = None
        if seconds is not None:
            self._sleep_handle = asyncio.get_running_loop().call_later(seconds, self._fall_asleep)
            until = time.time() + seconds
        self.bus.publish(SleepChanged(until, after_track, by))
        return until

    def _fall_asleep(self) -> None:
        self._sleep_handle = None
        self.jukebox.fall_asleep()
        self.bus.publish(SleepChanged(None, False, "the sleep timer"))

    # Language: the member who took over, else the household's
    def takeover(self, member: str, language: str, artists: list[str] | tuple[str, ...] = ()) -> None:
        """A member said "I'm here": the music follows their language, and leans to their artists, until
        someone else takes over or nobody is seen."""
        self.member = member
        self.member_artists = tuple(artists)
        self.dj.lean_to(self.member_artists)
        self._follow_language(language, member)

    def member_artists_changed(self, member: str, artists: list[str]) -> None:
        if self.member == member:
            self.member_artists = tuple(artists)
            self.dj.lean_to(self.member_artists)

    def household_artists_changed(self, artists: list[str]) -> None:
        self.household_artists = tuple(artists)
        if self.member is None:
            self.dj.lean_to(self.household_artists)

    def release(self, member: str) -> bool:
        """The member lets go: back to the household language. False when they had not taken over."""
        if self.member != member:
            return False
        self.member = None
        self.dj.lean_to(self.household_artists)
        self._follow_language(self.household_language, None)
        return True

    def member_language_changed(self, member: str, language: str) -> None:
        if self.member == member:
            self._follow_language(language, member)

    def _follow_language(self, language: str, member: str | None) -> None:
        changed = self.dj.set_language(language)
        self.bus.publish(LanguageChanged(language, member))
        if changed and self.jukebox.playing and self.dj.playing_for is not None and not self.dj.manual:
            self.jukebox.apply(self.dj.skip(self._clock()), self.mood)

    # A mood set by hand for a while
    def override_mood(self, emotion: str, minutes: float, by: str) -> float:
        """Play ``emotion``'s music now and hold it for ``minutes`` whatever the camera sees; returns the end time."""
        if emotion not in EMOTIONS:
            raise ValueError(f"unknown emotion {emotion!r}")
        if self._override_timer:
            self._override_timer.cancel()
        now = self._clock()
        self.override = Mood(emotion, 1.0, now)
        self._override_timer = asyncio.get_running_loop().call_later(minutes * 60, self.end_override, "time is up")
        until = time.time() + minutes * 60
        self.bus.publish(OverrideStarted(emotion, minutes, until, by))
        why = Why(WhyKind.OVERRIDE, emotion, by, minutes=minutes)
        pick = self.dj.override(now, emotion)
        self.jukebox.apply(pick and dataclasses.replace(pick, why=why), self.override, note=why.public().text())
        return until

    def end_override(self, why: str = "ended on the page") -> bool:
        """Back to the camera's mood (at the end of the track, as usual). False when there was no override."""
        if self.override is None:
            return False
        if self._override_timer:
            self._override_timer.cancel()
        self.override, self._override_timer = None, None
        self.bus.publish(OverrideEnded(why))
        current = self.tracker.current
        if current is not None and current.emotion != self.dj.playing_for:
            self.jukebox.apply(self.dj.on_mood(self._clock(), current, self.jukebox.playing), current)
        return True

    # What people ask for on the page
    def recommendations(self, emotion: str | None, language: str | None, limit: int = 20) -> dict[str, Any]:
        """What the kiosk would play for ``emotion`` (default: the current mood) in ``language`` (default: its own).

        Only asks: no listing of a remote playlist is started for it.
        """
        current = self.mood
        emotion = emotion or (current.emotion if current and current.emotion else "neutral")
        choice = self.dj.choose(emotion, language)
        tracks = [
            {
                "title": t.title,
                "playlist": t.playlist,
                "source": t.source,
                "language": t.language,
                "uri": t.uri,
                "by_sound": t.by_sound,
            }
            for t in choice.tracks[:limit]
        ]
        return {
            "emotion": emotion,
            "language": choice.language,
            "playlists": choice.playlists,
            "tracks": tracks,
            "total": len(choice.tracks),
            "note": choice.note,
        }

    def play_emotion(self, emotion: str, why: Why) -> None:
        """Play the playlist for ``emotion`` now (the web page's "play this mood")."""
        pick = self.dj.pick(emotion)
        if pick is not None:
            self.jukebox.apply(self.dj.play_now([pick.track], why), self.tracker.current, note=why.public().text())

    def play_tracks(self, tracks: list[Track], why: Why) -> None:
        """Play these tracks now, in order (favorites), then the mood's music again."""
        self.jukebox.apply(self.dj.play_now(tracks, why), self.tracker.current)

    # The queue ("up next"): tracks someone asked for, before the mood's music
    def queue_tracks(self, tracks: list[Track], why: Why, by: str, at: str = "end") -> None:
        """``at``: "now" (play the first at once), "next" (after the playing track) or "end" of the queue.
        With nothing playing, the queue starts at once."""
        if at == "now":
            self.dj.enqueue(tracks, why, first=True)
            self.jukebox.apply(self.dj.skip(self._clock()), self.tracker.current)
        else:
            self.dj.enqueue(tracks, why, first=at == "next")
            if not self.jukebox.playing:
                self.jukebox.apply(self.dj.skip(self._clock()), self.tracker.current)
        self.bus.publish(QueueChanged(len(self.dj.requested), by))

    def unqueue(self, request_id: int, by: str) -> bool:
        found = self.dj.unqueue(request_id)
        if found:
            self.bus.publish(QueueChanged(len(self.dj.requested), by))
        return found

    def move_in_queue(self, request_id: int, position: int, by: str) -> bool:
        found = self.dj.move(request_id, position)
        if found:
            self.bus.publish(QueueChanged(len(self.dj.requested), by))
        return found

    def queue_state(self) -> dict[str, Any]:
        """What plays next: the queued tracks in order, then music for which mood (``then``)."""
        tracks = [
            {"id": r.id, "title": r.track.title, "artist": r.track.artist, "playlist": r.track.playlist,
             "label": label(r.track.playlist), "uri": r.track.uri, "source": r.track.source, "reason": r.reason,
             "why": r.why.to_json(), "cover": bool(r.track.thumbnail)}
            for r in self.dj.requested
        ]  # fmt: skip
        return {"tracks": tracks, "then": self.dj.pending or self.dj.playing_for}

    # The language model's listening brief (optional)
    async def ask_for_brief(self, briefs: ListeningBriefs, emotion: str, confidence: float) -> None:
        """Ask the model for this mood's brief (the mood, the language and the household's taste only), then
        search with its queries and tell the page; the built-in search words when it cannot help."""
        language = self.dj.language
        liked = tuple(
            track.title
            for (uri, mood), (likes, skips) in self.dj.votes.items()
            if mood == emotion and likes > skips and (track := self.jukebox.library.find(uri)) is not None
        )[:5]
        ask = Ask(emotion, confidence, language, tuple(self.dj.artists), liked)
        brief = await briefs.brief(ask, [self.dj.built_in_words(emotion, language)])
        if brief.source == "llm":
            self.dj.use_brief(emotion, language, list(brief.queries))
        self.bus.publish(BriefChanged(**{**brief.to_json(), "queries": list(brief.queries)}))

    def use_votes(self, votes: Votes) -> None:
        """The household's likes and quick skips changed: the DJ weighs its shuffles with them."""
        self.dj.votes = votes

    def play_without_camera(self, emotion: str) -> None:
        """No camera will ever decide a mood (privacy.mode = no-emotion): play this mood's music on and on."""
        self.jukebox.apply(self.dj.override(self._clock(), emotion), None, note="emotion recognition is off here")

    def chosen_for(self) -> str | None:
        """The mood the kiosk itself chose the playing track for (None: hand-picked, or idle music)."""
        return None if self.dj.manual else self.dj.playing_for

    def next_track(self) -> None:
        """Skip to another track for the current mood (neutral music when there is none)."""
        self.jukebox.apply(self.dj.skip(self._clock()), self.tracker.current)

    def language_state(self, languages: list[str]) -> dict[str, Any]:
        return {
            "active": self.dj.language,
            "member": self.member,
            "household": self.household_language,
            "choices": [*languages, ANY_LANGUAGE],
        }

    def close(self) -> None:
        if self._override_timer:
            self._override_timer.cancel()
