"""What the household may do to the running kiosk, from the page, Home Assistant or the command line: one
door, each input checked once, the same events. Bad values raise :class:`ControlError` (nothing changes);
a request that cannot apply now raises :class:`NotNowError`. The page's handlers reach the kiosk's
behaviour only through here (they never get the conductor or the jukebox)."""

from __future__ import annotations

import re
from typing import Any

from device.core.config import LANGUAGE_PATTERN
from device.core.labels import EMOTIONS
from device.core.reasons import Why, WhyKind
from device.core.store import Store
from device.household.corrections import Corrections
from device.household.track_votes import TrackVotes
from device.kiosk.conductor import Conductor
from device.kiosk.jukebox import Jukebox
from device.kiosk.live_settings import LiveSettings
from device.kiosk.speakers import Speakers
from device.player.library import SHELF_KINDS, Track
from device.player.snapcast import SpeakerError

MAX_OVERRIDE_MINUTES = 24 * 60
MAX_QUERY = 200
RESTART_SECONDS = 3.0
MAX_SLEEP_MINUTES = 12 * 60  # "previous" after this much of a track starts it again
QUEUE_PLACES = ("now", "next", "end")
MAX_QUEUE = 200


class ControlError(ValueError):
    """A value the kiosk refuses; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class NotNowError(ControlError):
    """A request that cannot apply in the kiosk's present state (e.g. seeking with nothing playing)."""


def checked_emotion(emotion: object) -> str:
    if emotion not in EMOTIONS:
        raise ControlError(f"'emotion' must be one of {', '.join(EMOTIONS)}", "emotion")
    return str(emotion)


def checked_language(language: object) -> str:
    """A music language as stored: lower case, e.g. ``hindi`` or ``any``."""
    text = language.strip().lower() if isinstance(language, str) else ""
    if not re.fullmatch(LANGUAGE_PATTERN, text):
        raise ControlError("'language' must be a language name such as english, hindi or any", "language")
    return text


