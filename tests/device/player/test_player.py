"""The mpv player with real libmpv (null audio and video outputs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from device.player.library import Track
from device.player.mpv_player import MpvPlayer, PlayerError, PlayerEvent
from tests.helpers import tone


async def wait_for(events: list[PlayerEvent], count: int, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while len(events) < count and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)


def test_play_events_controls_and_failures(tmp_path: Path) -> None:
    short = Track(str(tone(tmp_path / "short.wav", seconds=0.5)), "short", "happy")
    long = Track(str(tone(tmp_path / "long.wav", seconds=30)), "long", "sad")
    broken = tmp_path / "broken.ogg"
    broken.write_bytes(b"OggS but not really")

    async def scenario() -> list[PlayerEvent]:
        events: list[PlayerEvent] = []
        player = MpvPlayer(asyncio.get_running_loop(), events.append, "null", "null", volume=70)
        try:
            player.play(short)
            await wait_for(events, 2)  # started, then ended at its end
            player.play(Track(str(broken), "broken", "happy"))
            await wait_for(events, 3)
            player.play(long)
            await wait_for(events, 4)
            assert player.playing and player.track == long
            player.pause()
            assert player.paused
            player.resume()
            assert not player.paused
            player.volume = 35
            assert player.volume == 35
            player.show_note("I see happy (80%) - playing long (sad)")
            assert player.previous() == Track(str(broken), "broken", "happy")
            await wait_for(events, 5)
            player.play(long)
            await wait_for(events, 6)
            fading = asyncio.ensure_future(player.fade_out(0.3))
            await asyncio.sleep(0.2)
            assert player.fading and player.volume == 35  # the volume people set, not the fade's (Home Assistant shows it)
            await fading
            assert not player.playing
            assert player.volume == 35  # restored for the next track
            await asyncio.sleep(0.3)
        finally:
            player.close()
        return events

    events = asyncio.run(scenario())
    assert [(e.kind, e.track.title) for e in events] == [
        ("started", "short"),
        ("ended", "short"),
        ("failed", "broken"),
        ("started", "long"),
        ("failed", "broken"),  # previous() played the broken file again
        ("started", "long"),
    ]
    assert "unrecognized file format" in events[2].detail or "loading failed" in events[2].detail


def test_bad_audio_output_says_which_setting_to_fix(tmp_path: Path) -> None:
    track = Track(str(tone(tmp_path / "t.wav", seconds=2)), "t", "happy")

    async def scenario() -> list[PlayerEvent]:
        events: list[PlayerEvent] = []
        player = MpvPlayer(asyncio.get_running_loop(), events.append, audio_output="no-such-output", video_output="null")
        player.play(track)
        await wait_for(events, 2)
        player.close()
        return events

    events = asyncio.run(scenario())
    assert events[-1].kind == "failed"
    assert "audio output initialization failed: check player.audio_output" in events[-1].detail


def test_missing_libmpv_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "mpv", None)  # as if libmpv2 were not installed

    async def scenario() -> None:
        MpvPlayer(asyncio.get_running_loop(), lambda e: None)

    with pytest.raises(PlayerError, match="libmpv cannot be loaded") as caught:
        asyncio.run(scenario())
    assert "apt install mpv libmpv2" in caught.value.hint
