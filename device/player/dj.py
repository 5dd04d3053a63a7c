"""The DJ: which playlist fits a mood, and when the music should change. Pure logic.

Strategies map each emotion to a playlist name (the folder of the same name by default):
``match`` plays music like the mood; ``lift`` plays music to lift it (sad -> happy, angry,
fear and disgust -> neutral). ``player.mapping`` overrides single emotions, for every language
or for one language. The kiosk's language (the member who took over, else the household's)
picks among a playlist's tracks: those tagged with the language, else untagged ones, else any.

A new mood changes the music at the end of the current track, unless it is strong
(confidence >= ``strong_confidence``) and lasting (held ``strong_seconds``): then at once.
Either way, two mood switches are at least ``min_switch_seconds`` apart. With nothing
playing, the first mood starts music at once.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from device.core.config import ANY_LANGUAGE, PlayerSettings
from device.core.labels import EMOTIONS, TrackSource
from device.core.reasons import Why, WhyKind
from device.inference.mood import Mood
from device.player.catalog import Catalog, label
from device.player.library import MusicLibrary, ShuffleQueue, Track
from device.player.sources import artist_search, search_for
from device.player.votes import Votes, weight

log = logging.getLogger("moodkiosk.dj")
MAX_ARTIST_SEARCHES = 3  # the newest favourite artists get a YouTube search each (every search is a yt-dlp run)

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
    """A track to play now, the mood it is for (None: idle), why (for the on-screen note), and the
    playlists the DJ wanted for it (remote ones not listed yet are for the jukebox to list)."""

    track: Track
    emotion: str | None
    why: Why
    playlists: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return self.why.text()


@dataclass(frozen=True)
class Request:
    """A track someone asked for, waiting in the queue (``id`` names it for removing and moving)."""

    id: int
    track: Track
    why: Why

    @property
    def reason(self) -> str:
        return self.why.text()


@dataclass(frozen=True)
class Choice:
    """What the DJ would play for a mood in a language: the mapped playlists and their fitting tracks."""

    emotion: str | None
    language: str
    playlists: list[str]
    tracks: list[Track]
    note: str | None = None  # why other music than the mapped playlists' in that language


@dataclass(frozen=True)
class FadeOut:
    """Stop the music gently (nobody there)."""

    reason: str


class DJ:
    def __init__(self, settings: PlayerSettings, library: MusicLibrary | Catalog, rng: random.Random | None = None) -> None:
        self.library = library
        self.rng = rng or random.Random()
        self.configure(settings)
        self.language = settings.language
        self._queues: dict[tuple[str, ...], ShuffleQueue] = {}
        self._last_note: str | None = None
        self.votes: Votes = {}  # the household's likes and quick skips (device.household.track_votes)
        self.artists: tuple[str, ...] = ()  # to lean to: the member's who took over, else the household's
        self._artist_searches: dict[str, str] = {}  # "ytsearchN:<artist> <mood words> songs" -> artist
        self.brief_searches: dict[tuple[str, str], list[str]] = {}  # (mood, language) -> the language model's searches
        self.playing_for: str | None = None  # the emotion the current music was chosen for
        self.pending: str | None = None  # a mood waiting for the end of the track
        self.last_switch_at: float | None = None
        self.idle = False
        self.requested: list[Request] = []  # the queue: tracks someone asked for, played before mood music
        self.manual = False  # a requested track is playing: mood switches wait for the end of the queue
        self._next_id = 1

    def lean_to(self, artists: tuple[str, ...]) -> None:
        """Lean the picks (and the default searches) to these favourite artists from the next pick on."""
        self.artists, self._artist_searches = artists, {}

    def configure(self, settings: PlayerSettings) -> None:
        """Take new player settings (the admin page): strategy, mapping and languages apply to the next pick."""
        self.settings = settings
        self.library.languages = set(settings.languages)

    def playlists_for(self, emotion: str | None, language: str | None = None) -> list[str]:
        """The mapped playlists, else the strategy's local playlist plus (default_searches) a YouTube search."""
        if emotion is None:
            return [self.settings.idle_playlist]
        language = language or self.language
        mapped = self.settings.playlists(emotion, language)
        if mapped:
            return mapped
        local = STRATEGIES[self.settings.strategy].get(emotion, emotion)
        briefed = self.brief_searches.get((emotion, language), [])
        if not self.settings.default_searches:
            return [local, *briefed]
        searches = {
            artist_search(a, local, language, self.settings.search_results): a for a in self.artists[:MAX_ARTIST_SEARCHES]
        }
        self._artist_searches |= searches
        return [local, search_for(local, language, self.settings.search_results), *searches, *briefed]

    def built_in_words(self, emotion: str, language: str) -> str:
        """The default search's words for a mood (what a listening brief falls back to)."""
        local = STRATEGIES[self.settings.strategy].get(emotion, emotion)
        return search_for(local, language, self.settings.search_results).split(":", 1)[1]

    def use_brief(self, emotion: str, language: str, queries: list[str]) -> None:
        """The language model's queries become YouTube searches beside the mood's own, from the next pick on."""
        self.brief_searches[(emotion, language)] = [f"ytsearch{self.settings.search_results}:{q}" for q in queries]

    def choose(self, emotion: str | None, language: str | None = None) -> Choice:
        """The playlists and tracks for ``emotion`` in ``language`` (default: the kiosk's), with fallbacks."""
        language = language or self.language
        wanted = self.playlists_for(emotion, language)
        table = self.settings.mapping.get(language)
        chosen_for_language = isinstance(table, dict) and emotion in table  # the admin picked these: no filtering
        tracks = [track for name in wanted for track in self.library.tracks(name)]
        problems = [f"{label(name)} is unavailable: {why}" for name in wanted if (why := self._problem(name))]
        if tracks:
            fitting, note = (
                (tracks, None) if chosen_for_language else in_language(tracks, language, ", ".join(map(label, wanted)))
            )
            if problems and not any(track.source != TrackSource.LOCAL for track in fitting):
                note = "; ".join([*problems, *([note] if note else []), "playing the local music"])
            return Choice(emotion, language, wanted, fitting, note)
        own = STRATEGIES[self.settings.strategy].get(emotion, emotion) if emotion else self.settings.idle_playlist
        for name in dict.fromkeys([own, self.settings.fallback_playlist, *self.library.names()]):
            tracks = self.library.tracks(name)
            if tracks:
                fitting, _ = in_language(tracks, language, name)
                missing = problems or [f"playlist '{', '.join(wanted)}' is empty or missing in {self.library.music_dir}"]
                return Choice(emotion, language, wanted, fitting, f"{'; '.join(missing)}; playing '{name}' instead")
        return Choice(emotion, language, wanted, [], f"no music found in {self.library.music_dir}")

    def pick(self, emotion: str | None) -> Pick | None:
        """The next track for ``emotion`` (shuffled, each once per round), falling back when its playlist is empty."""
        choice = self.choose(emotion)
        pool, leaning = self._lean(choice.tracks, choice.playlists)
        key = (*choice.playlists, choice.language, leaning)
        votes = self.votes if emotion else {}
        track = self._queues.setdefault(key, ShuffleQueue(self.rng)).next(
            pool, lambda t: weight(*votes.get((t.uri, emotion or ""), (0, 0)))
        )
        if track is None:
            log.warning(
                "no music found in %s: add folders named after the moods (happy/, sad/, neutral/, ...) with audio files",
                self.library.music_dir,
            )
            return None
        if choice.note:
            if choice.note != self._last_note:  # once per situation, not at every track
                log.info("%s", choice.note)
                self._last_note = choice.note
            return Pick(track, emotion, Why(WhyKind.FALLBACK, emotion, note=choice.note), tuple(choice.playlists))
        likes, skips = votes.get((track.uri, emotion or ""), (0, 0))
        why = Why(
            WhyKind.MOOD, emotion, playlist=track.playlist,
            language=None if choice.language == ANY_LANGUAGE else choice.language, liked=likes > skips,
            artist=self._artist_of(track) if leaning == "artists" else None,
        )  # fmt: skip
        return Pick(track, emotion, why, tuple(choice.playlists))

    def _artist_of(self, track: Track) -> str:
        """Which favourite artist a track is by (its artist tag, or the artist search it came from)."""
        wanted = {artist.casefold(): artist for artist in self.artists}
        if track.artist and track.artist.casefold() in wanted:
            return wanted[track.artist.casefold()]
        return self._artist_searches.get(track.playlist, track.artist or "")

    def _lean(self, tracks: list[Track], playlists: list[str]) -> tuple[list[Track], str]:
        """The tracks to pick from: those by the favourite artists for ``artist_share`` of the picks (when
        there are both kinds), else the others. Returns them and which kind they are."""
        if not self.artists or not tracks:
            return tracks, "all"
        names = {artist.casefold() for artist in self.artists}
        theirs = [t for t in tracks if (t.artist and t.artist.casefold() in names) or t.playlist in self._artist_searches]
        others = [t for t in tracks if t not in theirs]
        if theirs and (not others or self.rng.random() < self.settings.artist_share):
            return theirs, "artists"
        return others or tracks, "all"

    def _problem(self, playlist: str) -> str | None:
        """Why a remote playlist gives no music now (the "listing" of a first try is not a problem yet)."""
        problem = getattr(self.library, "problem", None)
        why = problem(playlist) if problem else None
        return None if why == "not listed yet" else why

    def set_language(self, language: str) -> bool:
        """Follow another music language from the next track on; True when it changed."""
        changed, self.language = language != self.language, language
        return changed

    def override(self, now: float, emotion: str) -> Pick | None:
        """Someone set the mood by hand: its music now, instead of requested tracks or a pending mood."""
        self.requested, self.manual = [], False
        return self._switch(now, emotion)

    def on_mood(self, now: float, mood: Mood, playing: bool) -> Pick | FadeOut | None:
        """A new mood was decided: what to do about the music now (None: nothing yet)."""
        if mood.emotion is None:
            return self._on_idle(now, playing)
        self.idle = False
        if not playing:
            return self._switch(now, mood.emotion)
        if self.playlists_for(mood.emotion) == self.playlists_for(self.playing_for):
            self.playing_for, self.pending = mood.emotion, None
            return None
        self.pending = mood.emotion
        if self.settings.switch_at == "immediately" and self._may_switch(now) and not self.manual:
            return self._switch(now, mood.emotion)
        return self.on_update(now, mood)

    def play_now(self, tracks: list[Track], why: Why) -> Pick | None:
        """Someone asked for these tracks: play them in order (instead of the queue), then the mood's music."""
        self.requested = []
        self.enqueue(tracks, why)
        return self._next_requested()

    def enqueue(self, tracks: list[Track], why: Why, first: bool = False) -> list[Request]:
        """Add tracks to the queue: at its end, or ``first`` (play next). Returns the new entries."""
        added = [Request(self._next_id + i, track, why) for i, track in enumerate(tracks)]
        self._next_id += len(added)
        self.requested = [*added, *self.requested] if first else [*self.requested, *added]
        return added

    def unqueue(self, request_id: int) -> bool:
        """Take an entry out of the queue; False when there is no such entry (it may have started meanwhile)."""
        kept = [request for request in self.requested if request.id != request_id]
        found, self.requested = len(kept) != len(self.requested), kept
        return found

    def move(self, request_id: int, position: int) -> bool:
        """Move an entry to ``position`` (0: next; past the end: last); False when there is no such entry."""
        entry = next((request for request in self.requested if request.id == request_id), None)
        if entry is None:
            return False
        rest = [request for request in self.requested if request.id != request_id]
        rest.insert(max(0, min(position, len(rest))), entry)
        self.requested = rest
        return True

    def _next_requested(self) -> Pick | None:
        if not self.requested:
            self.manual = False
            return None
        self.manual = True
        request = self.requested.pop(0)
        return Pick(request.track, self.playing_for, request.why)

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


def in_language(tracks: list[Track], language: str, where: str) -> tuple[list[Track], str | None]:
    """The tracks tagged with ``language``, else the untagged ones, else all of them with a note why."""
    if language == ANY_LANGUAGE:
        return tracks, None
    for wanted in (language, None):
        fitting = [track for track in tracks if track.language == wanted]
        if fitting:
            return fitting, None
    return tracks, f"no {language} music in {where}; playing other languages"
