"""Imported playlists in SQLite: what ``moodkiosk playlist import`` stored, as the library's playlists.

An imported playlist is a playlist like a folder: by its name in ``player.mapping``, or by a mood's
name (``--name happy``) beside that mood's folder. The daemon reads them again every minute.
"""

from __future__ import annotations

import re
import time

from device.player.imports import Row
from device.player.library import Track
from device.store import Store

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}")


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
                Track(uri, row.title, str(name), "remote", row.language or None, None, row.artist or None)
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
