"""The conductor and the jukebox in-process, with the real mood tracker, DJ, analyzer and mpv (null outputs)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import skimage.data

from device.core.config import MoodSettings, PlayerSettings
from device.core.events import (
    Event,
    EventBus,
    LanguageChanged,
    MoodChanged,
    OverrideEnded,
    OverrideStarted,
    PlayerChanged,
    QueueChanged,
    SleepChanged,
    TrackStarted,
)
from device.core.reasons import Why, WhyKind
from device.inference.analyzer import FrameAnalyzer
from device.kiosk.conductor import Conductor
from device.kiosk.jukebox import Jukebox
from device.player.library import Track
from tests.helpers import Daemon, client_session, signed_in, tone, yt_dlp_children

SETTINGS = PlayerSettings(audio_output="null", video_output="null", default_searches=False)


def music(root: Path) -> Path:
    for relative in ("happy/sunny.wav", "neutral/calm.wav", "sad/rain.wav", "happy/hindi/khushi.wav"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        tone(root / relative, seconds=60)
    return root


async def until(events: list[Event], kind: type[Event], count: int = 1, seconds: float = 10.0) -> list[Event]:
    for _ in range(int(seconds * 20)):
        found = [event for event in events if isinstance(event, kind)]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind.__name__} in {events}")


def parts(tmp_path: Path, player: PlayerSettings = SETTINGS) -> tuple[Conductor, Jukebox, list[Event]]:
    bus, events = EventBus(), []
    bus.subscribe(events.append)
    jukebox = Jukebox(player, music(tmp_path / "music"), tmp_path / "cache", bus)
    jukebox.scan()
    conductor = Conductor(MoodSettings(first_dwell_seconds=0.5), player, bus, jukebox, clock=lambda: 0.0)
    return conductor, jukebox, events


def test_a_smiling_face_becomes_a_mood_and_happy_music(tmp_path: Path, analyzer: FrameAnalyzer) -> None:
    conductor, jukebox, events = parts(tmp_path)

    async def scenario() -> None:
        jukebox.start(asyncio.get_running_loop())
        smile = analyzer.analyze(skimage.data.astronaut())
        for step in range(8):  # two seconds of frames at 4 per second, on the conductor's own clock
            conductor.on_analysis(step * 0.25, smile)
        (mood,) = await until(events, MoodChanged)
        (track,) = await until(events, TrackStarted)
        assert mood.emotion == "happy" and track.emotion == "happy" and track.playlist == "happy"
        assert track.reason == "happy -> happy" and jukebox.current_track is not None
        await jukebox.close()

    asyncio.run(scenario())


def test_takeover_language_and_a_hand_set_mood(tmp_path: Path) -> None:
    conductor, jukebox, events = parts(tmp_path)

    async def scenario() -> None:
        jukebox.start(asyncio.get_running_loop())
        until_time = conductor.override_mood("happy", 1, "asha")
        assert until_time > 0 and conductor.mood is not None and conductor.mood.emotion == "happy"
        (started,) = await until(events, TrackStarted)
        assert "asha chose happy music" in started.reason
        conductor.takeover("ravi", "hindi")
        assert [e.language for e in events if isinstance(e, LanguageChanged)] == ["hindi"]
        tracks = await until(events, TrackStarted, 2)
        assert tracks[-1].title == "khushi" and tracks[-1].language == "hindi"  # the new language at once
        assert conductor.release("asha") is False and conductor.release("ravi") is True
        assert conductor.end_override() is True and conductor.end_override() is False
        assert [type(e) for e in events if isinstance(e, OverrideStarted | OverrideEnded)] == [OverrideStarted, OverrideEnded]
        await jukebox.close()

    asyncio.run(scenario())


def test_asking_what_would_play_starts_nothing(tmp_path: Path) -> None:
    """Issue 15, bug 2: recommendations for five languages used to leave five remote sources listed forever."""
    conductor, jukebox, _ = parts(tmp_path, SETTINGS.model_copy(update={"default_searches": True}))

    async def scenario() -> None:
        for language in ("english", "hindi", "tamil", "german", "xx"):
            answer = conductor.recommendations("happy", language)
            assert answer["playlists"][1].startswith("ytsearch15:") and answer["tracks"]  # the local music, meanwhile
        assert all(source.states() == {} for source in jukebox.sources)  # nothing listed, nothing to retry
        assert yt_dlp_children(os.getpid()) == 0  # this test's own children: another program's yt-dlp is not ours

    asyncio.run(scenario())


def test_the_recommendations_endpoint_of_the_real_daemon_starts_no_listing(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path, MOODKIOSK_PLAYER__DEFAULT_SEARCHES="true")

    async def scenario() -> None:
        async with client_session() as client:
            await signed_in(client, daemon)
            for language in ("english", "hindi", "tamil", "german", "xx"):
                response = await client.get(daemon.base + f"/api/recommendations?emotion=happy&language={language}")
                assert response.status == 200
            await asyncio.sleep(1)
            assert (await (await client.get(daemon.base + "/api/state")).json())["sources"] == []

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_queue_seek_pause_and_volume_are_told_to_every_page(tmp_path: Path) -> None:
    """Queued tracks play before the mood's music; pause, volume and seeks are published, whoever asked."""
    conductor, jukebox, events = parts(tmp_path)

    async def scenario() -> None:
        jukebox.start(asyncio.get_running_loop(), volume=45)  # the volume remembered from the last run
        try:
            sad = jukebox.library.find(str(tmp_path / "music" / "sad" / "rain.wav"))
            conductor.queue_tracks([sad], Why(WhyKind.ASKED, by="asha"), "asha")  # nothing plays: the queue starts at once
            started = await until(events, TrackStarted)
            assert started[0].title == "rain" and started[0].reason == "asked for by asha"
            assert conductor.queue_state() == {"tracks": [], "then": None}
            happy = jukebox.library.find(str(tmp_path / "music" / "happy" / "sunny.wav"))
            conductor.queue_tracks([happy], Why(WhyKind.ASKED, by="ravi"), "ravi")
            assert [t["title"] for t in conductor.queue_state()["tracks"]] == ["sunny"]
            assert jukebox.playback_state()["volume"] == 45 and not any(isinstance(e, PlayerChanged) for e in events)
            jukebox.pause()
            assert (await until(events, PlayerChanged, 1))[-1].paused
            jukebox.set_volume(30)
            assert (await until(events, PlayerChanged, 2))[-1].volume == 30
            assert jukebox.seek(20.0)
            assert (await until(events, PlayerChanged, 3))[-1].position == 20.0
            for _ in range(40):
                if (jukebox.playback_state()["position"] or 0) >= 19.5:
                    break
                await asyncio.sleep(0.05)
            playback = jukebox.playback_state()
            assert 19.5 <= playback["position"] < 21 and playback["duration"] == 60.0
            conductor.next_track()
            assert (await until(events, TrackStarted, 2))[-1].title == "sunny"  # the queued one, next
            assert [e.size for e in events if isinstance(e, QueueChanged)] == [0, 1]  # the first started at once
        finally:
            await jukebox.close()

    asyncio.run(scenario())


