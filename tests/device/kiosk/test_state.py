"""What the page shows of the kiosk (device/kiosk/state.py), from the events on a real bus, on a clock of the
test's own; the conductor, the jukebox and the watcher are the real ones (nothing plays, no camera opens)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from device.core.config import CameraSettings, InferenceSettings, Settings
from device.core.events import (
    CameraChanged,
    Idle,
    MoodChanged,
    Note,
    OverrideEnded,
    OverrideStarted,
    SleepChanged,
    TrackFailed,
    TrackStarted,
)
from device.core.labels import CameraState
from device.core.reasons import Why, WhyKind
from device.core.store import Store
from device.kiosk.conductor import Conductor
from device.kiosk.jukebox import Jukebox
from device.kiosk.live_settings import LiveSettings
from device.kiosk.state import KioskState
from device.kiosk.watcher import Watcher
from tests.device.kiosk.test_conductor import parts


def test_the_state_follows_the_events_on_its_own_clock(tmp_path: Path) -> None:
    async def scenario() -> None:
        conductor, jukebox, _ = parts(tmp_path)
        store = Store(tmp_path / "kiosk.db")
        await store.open()
        try:
            await check(conductor, jukebox, store)
        finally:
            await store.close()

    async def check(conductor: Conductor, jukebox: Jukebox, store: Store) -> None:
        bus = conductor.bus
        watcher = Watcher(CameraSettings(), InferenceSettings(), bus, lambda at, analysis: None)
        now = [1000.0]
        state = KioskState(conductor, jukebox, watcher, LiveSettings(Settings(), store, bus), clock=lambda: now[0])
        bus.subscribe(state)
        assert state.status_line(None) == "no mood yet, nothing playing, camera starting"

        bus.publish(MoodChanged("happy", 0.82, 2))
        assert state.mood == {"emotion": "happy", "confidence": 0.82, "faces": 2, "since": 1000.0}
        now[0] = 1060.0
        why = Why(WhyKind.ASKED, by="asha")
        bus.publish(TrackStarted(emotion="happy", playlist="happy", label="happy", title="Sunny", artist=None,
                                 uri="/m/sunny.wav", source="local", language=None, thumbnail=None, why=why))  # fmt: skip
        assert state.track is not None and state.track["since"] == 1060.0 and state.track["title"] == "Sunny"
        assert state.track["why"] == why.to_json() and state.why == why
        bus.publish(CameraChanged("video.mp4", CameraState.OPEN, ""))
        assert state.camera == {"camera": "video.mp4", "state": CameraState.OPEN, "detail": ""}
        assert state.status_line(4.0) == "happy (82%), nothing playing, 4.0 fps"
        bus.publish(CameraChanged("video.mp4", CameraState.STALLED, "no frame for 20 s"))
        assert state.status_line(None).endswith("camera stalled")

        bus.publish(OverrideStarted("sad", 30, 2860.0, "asha"))
        assert state.override == {"emotion": "sad", "until": 2860.0, "by": "asha"}
        bus.publish(OverrideEnded("ended on the page"))
        assert state.override is None
        bus.publish(SleepChanged(None, True, "asha"))
        assert state.sleep == {"until": None, "after_track": True, "by": "asha"}
        bus.publish(SleepChanged(None, False, "asha"))
        assert state.sleep is None  # the timer switched off

        for number in range(12):
            now[0] = 2000.0 + number
            bus.publish(Note(f"note {number}") if number % 2 else TrackFailed("/m/x.wav", "happy", "broken"))
        assert len(state.notes) == 10 and state.notes[-1]["text"] == "note 11" and state.notes[-1]["at"] == 2011.0
        assert state.notes[0]["at"] == 2002.0  # the oldest two are gone

        bus.publish(Idle())
        assert state.mood == {"emotion": None, "confidence": 0.0, "faces": 0, "since": 2011.0}
        snapshot = state.snapshot()
        assert snapshot["mood"] == state.mood and snapshot["analysis"] == {"fps": None, "frames": 0}
        assert snapshot["speakers"]["output"] == "local" and snapshot["override"] is None
        assert state.status_line(None).startswith("idle, ")

    asyncio.run(scenario())
