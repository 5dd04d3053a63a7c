"""Remote playlists: YouTube playlists, videos and searches, and any URL yt-dlp or mpv can play.

A playlist in ``player.mapping`` is remote when it is an ``http(s)://`` URL or a yt-dlp search
(``ytsearch15:happy hindi songs``). yt-dlp (the pip package, run as its own program so a hang
can be cut off) lists its entries, with title, channel, thumbnail and duration; mpv then plays
each entry through its ytdl hook, pointed at the same yt-dlp. A listing or a track that fails
marks the source unhealthy: the cause is logged once, the DJ plays the local music meanwhile,
and the listing is retried with growing pauses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from device.core.config import PlayerSettings
from device.core.labels import TrackSource, Trouble
from device.player.library import Track
from device.player.music_source import MusicSource, SourceContext, SourceHealth

log = logging.getLogger("moodkiosk.sources")
SEARCH = re.compile(r"ytsearch(\d*):(.+)", re.IGNORECASE)
LIST_TIMEOUT_SECONDS = 60.0
MAX_ENTRIES = 50
FORGET_SECONDS = 24 * 3600  # a remote source nobody asked for in a day is forgotten (searches pile up otherwise)
YTDLP_AT_ONCE = 2  # yt-dlp programs running at once, whoever started them (each takes ~50 MB)
YTDLP_WAITING = 6  # callers waiting for a turn; one more that would wait is told the kiosk is busy
SEARCH_WORDS = {
    "happy": "happy upbeat",
    "sad": "sad",
    "angry": "intense",
    "fear": "calm soothing",
    "disgust": "chill",
    "surprise": "energetic party",
    "neutral": "relaxing",
    "idle": "ambient",
}


def search_for(playlist: str, language: str, results: int) -> str:
    """The default YouTube search for a mood's playlist in a language (``any``: no language word)."""
    words = SEARCH_WORDS.get(playlist, playlist)
    language_word = "" if language == "any" else f" {language}"
    return f"ytsearch{results}:{words}{language_word} songs"


def artist_search(artist: str, playlist: str, language: str, results: int) -> str:
    """A favourite artist's YouTube search for a mood's playlist: ``ytsearchN:<artist> <mood words>[ <language>] songs``."""
    return search_for(playlist, language, results).replace(":", f":{artist} ", 1)


def default_ytdl_path() -> str:
    """The yt-dlp installed with moodkiosk (beside this Python), else the first on PATH."""
    beside = Path(sys.executable).parent / "yt-dlp"
    return str(beside) if beside.exists() else shutil.which("yt-dlp") or "yt-dlp"


NETWORK_WORDS = ("unable to download", "connection refused", "name or service not known", "timed out",
                 "temporary failure in name resolution", "network is unreachable", "failed to resolve", "proxy")  # fmt: skip
GONE_WORDS = ("video unavailable", "private video", "has been removed", "not available")


def ytdl_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    error = next((line for line in reversed(lines) if line.startswith("ERROR")), lines[-1] if lines else "no output")
    return error.removeprefix("ERROR:").strip()


def ytdl_trouble(stderr: str) -> Trouble:
    """What kind of failure yt-dlp's complaint is (the page says it in a word)."""
    lowered = ytdl_error_line(stderr).lower()
    if "sign in to confirm" in lowered or "not a bot" in lowered:
        return Trouble.BOT_CHECK
    if any(word in lowered for word in NETWORK_WORDS):
        return Trouble.NO_NETWORK
    if any(word in lowered for word in GONE_WORDS):
        return Trouble.GONE
    return Trouble.OTHER


def explain_ytdl_error(stderr: str) -> str:
    """yt-dlp's complaint in a line, with what to do for the usual causes (for the log and the admins)."""
    error = ytdl_error_line(stderr)
    trouble = ytdl_trouble(stderr)
    if trouble is Trouble.BOT_CHECK:
        return f"YouTube asks to confirm this is not a bot ({error}): update yt-dlp (scripts/setup.sh does) and try later"
    if trouble is Trouble.NO_NETWORK:
        return f"no network or the server does not answer ({error})"
    if trouble is Trouble.GONE:
        return f"the video or playlist is gone ({error})"
    return error


async def run_program(command: list[str], timeout: float) -> tuple[int | None, bytes, bytes]:
    """Run a program (yt-dlp): its exit code (None: it took longer than ``timeout``), output and errors.

    The program is killed when it takes too long, and when the caller is cancelled (the daemon stops).
    Raises OSError when it cannot be started.
    """
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except (TimeoutError, asyncio.CancelledError) as interrupted:
        process.kill()
        await asyncio.shield(process.wait())
        if isinstance(interrupted, asyncio.CancelledError):
            raise
        return None, b"", b""
    return process.returncode, stdout, stderr


