"""Tagging the unsorted music in the background, so that each mood's playlist also holds the files
that sound like it.

The tagger runs in one child process at the lowest CPU priority with one thread: it never holds
the daemon's interpreter lock, so the frame loop and playback go on at their own pace, and the
process (with the model, ~60 MB) ends when there is nothing left to tag. Results are kept in
SQLite (:class:`~device.player.sound_moods.SoundMoods`), so each file is heard once until it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sqlite3
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from device.core.errors import ModelError
from device.player.library import MusicLibrary
from device.player.music_tagger import MODEL, MusicTagger, TrackMood
from device.player.sound_moods import Result, SoundMoods, file_key

log = logging.getLogger("moodkiosk.tagging")
_tagger: MusicTagger | None = None


def _start_child() -> None:
    os.nice(19)


def tagger_process() -> ProcessPoolExecutor:
    """One spawned child at the lowest CPU priority (it never shares the daemon's interpreter lock)."""
    return ProcessPoolExecutor(1, multiprocessing.get_context("spawn"), initializer=_start_child)


def stop_now(pool: ProcessPoolExecutor) -> None:
    """End the tagger's process without waiting for the file it is hearing: at the lowest priority on a
    busy board that could take minutes, and Python waits for it before the daemon may exit."""
    processes = list(getattr(pool, "_processes", None) or {})  # the pool has no public way to kill (before 3.14)
    pool.shutdown(wait=False, cancel_futures=True)
    for pid in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def tag_in_child(model: str, path: str) -> TrackMood | str:
    """In the child process: the mood of one file, or why it has none."""
    global _tagger
    from device.player.music_features import AudioError

    if _tagger is None:
        _tagger = MusicTagger(Path(model), threads=1)
    try:
        return _tagger.tag_file(Path(path))
    except AudioError as error:
        return str(error)


class SoundTagging:
    """Keeps the library's ``sound_moods`` up to date with the unsorted files."""

    def __init__(self, library: MusicLibrary, moods: SoundMoods, model: Path = MODEL) -> None:
        self.library, self.moods, self.model = library, moods, model
        self.known: dict[Path, Result] = {}
        self.on_placed: Callable[[], None] = lambda: None
        self.pending = 0
        self.model_problem = False

    async def keep_up(self, enabled: Callable[[], bool], every: float = 60.0) -> None:
        """A chore: catch up now and every ``every`` seconds (new files come with the library's rescans)."""
        while True:
            if enabled():
                await self.catch_up()
            await asyncio.sleep(every)

    async def catch_up(self) -> None:
        """Tag every unsorted file not tagged since it last changed, then place them all."""
        files = await asyncio.to_thread(self.library.unsorted_files)
        await self.moods.forget_except(set(files))  # files gone or moved into a mood's folder
        self.known = await self.moods.known(files)
        self._place()
        todo = [path for path in files if path not in self.known]
        self.pending = len(todo)
        if not todo:
            return
        log.info("tagging %d music files by their sound, in the background", len(todo))
        pool = tagger_process()
        loop = asyncio.get_running_loop()
        try:
            for done, path in enumerate(todo, 1):
                key = file_key(path)
                if key is None:
                    continue  # gone since the scan
                try:
                    result = await loop.run_in_executor(pool, tag_in_child, str(self.model), str(path))
                except BrokenProcessPool:
                    result = "the tagger's process ended while hearing it"
                    pool = tagger_process()
                except ModelError as error:  # the music model is missing or broken: try again next round
                    if not self.model_problem:
                        log.warning("music tagging is off: %s", error.describe())
                    self.model_problem = True
                    return
                if file_key(path) != key:
                    continue  # changed or gone while it was heard: next round
                if isinstance(result, str):
                    log.warning("cannot tag: %s", result)
                self.known[path] = result
                self.pending = len(todo) - done
                try:
                    await self.moods.save(path, key, result)
                except sqlite3.Error as error:  # a full disk: kept in memory, heard again after a restart
                    log.debug("cannot keep the tag of %s: %s", path, error)
                if done % 20 == 0 or done == len(todo):
                    self._place()
        finally:
            stop_now(pool)
        log.info("tagged %d music files", len(todo))

    def _place(self) -> None:
        self.library.place_by_sound(
            {str(path): (r.mood, r.scores[r.mood]) for path, r in self.known.items() if isinstance(r, TrackMood)}
        )
        self.on_placed()
