"""The music library against what real folders hold: playlists with broken entries."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mutagen.id3 import APIC, ID3, TIT2
from mutagen.wave import WAVE

from device.player.artwork import embedded_picture
from device.player.library import MusicLibrary
from device.player.tag_guard import tag_problem
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


def picture_flood(path: Path, pictures: int = 3000) -> Path:
    """Issue 26, finding 8: a real WAV file whose ID3 tag holds thousands of embedded pictures (30 MB)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tone(path, seconds=20)
    audio = WAVE(path)
    audio.add_tags()
    jpeg = b"\xff\xd8\xff\xe0" + bytes(10_000)
    for number in range(pictures):
        audio.tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc=f"cover {number}", data=jpeg))
    audio.tags.add(TIT2(encoding=3, text="Flood"))
    audio.save()
    return path


def test_a_tag_too_costly_to_parse_is_not_parsed_and_the_track_is_kept(tmp_path: Path, caplog) -> None:
    flood = picture_flood(tmp_path / "happy" / "flood.wav")
    tagged = tone(tmp_path / "happy" / "tagged.wav", seconds=5)
    audio = WAVE(tagged)
    audio.add_tags()
    audio.tags.add(TIT2(encoding=3, text="Morning"))
    audio.tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="cover", data=b"\xff\xd8\xff\xe0" + bytes(900_000)))
    audio.save()
    mp3 = tmp_path / "happy" / "front.mp3"  # an ID3 tag at the front of an MP3 of silent frames
    mp3.write_bytes((bytes.fromhex("fffb9064") + bytes(413)) * 100)
    front = ID3()
    for number in range(2000):
        front.add(APIC(encoding=3, mime="image/jpeg", type=3, desc=f"cover {number}", data=bytes(20_000)))
    front.save(mp3)
    assert tag_problem(tagged) is None and "too many frames" in tag_problem(flood) and tag_problem(mp3)
    library = MusicLibrary(tmp_path)
    with caplog.at_level("WARNING", "moodkiosk.library"):
        library.scan()
        library.scan()
    assert sorted(t.title for t in library.tracks("happy")) == ["Morning", "flood", "front"]  # the file name for those
    assert embedded_picture(flood) is None and embedded_picture(tagged) is not None
    said = [record.getMessage() for record in caplog.records]
    assert sum("flood.wav: its ID3 tag holds too many frames" in line for line in said) == 1


def test_the_daemon_is_up_before_it_reads_the_tags(tmp_path: Path) -> None:
    """Finding 8: READY=1 (and the page) waited for the tags of every file; one costly file delayed the start."""
    picture_flood(tmp_path / "music" / "happy" / "flood.wav")
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        async with client_session() as client:
            await signed_in(client, daemon)
            state = await wait_for_state(client, daemon, lambda s: s["player"]["tracks"] == 3)
            assert state["player"]["available"]

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert log.index("web page on") < log.index("flood.wav: its ID3 tag holds too many frames"), log
