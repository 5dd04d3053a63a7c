"""The jukebox: carries out the DJ's picks on mpv, and keeps the music at hand.

It owns everything about playing: the mpv player, the music library and its rescans, remote
playlists (listed by yt-dlp when a pick or the mapping names them, retried when they fail),
favorites kept for offline play, the reason each track was picked, and the back-off after
failures. It publishes what happened (track started, failed, a source's health, notes) and
tells the conductor when a track is over, through ``on_track_end``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from device.core.config import PlayerSettings
from device.core.events import EventBus, Note, PlayerChanged, SourceChanged, TrackFailed, TrackStarted
from device.core.labels import TrackSource
from device.core.reasons import Why, WhyKind
from device.inference.mood import Mood
from device.player import catalog
from device.player.catalog import Catalog, label
from device.player.dj import FadeOut, Pick
from device.player.library import MusicLibrary, Track
from device.player.mpv_player import MpvPlayer, PlayerError, PlayerEvent
from device.player.music_source import SourceContext, SourceHealth
from device.player.offline_cache import OfflineCache
from device.player.sources import Ytdlp, default_ytdl_path, explain_ytdl_error, ytdl_trouble
from device.player.youtube_match import search_youtube

log = logging.getLogger("moodkiosk")
LIBRARY_RESCAN_SECONDS = 60
MAX_FOUND = 300
MOOD_FOLDERS = ("happy", "sad", "angry", "fear", "disgust", "surprise", "neutral")


class Jukebox:
    def __init__(self, settings: PlayerSettings, music_dir: Path, cache_dir: Path, bus: EventBus) -> None:
        self.settings, self.bus = settings, bus
        self.library = MusicLibrary(music_dir, settings.languages)
        self.ytdlp = Ytdlp(str(settings.ytdl_path) if settings.ytdl_path else default_ytdl_path())
        context = SourceContext(settings, self.ytdlp, self._source_changed)
        self.sources = [kind.from_context(context) for kind in catalog.SOURCE_KINDS]  # music_source.py: the seam
        self.catalog = Catalog(self.library, self.sources)
        self.cache = OfflineCache(
            cache_dir, self.ytdlp, settings.ytdl_format, settings.cache_max_mb * 2**20, settings.cache_track_max_mb * 2**20
        )
        self.player: MpvPlayer | None = None
        self.on_track_end: Callable[[], None] = lambda: None  # the conductor's: what next
        self._picks: dict[str, Pick] = {}
        self._failures = 0
        self._retry: asyncio.TimerHandle | None = None
        self._fade: asyncio.Task | None = None
        self.started_at: float | None = None  # when the current track started (monotonic)
        self._told: tuple[bool, int] | None = None  # the pause and volume last published
        self.found: dict[str, Track] = {}  # YouTube results shown on the page lately (they may be queued)

    def start(self, loop: asyncio.AbstractEventLoop, volume: int | None = None, audio: dict | None = None) -> None:
        """Start mpv (the music is off, with a note why, when it cannot start) and list the mapped sources.
        ``volume``: the last one set (kept across restarts), else ``player.volume``; ``audio``: where the audio
        goes instead of player.audio_output (device.kiosk.speakers)."""
        try:
            self.player = MpvPlayer(
                loop, self._on_player_event, self.settings.audio_output, self.settings.video_output,
                self.settings.volume if volume is None else volume, self.ytdlp.path, self.settings.ytdl_format,
                on_change=self._playback_changed, audio=audio,
            )  # fmt: skip
            self._told = (self.player.paused, self.player.volume)  # as it starts: nothing changed yet
        except PlayerError as error:
            self.bus.publish(Note(f"music is off: {error.describe()}"))
        self.request_mapped_sources()

    def configure(self, settings: PlayerSettings) -> list[str]:
        """Take new player settings; returns what changed that needs a rescan of the library."""
        old, self.settings = self.settings, settings
        for source in self.sources:
            source.configure(settings)
        self.cache.ytdl_format = settings.ytdl_format
        self.cache.max_bytes, self.cache.track_max_bytes = settings.cache_max_mb * 2**20, settings.cache_track_max_mb * 2**20
        if self.player is not None and old.ytdl_format != settings.ytdl_format:
            self.player.ytdl_format = settings.ytdl_format
        if old.mapping != settings.mapping:
            self.request_mapped_sources()
        self.library.languages = set(settings.languages)
        return ["player.languages"] if old.languages != settings.languages else []

    # Carrying out the DJ's decisions
    @property
    def playing(self) -> bool:
        return self.player is not None and self.player.playing

    @property
    def current_track(self) -> Track | None:
        return self.player.track if self.player else None

    def apply(self, action: Pick | FadeOut | None, mood: Mood | None, note: str | None = None) -> None:
        if self.player is None or action is None:
            return
        if isinstance(action, FadeOut):
            self.bus.publish(Note(f"fading out: {action.reason}"))
            self._fade = asyncio.get_running_loop().create_task(self.player.fade_out(self.settings.fade_seconds))
            return
        self.request_listings(action.playlists)
        self._picks[action.track.uri] = action
        offline = self.cache.path_for(action.track.uri) if action.track.source != TrackSource.LOCAL else None
        self.player.play(action.track, str(offline) if offline else None)
        seen = note or (f"I see {mood.emotion} ({mood.confidence:.0%})" if mood and mood.emotion else "Nobody here")
        self.player.show_note(f"{seen} - playing {action.track.title} ({action.track.playlist})")

    def position(self) -> float | None:
        """Seconds into the playing track (None: nothing plays, or mpv does not know yet)."""
        return self.player.position if self.player and self.player.playing else None

    def played_seconds(self) -> float | None:
        """How long the current track has been playing (pauses included); None when nothing plays."""
        if not self.playing or self.started_at is None:
            return None
        return time.monotonic() - self.started_at

    def show_note(self, text: str) -> None:
        if self.player:
            self.player.show_note(text)

    def pause(self) -> None:
        if self.player:
            self.player.pause()

    def resume(self) -> None:
        if self.player:
            self.player.resume()

    def fall_asleep(self) -> None:
        """The sleep timer: the music fades out and pauses (anyone's play button goes on from there)."""
        if self.player and self.player.playing and not self.player.paused:
            self._fade = asyncio.get_running_loop().create_task(self.player.fade_to_pause(self.settings.fade_seconds))

    def previous(self) -> None:
        if self.player:
            self.player.previous()

    def set_volume(self, volume: int) -> None:
        if self.player:
            self.player.volume = volume

    async def search_youtube(self, query: str, count: int = 10) -> list[Track]:
        """YouTube's results for a search on the page; remembered, so that only these can be queued by URI.
        Raises SearchError when YouTube cannot be searched (no network), YtdlpBusyError when every yt-dlp turn is taken."""
        tracks = await search_youtube(self.ytdlp, query, count, timeout=20, wait=False)
        self.found |= {track.uri: track for track in tracks}
        for uri in list(self.found)[:-MAX_FOUND]:
            del self.found[uri]
        return tracks

    def seek(self, seconds: float) -> bool:
        """Jump within the playing track; False when nothing plays. Every open page is told."""
        if self.player is None or not self.player.playing or not self.player.seek(seconds):
            return False
        self._playback_changed(seeked=seconds)
        return True

    def _playback_changed(self, seeked: float | None = None) -> None:
        """Pause or volume changed (mpv says so, whoever asked), or a seek: publish it once."""
        player = self.player
        if player is None or player.fading:
            return
        told = (player.paused, player.volume)
        if told == self._told and seeked is None:
            return
        self._told = told
        position = seeked if seeked is not None else player.position
        self.bus.publish(PlayerChanged(told[0], told[1], None if position is None else round(position, 2)))

    def _on_player_event(self, event: PlayerEvent) -> None:
        pick = self._picks.get(event.track.uri)
        track = event.track
        if event.kind == "started":
            self._failures = 0
            self.started_at = time.monotonic()
            why = pick.why if pick else None
            if track.by_sound is not None:  # in this mood's playlist because of how it sounds: say so
                why = dataclasses.replace(why or Why(WhyKind.MOOD), by_sound=track.by_sound, playlist=track.playlist)
            self.bus.publish(
                TrackStarted(
                    emotion=pick.emotion if pick else None, playlist=track.playlist, label=label(track.playlist),
                    title=track.title, artist=track.artist, uri=track.uri, source=track.source,
                    language=track.language, thumbnail=track.thumbnail, why=why,
                )
            )  # fmt: skip
            return
        if event.kind == "failed":
            self._failures += 1
            self.bus.publish(TrackFailed(track.uri, track.playlist, event.detail, track.source))
            source = self.catalog.source_of(track.playlist)
            if source is not None and not self.offline(track.uri):
                why = f"a track would not play: {explain_ytdl_error(event.detail)}"
                source.failed(track.playlist, why, ytdl_trouble(event.detail))
        # Several failures in a row (a playlist of broken files): wait before the next try.
        delay = 0.0 if self._failures < 3 else min(60.0, 2.0 ** (self._failures - 3))
        if self._retry:
            self._retry.cancel()
        self._retry = asyncio.get_running_loop().call_later(delay, self.on_track_end)

    # Remote music: listings, health, favorites kept offline
    def request_listings(self, playlists: list[str] | tuple[str, ...]) -> None:
        """List the remote ones among ``playlists`` that were never listed, in the background (the tend chore
        lists the known ones again when they are old or failing)."""
        for name in playlists:
            source = self.catalog.source_of(name)
            if source is not None:
                source.want(name)

    def request_mapped_sources(self) -> None:
        """List the remote playlists the mapping names, so the first mood finds them ready."""
        for value in self.settings.mapping.values():
            for names in value.values() if isinstance(value, dict) else [value]:
                self.request_listings([names] if isinstance(names, str) else names)

    def favorites_changed(self, uris: set[str]) -> None:
        """Keep exactly these remote favorites downloaded for offline play."""
        self.cache.want({uri for uri in uris if uri.startswith(("http://", "https://"))})

    def offline(self, uri: str) -> bool:
        """A remote track has a copy that plays without the network."""
        return self.cache.path_for(uri) is not None

    def _source_changed(self, playlist: str, health: SourceHealth) -> None:
        self.bus.publish(SourceChanged(playlist, label(playlist), health.state, health.error))

    # The music folder
    def scan(self, quick: bool = False) -> None:
        """Read the music folder (a worker thread's job); a missing folder is made, with one folder per mood.
        ``quick``: names and sidecars only for files not read before (MusicLibrary.scan)."""
        if not self.library.music_dir.exists():
            try:
                for name in MOOD_FOLDERS:
                    (self.library.music_dir / name).mkdir(parents=True, exist_ok=True)
                log.info("made the music folder %s with a folder per mood: put audio files in them", self.library.music_dir)
            except OSError as error:
                log.warning("cannot make the music folder %s: %s", self.library.music_dir, error)
        self.library.scan(quick)

    def check_library(self) -> None:
        names = self.library.names()
        if names:
            log.info("music in %s: %s", self.library.music_dir, ", ".join(names))
        else:
            log.warning(
                "no music in %s yet: add folders named happy/, sad/, angry/, fear/, disgust/, surprise/, neutral/ with "
                "audio files (a missing music folder is made with them, empty), or set player.music_dir",
                self.library.music_dir,
            )

    async def tend(self) -> None:
        """A chore: read the tags the start left out, then retry failing sources when due, list old ones again,
        notice new music in the folder."""
        await asyncio.to_thread(self.scan)
        rescan_at = time.monotonic() + LIBRARY_RESCAN_SECONDS
        while True:
            await asyncio.sleep(5)
            for source in self.sources:
                for playlist in source.due():
                    source.request(playlist)
            if time.monotonic() >= rescan_at:
                rescan_at = time.monotonic() + LIBRARY_RESCAN_SECONDS
                await asyncio.to_thread(self.scan)

    def playback_state(self) -> dict[str, Any]:
        player = self.player
        playback: dict[str, Any] = {"available": player is not None, "tracks": self.library.count()}
        if player is not None:
            position, duration = player.position, player.duration
            playback |= {
                "playing": player.playing, "paused": player.paused, "volume": player.volume,
                "position": None if position is None else round(position, 2),
                "duration": None if duration is None else round(duration, 2),
            }  # fmt: skip
        return playback

    def source_states(self) -> list[str]:
        """The state of every playlist a source lists (ok, listing, failing): for the metrics."""
        return [health.state for source in self.sources for health in source.states().values()]

    def sources_state(self) -> list[dict[str, Any]]:
        states = {playlist: health for source in self.sources for playlist, health in source.states().items()}
        return [health.to_json(playlist, label(playlist)) for playlist, health in sorted(states.items())]

    async def settle(self, timeout: float = 3.0) -> None:
        """Before stopping, give a track that was just asked for the moment to start."""
        deadline = time.monotonic() + timeout
        while self.player and self.player.playing and self.player.media_title is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self._retry:
            self._retry.cancel()
        if self.player:
            self.player.close()
        await self.cache.close()
