"""Tagging in the background: unsorted files join the playlist of the mood they sound like, folder
names win, results are kept in SQLite, bad and vanishing files cost nothing."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from device.core.store import Store
from device.player.library import MusicLibrary
from device.player.sound_moods import SoundMoods
from device.player.tagging import SoundTagging
from tests.helpers import lively_and_sombre, tone


def test_unsorted_music_joins_the_moods_it_sounds_like(tmp_path: Path) -> None:
    music = tmp_path / "music"
    lively, sombre = lively_and_sombre(music / "everything")
    (music / "happy").mkdir()
    kept = Path(shutil.copy(sombre, music / "happy" / f"kept{sombre.suffix}"))  # in happy/: happy it stays
    (music / "everything" / "broken.mp3").write_bytes(b"not audio at all" * 100)
    vanishing = tone(music / "everything" / "vanishing.wav", seconds=5)
    library = MusicLibrary(music)
    library.scan()
    assert sorted(p.name for p in library.unsorted_files()) == sorted([lively.name, sombre.name, "broken.mp3", vanishing.name])
    vanishing.unlink()  # gone between the scan and the tagging

    async def tag_twice() -> tuple[dict, dict, list]:
        store = Store(tmp_path / "state" / "moodkiosk.db")
        await store.open()
        try:
            tagging = SoundTagging(library, SoundMoods(store))
            await tagging.catch_up()
            first = dict(tagging.known)
            again = SoundTagging(library, SoundMoods(store))
            await again.catch_up()  # nothing left to hear: all from the database
            rows = await store.fetch("SELECT path, mood, error FROM sound_moods ORDER BY path")
            return first, again.known, rows
        finally:
            await store.close()

    first, second, rows = asyncio.run(tag_twice())
    assert set(second) == set(first) == {lively, sombre, music / "everything" / "broken.mp3"}
    assert isinstance(first[music / "everything" / "broken.mp3"], str)  # why, kept so it is not tried again
    assert {Path(path) for path, _, _ in rows} == set(first)  # the vanished file left no trace
    assert [mood for path, mood, _ in rows if path == str(sombre)] == ["sad"]
    sad = library.tracks("sad")
    assert [t.uri for t in sad] == [str(sombre)] and sad[0].playlist == "sad" and sad[0].by_sound > 0.3
    happy = {t.uri: t for t in library.tracks("happy")}
    assert happy[str(kept)].by_sound is None  # its folder's mood, not its sound's
    assert lively.as_posix() in happy or lively.as_posix() in {t.uri for t in library.tracks("surprise")}
    assert str(kept) not in {t.uri for t in sad}

    library.scan()  # a rescan keeps the placements and forgets the vanished file
    assert [t.uri for t in library.tracks("sad")] == [str(sombre)]
    everything = sorted(str(p) for p in (lively, sombre, music / "everything" / "broken.mp3"))
    assert [t.uri for t in library.tracks("everything")] == everything


def test_a_missing_music_model_turns_tagging_off_without_marking_the_files(tmp_path: Path) -> None:
    (tmp_path / "music" / "all").mkdir(parents=True)
    tone(tmp_path / "music" / "all" / "a.wav", seconds=3)
    library = MusicLibrary(tmp_path / "music")
    library.scan()

    async def run() -> tuple[SoundTagging, list]:
        store = Store(tmp_path / "moodkiosk.db")
        await store.open()
        try:
            tagging = SoundTagging(library, SoundMoods(store), model=tmp_path / "gone.tflite")
            await tagging.catch_up()
            return tagging, await store.fetch("SELECT path FROM sound_moods")
        finally:
            await store.close()

    tagging, rows = asyncio.run(run())
    assert tagging.model_problem and tagging.known == {} and rows == []  # tried again next round, not remembered as bad
