"""What the music tagger heard, kept in SQLite by path and valid while the file's size and mtime stay.

A file that could not be tagged is remembered with its error, so it is not tried again until it
changes. Only derived facts are stored: the mood, valence, arousal, shares and strongest tags.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from device.core.store import Store
from device.player.music_tagger import TrackMood

Result = TrackMood | str  # a mood, or why the file could not be tagged


def file_key(path: Path) -> tuple[int, int] | None:
    """(size, mtime in ns) of a file, None if it is gone."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


class SoundMoods:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def known(self, paths: list[Path]) -> dict[Path, Result]:
        """The stored results of those files that have not changed since they were tagged."""
        rows = await self.store.fetch(
            "SELECT path, size, mtime_ns, mood, valence, arousal, scores, tags, seconds, error FROM sound_moods"
        )
        stored = {row[0]: row for row in rows}
        results: dict[Path, Result] = {}
        for path in paths:
            row = stored.get(str(path))
            if row is None or file_key(path) != (row[1], row[2]):
                continue
            if row[9] is not None:
                results[path] = row[9]
            else:
                results[path] = TrackMood(
                    mood=row[3], valence=row[4], arousal=row[5], scores=json.loads(row[6]), tags=json.loads(row[7]),
                    seconds=row[8],
                )  # fmt: skip
        return results

    async def save(self, path: Path, key: tuple[int, int], result: Result) -> None:
        """Store what the tagger made of ``path`` as it was when ``key`` was read."""
        if isinstance(result, TrackMood):
            values = (result.mood, result.valence, result.arousal, json.dumps(result.scores), json.dumps(result.tags),
                      result.seconds, None)  # fmt: skip
        else:
            values = (None, None, None, None, None, None, result[:500])
        await self.store.execute(
            "INSERT OR REPLACE INTO sound_moods (path, size, mtime_ns, mood, valence, arousal, scores, tags, seconds,"
            " error, tagged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(path), key[0], key[1], *values, time.time()),
        )

    async def forget_except(self, paths: set[Path]) -> None:
        """Drop the results of files no longer in the library."""
        rows = await self.store.fetch("SELECT path FROM sound_moods")
        for (stored,) in rows:
            if Path(stored) not in paths:
                await self.store.execute("DELETE FROM sound_moods WHERE path = ?", (stored,))
