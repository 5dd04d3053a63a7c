"""Likes and quick skips: the household teaches the kiosk which tracks fit which mood.

A like of the playing track, or a skip within ``player.skip_seconds`` of its start, while the
kiosk plays for mood X, is stored as a derived fact (time, track, X, +1 or -1; kept for
``storage.retention_days``). :func:`device.player.votes.weight` says what they weigh in X's
shuffle. Hand-picked tracks (favorites, a photo's mood, "play this mood") are never counted:
only what the kiosk chose.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable

from device.core.labels import EMOTIONS
from device.core.store import Store
from device.player.library import Track
from device.player.votes import Votes

log = logging.getLogger("moodkiosk.votes")


class TrackVotes:
    def __init__(self, store: Store, on_change: Callable[[Votes], None] = lambda votes: None) -> None:
        self.store = store
        self.on_change = on_change  # the DJ's: weigh the shuffle with these from the next pick on
        self.votes: Votes = {}

    async def load(self) -> None:
        rows = await self.store.fetch("SELECT uri, emotion, SUM(vote > 0), SUM(vote < 0) FROM track_votes GROUP BY uri, emotion")
        self.votes = {(str(uri), str(emotion)): (int(likes), int(skips)) for uri, emotion, likes, skips in rows}
        self.on_change(self.votes)

    async def liked(self, track: Track, emotion: str | None) -> bool:
        """The playing track was liked while the kiosk played for ``emotion``; False when not counted."""
        return await self._add(track, emotion, +1)

    async def skipped(self, track: Track | None, emotion: str | None, seconds: float | None, within: float) -> bool:
        """Someone skipped the playing track after ``seconds``; counted when that was within ``within`` seconds."""
        if track is None or seconds is None or seconds > within:
            return False
        return await self._add(track, emotion, -1)

    async def _add(self, track: Track, emotion: str | None, vote: int) -> bool:
        """Record a vote; a write that fails (a full disk) is logged and the vote lost, nothing else."""
        if emotion not in EMOTIONS:
            return False
        try:
            await self.store.execute(
                "INSERT INTO track_votes (at, uri, emotion, vote) VALUES (?, ?, ?, ?)", (time.time(), track.uri, emotion, vote)
            )
        except sqlite3.Error as error:
            log.warning("cannot keep a like or skip of %s: %s", track.title, error)
            return False
        await self.load()
        return True
