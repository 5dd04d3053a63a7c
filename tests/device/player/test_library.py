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
