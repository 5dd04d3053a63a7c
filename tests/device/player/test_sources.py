"""Remote playlists: how searches are formed, listings read by the real yt-dlp from a local server, failures."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from device.core.config import PlayerSettings
from device.player.catalog import Catalog, is_remote, label
from device.player.dj import DJ
from device.player.library import MusicLibrary
from device.player.music_source import SourceHealth
from device.player.offline_cache import OfflineCache, cache_key
from device.player.sources import (
    FORGET_SECONDS,
    RemoteSources,
    Ytdlp,
    YtdlpBusyError,
    default_ytdl_path,
    explain_ytdl_error,
    run_program,
    search_for,
    tracks_from_listing,
)
from tests.helpers import OFFLINE, tone
from tests.media_server import MediaServer


def test_which_playlists_are_remote_and_how_they_are_named() -> None:
    assert is_remote("https://www.youtube.com/playlist?list=PL123") and is_remote("ytsearch15:happy hindi songs")
    assert is_remote("http://radio.example:8000/stream")
    assert not is_remote("happy") and not is_remote("ytsearch") and not is_remote("/music/happy")
    assert label("ytsearch15:happy hindi songs") == "YouTube search 'happy hindi songs'"
    assert label("https://www.youtube.com/playlist?list=PL123") == "www.youtube.com/playlist"
    assert label("calm") == "calm"


def test_default_searches_per_mood_and_language() -> None:
    assert search_for("happy", "hindi", 15) == "ytsearch15:happy upbeat hindi songs"
    assert search_for("sad", "any", 5) == "ytsearch5:sad songs"
    assert search_for("calm", "english", 10) == "ytsearch10:calm english songs"  # a playlist of one's own
    dj = DJ(PlayerSettings(search_results=7), MusicLibrary(Path("/nonexistent")))
    dj.set_language("hindi")
    assert dj.playlists_for("sad") == ["sad", "ytsearch7:sad hindi songs"]
    assert dj.playlists_for(None) == ["idle"]  # idle music is never searched for
    mapped = DJ(PlayerSettings(mapping={"sad": "https://www.youtube.com/playlist?list=PL1"}), MusicLibrary(Path("/x")))
    assert mapped.playlists_for("sad") == ["https://www.youtube.com/playlist?list=PL1"]  # a mapping replaces the default
    assert DJ(PlayerSettings(default_searches=False), MusicLibrary(Path("/x"))).playlists_for("sad") == ["sad"]


def test_yt_dlp_errors_are_explained() -> None:
    bot = "ERROR: [youtube] abc: Sign in to confirm you’re not a bot. Use --cookies-from-browser"
    assert "update yt-dlp" in explain_ytdl_error(bot)
    offline = "WARNING: retrying\nERROR: Unable to download API page: [Errno -3] Temporary failure in name resolution"
    assert explain_ytdl_error(offline).startswith("no network")
    assert explain_ytdl_error("ERROR: [youtube] xyz: Video unavailable").startswith("the video or playlist is gone")
    assert explain_ytdl_error("") == "no output"


def test_a_youtube_listing_becomes_tracks_with_channel_and_thumbnail() -> None:
    listing = {  # the shape of `yt-dlp -J --flat-playlist ytsearch2:...`
        "_type": "playlist",
        "entries": [
            {"_type": "url", "ie_key": "Youtube", "id": "dQw4w9WgXcQ", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
             "title": "A song", "channel": "A channel", "duration": 212.0,
             "thumbnails": [{"url": "https://i.ytimg.com/vi/dQw4w9WgXcQ/hq720.jpg", "height": 404}]},
            {"_type": "url", "ie_key": "Youtube", "id": "x", "title": None, "url": None},
            None,
        ],
    }  # fmt: skip
    first, second = tracks_from_listing("ytsearch2:x", listing)
    assert (first.title, first.artist, first.duration, first.source) == ("A song", "A channel", 212.0, "youtube")
    assert first.thumbnail == "https://i.ytimg.com/vi/dQw4w9WgXcQ/hq720.jpg" and first.playlist == "ytsearch2:x"
    assert second.uri == "https://www.youtube.com/watch?v=x" and second.title == second.uri
    assert tracks_from_listing("u", {"_type": "playlist", "entries": []}) == []


def test_the_real_yt_dlp_lists_a_feed_then_reports_the_server_gone(tmp_path: Path) -> None:
    server = MediaServer(tmp_path / "www").start()
    feed = server.feed("happy", ["Tune A", "Tune B"])
    changes: list[tuple[str, str]] = []
    now = [0.0]

    async def scenario() -> None:
        sources = RemoteSources(default_ytdl_path(), lambda p, h: changes.append((h.state, h.error)), clock=lambda: now[0])
        assert sources.tracks(feed) == [] and sources.health == {}  # asking what is there starts nothing
        sources.request(feed)  # the jukebox asks for a listing
        assert sources.problem(feed) == "not listed yet"
        for _ in range(200):
            await asyncio.sleep(0.05)
            if sources.health[feed].state != "listing":
                break
        tracks = sources.tracks(feed)
        assert [(t.title, t.source, t.duration) for t in tracks] == [("Tune A", "remote", 3.0), ("Tune B", "remote", 3.0)]
        assert tracks[0].thumbnail == server.url("cover.png")
        assert sources.problem(feed) is None and sources.due() == []
        server.stop()
        await sources.list(feed)
        assert sources.tracks(feed) == [] and sources.health[feed].state == "failing"
        assert changes[0] == ("ok", "") and changes[1][0] == "failing" and "server does not answer" in changes[1][1]
        assert sources.due() == []
        now[0] = 31.0  # the first retry comes after 30 s, then 60 s, ...
        assert sources.due() == [feed]
        await sources.list(feed)
        assert sources.health[feed].retry_at == 31.0 + 60.0 and len(changes) == 2  # said once, not at every retry

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


def test_a_failing_search_falls_back_to_the_local_music(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in OFFLINE.items():  # YouTube "answers" through a closed local port: no network, fast
        monkeypatch.setenv(name, value)
    (tmp_path / "happy").mkdir()
    tone(tmp_path / "happy" / "sunny.wav", seconds=1)
    health: list[SourceHealth] = []

    async def scenario() -> None:
        sources = RemoteSources(default_ytdl_path(), lambda p, h: health.append(h))
        dj = DJ(PlayerSettings(), Catalog(MusicLibrary(tmp_path), [sources]))
        first = dj.choose("happy")
        assert first.playlists == ["happy", "ytsearch15:happy upbeat songs"]
        assert sources.health == {}  # the DJ only looks: no yt-dlp started
        sources.request(first.playlists[1])  # the jukebox lists what the DJ wanted
        first = dj.choose("happy")
        assert [t.title for t in first.tracks] == ["sunny"] and first.note is None  # still listing: no alarm yet
        for _ in range(300):
            await asyncio.sleep(0.05)
            if health and health[-1].state != "listing":
                break
        assert health[-1].state == "failing" and health[-1].error.startswith("no network")
        choice = dj.choose("happy")
        assert [t.title for t in choice.tracks] == ["sunny"]
        assert choice.note.startswith("YouTube search 'happy upbeat songs' is unavailable: no network")
        assert choice.note.endswith("playing the local music")

    assert os.environ["HTTPS_PROXY"] == "http://127.0.0.1:9"
    asyncio.run(scenario())


def test_the_offline_cache_keeps_only_favorites_and_ignores_partial_files(tmp_path: Path) -> None:
    liked, forgotten = "https://www.youtube.com/watch?v=a", "https://www.youtube.com/watch?v=b"
    cache = OfflineCache(tmp_path, Ytdlp(default_ytdl_path()), "bestaudio/best", max_bytes=0, track_max_bytes=1)
    (tmp_path / f"{cache_key(liked)}.m4a.part").write_bytes(b"half")
    assert cache.path_for(liked) is None  # an unfinished download does not count
    (tmp_path / f"{cache_key(liked)}.m4a").write_bytes(b"whole")
    (tmp_path / f"{cache_key(forgotten)}.webm").write_bytes(b"old")

    async def scenario() -> None:
        cache.want({liked})

    asyncio.run(scenario())
    assert cache.path_for(liked) == tmp_path / f"{cache_key(liked)}.m4a"
    assert cache.path_for(forgotten) is None and not (tmp_path / f"{cache_key(forgotten)}.webm").exists()
    assert (tmp_path / f"{cache_key(liked)}.m4a.part").exists()  # the same track's leftovers stay


def test_a_program_that_takes_too_long_or_outlives_the_daemon_is_killed() -> None:
    async def scenario() -> None:
        assert await run_program(["sleep", "30"], timeout=0.2) == (None, b"", b"")
        task = asyncio.ensure_future(run_program(["sh", "-c", "exec sleep 31.5"], timeout=60))
        await asyncio.sleep(0.5)
        mine = [pid for pid in os.listdir("/proc") if pid.isdigit() and _parent(pid) == os.getpid()]  # this test's own
        sleepers = [pid for pid in mine if _command(pid) == "sleep 31.5"]
        assert sleepers  # it was running before the cancel
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not [pid for pid in sleepers if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"]

    asyncio.run(scenario())


def _command(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _parent(pid: str) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _state(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_every_yt_dlp_goes_through_one_door_of_two_turns() -> None:
    """A real program (Python sleeping 0.4 s) stands for yt-dlp: two run at once, one waits, the rest are told busy."""
    gate = Ytdlp(sys.executable, at_once=2, waiting=1)
    sleep = ["-c", "import time; time.sleep(0.4)"]
    most = []

    async def watch() -> None:
        for _ in range(12):
            most.append(gate.running)
            await asyncio.sleep(0.05)

    async def scenario() -> list[object]:
        watcher = asyncio.create_task(watch())
        started = time.monotonic()
        runs = [gate.run(sleep, 10) for _ in range(3)] + [gate.run(sleep, 10, wait=False), gate.run(sleep, 10)]
        results = await asyncio.gather(*runs, return_exceptions=True)
        await watcher
        assert time.monotonic() - started >= 0.8  # the third waited for a turn
        return results

    results = asyncio.run(scenario())
    assert [r[0] if isinstance(r, tuple) else type(r) for r in results] == [0, 0, 0, YtdlpBusyError, YtdlpBusyError]
    assert max(most) == 2


def test_sources_nobody_asks_for_are_forgotten(tmp_path: Path) -> None:
    """Issue 26, finding 16: every URL or search ever asked stayed and was retried for good."""
    now = [0.0]

    async def scenario() -> None:
        sources = RemoteSources(str(tmp_path / "no-yt-dlp"), lambda p, h: None, clock=lambda: now[0])
        for playlist in ("ytsearch5:old search", "ytsearch5:mapped"):
            sources.request(playlist)
            await sources._listing[playlist]
        assert sources.health["ytsearch5:old search"].state == "failing"
        now[0] = FORGET_SECONDS - 10
        sources.tracks("ytsearch5:mapped")  # the DJ still asks for this one
        now[0] = FORGET_SECONDS + 1
        assert sources.due() == ["ytsearch5:mapped"] and list(sources.health) == ["ytsearch5:mapped"]

    asyncio.run(scenario())