class Controls:
    def __init__(
        self,
        conductor: Conductor,
        jukebox: Jukebox,
        live: LiveSettings,
        votes: TrackVotes,
        store: Store,
        corrections: Corrections,
        speakers: Speakers,
    ) -> None:
        self.conductor, self.jukebox, self.live, self.votes, self.store = conductor, jukebox, live, votes, store
        self.corrections, self.speakers = corrections, speakers

    # The rooms (Snapcast)
    async def speaker(self, room_id: str, volume: object = None, muted: object = None, follows: object = None) -> None:
        """A room's volume (0-100), mute, or whether it plays the kiosk's music; NotNowError when snapserver or
        the room is not there."""
        if volume is not None and (isinstance(volume, bool) or not isinstance(volume, int) or not 0 <= volume <= 100):
            raise ControlError("'volume' must be a whole number from 0 to 100", "volume")
        for name, value in (("muted", muted), ("follows", follows)):
            if value is not None and not isinstance(value, bool):
                raise ControlError(f"'{name}' must be true or false", name)
        if volume is None and muted is None and follows is None:
            raise ControlError("give 'volume', 'muted' or 'follows'", "volume")
        try:
            await self.speakers.change(room_id, volume, muted, follows)  # type: ignore[arg-type]
        except SpeakerError as error:
            raise NotNowError(str(error), "room") from error

    # The mood
    def override(self, emotion: object, minutes: object, by: str) -> float:
        """Play ``emotion``'s music now and hold it ``minutes``; returns the end time."""
        emotion = checked_emotion(emotion)
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not 0 < minutes <= MAX_OVERRIDE_MINUTES:
            raise ControlError(f"'minutes' must be a number above 0 and at most {MAX_OVERRIDE_MINUTES}", "minutes")
        return self.conductor.override_mood(emotion, float(minutes), by)

    def end_override(self, why: str = "ended on the page") -> bool:
        """Back to the camera's mood; False when no mood was set by hand."""
        return self.conductor.end_override(why)

    async def correct(self, emotion: object) -> dict[str, Any]:
        """ "Was I right?": the room is really in ``emotion``, not the mood the camera decided."""
        emotion = checked_emotion(emotion)
        seen = self.conductor.tracker.current
        if seen is None or seen.emotion is None:
            raise NotNowError("the camera has not decided a mood to correct", "emotion")
        await self.corrections.add(seen.emotion, emotion)
        return {"predicted": seen.emotion, "corrected": emotion, **self.corrections.summary()}

    def recommendations(self, emotion: object = None, language: object = None) -> dict[str, Any]:
        """What the kiosk would play for ``emotion`` (None: the current mood) in ``language`` (None: its own)."""
        return self.conductor.recommendations(
            None if emotion is None else checked_emotion(emotion), None if language is None else checked_language(language)
        )

    def play_photo_mood(self, emotion: object, by: str) -> None:
        """A shared photo looked ``emotion``: that mood's music now."""
        emotion = checked_emotion(emotion)
        self.conductor.play_emotion(emotion, Why(WhyKind.PHOTO, emotion, by))

    # Who is here, and their taste
    def takeover(self, member: str, language: str, artists: list[str]) -> None:
        """The kiosk plays ``member``'s music language (and leans to their artists) until someone else takes over."""
        self.conductor.takeover(member, language, artists)

    def release(self, member: str) -> bool:
        """``member`` lets go of the kiosk (or their account is gone); False when they had not taken it over."""
        return self.conductor.release(member)

    def member_language(self, member: str, language: object) -> str:
        """A member's music language changed (it applies at once while they have taken over)."""
        language = checked_language(language)
        self.conductor.member_language_changed(member, language)
        return language

    def artists_changed(self, member: str | None, artists: list[str]) -> None:
        """A member's (None: the household's) favourite artists changed."""
        if member is None:
            self.conductor.household_artists_changed(artists)
        else:
            self.conductor.member_artists_changed(member, artists)

    # The player
    def pause(self) -> None:
        self.jukebox.pause()

    def resume(self) -> None:
        self.jukebox.resume()

    def previous(self) -> None:
        """The track before, or this one from its start when it has played more than a few seconds (as players do)."""
        position = self.jukebox.position()
        if position is not None and position > RESTART_SECONDS:
            self.jukebox.seek(0.0)
        else:
            self.jukebox.previous()

    def sleep(self, value: object, by: str) -> float | None:
        """The sleep timer: ``off``, ``track`` (pause after this track) or minutes (1 to 720) until the music fades
        and pauses; returns when (epoch seconds) for minutes."""
        if value in ("off", None):
            return self.conductor.sleep(None, False, by)
        if value == "track":
            return self.conductor.sleep(None, True, by)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= MAX_SLEEP_MINUTES:
            raise ControlError(f"'sleep' must be off, track, or minutes from 1 to {MAX_SLEEP_MINUTES}", "sleep")
        return self.conductor.sleep(float(value) * 60, False, by)

    def play_favorites(self, tracks: list[Track], by: str, every: bool = False) -> None:
        """Play one of a member's favorites, or ``every`` one in order, now; then the mood's music again."""
        if not tracks:
            raise NotNowError("no favorites yet: like a track first", "favorites")
        self.conductor.play_tracks(tracks, Why(WhyKind.FAVORITES if every else WhyKind.FAVORITE, by=by))

    async def like_playing(self) -> Track:
        """The playing track, liked: it counts for the mood it was chosen for. NotNowError when nothing plays."""
        track = self.jukebox.current_track
        if track is None:
            raise NotNowError("nothing is playing right now", "track")
        await self.votes.liked(track, self.conductor.chosen_for())
        return track

    def search(self, query: object) -> tuple[str, list[Track]]:
        """The library's tracks for ``query`` (checked: 1 to 200 characters)."""
        text = query.strip() if isinstance(query, str) else ""
        if not text or len(text) > MAX_QUERY:
            raise ControlError(f"'q' must be 1 to {MAX_QUERY} characters", "q")
        return text, self.jukebox.library.search(text)

    async def search_youtube(self, query: str) -> list[Track]:
        """YouTube's results for a checked query; they may then be queued by URI."""
        return await self.jukebox.search_youtube(query)

    def imported_changed(self, playlists: dict[str, list[Track]]) -> None:
        """The imported playlists changed: the library takes them at once."""
        self.jukebox.library.use_imported(playlists)

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
        track = (self.jukebox.library.find(uri) or self.jukebox.found.get(uri)) if isinstance(uri, str) else None
        if track is None:  # only the library's tracks and YouTube results the kiosk itself found: never any URI
            raise ControlError("no such track in the music library", "uri")
        self.queue_track(track, at, by)

    async def enqueue_played(self, uri: object, at: object, by: str) -> None:
        """Queue a track the kiosk played (its history, any source: a YouTube track too)."""
        row = await self.store.last_play(uri) if isinstance(uri, str) else None
        if row is None:
            raise ControlError("no such track in the history", "uri")
        title, playlist, source = row
        self.queue_track(self.jukebox.library.find(uri) or Track(uri, title, playlist, source), at, by)

    def queue_track(self, track: Track, at: object, by: str) -> None:
        """Queue a track the kiosk knows (the library's, a search result, a member's favorite, one it played)."""
        if at not in QUEUE_PLACES:
            raise ControlError(f"'at' must be one of {', '.join(QUEUE_PLACES)}", "at")
        if len(self.conductor.dj.requested) >= MAX_QUEUE:
            raise ControlError(f"the queue is full ({MAX_QUEUE} tracks)", "uri")
        self.conductor.queue_tracks([track], Why(WhyKind.ASKED, by=by), by, str(at))

    def browse(self, by: object, name: object = None) -> dict[str, Any]:
        """The library by mood playlist, artist or folder (``by``): the shelves and their track counts; with
        ``name``, that shelf's tracks."""
        if by not in SHELF_KINDS:
            raise ControlError(f"'by' must be one of {', '.join(SHELF_KINDS)}", "by")
        if name is None:
            return {"by": by, "shelves": [{"name": n, "tracks": count} for n, count in self.jukebox.library.shelves(str(by))]}
        if not isinstance(name, str) or not 0 < len(name) <= MAX_QUERY:
            raise ControlError(f"'name' must be 1 to {MAX_QUERY} characters", "name")
        return {"by": by, "name": name, "tracks": self.jukebox.library.shelf(str(by), name)}

    def unqueue(self, request_id: int, by: str) -> bool:
        """Take an entry out of the queue; False when there is none (it may be playing already)."""
        return self.conductor.unqueue(request_id, by)

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
