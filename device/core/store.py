"""The kiosk's SQLite database: derived facts only (no frames), versioned schema, retention."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite

from device.core.config import Settings
from device.core.errors import MoodkioskError

log = logging.getLogger("moodkiosk.store")

# Each entry upgrades the schema by one version; PRAGMA user_version records where a file is.
MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE moods (id INTEGER PRIMARY KEY, at REAL NOT NULL, emotion TEXT, confidence REAL NOT NULL,"
        " faces INTEGER NOT NULL)",
        "CREATE INDEX moods_at ON moods (at)",
    ],
    [
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
        " password_hash TEXT NOT NULL, is_admin INTEGER NOT NULL DEFAULT 0,"
        " language TEXT NOT NULL DEFAULT 'any', created REAL NOT NULL)",
    ],
    [
        "CREATE TABLE favorites (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
        " uri TEXT NOT NULL, title TEXT NOT NULL, playlist TEXT NOT NULL, source TEXT NOT NULL, thumbnail TEXT,"
        " added REAL NOT NULL, UNIQUE (user_id, uri))",
    ],
    [
        "CREATE TABLE plays (id INTEGER PRIMARY KEY, at REAL NOT NULL, uri TEXT NOT NULL, title TEXT NOT NULL,"
        " playlist TEXT NOT NULL, source TEXT NOT NULL, emotion TEXT)",
        "CREATE INDEX plays_at ON plays (at)",
    ],
    [
        "CREATE TABLE page_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, changed REAL NOT NULL, changed_by TEXT)",
    ],
    [
        # The web page's sign-ins: the cookie holds a random token, this table its SHA-256.
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
        " created REAL NOT NULL)",
        "CREATE INDEX sessions_user ON sessions (user_id)",
    ],
    [
        # What the music tagger heard in a local file, valid while its size and mtime stay the same.
        "CREATE TABLE sound_moods (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,"
        " mood TEXT, valence REAL, arousal REAL, scores TEXT, tags TEXT, seconds REAL, error TEXT,"
        " tagged REAL NOT NULL)",
    ],
    [
        # "Was I right?": the mood the kiosk showed and the one a member said it should have been.
        "CREATE TABLE corrections (id INTEGER PRIMARY KEY, at REAL NOT NULL, predicted TEXT NOT NULL, corrected TEXT NOT NULL)",
    ],
    [
        # Likes (+1) and quick skips (-1) of a track while the kiosk played it for a mood.
        "CREATE TABLE track_votes (id INTEGER PRIMARY KEY, at REAL NOT NULL, uri TEXT NOT NULL, emotion TEXT NOT NULL,"
        " vote INTEGER NOT NULL)",
    ],
    [
        # Favourite artists: a member's (user_id) or the household's (user_id NULL).
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,"
        " name TEXT NOT NULL, added REAL NOT NULL)",
    ],
    [
        # Playlists brought as lists (moodkiosk playlist import): the rows, in order.
        "CREATE TABLE imported_playlists (name TEXT PRIMARY KEY, source TEXT NOT NULL, imported REAL NOT NULL)",
        "CREATE TABLE imported_rows (id INTEGER PRIMARY KEY, playlist TEXT NOT NULL REFERENCES imported_playlists (name)"
        " ON DELETE CASCADE, position INTEGER NOT NULL, title TEXT NOT NULL, artist TEXT NOT NULL, url TEXT NOT NULL,"
        " language TEXT NOT NULL, mood TEXT NOT NULL)",
    ],
    [
        # What the player should come back with after a restart (the volume last set).
        "CREATE TABLE player_memory (key TEXT PRIMARY KEY, value TEXT NOT NULL, changed REAL NOT NULL)",
    ],
    [
        # The YouTube match found for an imported row without a link (searched once, again when it stops playing).
        "ALTER TABLE imported_rows ADD COLUMN found TEXT NOT NULL DEFAULT ''",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)
DATABASE_NAME = "moodkiosk.db"


def database_path(settings: Settings) -> Path:
    """The kiosk's database: ``<storage.state_dir>/moodkiosk.db`` (the one place that says so)."""
    return settings.storage.state_dir / DATABASE_NAME


class StoreError(MoodkioskError):
    """The database cannot be opened (permissions, a full disk, a file from a newer version)."""


