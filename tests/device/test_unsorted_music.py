"""A music folder without a single mood folder: the real daemon tags it in the background and plays
each mood's music from it (issue 16)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.helpers import Daemon, client_session, lively_and_sombre, playing, signed_in, wait_for_state


async def placed_in(client: aiohttp.ClientSession, daemon: Daemon, emotions: tuple[str, ...], path: Path) -> tuple[str, dict]:
    """(mood, track) once the file at ``path`` is in one of those moods' playlists because of its sound."""
    for _ in range(240):
        for emotion in emotions:
            answer = await (await client.get(daemon.base + f"/api/recommendations?emotion={emotion}")).json()
            for track in answer["tracks"]:
                if track["uri"] == str(path) and track["by_sound"]:
                    assert answer["playlists"] == [emotion] and answer["note"] is None, answer
                    return emotion, track
        await asyncio.sleep(0.5)
    raise AssertionError(f"{path} never joined {emotions}\n{daemon.log.read_text()[-3000:]}")


def test_unsorted_music_plays_for_the_moods_it_sounds_like(tmp_path: Path) -> None:
    lively, sombre = lively_and_sombre(tmp_path / "music" / "all my music")
    (tmp_path / "music" / "all my music" / "broken.mp3").write_bytes(b"ID3 but nothing after it" * 50)
    (tmp_path / "music" / "all my music" / "empty.ogg").write_bytes(b"")
    daemon = Daemon(tmp_path, mood_folders=False)

    async def scenario() -> None:
        async with client_session() as client:
            headers = await signed_in(client, daemon)
            for path, emotions in ((sombre, ("sad",)), (lively, ("happy", "surprise"))):
                emotion, track = await placed_in(client, daemon, emotions, path)
                answer = await client.post(daemon.base + "/api/mood/override", json={"emotion": emotion}, headers=headers)
                assert answer.status == 200
                state = await wait_for_state(client, daemon, playing(track["title"]))
                assert f"tagged {emotion} by its sound, {track['by_sound']:.2f}" in state["track"]["reason"]

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "tagging 4 music files by their sound" in log and "tagged 4 music files" in log
    assert log.count("cannot tag:") == 2 and "broken.mp3" in log and "empty.ogg" in log  # a line each, once
