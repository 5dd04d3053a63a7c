"""Searching YouTube with yt-dlp: the page's search, and the match of an imported row that has no link
(``ytsearch1:"title" artist``), searched once, kept in the database beside the row, and searched again
when it stops playing.

Until a row has its match it plays ``ytdl://ytsearch1:...`` (mpv's yt-dlp hook searches each time).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from device.core.labels import Trouble
from device.player.imported import ImportedPlaylists
from device.player.library import Track
from device.player.sources import Ytdlp, YtdlpBusyError, explain_ytdl_error, tracks_from_listing, ytdl_trouble

log = logging.getLogger("moodkiosk.player")
SEARCH_TIMEOUT_SECONDS = 60.0
PER_ROUND = 10  # searches per round (a round a minute): a 5,000-row list is matched within hours, gently
RETRY_SECONDS = 6 * 3600  # a row whose search found nothing is tried again after this


class SearchError(Exception):
    """YouTube could not be searched (no network, yt-dlp missing or failing); the message says why, ``trouble``
    in a word (core.labels.Trouble)."""

    def __init__(self, message: str, trouble: Trouble = Trouble.OTHER) -> None:
        super().__init__(message)
        self.trouble = trouble


async def search_youtube(
    ytdlp: Ytdlp, query: str, count: int = 1, timeout: float = SEARCH_TIMEOUT_SECONDS, wait: bool = True
) -> list[Track]:
    """YouTube's first ``count`` results for ``query`` (yt-dlp ``ytsearchN:``), as tracks of the playlist
    "ytsearchN:<query>"; SearchError when yt-dlp cannot answer; YtdlpBusyError when it must not wait for a turn
    (``wait`` False) and none is free."""
    playlist = f"ytsearch{count}:{query}"
    try:
        returncode, stdout, stderr = await ytdlp.run(["-J", "--flat-playlist", "--no-warnings", "--socket-timeout", "15",
                                                      "--", playlist], timeout, wait)  # fmt: skip
    except ValueError as error:  # a NUL in the query
        raise SearchError(str(error)) from error
    except OSError as error:
        why = f"yt-dlp cannot run ({error}): run scripts/setup.sh, or set player.ytdl_path"
        raise SearchError(why, Trouble.NO_PROGRAM) from error
    if returncode is None:
        raise SearchError(f"YouTube did not answer within {timeout:.0f} s (slow or no network)", Trouble.NO_NETWORK)
    if returncode != 0:
        text = stderr.decode(errors="replace")
        raise SearchError(explain_ytdl_error(text), ytdl_trouble(text))
    try:
        return tracks_from_listing(playlist, json.loads(stdout))
    except ValueError as error:
        raise SearchError("yt-dlp gave no readable answer") from error


async def find_match(ytdlp: Ytdlp, query: str) -> str | None:
    """The first YouTube result's address for ``query`` (None: none, or yt-dlp failed or was busy)."""
    try:
        tracks = await search_youtube(ytdlp, query)
    except (SearchError, YtdlpBusyError) as error:
        log.debug("no YouTube match for %s: %s", query, error)
        return None
    return tracks[0].uri if tracks else None


class YoutubeMatches:
    def __init__(self, imported: ImportedPlaylists, ytdlp: Callable[[], Ytdlp], clock: Callable[[], float] = time.monotonic):
        self.imported, self._ytdlp, self._clock = imported, ytdlp, clock
        self._missed: dict[int, float] = {}  # row id -> when its search found nothing

    async def find_some(self, limit: int = PER_ROUND) -> int:
        """Search the next rows without a match; returns how many were found (the library then rereads)."""
        now = self._clock()
        waiting = [(row_id, query) for row_id, query in await self.imported.unmatched(limit * 5)
                   if now - self._missed.get(row_id, -RETRY_SECONDS) >= RETRY_SECONDS][:limit]  # fmt: skip
        found = 0
        for row_id, query in waiting:
            url = await find_match(self._ytdlp(), query)
            if url is None:
                self._missed[row_id] = self._clock()
                continue
            await self.imported.set_match(row_id, url)
            found += 1
        if found:
            log.info("found the YouTube match of %d imported row(s)", found)
        return found

    async def stopped_playing(self, uri: str) -> bool:
        """A matched video would not play (removed, private): forget it, so the row is searched again."""
        forgotten = await self.imported.forget_match(uri)
        if forgotten:
            log.info("the YouTube match %s no longer plays: searching again", uri)
        return forgotten
