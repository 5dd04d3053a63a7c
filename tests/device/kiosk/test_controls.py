"""The one door for household commands (device/kiosk/controls.py): each input checked once, one error type,
the same events, on real parts (the conductor and the jukebox with mpv's null outputs, SQLite)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from device.core.config import MoodSettings, Settings
from device.core.events import EventBus, OverrideEnded, QueueChanged, TrackStarted
from device.core.store import Store
from device.household.corrections import Corrections
from device.household.track_votes import TrackVotes
from device.inference.mood import Mood
from device.kiosk.conductor import Conductor
from device.kiosk.controls import ControlError, Controls, NotNowError
from device.kiosk.jukebox import Jukebox
from device.kiosk.live_settings import LiveSettings
from device.kiosk.speakers import Speakers
from tests.device.kiosk.test_conductor import SETTINGS, music, until


async def controls_on(tmp_path: Path) -> tuple[Controls, Conductor, Jukebox, list, Store]:
    bus, events = EventBus(), []
    bus.subscribe(events.append)
    jukebox = Jukebox(SETTINGS, music(tmp_path / "music"), tmp_path / "cache", bus)
    jukebox.scan()
    jukebox.start(asyncio.get_running_loop())
    conductor = Conductor(MoodSettings(), SETTINGS, bus, jukebox, clock=lambda: 0.0)
    store = Store(tmp_path / "kiosk.db")
    await store.open()
    live = LiveSettings(Settings(), store, bus)
    speakers = Speakers(Settings(), jukebox, bus)  # player.output = local: no rooms
    controls = Controls(conductor, jukebox, live, TrackVotes(store), store, Corrections(store), speakers)
    return controls, conductor, jukebox, events, store


def test_every_bad_input_is_one_error_type_and_changes_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        controls, conductor, jukebox, events, store = await controls_on(tmp_path)
        refusals = [
            (lambda: controls.override("furious", 5, "asha"), "emotion"),
            (lambda: controls.override("happy", 0, "asha"), "minutes"),
            (lambda: controls.override("happy", True, "asha"), "minutes"),
            (lambda: controls.recommendations("furious"), "emotion"),
            (lambda: controls.recommendations(None, "klingon!"), "language"),
            (lambda: controls.member_language("asha", ""), "language"),
            (lambda: controls.play_photo_mood("calm", "asha"), "emotion"),
            (lambda: controls.enqueue("/not/in/the/library.wav", "end", "asha"), "uri"),
            (lambda: controls.enqueue(str(tmp_path / "music/happy/sunny.wav"), "soon", "asha"), "at"),
            (lambda: controls.move(1, -1, "asha"), "position"),
            (lambda: controls.search("  "), "q"),
            (lambda: controls.search("x" * 201), "q"),
            (lambda: controls.seek(-1), "position"),
            (lambda: controls.play_favorites([], "asha"), "favorites"),
        ]
        for refused, field in refusals:
            with pytest.raises(ControlError) as caught:
                refused()
            assert caught.value.field == field
        for refused, field in ((controls.volume(101), "volume"), (controls.correct("neutral"), "emotion"),
                               (controls.like_playing(), "track"), (controls.speaker("kitchen", volume=101), "volume"),
                               (controls.speaker("kitchen", muted="yes"), "muted"), (controls.speaker("kitchen"), "volume"),
                               (controls.speaker("kitchen", follows=False), "room")):  # fmt: skip
            with pytest.raises(ControlError) as caught:
                await refused
            assert caught.value.field == field
        with pytest.raises(NotNowError):
            controls.seek(3)  # nothing plays
        assert events == [] and conductor.override is None and jukebox.current_track is None
        await jukebox.close()
        await store.close()

    asyncio.run(scenario())


def test_commands_do_what_they_say_and_publish_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        controls, conductor, jukebox, events, store = await controls_on(tmp_path)
        sunny = str(tmp_path / "music/happy/sunny.wav")
        controls.enqueue(sunny, "now", "asha")
        (started,) = await until(events, TrackStarted)
        assert started.uri == sunny and started.reason == "asked for by asha"
        assert [e.by for e in events if isinstance(e, QueueChanged)] == ["asha"]
        assert (await controls.like_playing()).uri == sunny
        controls.pause()
        assert jukebox.player is not None and jukebox.player.paused
        controls.resume()
        assert await controls.volume(30) == 30 and await store.remembered("volume") == "30"
        controls.override("sad", 5, "ravi")
        assert conductor.override is not None and conductor.override.emotion == "sad"
        assert controls.end_override("ended from Home Assistant") and not controls.end_override()
        assert [e.why for e in events if isinstance(e, OverrideEnded)] == ["ended from Home Assistant"]
        assert controls.recommendations("happy", "Hindi")["language"] == "hindi"  # checked, then lower case
        conductor.tracker.current = Mood("happy", 0.9, 0.0)  # what the camera decided
        answer = await controls.correct("neutral")
        assert answer["predicted"] == "happy" and answer["corrected"] == "neutral"
        assert controls.search("sunny")[1][0].uri == sunny
        await jukebox.close()
        await store.close()

    asyncio.run(scenario())
