"""The recorder writes the derived facts from the events, and only those (a real SQLite file)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from device.core.events import Idle, MoodChanged, PlayerChanged, TrackStarted
from device.core.reasons import Why, WhyKind
from device.core.store import Store
from device.kiosk.chores import Chores
from device.kiosk.recorder import Recorder


def track(uri: str) -> TrackStarted:
    return TrackStarted(emotion="happy", playlist="happy", label="happy", title="Sunny", artist=None, uri=uri,
                        source="local", language=None, thumbnail=None, why=Why(WhyKind.ASKED, by="asha"))  # fmt: skip


def test_moods_plays_and_the_volume_are_kept_and_the_volume_only_when_it_changes(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(tmp_path / "kiosk.db")
        await store.open()
        chores = Chores()
        recorder = Recorder(store, chores)
        assert await recorder.last_volume() is None
        for event in (MoodChanged("happy", 0.8, 1), track("/m/sunny.wav"), Idle(), PlayerChanged(False, 40, None),
                      PlayerChanged(True, 40, 3.0)):  # fmt: skip
            recorder(event)
        await chores.stop()  # the writes run as chores: wait for them
        history = await recorder.history(since=0)
        assert [(mood["emotion"], mood["faces"]) for mood in history["moods"]] == [("happy", 1), (None, 0)]
        assert [(play["uri"], play["emotion"]) for play in history["plays"]] == [("/m/sunny.wav", "happy")]
        assert await Recorder(store, chores).last_volume() == 40  # what the player starts with
        await store.close()

    asyncio.run(scenario())


def test_in_public_mode_only_the_hours_moods_are_kept(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(tmp_path / "kiosk.db")
        await store.open()
        chores = Chores()
        recorder = Recorder(store, chores, hourly=True)
        for event in (MoodChanged("happy", 0.8, 1), MoodChanged("sad", 0.7, 2), Idle()):
            recorder(event)
        await chores.stop()
        moods = await store.moods()
        assert [(emotion, confidence, faces) for _, emotion, confidence, faces in moods] == [
            ("happy", 0, 0), ("sad", 0, 0), (None, 0, 0)
        ]  # which moods occurred: no confidence, no faces  # fmt: skip
        assert all(at % 3600 == 0 for at, _, _, _ in moods)  # at the hour's start, not the moment
        await store.close()

    asyncio.run(scenario())