class Store:
    """``<state_dir>/moodkiosk.db`` in WAL mode. Write failures are logged once and survived.

    One connection serves every coroutine, so writes take turns (``_writing``): otherwise one caller's
    commit would land another's half-done transaction, and a write that fails on a full disk (SQLite
    then rolls the whole transaction back) would undo another caller's row after it was told "saved".
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._write_failing = False
        self._writing = asyncio.Lock()

    async def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = await aiosqlite.connect(self.path)
            await self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on the disk before the page is told "saved" (kiosks get unplugged); the
            # kiosk writes a row per mood change or track, so the extra fsync costs nothing that matters.
            await self._db.execute("PRAGMA synchronous=FULL")
            await self._db.execute("PRAGMA foreign_keys=ON")
            await self._migrate()
        except (OSError, sqlite3.Error) as error:
            await self.close()
            raise StoreError(
                f"cannot open the database {self.path}: {error}",
                "check that storage.state_dir (--state-dir) exists and is writable by this user, and that the disk is not full",
            ) from error

    async def _migrate(self) -> None:
        assert self._db is not None
        async with self._db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"{self.path} was written by a newer moodkiosk (schema {version} > {SCHEMA_VERSION})")
        for number in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[number]:
                await self._db.execute(statement)
            await self._db.execute(f"PRAGMA user_version = {number + 1}")
            await self._db.commit()
            log.info("database %s upgraded to schema %d", self.path, number + 1)

    async def add_mood(self, emotion: str | None, confidence: float, faces: int, at: float | None = None) -> None:
        await self._write(
            "INSERT INTO moods (at, emotion, confidence, faces) VALUES (?, ?, ?, ?)",
            (time.time() if at is None else at, emotion, confidence, faces),
        )

    async def add_mood_hour(self, emotion: str | None, at: float | None = None) -> None:
        """Public mode: only that this mood occurred in this hour (at the hour's start, no confidence or faces)."""
        hour = ((time.time() if at is None else at) // 3600) * 3600
        await self._write(
            "INSERT INTO moods (at, emotion, confidence, faces) SELECT ?, ?, 0, 0"
            " WHERE NOT EXISTS (SELECT 1 FROM moods WHERE at = ? AND emotion IS ?)",
            (hour, emotion, hour, emotion),
        )

    async def add_play(self, uri: str, title: str, playlist: str, source: str, emotion: str | None) -> None:
        await self._write(
            "INSERT INTO plays (at, uri, title, playlist, source, emotion) VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), uri, title, playlist, source, emotion),
        )

    async def remember(self, key: str, value: str) -> None:
        await self._write(
            "INSERT OR REPLACE INTO player_memory (key, value, changed) VALUES (?, ?, ?)", (key, value, time.time())
        )

    async def remembered(self, key: str) -> str | None:
        rows = await self.fetch("SELECT value FROM player_memory WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    async def plays(self, since: float = 0.0) -> list[tuple[float, str, str, str, str, str | None]]:
        query = "SELECT at, uri, title, playlist, source, emotion FROM plays WHERE at >= ? ORDER BY at"
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in await self.fetch(query, (since,))]

    async def last_play(self, uri: str) -> tuple[str, str, str] | None:
        """The title, playlist and source of the latest play of ``uri`` (None: not in the history)."""
        rows = await self.fetch("SELECT title, playlist, source FROM plays WHERE uri = ? ORDER BY at DESC LIMIT 1", (uri,))
        return (rows[0][0], rows[0][1], rows[0][2]) if rows else None

    async def purge(self, retention_days: float, now: float | None = None) -> None:
        cutoff = (time.time() if now is None else now) - retention_days * 86_400
        await self._write("DELETE FROM moods WHERE at < ?", (cutoff,))
        await self._write("DELETE FROM plays WHERE at < ?", (cutoff,))
        await self._write("DELETE FROM corrections WHERE at < ?", (cutoff,))
        await self._write("DELETE FROM track_votes WHERE at < ?", (cutoff,))

    async def moods(self, since: float = 0.0) -> list[tuple[float, str | None, float, int]]:
        query = "SELECT at, emotion, confidence, faces FROM moods WHERE at >= ? ORDER BY at"
        return [(r[0], r[1], r[2], r[3]) for r in await self.fetch(query, (since,))]

    async def page_settings(self) -> dict[str, str]:
        """Settings changed on the admin page: dotted key -> JSON text."""
        return {key: value for key, value in await self.fetch("SELECT key, value FROM page_settings ORDER BY key")}

    async def forget_page_settings(self, keys: list[str] | None = None) -> list[str]:
        """Remove page settings (``keys``, or all): the config file's values apply again. Returns those removed."""
        stored = sorted(await self.page_settings())
        removed = [key for key in stored if keys is None or key in keys]
        if removed:
            await self.save_page_settings(dict.fromkeys(removed), "moodkiosk config reset-page")
        return removed

    async def save_page_settings(self, values: dict[str, str | None], by: str) -> None:
        """Store (JSON text) or forget (None) page settings, all in one transaction. Errors propagate."""
        async with self.transaction() as db:
            for key, value in values.items():
                if value is None:
                    await db.execute("DELETE FROM page_settings WHERE key = ?", (key,))
                else:
                    await db.execute(
                        "INSERT OR REPLACE INTO page_settings (key, value, changed, changed_by) VALUES (?, ?, ?, ?)",
                        (key, value, time.time(), by),
                    )

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several statements that land together or not at all; other writers wait until it ends."""
        assert self._db is not None
        async with self._writing:
            try:
                yield self._db
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise

    async def fetch(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        assert self._db is not None
        async with self._db.execute(sql, parameters) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def execute(self, sql: str, parameters: tuple = ()) -> int:
        """Run one statement and commit; returns the number of rows changed. Errors propagate."""
        async with self.transaction() as db:
            cursor = await db.execute(sql, parameters)
        return cursor.rowcount

    async def _write(self, sql: str, parameters: tuple) -> None:
        """``execute`` for the daemon's own records: a failure is logged once and survived."""
        if self._db is None:
            return
        try:
            await self.execute(sql, parameters)
        except sqlite3.Error as error:
            if not self._write_failing:
                log.error("cannot write to %s: %s (disk full or read-only?); the kiosk keeps running", self.path, error)
            self._write_failing = True
            return
        if self._write_failing:
            log.info("writing to %s works again", self.path)
            self._write_failing = False

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None
