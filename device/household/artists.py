"""Favourite artists: each member's list and the household's, in SQLite.

The music leans to them (:class:`device.player.dj.DJ`, ``player.artist_share``): a member's
artists while they have taken over the kiosk ("I'm here"), the household's otherwise.
"""

from __future__ import annotations

import time
import unicodedata

from device.core.errors import MoodkioskError
from device.core.store import Store
from device.household.accounts import User

MAX_ARTISTS = 50  # per list
MAX_NAME = 80


class ArtistError(MoodkioskError):
    """A name that cannot be an artist (``full`` False), or a full list (``full`` True)."""

    def __init__(self, message: str, full: bool = False) -> None:
        super().__init__(message)
        self.full = full


def clean_name(name: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", name).split())
    if not name or len(name) > MAX_NAME or any(unicodedata.category(c).startswith("C") for c in name):
        raise ArtistError(f"an artist's name has 1 to {MAX_NAME} printable characters")
    return name


class Artists:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def of(self, user: User | None) -> list[str]:
        """A member's artists (None: the household's), newest first."""
        rows = await self.store.fetch(
            "SELECT name FROM artists WHERE user_id IS ? ORDER BY added DESC, id DESC", (user.id if user else None,)
        )
        return [str(name) for (name,) in rows]

    async def add(self, user: User | None, name: str) -> list[str]:
        """Add an artist to a member's list (None: the household's); returns the list."""
        name = clean_name(name)
        current = await self.of(user)
        if name.casefold() in {known.casefold() for known in current}:
            return current
        if len(current) >= MAX_ARTISTS:
            raise ArtistError(f"a list holds at most {MAX_ARTISTS} artists: remove one first", full=True)
        await self.store.execute(
            "INSERT INTO artists (user_id, name, added) VALUES (?, ?, ?)", (user.id if user else None, name, time.time())
        )
        return await self.of(user)

    async def remove(self, user: User | None, name: str) -> bool:
        removed = await self.store.execute(
            "DELETE FROM artists WHERE user_id IS ? AND name = ? COLLATE NOCASE", (user.id if user else None, name.strip())
        )
        return removed > 0
