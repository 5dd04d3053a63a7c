"""``moodkiosk run``: the long-running kiosk. Wires camera -> analyzer -> mood -> DJ -> mpv.

Everything the daemon decides goes through one EventBus: the log, ``--events FILE``, the
database and (later) the web page all see the same events.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
import sqlite3
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web

from device.camera.picamera2_source import picamera2_cameras
from device.camera.spec import camera_from_spec, video_devices
from device.config import ANY_LANGUAGE, Settings
from device.errors import MoodkioskError
from device.events import Event, EventBus, EventsFile, describe
from device.inference.analyzer import FrameAnalysis, FrameAnalyzer
from device.inference.labels import EMOTIONS
from device.mood import Mood, MoodTracker
from device.page_settings import check_keys, decode_stored, describe_settings, get_value, jsonable, with_values
from device.perception import CameraStatus, PerceptionWorker
from device.photos import PhotoAnalysis, PhotoResult
from device.player.dj import DJ, STRATEGIES, FadeOut, Pick
from device.player.library import MusicLibrary, Track
from device.player.mpv_player import MpvPlayer, PlayerError, PlayerEvent
from device.player.offline_cache import OfflineCache
from device.player.sources import (
    Catalog,
    RemoteSources,
    SourceHealth,
    default_ytdl_path,
    explain_ytdl_error,
    is_remote,
    label,
)
from device.run_lock import RunLock
from device.service import ServiceNotifier
from device.state import KioskState
from device.store import Store
from web.accounts import Accounts
from web.app import create_app
from web.security import load_or_create_secret
from web.server import GuardedSite, QuietResourceErrors, runner_for

log = logging.getLogger("moodkiosk")
PURGE_EVERY_SECONDS = 3600
LIBRARY_RESCAN_SECONDS = 60
STATUS_SECONDS = 10.0
# Settings a running kiosk reads only at start: a reload names them instead of applying them.
RESTART_KEYS = (
    "web.host", "web.port", "web.enabled", "storage.state_dir", "storage.events_file", "player.music_dir",
    "player.audio_output", "player.video_output", "player.ytdl_path", "inference.face_model", "inference.emotion_model",
    "inference.threads", "log_level",
)  # fmt: skip
NO_CAMERA = "no Pi camera or webcam found; pick one with --camera /dev/video0, usb:0, picamera2 or a video file"
WARNING_EVENTS = {"track-error"}
WARNING_CAMERA_STATES = {"offline", "stalled"}


class Kiosk:
    def __init__(self, settings: Settings, locked: set[str] | None = None, reread: Callable[[], Settings] | None = None) -> None:
        """``reread``: reads the settings again from the same file, environment and flags (SIGHUP)."""
        self.base_settings = settings  # defaults, file, environment and flags
        self._reread = reread
        self.settings = settings  # and the admin page's changes on top
        self.locked = locked or set()  # dotted keys given as flags: the page cannot change them
        self.page_values: dict[str, Any] = {}
        self.bus = EventBus()
        self.tracker = MoodTracker(settings.mood)
        self.library = MusicLibrary(settings.music_dir, settings.player.languages)
        ytdl = str(settings.player.ytdl_path) if settings.player.ytdl_path else default_ytdl_path()
        self.remote = RemoteSources(ytdl, self._source_changed, settings.player.remote_refresh_hours * 3600)
        self.dj = DJ(settings.player, Catalog(self.library, self.remote))
        self.cache = OfflineCache(
            settings.storage.state_dir / "cache",
            ytdl,
            settings.player.ytdl_format,
            settings.player.cache_max_mb * 2**20,
            settings.player.cache_track_max_mb * 2**20,
        )
        self.store = Store(settings.storage.state_dir / "moodkiosk.db")
        self.accounts = Accounts(self.store)
        self.player: MpvPlayer | None = None
        self.worker: PerceptionWorker | None = None
        self._stop = asyncio.Event()
        self._picks: dict[str, Pick] = {}
        self._failures = 0
        self._retry: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task] = set()
        self.view = KioskState()
        self.bus.subscribe(self.view)
        self._web: web.AppRunner | None = None
        self.photos = PhotoAnalysis(settings.inference)
        self.member: str | None = None  # who took over ("I'm here"): the kiosk plays their language
        self.override: Mood | None = None  # a mood set by hand on the page, until _override_timer fires
        self._override_timer: asyncio.TimerHandle | None = None
        self._camera_lock = asyncio.Lock()
        self.notifier = ServiceNotifier()
        self.fps: float | None = None  # frames analysed per second, measured over the last status interval
        self._running = False

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stop.set)
        loop.add_signal_handler(signal.SIGHUP, lambda: self._spawn(self.reload()))
        loop.set_exception_handler(QuietResourceErrors())
        self.bus.subscribe(self._log_event)
        lock = RunLock(self.settings.storage.state_dir)
        lock.acquire()
        events_file = EventsFile(self.settings.storage.events_file) if self.settings.storage.events_file else None
        if events_file:
            self.bus.subscribe(events_file)
        await self.store.open()
        try:
            await self._load_page_settings()
            await asyncio.to_thread(self.library.scan)
            self.player = self._start_player(loop)
            self._check_library()
            self._request_mapped_sources()
            await self.favorites_changed()
            self.worker = self._start_perception(loop)
            self._running = True  # from now on a camera change on the page restarts perception
            await self._start_web()
            self.notifier.ready(self._status_line(None))
            chores = [loop.create_task(c) for c in (self._purge_periodically(), self._tend_music(), self._keep_watch())]
            await self._stop.wait()
            self.notifier.stopping()
            for chore in chores:
                chore.cancel()
            await self._settle()
        finally:
            if self._web:
                await self._web.cleanup()
            if self._override_timer:
                self._override_timer.cancel()
            self._stop_perception()
            if self.player:
                self.player.close()
            await self.cache.close()
            self.photos.close()
            await self.store.close()
            if events_file:
                events_file.close()
            lock.release()
        self.notifier.close()
        log.info("stopped")
        return 0

    def stop(self) -> None:
        self._stop.set()

    # Controls for the web page (web.app.KioskControls): all run on the event loop.
    def state(self) -> dict[str, Any]:
        player = self.player
        playback = {"available": player is not None}
        if player is not None:
            playback |= {"playing": player.playing, "paused": player.paused, "volume": player.volume}
        language = {
            "active": self.dj.language,
            "member": self.member,
            "household": self.settings.player.language,
            "choices": [*self.settings.player.languages, ANY_LANGUAGE],
        }
        detection = {"paused": self.settings.camera.paused}
        sources = [health.to_json(playlist) for playlist, health in sorted(self.remote.health.items())]
        return {
            **self.view.snapshot(),
            "player": playback,
            "language": language,
            "detection": detection,
            "sources": sources,
            "analysis": {"fps": None if self.fps is None else round(self.fps, 2), "frames": self._analysed()},
        }

    # Remote music: listings, health, favorites kept offline.
    async def favorites_changed(self) -> None:
        """Keep every member's remote favorites downloaded for offline play, and only those."""
        rows = await self.store.fetch("SELECT DISTINCT uri FROM favorites WHERE source != 'local'")
        self.cache.want({uri for (uri,) in rows if uri.startswith(("http://", "https://"))})

    def offline(self, uri: str) -> bool:
        """A remote track has a copy that plays without the network."""
        return self.cache.path_for(uri) is not None

    def _request_mapped_sources(self) -> None:
        """List the remote playlists the mapping names now, so the first mood finds them ready."""
        for value in self.settings.player.mapping.values():
            tables = value.values() if isinstance(value, dict) else [value]
            for names in tables:
                for name in [names] if isinstance(names, str) else names:
                    if is_remote(name):
                        self.remote.request(name)

    def _source_changed(self, playlist: str, health: SourceHealth) -> None:
        self.bus.publish("source", playlist=playlist, label=label(playlist), state=health.state, error=health.error)

    async def _tend_music(self) -> None:
        """Retry failing sources when due, list old ones again, and notice new music in the folder."""
        rescan_at = time.monotonic() + LIBRARY_RESCAN_SECONDS
        while True:
            await asyncio.sleep(5)
            for playlist in self.remote.due():
                self.remote.request(playlist)
            if time.monotonic() >= rescan_at:
                rescan_at = time.monotonic() + LIBRARY_RESCAN_SECONDS
                await asyncio.to_thread(self.library.scan)

    # Language: the member who took over, else the household's.
    def takeover(self, member: str, language: str) -> None:
        """A member said "I'm here": the music follows their language until someone else takes over or nobody is seen."""
        self.member = member
        self._follow_language(language, member)

    def release(self, member: str) -> bool:
        """The member lets go: back to the household language. False when they had not taken over."""
        if self.member != member:
            return False
        self.member = None
        self._follow_language(self.settings.player.language, None)
        return True

    def member_language_changed(self, member: str, language: str) -> None:
        if self.member == member:
            self._follow_language(language, member)

    def _follow_language(self, language: str, member: str | None) -> None:
        changed = self.dj.set_language(language)
        self.bus.publish("language", language=language, member=member)
        playing = self.player is not None and self.player.playing
        if changed and playing and self.dj.playing_for is not None and not self.dj.manual:
            self._apply(self.dj.skip(time.monotonic()), self.override or self.tracker.current)

    # A mood set by hand for a while.
    def override_mood(self, emotion: str, minutes: float, by: str) -> float:
        """Play ``emotion``'s music now and hold it for ``minutes`` whatever the camera sees; returns the end time."""
        if emotion not in EMOTIONS:
            raise ValueError(f"unknown emotion {emotion!r}")
        if self._override_timer:
            self._override_timer.cancel()
        now = time.monotonic()
        self.override = Mood(emotion, 1.0, now)
        self._override_timer = asyncio.get_running_loop().call_later(minutes * 60, self.end_override, "time is up")
        until = time.time() + minutes * 60
        self.bus.publish("override", emotion=emotion, minutes=minutes, until=until, by=by)
        why = f"{by} chose {emotion} music for {minutes:g} min"
        pick = self.dj.override(now, emotion)
        self._apply(pick and dataclasses.replace(pick, reason=why), self.override, note=why)
        return until

    def end_override(self, why: str = "ended on the page") -> bool:
        """Back to the camera's mood (at the end of the track, as usual). False when there was no override."""
        if self.override is None:
            return False
        if self._override_timer:
            self._override_timer.cancel()
        self.override, self._override_timer = None, None
        self.bus.publish("override-end", why=why)
        current = self.tracker.current
        if current is not None and current.emotion != self.dj.playing_for:
            playing = self.player is not None and self.player.playing
            self._apply(self.dj.on_mood(time.monotonic(), current, playing), current)
        return True

    def recommendations(self, emotion: str | None, language: str | None, limit: int = 20) -> dict[str, Any]:
        """What the kiosk would play for ``emotion`` (default: the current mood) in ``language`` (default: its own)."""
        current = self.override or self.tracker.current
        emotion = emotion or (current.emotion if current and current.emotion else "neutral")
        choice = self.dj.choose(emotion, language)
        tracks = [
            {"title": t.title, "playlist": t.playlist, "source": t.source, "language": t.language, "uri": t.uri}
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

    # Settings changed on the admin page.
    def page_settings(self) -> dict[str, Any]:
        """Every page setting with its value and origin, plus the choices the admin page offers."""
        rows = describe_settings(self.settings, self.base_settings, self.page_values, self.locked)
        cameras = ["auto", *[f"picamera2:{i}" for i in range(len(picamera2_cameras()))], *map(str, video_devices()), "none"]
        return {
            "settings": rows,
            "emotions": list(EMOTIONS),
            "playlists": self.library.names(),
            "cameras": cameras,
            "strategies": STRATEGIES,  # each strategy's playlist per emotion: the mapping grid's placeholders
        }

    async def change_settings(self, changes: dict[str, Any], by: str) -> None:
        """Validate, store, then apply page settings (None resets a key to the config file's value).

        Raises PageSettingsError (unknown, locked or invalid) or sqlite3.Error (not stored: nothing changes).
        """
        check_keys(list(changes), self.locked)
        values = {k: v for k, v in {**self.page_values, **changes}.items() if v is not None}
        settings = with_values(self.base_settings, values)
        values = {key: jsonable(get_value(settings, key)) for key in values}  # as validated ("true" -> true), not as sent
        stored = {key: None if changes[key] is None else json.dumps(values[key]) for key in changes}
        await self.store.save_page_settings(stored, by)
        self.page_values = values
        self.bus.publish("settings", keys=sorted(changes), by=by)
        await self._use_settings(settings)

    async def reload(self) -> bool:
        """Read the config file again (SIGHUP, `systemctl reload`): apply it, or keep the old settings if it is wrong."""
        if self._reread is None:
            return False
        try:
            base = self._reread()
        except MoodkioskError as error:
            log.error("config reload failed, keeping the settings in use: %s", error.describe())
            return False
        values, notes = decode_stored(base, {k: json.dumps(v) for k, v in self.page_values.items()}, self.locked)
        for note in notes:
            log.warning("%s", note)
        settings = with_values(base, values) if values else base
        later = [key for key in RESTART_KEYS if get_value(settings, key) != get_value(self.settings, key)]
        self.base_settings, self.page_values = base, values
        await self._use_settings(settings)
        log.info("config reloaded" + (f"; these take effect at the next start: {', '.join(later)}" if later else ""))
        return True

    async def _load_page_settings(self) -> None:
        values, notes = decode_stored(self.base_settings, await self.store.page_settings(), self.locked)
        for note in notes:
            log.warning("%s", note)
        self.page_values = values
        if values:
            log.info("settings from the admin page: %s", ", ".join(sorted(values)))
            await self._use_settings(with_values(self.base_settings, values))

    async def _use_settings(self, settings: Settings) -> None:
        old, self.settings = self.settings, settings
        self.tracker.settings = settings.mood
        self.dj.configure(settings.player)
        self.photos.configure(settings.inference)
        if old.player.languages != settings.player.languages:
            await asyncio.to_thread(self.library.scan)  # the language folders tag tracks
        if old.player.mapping != settings.player.mapping and self._running:
            self._request_mapped_sources()
        if self.member is None and self.dj.language != settings.player.language:
            self._follow_language(settings.player.language, None)
        if old.storage.retention_days != settings.storage.retention_days:
            self._spawn(self.store.purge(settings.storage.retention_days))
        if old.camera != settings.camera and self._running:
            async with self._camera_lock:
                await asyncio.get_running_loop().run_in_executor(None, self._stop_perception)
                self.worker = self._start_perception(asyncio.get_running_loop())

    def pause(self) -> None:
        if self.player:
            self.player.pause()

    def resume(self) -> None:
        if self.player:
            self.player.resume()

    def set_volume(self, volume: int) -> None:
        if self.player:
            self.player.volume = volume

    def next_track(self) -> None:
        """Skip to another track for the current mood (neutral music when there is none)."""
        self._apply(self.dj.skip(time.monotonic()), self.tracker.current)

    async def analyze_photo(self, data: bytes) -> PhotoResult:
        """Decode and analyse an uploaded photo off the event loop, with an analyzer of its own (never stored)."""
        return await self.photos.analyze(data)

    def play_emotion(self, emotion: str, reason: str) -> None:
        """Play the playlist for ``emotion`` now (the web page's "play this mood")."""
        pick = self.dj.pick(emotion)
        if pick is not None:
            self._apply(self.dj.play_now([pick.track], reason), self.tracker.current, note=reason)

    def play_tracks(self, tracks: list[Track], reason: str) -> None:
        """Play these tracks now, in order (favorites), then the mood's music again."""
        self._apply(self.dj.play_now(tracks, reason), self.tracker.current)

    @property
    def current_track(self) -> Track | None:
        return self.player.track if self.player else None

    def _track_ended(self) -> None:
        self._apply(self.dj.on_track_end(time.monotonic()), self.tracker.current)

    def previous_track(self) -> None:
        if self.player:
            self.player.previous()

    async def _start_web(self) -> None:
        settings = self.settings.web
        if not settings.enabled:
            return
        secret = load_or_create_secret(self.settings.storage.state_dir / "session.key")
        runner = runner_for(create_app(self, self.accounts, secret))
        await runner.setup()
        try:
            await GuardedSite(runner, settings.host, settings.port).start()
        except OSError as error:
            await runner.cleanup()
            self.bus.publish(
                "note",
                text=f"the web page is off: cannot listen on {settings.host}:{settings.port} ({error.strerror}); "
                "set web.port to a free port",
            )
            return
        self._web = runner
        for address in runner.addresses:
            log.info("web page on http://%s:%d/", *address[:2])

    def _start_player(self, loop: asyncio.AbstractEventLoop) -> MpvPlayer | None:
        player = self.settings.player
        try:
            return MpvPlayer(
                loop,
                self._on_player_event,
                player.audio_output,
                player.video_output,
                player.volume,
                self.remote.ytdl_path,
                player.ytdl_format,
            )
        except PlayerError as error:
            self.bus.publish("note", text=f"music is off: {error.describe()}")
            return None

    def _check_library(self) -> None:
        names = self.library.names()
        if names:
            log.info("music in %s: %s", self.library.music_dir, ", ".join(names))
        else:
            log.warning(
                "no music in %s yet: add folders named happy/, sad/, angry/, fear/, disgust/, surprise/, neutral/ "
                "with audio files (or set player.music_dir)",
                self.library.music_dir,
            )

    def _stop_perception(self) -> None:
        worker, self.worker = self.worker, None
        if worker:
            worker.stop()
            worker.analyzer.close()

    def _start_perception(self, loop: asyncio.AbstractEventLoop) -> PerceptionWorker | None:
        camera = self.settings.camera
        if camera.paused:
            self._camera_event(camera.source, CameraStatus("paused", "detection is paused (privacy): the camera is closed"))
            return None
        try:
            source = camera_from_spec(camera.source, loop=camera.loop)
        except MoodkioskError as error:
            self._camera_event(camera.source, CameraStatus("offline", error.describe()))
            return None
        if source is None:
            detail = "" if camera.source == "none" else NO_CAMERA
            self._camera_event(camera.source, CameraStatus("none", detail))
            return None
        try:
            analyzer = FrameAnalyzer(self.settings.inference)
        except MoodkioskError as error:
            self.bus.publish("note", text=f"emotion detection is off: {error.describe()}")
            return None
        log.info("faces are found by the %s backend", analyzer.backend)
        if analyzer.backend_note:
            self.bus.publish("note", text=analyzer.backend_note)
        worker = PerceptionWorker(
            source,
            analyzer,
            loop,
            self._on_analysis,
            lambda status: self._camera_event(str(source), status),
            camera.analysis_fps,
            camera.stall_seconds,
            camera.max_retry_seconds,
            min(camera.idle_fps, camera.analysis_fps),
            camera.idle_after_seconds,
        )
        worker.start()
        return worker

    def _camera_event(self, camera: str, status: CameraStatus) -> None:
        self.bus.publish("camera", camera=camera, state=status.state, detail=status.detail)
        if status.state == "ended" and self.settings.camera.exit_when_source_ends:
            self.stop()

    def _on_analysis(self, at: float, analysis: FrameAnalysis) -> None:
        mood = self.tracker.update(at, analysis.faces)
        if mood is not None and mood.emotion is None and self.member is not None:
            log.info("nobody seen for a while: %s's language no longer applies", self.member)
            self.release(self.member)
        if self.override is not None:  # the hand-set mood holds; the camera's is still shown and logged
            if mood is not None:
                self._publish_mood(mood)
            return
        if mood is not None:
            self._publish_mood(mood)
            action = self.dj.on_mood(at, mood, self.player is not None and self.player.playing)
            self._apply(action, mood)
            if action is None and self.dj.pending and self.player:
                playlist = ", ".join(self.dj.playlists_for(self.dj.pending))
                self.player.show_note(f"I see {mood.emotion} ({mood.confidence:.0%}) - {playlist} music after this track")
        else:
            self._apply(self.dj.on_update(at, self.tracker.current), self.tracker.current)

    def _publish_mood(self, mood: Mood) -> None:
        if mood.emotion is None:
            self.bus.publish("idle")
        else:
            self.bus.publish("mood", emotion=mood.emotion, confidence=round(mood.confidence, 3), faces=mood.faces)
        self._spawn(self.store.add_mood(mood.emotion, mood.confidence, mood.faces))

    def _apply(self, action: Pick | FadeOut | None, mood: Mood | None, note: str | None = None) -> None:
        if self.player is None or action is None:
            return
        if isinstance(action, FadeOut):
            self.bus.publish("note", text=f"fading out: {action.reason}")
            self._spawn(self.player.fade_out(self.settings.player.fade_seconds))
            return
        self._picks[action.track.uri] = action
        offline = self.cache.path_for(action.track.uri) if action.track.source != "local" else None
        self.player.play(action.track, str(offline) if offline else None)
        seen = note or (f"I see {mood.emotion} ({mood.confidence:.0%})" if mood and mood.emotion else "Nobody here")
        self.player.show_note(f"{seen} - playing {action.track.title} ({action.track.playlist})")

    def _on_player_event(self, event: PlayerEvent) -> None:
        pick = self._picks.get(event.track.uri)
        if event.kind == "started":
            self._failures = 0
            track = event.track
            self._spawn(self.store.add_play(track.uri, track.title, track.playlist, track.source, pick.emotion if pick else None))
            self.bus.publish(
                "track",
                emotion=pick.emotion if pick else None,
                playlist=event.track.playlist,
                label=label(event.track.playlist),
                title=event.track.title,
                artist=event.track.artist,
                uri=event.track.uri,
                source=event.track.source,
                language=event.track.language,
                thumbnail=event.track.thumbnail,
                reason=pick.reason if pick else "",
            )
            return
        if event.kind == "failed":
            self._failures += 1
            self.bus.publish("track-error", uri=event.track.uri, playlist=event.track.playlist, error=event.detail)
            if is_remote(event.track.playlist) and not self.offline(event.track.uri):
                self.remote.failed(event.track.playlist, f"a track would not play: {explain_ytdl_error(event.detail)}")
        # Several failures in a row (a playlist of broken files): wait before the next try.
        delay = 0.0 if self._failures < 3 else min(60.0, 2.0 ** (self._failures - 3))
        if self._retry:
            self._retry.cancel()
        self._retry = asyncio.get_running_loop().call_later(delay, self._track_ended)

    async def _settle(self, timeout: float = 3.0) -> None:
        """Before stopping, give a track that was just asked for the moment to start."""
        deadline = time.monotonic() + timeout
        while self.player and self.player.playing and self.player.media_title is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _keep_watch(self) -> None:
        """STATUS= for systemctl status; WATCHDOG=1 only while this loop runs *and* frames are being analysed."""
        watchdog = self.notifier.watchdog_seconds
        interval = watchdog / 2 if watchdog else STATUS_SECONDS
        counted, counted_at, withheld = self._analysed(), time.monotonic(), False
        while True:
            await asyncio.sleep(interval)
            now, analysed = time.monotonic(), self._analysed()
            fps = (analysed - counted) / (now - counted_at) if self.worker else None
            counted, counted_at, self.fps = analysed, now, fps
            self.notifier.status(self._status_line(fps))
            if not watchdog:
                continue
            stuck_for = self._frame_loop_stuck_for(watchdog)
            if stuck_for is None:
                self.notifier.watchdog()
                withheld = False
            elif not withheld:
                withheld = True
                log.error("the frame analysis has made no progress for %.0f s; withholding the watchdog ping so "
                          "systemd restarts the service", stuck_for)  # fmt: skip

    def _analysed(self) -> int:
        return self.worker.analysed if self.worker else 0

    def _frame_loop_stuck_for(self, watchdog: float) -> float | None:
        """How long the analysis loop has been silent, when that is longer than it may be (else None)."""
        worker = self.worker
        if worker is None or worker.finished:
            return None  # no camera (none, paused, failed): nothing to wait for
        silent = time.monotonic() - worker.last_progress_at
        if not worker.alive:
            return max(silent, watchdog)  # the analysis thread died: no progress will ever come
        return silent if silent > max(watchdog, 4 * max(worker.period, worker.idle_period), 2.0) else None

    def _status_line(self, fps: float | None) -> str:
        mood = self.tracker.current
        seen = f"{mood.emotion} ({mood.confidence:.0%})" if mood and mood.emotion else "idle" if mood else "no mood yet"
        track = self.current_track
        playing = f"playing {track.title}" if track else "nothing playing"
        camera = self.view.camera.get("state", "")
        frames = f"{fps:.1f} fps" if fps is not None and camera == "open" else f"camera {camera}"
        return f"{seen}, {playing}, {frames}"

    async def _purge_periodically(self) -> None:
        while True:
            await self.store.purge(self.settings.storage.retention_days)
            with contextlib.suppress(sqlite3.Error):  # logged by the store's own writes when the disk is full
                await self.accounts.purge_sessions()
            await asyncio.sleep(PURGE_EVERY_SECONDS)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _log_event(event: Event) -> None:
        line = describe(event)
        if line:
            warn = event["type"] in WARNING_EVENTS or event.get("state") in WARNING_CAMERA_STATES | {"failing"}
            warn = warn or (event.get("state") == "none" and bool(event.get("detail")))
            log.log(logging.WARNING if warn else logging.INFO, "%s", line)
