"""``moodkiosk library tag [DIR ...]``: what the music tagger hears in audio files.

Each file's mood, the moods' shares, valence and arousal, and the milliseconds it took; a JSON
object per line with ``--json``. Results are kept in the kiosk's database (the daemon uses the
same ones) and reused while a file is unchanged, unless ``--force``. A file that cannot be read
gets a line saying why; the others are still tagged; the exit status is then 1.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import TextIO

from device.core.config import Settings
from device.core.store import Store, StoreError, database_path
from device.player.library import MEDIA_SUFFIXES
from device.player.music_features import AudioError
from device.player.music_tagger import TrackMood
from device.player.sound_moods import SoundMoods, file_key


def audio_files(paths: list[Path]) -> list[Path]:
    """The media files named, and those under the folders named (sorted); a missing path is kept, to be reported."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)
        else:
            found.append(path)
    return found


class TagCommand:
    def __init__(self, out: TextIO, err: TextIO, as_json: bool, force: bool) -> None:
        self.out, self.err, self.as_json, self.force = out, err, as_json, force

    async def run(self, paths: list[Path], settings: Settings) -> int:
        from device.player.music_tagger import MusicTagger

        files = audio_files(paths or [settings.music_dir])
        if not files:
            print(f"moodkiosk: no audio files in {', '.join(map(str, paths or [settings.music_dir]))}", file=self.err)
            return 1
        store: Store | None = Store(database_path(settings))
        try:
            await store.open()
        except StoreError as error:
            print(f"moodkiosk: not keeping the results ({error})", file=self.err)
            store = None
        moods = SoundMoods(store) if store else None
        try:
            known = {} if self.force or moods is None else await moods.known([p.resolve() for p in files])
            tagger = MusicTagger()
            failures = 0
            if not self.as_json:
                print(f"{'mood':<9} {'share':>5} {'valence':>7} {'arousal':>7} {'ms':>6}  file", file=self.out)
            for path in files:
                started = time.perf_counter()
                key = file_key(path)
                result = known.get(path.resolve())
                cached = result is not None
                if result is None:
                    try:
                        result = tagger.tag_file(path) if key else f"{path}: no such file"
                    except AudioError as error:
                        result = str(error)
                    if moods and key and file_key(path) == key:
                        try:
                            await moods.save(path.resolve(), key, result)
                        except sqlite3.Error as error:  # a full disk, a database this user may not write
                            print(f"moodkiosk: not keeping the results ({error})", file=self.err)
                            moods = None
                ms = (time.perf_counter() - started) * 1000
                if isinstance(result, str):
                    failures += 1
                    self.report_failure(path, result)
                else:
                    self.report(path, result, ms, cached)
            return 1 if failures else 0
        finally:
            if store:
                await store.close()

    def report(self, path: Path, mood: TrackMood, ms: float, cached: bool) -> None:
        if self.as_json:
            entry = {"path": str(path), **mood.as_dict(), "ms": round(ms, 1), "cached": cached}
            print(json.dumps(entry), file=self.out, flush=True)
            return
        share = mood.scores[mood.mood]
        print(f"{mood.mood:<9} {share:>5.2f} {mood.valence:>+7.2f} {mood.arousal:>+7.2f} {ms:>6.0f}  {path}", file=self.out)

    def report_failure(self, path: Path, why: str) -> None:
        print(f"moodkiosk: cannot tag {path}: {why.removeprefix(f'{path}: ')}", file=self.err, flush=True)
        if self.as_json:
            print(json.dumps({"path": str(path), "error": why}), file=self.out, flush=True)


def main_tag(paths: list[Path], settings: Settings, as_json: bool, force: bool) -> int:
    import asyncio

    return asyncio.run(TagCommand(sys.stdout, sys.stderr, as_json, force).run(paths, settings))
