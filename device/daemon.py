"""``moodkiosk run``: the long-running kiosk. Wires camera -> analyzer -> mood -> DJ -> mpv.

Everything the daemon decides goes through one EventBus: the log, ``--events FILE``, the
database and (later) the web page all see the same events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from aiohttp import web

from device.camera.spec import camera_from_spec
from device.config import Settings
from device.errors import MoodkioskError
from device.events import Event, EventBus, EventsFile, describe
from device.inference.analyzer import FrameAnalysis, FrameAnalyzer
from device.mood import Mood, MoodTracker
from device.perception import CameraStatus, PerceptionWorker
from device.player.dj import DJ, FadeOut, Pick
from device.player.library import MusicLibrary, Track
from device.player.mpv_player import MpvPlayer, PlayerError, PlayerEvent
from device.state import KioskState
from device.store import Store
from web.accounts import Accounts
from web.app import create_app
from web.security import load_or_create_secret

log = logging.getLogger("moodkiosk")
PURGE_EVERY_SECONDS = 3600
NO_CAMERA = "no Pi camera or webcam found; pick one with --camera /dev/video0, usb:0, picamera2 or a video file"
WARNING_EVENTS = {"track-error"}
WARNING_CAMERA_STATES = {"offline", "stalled"}


class Kiosk:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bus = EventBus()
        self.tracker = MoodTracker(settings.mood)
        self.library = MusicLibrary(settings.music_dir)
        self.dj = DJ(settings.player, self.library)
        self.store = Store(settings.storage.state_dir / "moodkiosk.db")
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
        self._photo_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="moodkiosk-photo")
        self._photo_analyzer: FrameAnalyzer | None = None

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stop.set)
        self.bus.subscribe(self._log_event)
        events_file = EventsFile(self.settings.storage.events_file) if self.settings.storage.events_file else None
        if events_file:
            self.bus.subscribe(events_file)
        await self.store.open()
        try:
            self.player = self._start_player(loop)
            self._check_library()
            self.worker = self._start_perception(loop)
            await self._start_web()
            purge = loop.create_task(self._purge_periodically())
            await self._stop.wait()
            purge.cancel()
            await self._settle()
        finally:
            if self._web:
                await self._web.cleanup()
            if self.worker:
                self.worker.stop()
                self.worker.analyzer.close()
            if self.player:
                self.player.close()
            self._photo_thread.shutdown(wait=True)
            if self._photo_analyzer:
                self._photo_analyzer.close()
            await self.store.close()
            if events_file:
                events_file.close()
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
        return {**self.view.snapshot(), "player": playback}

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

    async def analyze_photo(self, rgb: np.ndarray) -> FrameAnalysis:
        """Analyse an uploaded photo with an analyzer of its own, in its own thread (never stored)."""
        if self._photo_analyzer is None:
            self._photo_analyzer = await asyncio.get_running_loop().run_in_executor(
                self._photo_thread, FrameAnalyzer, self.settings.inference
            )
        return await asyncio.get_running_loop().run_in_executor(self._photo_thread, self._photo_analyzer.analyze, rgb)

    def play_emotion(self, emotion: str, reason: str) -> None:
        """Play the playlist for ``emotion`` now (the web page's "play this mood")."""
        pick = self.dj.pick(emotion)
        if pick is not None:
            self._apply(self.dj.play_now([pick.track], reason), self.tracker.current)

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
        runner = web.AppRunner(create_app(self, Accounts(self.store), secret), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.host, settings.port).start()
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
            return MpvPlayer(loop, self._on_player_event, player.audio_output, player.video_output, player.volume)
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

    def _start_perception(self, loop: asyncio.AbstractEventLoop) -> PerceptionWorker | None:
        camera = self.settings.camera
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
        worker = PerceptionWorker(
            source,
            analyzer,
            loop,
            self._on_analysis,
            lambda status: self._camera_event(str(source), status),
            camera.analysis_fps,
            camera.stall_seconds,
            camera.max_retry_seconds,
        )
        worker.start()
        return worker

    def _camera_event(self, camera: str, status: CameraStatus) -> None:
        self.bus.publish("camera", camera=camera, state=status.state, detail=status.detail)
        if status.state == "ended" and self.settings.camera.exit_when_source_ends:
            self.stop()

    def _on_analysis(self, at: float, analysis: FrameAnalysis) -> None:
        mood = self.tracker.update(at, analysis.faces)
        if mood is not None:
            self._publish_mood(mood)
            action = self.dj.on_mood(at, mood, self.player is not None and self.player.playing)
            self._apply(action, mood)
            if action is None and self.dj.pending and self.player:
                playlist = self.dj.playlist_for(self.dj.pending)
                self.player.show_note(f"I see {mood.emotion} ({mood.confidence:.0%}) - {playlist} music after this track")
        else:
            self._apply(self.dj.on_update(at, self.tracker.current), self.tracker.current)

    def _publish_mood(self, mood: Mood) -> None:
        if mood.emotion is None:
            self.bus.publish("idle")
        else:
            self.bus.publish("mood", emotion=mood.emotion, confidence=round(mood.confidence, 3), faces=mood.faces)
        self._spawn(self.store.add_mood(mood.emotion, mood.confidence, mood.faces))

    def _apply(self, action: Pick | FadeOut | None, mood: Mood | None) -> None:
        if self.player is None or action is None:
            return
        if isinstance(action, FadeOut):
            self.bus.publish("note", text=f"fading out: {action.reason}")
            self._spawn(self.player.fade_out(self.settings.player.fade_seconds))
            return
        self._picks[action.track.uri] = action
        self.player.play(action.track)
        seen = f"I see {mood.emotion} ({mood.confidence:.0%})" if mood and mood.emotion else "Nobody here"
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
                title=event.track.title,
                uri=event.track.uri,
                source=event.track.source,
                reason=pick.reason if pick else "",
            )
            return
        if event.kind == "failed":
            self._failures += 1
            self.bus.publish("track-error", uri=event.track.uri, playlist=event.track.playlist, error=event.detail)
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

    async def _purge_periodically(self) -> None:
        while True:
            await self.store.purge(self.settings.storage.retention_days)
            await asyncio.sleep(PURGE_EVERY_SECONDS)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _log_event(event: Event) -> None:
        line = describe(event)
        if line:
            warn = event["type"] in WARNING_EVENTS or event.get("state") in WARNING_CAMERA_STATES
            warn = warn or (event.get("state") == "none" and bool(event.get("detail")))
            log.log(logging.WARNING if warn else logging.INFO, "%s", line)