class YtdlpBusyError(Exception):
    """Every yt-dlp turn is taken (and enough callers already wait): try again in a moment."""


class Ytdlp:
    """The one door for every yt-dlp the daemon starts (remote listings, the page's searches, the matches of
    imported rows, offline downloads of favourites): at most ``at_once`` run at a time and at most ``waiting``
    callers wait for a turn, so the memory they take is bounded (~50 MB each) whoever asks. A caller that must
    not wait (a person on the page) or would wait in too long a line gets YtdlpBusyError at once. Lives on the
    event loop."""

    def __init__(self, path: str, at_once: int = YTDLP_AT_ONCE, waiting: int = YTDLP_WAITING) -> None:
        self.path, self.at_once, self.waiting = path, at_once, waiting
        self.running = 0
        self._queued = 0
        self._slots: asyncio.Semaphore | None = None  # made on the loop, at the first run

    async def run(self, args: list[str], timeout: float, wait: bool = True) -> tuple[int | None, bytes, bytes]:
        """``yt-dlp ARGS``: its exit code (None: cut off after ``timeout``), output and errors (see run_program).

        ValueError for an argument with a NUL (no program argument can hold one): nothing is started."""
        if any("\x00" in arg for arg in args):
            raise ValueError("a search or address with a NUL character cannot be looked up")
        self._slots = self._slots or asyncio.Semaphore(self.at_once)
        if self._slots.locked() and (not wait or self._queued >= self.waiting):
            raise YtdlpBusyError(f"the kiosk is already running {self.at_once} YouTube look-ups; try again in a moment")
        self._queued += 1
        try:
            await self._slots.acquire()
        finally:
            self._queued -= 1
        self.running += 1
        try:
            return await run_program([self.path, *args], timeout)
        finally:
            self.running -= 1
            self._slots.release()


def tracks_from_listing(playlist: str, info: dict[str, Any]) -> list[Track]:
    """Tracks from ``yt-dlp -J --flat-playlist`` output: a playlist's entries, or the single item."""
    entries = info.get("entries") if info.get("_type") == "playlist" else [info]
    tracks = []
    for entry in entries or []:
        if not isinstance(entry, dict):
            continue
        uri = entry.get("url") or entry.get("webpage_url") or entry.get("original_url")
        if entry.get("ie_key") == "Youtube" and entry.get("id"):
            uri = f"https://www.youtube.com/watch?v={entry['id']}"
        if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
            continue
        youtube = "youtube" in str(entry.get("ie_key") or entry.get("extractor") or "").lower() or "youtube.com/" in uri
        thumbnails = [t for t in entry.get("thumbnails") or [] if isinstance(t, dict)]
        thumbnail = entry.get("thumbnail") or (thumbnails[-1].get("url") if thumbnails else None)
        duration = entry.get("duration")
        tracks.append(
            Track(
                uri=uri,
                title=str(entry.get("title") or uri),
                playlist=playlist,
                source=TrackSource.YOUTUBE if youtube else TrackSource.REMOTE,
                thumbnail=thumbnail if isinstance(thumbnail, str) and thumbnail.startswith(("http://", "https://")) else None,
                artist=entry.get("channel") or entry.get("uploader"),
                duration=float(duration) if isinstance(duration, int | float) else None,
            )
        )
    return tracks[:MAX_ENTRIES]


