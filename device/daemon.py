"""``moodkiosk run``: the long-running kiosk. This module only wires the parts together and runs them.

Data flows one way: camera -> perception (device/kiosk/watcher.py) -> conductor (mood tracker -> DJ)
-> jukebox (mpv) -> events on one bus -> page state, recorder (SQLite), events file, log, page.
The web page calls down only: the conductor, the jukebox, the live settings, photos, accounts
and favorites. Background work runs as named chores that log and restart instead of dying.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sqlite3
from collections.abc import Callable

from aiohttp import web

from device.core.config import Settings
from device.core.events import Event, EventBus, EventsFile, MoodChanged, Note, TrackFailed, log_event
from device.core.labels import TrackSource
from device.core.run_lock import RunLock
from device.core.store import Store, database_path
from device.core.systemd_notify import SystemdNotifier
from device.household.accounts import Accounts
from device.household.artists import Artists
from device.household.corrections import Corrections
from device.household.favorites import Favorites
from device.household.track_votes import TrackVotes
from device.inference.analyzer import FrameAnalysis
from device.inference.photos import PhotoAnalysis
from device.kiosk.chores import Chores
from device.kiosk.conductor import Conductor
from device.kiosk.controls import Controls
from device.kiosk.health import Health
from device.kiosk.home_assistant import HomeAssistant, node_id
from device.kiosk.jukebox import Jukebox
from device.kiosk.live_settings import LiveSettings
from device.kiosk.metrics import Metrics
from device.kiosk.recorder import Recorder
from device.kiosk.speakers import Speakers
from device.kiosk.state import KioskState
from device.kiosk.watcher import Watcher
from device.player.imported import ImportedPlaylists
from device.player.listening_brief import ListeningBriefs
from device.player.sound_moods import SoundMoods
from device.player.tagging import SoundTagging
from device.player.youtube_match import YoutubeMatches

log = logging.getLogger("moodkiosk")
PURGE_EVERY_SECONDS = 3600
IMPORTED_EVERY_SECONDS = 60


class Kiosk:
    """Every part of the running kiosk; the web page gets this object (web.handling.KioskParts)."""

    def __init__(self, settings: Settings, locked: set[str] | None = None, reread: Callable[[], Settings] | None = None) -> None:
        """``locked``: dotted keys given as flags; ``reread``: reads the settings again for SIGHUP."""
        self.bus = EventBus()
        self.store = Store(database_path(settings))
        self.chores = Chores()
        self.live = LiveSettings(settings, self.store, self.bus, locked, reread)
        self.jukebox = Jukebox(settings.player, settings.music_dir, settings.storage.state_dir / "cache", self.bus)
        self.conductor = Conductor(settings.mood, settings.player, self.bus, self.jukebox)
        reads_faces = settings.privacy.mode != "no-emotion"
        self.watcher = Watcher(settings.camera, settings.inference, self.bus, self._on_analysis, self.stop, reads_faces)
        self.recorder = Recorder(self.store, self.chores, settings.privacy.mode == "public")
        self.photos = PhotoAnalysis(settings.inference)
        self.accounts = Accounts(self.store)
        self.favorites = Favorites(self.store, on_change=self.jukebox.favorites_changed)
        self.tagging = SoundTagging(self.jukebox.library, SoundMoods(self.store))
        self.corrections = Corrections(self.store, on_change=self.watcher.set_household_bias)
        self.votes = TrackVotes(self.store, on_change=self.conductor.use_votes)
        self.artists = Artists(self.store)
        self.imported = ImportedPlaylists(self.store)
        self.matches = YoutubeMatches(self.imported, lambda: self.jukebox.ytdlp)
        self.speakers = Speakers(settings, self.jukebox, self.bus)
        self.controls = Controls(self.conductor, self.jukebox, self.live, self.votes, self.store, self.corrections, self.speakers)
        self.home = (
            HomeAssistant(settings.mqtt, self.controls, lambda: self.state.snapshot(), node_id(socket.gethostname()))
            if settings.mqtt.host
            else None
        )
        self.state = KioskState(self.conductor, self.jukebox, self.watcher, self.live)
        self.metrics = Metrics(lambda: self.watcher.fps, self.jukebox.source_states)
        self.notifier = SystemdNotifier()
        self.health = Health(self.notifier, self.watcher, self.state.status_line)
        self.live.playlists = self.jukebox.library.names
        # Who applies which settings while the kiosk runs (device/kiosk/live_settings.py names the rest).
        self.live.apply_to(("mood",), lambda s: self.conductor.configure_mood(s.mood))
        self.live.apply_to(("player",), self._configure_player)
        self.live.apply_to(("camera", "inference"), lambda s: self.watcher.configure(s.camera, s.inference))
        self.live.apply_to(("inference",), lambda s: self.photos.configure(s.inference))
        self.live.apply_to(("privacy.mode",), self._configure_privacy)
        self.live.apply_to(("storage.retention_days",), self._purge_now)
        self.briefs = ListeningBriefs(settings.llm)
        self.live.apply_to(("llm",), lambda s: setattr(self.briefs, "settings", s.llm))
        self._stop: asyncio.Event | None = None
        self._web: web.AppRunner | None = None

    @property
    def settings(self) -> Settings:
        return self.live.settings

    async def _configure_privacy(self, settings: Settings) -> None:
        """privacy.mode changed on the page or in the config: the history's detail, and whether the camera opens."""
        self.recorder.hourly = settings.privacy.mode == "public"
        reads_faces = settings.privacy.mode != "no-emotion"
        await self.watcher.read_faces(reads_faces)
        if not reads_faces and not self.jukebox.playing:  # as at a start without moods: the calm music
            self.conductor.play_without_camera("neutral")

    def _on_analysis(self, at: float, analysis: FrameAnalysis) -> None:
        self.metrics.frame(analysis)
        self.conductor.on_analysis(at, analysis)

    def _ask_for_brief(self, event: Event) -> None:
        """A new mood, with a language model set: its listening brief, in the background."""
        if isinstance(event, MoodChanged) and self.briefs.enabled:
            self.chores.spawn(
                "asking for a listening brief", self.conductor.ask_for_brief(self.briefs, event.emotion, event.confidence)
            )

    def _purge_now(self, settings: Settings) -> None:
        self.chores.spawn("purging old records", self.store.purge(settings.storage.retention_days))

    async def _configure_player(self, settings: Settings) -> None:
        if self.jukebox.configure(settings.player):  # the language folders tag the tracks: scan again first
            await asyncio.to_thread(self.jukebox.scan)
        self.conductor.configure_player(settings.player)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stop.set)
        loop.add_signal_handler(signal.SIGHUP, lambda: self.chores.spawn("reloading the settings", self.live.reload()))
        from web.server import QuietResourceErrors

        loop.set_exception_handler(QuietResourceErrors())
        lock = RunLock(self.settings.storage.state_dir)
        lock.acquire()
        events_file = EventsFile(self.settings.storage.events_file) if self.settings.storage.events_file else None
        recorder = self.recorder
        for subscriber in (
            log_event,
            self.state,
            self.metrics,
            recorder,
            events_file,
            self.home,
            self._ask_for_brief,
            self._track_failed,
        ):
            if subscriber is not None:
                self.bus.subscribe(subscriber)
        await self.store.open()
        try:
            await self.live.load_page_settings()
            await self.corrections.load()
            await self.votes.load()
            self.conductor.household_artists_changed(await self.artists.of(None))
            await asyncio.to_thread(self.jukebox.scan, True)  # names only: the tags are read once the kiosk is up
            self.jukebox.library.use_imported(await self.imported.tracks())
            self.jukebox.start(loop, await recorder.last_volume(), await self.speakers.first_route())
            self.jukebox.check_library()
            await self.favorites.changed()  # remote favorites are kept for offline play
            await self.watcher.start()
            if not self.watcher.reads_faces:  # no moods will come: the household's calm music, until someone sets a mood
                self.conductor.play_without_camera("neutral")
            await self._start_web()
            self.notifier.ready(self.state.status_line(None))
            self.chores.run("purge", self._purge_periodically)
            self.chores.run("music", self.jukebox.tend)
            self.chores.run("imported playlists", self._follow_imported)
            self.chores.run("tagging", lambda: self.tagging.keep_up(lambda: self.jukebox.settings.tag_music))
            self.chores.run("health", self.health.keep_watch)
            if self.home:
                self.chores.run("home assistant", self.home.run)
            if self.speakers.enabled:
                self.chores.run("speakers", self.speakers.keep_up)
            await self._stop.wait()
            self.notifier.stopping()
            await self.jukebox.settle()
            await asyncio.sleep(0.2)
            await self.chores.stop()
        finally:
            if self._web:
                await self._web.cleanup()
            self.conductor.close()
            self.watcher.stop()
            self.speakers.close()  # first: mpv may wait in a write to snapserver's pipe, which this ends
            await self.jukebox.close()
            self.photos.close()
            await self.store.close()
            if events_file:
                events_file.close()
            lock.release()
        self.notifier.close()
        log.info("stopped")
        return 0

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def _start_web(self) -> None:
        settings = self.settings.web
        if not settings.enabled:
            return
        from web.app import create_app
        from web.security import load_or_create_secret
        from web.server import GuardedSite, reachable_urls, runner_for

        secret = load_or_create_secret(self.settings.storage.state_dir / "session.key")
        runner = runner_for(create_app(self, secret))
        await runner.setup()
        site = GuardedSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            why = f"cannot listen on {settings.host}:{settings.port} ({error.strerror})"
            self.bus.publish(Note(f"the web page is off: {why}; set web.port to a free port"))
            return
        self._web = runner
        log.info("web page on %s", ", ".join(reachable_urls(settings.host, site.port)))
        if not await self.accounts.all():
            log.warning("no account yet: create the first admin with `sudo moodkiosk user add NAME --admin` "
                        "(in a checkout: .venv/bin/moodkiosk user add NAME --admin), then sign in on the page")  # fmt: skip

    async def _follow_imported(self) -> None:
        """Playlists imported with the command line while the kiosk runs, and the YouTube matches of their rows
        without a link (a few a minute): read again every minute."""
        while True:
            await asyncio.sleep(IMPORTED_EVERY_SECONDS)
            await self.matches.find_some()
            self.jukebox.library.use_imported(await self.imported.tracks())

    def _track_failed(self, event: Event) -> None:
        """A found YouTube match that would not play is searched again."""
        if isinstance(event, TrackFailed) and event.source != TrackSource.LOCAL:
            self.chores.spawn("forgetting a YouTube match", self.matches.stopped_playing(event.uri))

    async def _purge_periodically(self) -> None:
        while True:
            await self.store.purge(self.settings.storage.retention_days)
            try:
                await self.corrections.load()  # old corrections and votes are forgotten with the other records
                await self.votes.load()
                await self.accounts.purge_sessions()
            except sqlite3.Error as error:  # a full disk: the store's own writes say so
                log.debug("cannot forget expired sessions: %s", error)
            await asyncio.sleep(PURGE_EVERY_SECONDS)
