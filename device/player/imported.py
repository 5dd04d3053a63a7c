"""Imported playlists in SQLite: what ``moodkiosk playlist import`` stored, as the library's playlists.

An imported playlist is a playlist like a folder: by its name in ``player.mapping``, or by a mood's
name (``--name happy``) beside that mood's folder. The daemon reads them again every minute.
"""

from __future__ import annotations

import asyncio
import re
import time

from device.core.config import SpotifySettings
from device.core.labels import EMOTIONS, TrackSource
from device.core.store import Store
from device.player.imports import ListError, Parsed, Row, parse_bytes
from device.player.library import Track
from device.player.spotify import is_spotify_link, playlist_id, read_playlist

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}")
LANGUAGE = re.compile(r"[a-z][a-z-]{0,31}")


class ImportFieldError(ListError):
    """A bad name, mood, language or link for an import; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def checked_names(name: object, mood: object, language: object) -> tuple[str, str, str]:
    """The playlist's name, and the mood and language of rows that do not say (ImportFieldError for bad ones)."""
    name = name.strip() if isinstance(name, str) else ""
    language = language.strip().lower() if isinstance(language, str) else ""
    if not NAME.fullmatch(name):
        raise ImportFieldError("'name': 1 to 64 letters, digits, spaces, '.', '_' or '-'", "name")
    if mood and mood not in EMOTIONS:
        raise ImportFieldError(f"'mood' must be one of {', '.join(EMOTIONS)}", "mood")
    if language and not LANGUAGE.fullmatch(language):
        raise ImportFieldError("'language' must be a language name such as hindi", "language")
    return name, str(mood or ""), language


class ImportedPlaylists:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def save(self, name: str, rows: list[Row], source: str, mood: str = "", language: str = "") -> None:
        """Store (or replace) a playlist; ``mood`` and ``language`` fill the rows that do not say."""
        async with self.store.transaction() as db:
            await db.execute("DELETE FROM imported_playlists WHERE name = ?", (name,))
            await db.execute(
                "INSERT INTO imported_playlists (name, source, imported) VALUES (?, ?, ?)", (name, source, time.time())
            )
            await db.executemany(
                "INSERT INTO imported_rows (playlist, position, title, artist, url, language, mood) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(name, i, r.title, r.artist, r.url, r.language or language, r.mood or mood) for i, r in enumerate(rows)],
            )

    async def import_list(self, name: str, data: bytes, source: str, mood: str = "", language: str = "") -> Parsed:
        """Check the names, parse a list file's ``data`` (CSV, M3U, PLS, XSPF: by ``source``'s suffix) in a worker
        thread, and store the rows it has: the page's upload and ``moodkiosk playlist import`` alike.
        ListError when the file as a whole cannot be used."""
        name, mood, language = checked_names(name, mood, language)
        parsed = await asyncio.to_thread(parse_bytes, data, source)  # a big list never stalls the event loop
        if parsed.rows:
            await self.save(name, parsed.rows, source, mood, language)
        return parsed

    async def import_spotify(self, name: str, link: str, spotify: SpotifySettings, mood: str = "", language: str = "") -> int:
        """A Spotify playlist's tracks by name (each plays its YouTube match): how many were stored.
        SpotifyError says what Spotify refused."""
        name, mood, language = checked_names(name, mood, language)
        if not is_spotify_link(link) or playlist_id(link) is None:
            raise ImportFieldError("'link' must be a Spotify playlist link (https://open.spotify.com/playlist/...)", "link")
        rows = await asyncio.to_thread(read_playlist, link, spotify)
        if not rows:
            raise ImportFieldError("the Spotify playlist has no tracks", "link")
        await self.save(name, rows, link, mood, language)
        return len(rows)

    async def names(self) -> list[tuple[str, int, str]]:
        """(name, rows, source) of every imported playlist."""
        return [
            (str(name), int(count), str(source))
            for name, count, source in await self.store.fetch(
                "SELECT p.name, COUNT(r.id), p.source FROM imported_playlists p LEFT JOIN imported_rows r"
                " ON r.playlist = p.name GROUP BY p.name ORDER BY p.name"
            )
        ]

    async def rows(self, name: str) -> list[Row] | None:
        known = await self.store.fetch("SELECT 1 FROM imported_playlists WHERE name = ?", (name,))
        if not known:
            return None
        found = await self.store.fetch(
            "SELECT title, artist, url, language, mood FROM imported_rows WHERE playlist = ? ORDER BY position", (name,)
        )
        return [Row(*map(str, values)) for values in found]

    async def remove_row(self, name: str, position: int) -> bool:
        """Take one row (by its place, from 0) out of a playlist; the rows after it move up."""
        async with self.store.transaction() as db:
            cursor = await db.execute("SELECT id FROM imported_rows WHERE playlist = ? ORDER BY position", (name,))
            ids = [row_id for (row_id,) in await cursor.fetchall()]
            if not 0 <= position < len(ids):
                return False
            await db.execute("DELETE FROM imported_rows WHERE id = ?", (ids[position],))
            await db.executemany(
                "UPDATE imported_rows SET position = ? WHERE id = ?",
                [(i, row_id) for i, row_id in enumerate(ids[:position] + ids[position + 1 :])],
            )
        return True

    async def remove(self, name: str) -> bool:
        return await self.store.execute("DELETE FROM imported_playlists WHERE name = ?", (name,)) > 0

    async def tracks(self) -> dict[str, list[Track]]:
        """Every imported playlist as the library's tracks: a row plays its link, else its YouTube match once
        found (device.player.youtube_match), else a YouTube search each time."""
        playlists: dict[str, list[Track]] = {name: [] for name, _, _ in await self.names()}
        found = await self.store.fetch(
            "SELECT playlist, title, artist, url, language, mood, found FROM imported_rows ORDER BY playlist, position"
        )
        for name, title, artist, url, language, mood, match in found:
            row = Row(str(title), str(artist), str(url), str(language), str(mood))
            uri = row.url or str(match) or row.uri()
            playlists[str(name)].append(
                Track(uri, row.title, str(name), TrackSource.REMOTE, row.language or None, None, row.artist or None)
            )
        return playlists

    async def unmatched(self, limit: int) -> list[tuple[int, str]]:
        """(row id, search words) of rows without a link or a found match, in playlist order."""
        found = await self.store.fetch(
            "SELECT id, title, artist FROM imported_rows WHERE url = '' AND found = '' ORDER BY playlist, position LIMIT ?",
            (limit,),
        )
        return [(int(row_id), f'"{title}" {artist}'.strip()) for row_id, title, artist in found]

    async def set_match(self, row_id: int, url: str) -> None:
        await self.store.execute("UPDATE imported_rows SET found = ? WHERE id = ?", (url, row_id))

    async def forget_match(self, url: str) -> bool:
        return await self.store.execute("UPDATE imported_rows SET found = '' WHERE found = ?", (url,)) > 0