def test_the_sleep_timer_fades_and_pauses_in_time_or_after_the_track(tmp_path: Path) -> None:
    player = SETTINGS.model_copy(update={"fade_seconds": 0.3})
    conductor, jukebox, events = parts(tmp_path, player)
    short = tone(tmp_path / "a-short.wav", seconds=1.5)  # asked for; not in the library, so never the DJ's next pick

    async def scenario() -> None:
        jukebox.start(asyncio.get_running_loop())
        conductor.next_track()
        await until(events, TrackStarted)
        until_at = conductor.sleep(0.5, False, "asha")
        assert until_at is not None and until_at > time.time()
        for _ in range(40):  # 0.5 s, then a 0.3 s fade
            if jukebox.player.paused:
                break
            await asyncio.sleep(0.05)
        assert jukebox.player.paused and jukebox.current_track is not None  # paused, not stopped: play goes on
        assert [(e.until is None, e.after_track) for e in events if isinstance(e, SleepChanged)] == [
            (False, False),
            (True, False),
        ]
        assert jukebox.player.volume == 80  # the volume is back for the next play

        jukebox.resume()
        conductor.sleep(None, False, "asha")  # off
        conductor.queue_tracks([Track(str(short), "a-short", "neutral")], Why(WhyKind.ASKED, by="asha"), "asha", "now")
        await until(events, TrackStarted, 2)
        conductor.sleep(None, True, "ravi")  # after this (short) track
        started = await until(events, TrackStarted, 3, seconds=15)
        assert started[-1].title != "a-short"  # the next one is there, waiting
        for _ in range(40):
            if jukebox.player.paused:
                break
            await asyncio.sleep(0.05)
        assert jukebox.player.paused
        assert [e.by for e in events if isinstance(e, SleepChanged)][-1] == "the sleep timer"
        await jukebox.close()

    asyncio.run(scenario())
