"""Favorites kept for offline play: liked remote tracks are downloaded (audio only) in the background.

Files live in ``<state_dir>/cache/<hash>.<ext>``. One download at a time, never in the way of
playback; an interrupted one continues where it stopped (yt-dlp keeps ``.part`` files), also
after a restart. Files nobody likes any more are deleted; the folder stays under its size cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from pathlib import Path

from device.player.sources import Ytdlp, YtdlpBusyError, explain_ytdl_error

log = logging.getLogger("moodkiosk.cache")
DOWNLOAD_TIMEOUT_SECONDS = 20 * 60
RETRY_SECONDS = 15 * 60
PARTIAL_SUFFIXES = {".part", ".ytdl", ".tmp", ".temp"}


def cache_key(uri: str) -> str:
    return hashlib.sha256(uri.encode()).hexdigest()[:24]


class OfflineCache:
    def __init__(self, folder: Path, ytdlp: Ytdlp, ytdl_format: str, max_bytes: int, track_max_bytes: int) -> None:
        self.folder = folder
        self.ytdlp, self.ytdl_format = ytdlp, ytdl_format  # downloads take their turn with every other yt-dlp
        self.max_bytes, self.track_max_bytes = max_bytes, track_max_bytes
        self._wanted: set[str] = set()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self._failed_at: dict[str, float] = {}
        self._worker: asyncio.Task | None = None

    def path_for(self, uri: str) -> Path | None:
        """The finished download of ``uri``, if there is one."""
        if not self.folder.is_dir():
            return None
        for path in self.folder.glob(cache_key(uri) + ".*"):
            if not any(suffix in PARTIAL_SUFFIXES for suffix in path.suffixes):
                return path
        return None

    def want(self, uris: set[str]) -> None:
        """Keep exactly these remote tracks: queue the missing ones, delete the rest."""
        self._wanted = set(uris)
        keys = {cache_key(uri) for uri in uris}
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path.name.split(".")[0] not in keys:
                    with contextlib.suppress(OSError):
                        path.unlink()
                        log.info("removed %s from the offline cache (no longer a favorite)", path.name)
        now = time.monotonic()
        for uri in sorted(uris):
            recently_failed = now - self._failed_at.get(uri, -RETRY_SECONDS) < RETRY_SECONDS
            if uri not in self._queued and self.path_for(uri) is None and not recently_failed:
                self._queued.add(uri)
                self._queue.put_nowait(uri)
        if self._worker is None and self.max_bytes > 0:
            self._worker = asyncio.get_running_loop().create_task(self._work())

    def used_bytes(self) -> int:
        if not self.folder.is_dir():
            return 0
        return sum(path.stat().st_size for path in self.folder.iterdir() if path.is_file())

    async def close(self) -> None:
        if self._worker:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _work(self) -> None:
        while True:
            uri = await self._queue.get()
            self._queued.discard(uri)
            if uri not in self._wanted or self.path_for(uri) is not None:
                continue
            if self.used_bytes() >= self.max_bytes:
                log.warning("offline cache is full (player.cache_max_mb); %s is not kept offline", uri)
                self._failed_at[uri] = time.monotonic()
                continue
            error = await self._download(uri)
            if error:
                self._failed_at[uri] = time.monotonic()
                log.warning("cannot keep %s for offline play: %s (tried again later)", uri, error)
            else:
                log.info("kept for offline play: %s", uri)

    async def _download(self, uri: str) -> str | None:
        """Download one track with yt-dlp; None when it worked, else why not."""
        self.folder.mkdir(parents=True, exist_ok=True)
        args = [
            "-f", self.ytdl_format, "--no-playlist", "--no-progress", "--quiet", "--no-warnings",
            "--socket-timeout", "15", "--max-filesize", str(self.track_max_bytes), "--match-filter", "!is_live",
            "-o", str(self.folder / f"{cache_key(uri)}.%(ext)s"), "--", uri,
        ]  # fmt: skip
        try:
            returncode, _, stderr = await self.ytdlp.run(args, DOWNLOAD_TIMEOUT_SECONDS)
        except (YtdlpBusyError, ValueError) as error:  # too many waiting for yt-dlp; a NUL in the address
            return str(error)
        except OSError as error:
            return f"yt-dlp cannot run ({error})"
        if returncode is None:
            return "the download took too long"
        if returncode != 0:
            return explain_ytdl_error(stderr.decode(errors="replace"))
        if self.path_for(uri) is None:
            return "not downloaded (larger than player.cache_track_max_mb, or a live stream)"
        return None
