"""The music library against what real folders hold: playlists with broken entries."""

from __future__ import annotations

import asyncio
from pathlib import Path

from device.player.library import MusicLibrary
from tests.helpers import Daemon, client_session, signed_in, tone, wait_for_state


def broken_playlist(music: Path) -> None:
    """An .m3u with an entry longer than any file name may be, and good entries around it."""
    (music / "happy").mkdir(parents=True, exist_ok=True)
    tone(music / "happy" / "sunny.wav", seconds=30)
    (music / "party.m3u").write_text(f"happy/sunny.wav\n{'x' * 300}.mp3\n# a comment\nhappy/sunny.wav\n")


def test_a_playlist_entry_too_long_for_the_file_system_is_skipped(tmp_path: Path) -> None:
    """Issue 15, bug 3: one such line made MusicLibrary.scan raise OSError."""
    broken_playlist(tmp_path)
    library = MusicLibrary(tmp_path)
    library.scan()
    assert [t.title for t in library.tracks("party")] == ["sunny", "sunny"] and library.names() == ["happy", "party"]


def test_the_daemon_starts_and_plays_with_such_a_playlist(tmp_path: Path) -> None:
    broken_playlist(tmp_path / "music")
    daemon = Daemon(tmp_path, MOODKIOSK_PLAYER__MAPPING='{"neutral": "party"}')

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            await client.post(daemon.base + "/api/player/next", headers=csrf)  # neutral music: the party playlist
            state = await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["player"]["playing"])
            assert state["track"]["playlist"] == "party"

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "skipping an entry that is no file name here" in log


def hostile_music(music: Path) -> None:
    """Issue 26, finding 1: what one careless or hostile file in the music folder can hold, beside good music."""
    for folder in ("happy", "sad", "neutral"):
        (music / folder).mkdir(parents=True, exist_ok=True)
    tone(music / "happy" / "sunny.wav", seconds=30)
    tone(music / "sad" / "rain.wav", seconds=30)
    (music / "happy" / "sunny.json").write_text("[" * 60_000)  # a sidecar nested past Python's recursion limit
    (music / "sad" / "rain.json").write_text(" " * 70_000 + '{"title": "Rain"}')  # too long for a sidecar
    (music / "party.m3u").write_bytes(
        b"happy/sunny.wav\nhappy/sun\x00ny.wav\n#EXTINF:1,bad\x00title\nhttp://example.invalid/a\x00b\n"
    )
    (music / "sad" / "huge.m3u").write_bytes(b"#" * (5 * 1024 * 1024))  # no playlist anyone wrote
    tone(music / "sad" / "caf\xe9.wav".encode("latin-1").decode("utf-8", "surrogateescape"), seconds=5)  # a Latin-1 name


def test_hostile_library_entries_are_skipped_and_the_rest_is_kept(tmp_path: Path, caplog) -> None:
    hostile_music(tmp_path)
    library = MusicLibrary(tmp_path)
    with caplog.at_level("WARNING", "moodkiosk.library"):
        library.scan()
        library.scan()  # the music chore scans again: nothing is said twice
    assert [t.title for t in library.tracks("party")] == ["sunny"]
    assert [t.title for t in library.tracks("happy")] == ["sunny"]  # the tags' title: the sidecar is ignored
    assert [t.title for t in library.tracks("sad")] == ["rain"]
    said = [record.getMessage() for record in caplog.records]
    assert sum("sunny.json: not readable JSON" in line for line in said) == 1  # read again only when the file changes
    assert sum("rain.json: larger than 64 KiB" in line for line in said) == 1
    assert sum("huge.m3u" in line and "larger than" in line for line in said) == 1
    assert sum("caf" in line and "not valid UTF-8" in line for line in said) == 1
    assert sum("party.m3u, line 2" in line and "control character" in line for line in said) == 1
    assert sum("party.m3u, line 4" in line for line in said) == 1


def test_the_daemon_starts_and_plays_beside_hostile_library_entries(tmp_path: Path) -> None:
    hostile_music(tmp_path / "music")
    daemon = Daemon(tmp_path, MOODKIOSK_PLAYER__MAPPING='{"neutral": "party"}')

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            await client.post(daemon.base + "/api/player/next", headers=csrf)
            state = await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["player"]["playing"])
            assert state["track"]["playlist"] == "party" and state["track"]["title"] == "sunny"

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "sunny.json: not readable JSON" in log and "party.m3u, line 2: skipping it" in log