class RemoteSources(MusicSource):
    """YouTube playlists, videos and searches, and any address yt-dlp or mpv can play: their listings, their
    health, and paced retries. Lives on the event loop."""

    def __init__(
        self,
        ytdlp: Ytdlp | str,
        on_change: Callable[[str, SourceHealth], None],
        refresh_seconds: float = 6 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ytdlp = Ytdlp(ytdlp) if isinstance(ytdlp, str) else ytdlp
        self._on_change = on_change
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._tracks: dict[str, list[Track]] = {}
        self.health: dict[str, SourceHealth] = {}
        self._listing: dict[str, asyncio.Task] = {}
        self._asked: dict[str, float] = {}  # when each source was last asked for (a listing or its tracks)

    @classmethod
    def owns(cls, playlist: str) -> bool:
        return playlist.startswith(("http://", "https://")) or SEARCH.fullmatch(playlist) is not None

    @classmethod
    def label(cls, playlist: str) -> str:
        search = SEARCH.fullmatch(playlist)
        if search:
            return f"YouTube search '{search.group(2).strip()}'"
        url = urlparse(playlist)
        return url.netloc + (url.path if len(url.path) <= 30 else url.path[:29] + "...")

    @classmethod
    def from_context(cls, context: SourceContext) -> RemoteSources:
        return cls(context.ytdlp, context.on_change, context.settings.remote_refresh_hours * 3600)

    def configure(self, settings: PlayerSettings) -> None:
        self.refresh_seconds = settings.remote_refresh_hours * 3600

    def states(self) -> dict[str, SourceHealth]:
        return dict(self.health)

    def want(self, playlist: str) -> None:
        if playlist not in self.health:
            self.request(playlist)

    @property
    def ytdl_path(self) -> str:
        return self.ytdlp.path

    def tracks(self, playlist: str) -> list[Track]:
        """The listed tracks while the source is healthy ([] before its first listing: reading never starts one)."""
        health = self.health.get(playlist)
        if health is not None:
            self._asked[playlist] = self._clock()
        return list(self._tracks.get(playlist, [])) if health is not None and health.state == "ok" else []

    def problem(self, playlist: str) -> str | None:
        health = self.health.get(playlist)
        if health is None or health.state == "listing":
            return "not listed yet"
        return health.error if health.state == "failing" else None

    def request(self, playlist: str) -> None:
        """List ``playlist`` in the background unless that is under way."""
        self._asked[playlist] = self._clock()
        if playlist in self._listing:
            return
        self.health.setdefault(playlist, SourceHealth())
        task = asyncio.get_running_loop().create_task(self.list(playlist))
        self._listing[playlist] = task
        task.add_done_callback(lambda _: self._listing.pop(playlist, None))

    def due(self) -> list[str]:
        """Sources whose retry time has come, or whose listing is old; a source nobody asked for in
        FORGET_SECONDS is forgotten first (not listed or retried again until it is asked for)."""
        now = self._clock()
        for playlist in [p for p, at in self._asked.items() if now - at >= FORGET_SECONDS and p not in self._listing]:
            del self._asked[playlist]
            self.health.pop(playlist, None)
            self._tracks.pop(playlist, None)
        return [
            playlist
            for playlist, health in self.health.items()
            if playlist not in self._listing
            and (
                (health.state == "failing" and now >= health.retry_at)
                or (health.state == "ok" and now - health.checked_at >= self.refresh_seconds)
            )
        ]

    async def list(self, playlist: str) -> None:
        """Run ``yt-dlp -J --flat-playlist`` (cut off after a minute) and record the result."""
        args = ["-J", "--flat-playlist", "--no-warnings", "--socket-timeout", "15", "--playlist-end", str(MAX_ENTRIES),
                "--", playlist]  # fmt: skip
        try:
            returncode, stdout, stderr = await self.ytdlp.run(args, LIST_TIMEOUT_SECONDS)
        except YtdlpBusyError as error:
            self.failed(playlist, str(error), Trouble.BUSY)
            return
        except ValueError as error:
            self.failed(playlist, str(error))
            return
        except OSError as error:
            why = f"yt-dlp cannot run ({error}): run scripts/setup.sh, or set player.ytdl_path"
            self.failed(playlist, why, Trouble.NO_PROGRAM)
            return
        if returncode is None:
            why = f"yt-dlp did not answer within {LIST_TIMEOUT_SECONDS:.0f} s (slow or no network)"
            self.failed(playlist, why, Trouble.NO_NETWORK)
            return
        if returncode != 0:
            text = stderr.decode(errors="replace")
            self.failed(playlist, explain_ytdl_error(text), ytdl_trouble(text))
            return
        try:
            tracks = tracks_from_listing(playlist, json.loads(stdout))
        except ValueError:
            self.failed(playlist, "yt-dlp gave no readable listing")
            return
        if not tracks:
            self.failed(playlist, "the listing has no playable entries", Trouble.EMPTY)
            return
        self._tracks[playlist] = tracks
        self._set(playlist, SourceHealth("ok", checked_at=self._clock(), tracks=len(tracks)))

    def failed(self, playlist: str, why: str, trouble: Trouble = Trouble.OTHER) -> None:
        """The listing or one of its tracks failed: unhealthy, tried again after 30 s, 1 min, ... up to 15 min."""
        before = self.health.get(playlist) or SourceHealth()
        failures = before.failures + 1
        now = self._clock()
        retry = now + min(900.0, 30.0 * 2 ** (failures - 1))
        tracks = len(self._tracks.get(playlist, []))
        self._set(playlist, SourceHealth("failing", why, failures, now, retry, tracks, trouble))

    def _set(self, playlist: str, health: SourceHealth) -> None:
        before = self.health.get(playlist)
        self.health[playlist] = health
        if before is None or before.state != health.state:  # said once per change, not at every retry
            self._on_change(playlist, health)
