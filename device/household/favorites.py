"""Each household member's liked tracks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from device.core.labels import TrackSource
from device.core.store import Store
from device.household.accounts import User
from device.player.library import Track


@dataclass(frozen=True)
class Favorite:
    id: int
    uri: str
    title: str
    playlist: str
    source: str
    thumbnail: str | None
    added: float

    def to_json(self) -> dict[str, Any]:
        """As the API shows it: the thumbnail as the address that serves it."""
        return {**asdict(self), "thumbnail": f"/api/favorites/{self.id}/thumbnail" if self.thumbnail else None}

    def track(self) -> Track:
        return Track(self.uri, self.title, self.playlist, self.source, thumbnail=self.thumbnail)


class Favorites:
    """Members' liked tracks. Whoever keeps remote favorites for offline play (the jukebox) hears of
    every change through ``on_change``, with the remote favorites of the whole household."""

    def __init__(self, store: Store, on_change: Callable[[set[str]], None] = lambda uris: None) -> None:
        self.store = store
        self.on_change = on_change

    async def add(self, user: User, track: Track) -> Favorite:
        """Like a track (liking it again keeps the first one)."""
        await self.store.execute(
            "INSERT OR IGNORE INTO favorites (user_id, uri, title, playlist, source, thumbnail, added)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (user.id, track.uri, track.title, track.playlist, track.source, track.thumbnail, time.time()),
        )
        rows = await self.store.fetch(f"{SELECT} WHERE user_id = ? AND uri = ?", (user.id, track.uri))
        await self.changed()
        return Favorite(*rows[0])

    async def all(self, user: User) -> list[Favorite]:
        return [Favorite(*row) for row in await self.store.fetch(f"{SELECT} WHERE user_id = ? ORDER BY added DESC", (user.id,))]

    async def get(self, user: User, favorite_id: int) -> Favorite | None:
        rows = await self.store.fetch(f"{SELECT} WHERE user_id = ? AND id = ?", (user.id, favorite_id))
        return Favorite(*rows[0]) if rows else None

    async def remove(self, user: User, favorite_id: int) -> bool:
        removed = bool(await self.store.execute("DELETE FROM favorites WHERE user_id = ? AND id = ?", (user.id, favorite_id)))
        if removed:
            await self.changed()
        return removed

    async def changed(self) -> None:
        """Tell ``on_change`` the household's remote favorites now (at start, and after every change)."""
        rows = await self.store.fetch("SELECT DISTINCT uri FROM favorites WHERE source != ?", (TrackSource.LOCAL,))
        self.on_change({uri for (uri,) in rows})


SELECT = "SELECT id, uri, title, playlist, source, thumbnail, added FROM favorites"
