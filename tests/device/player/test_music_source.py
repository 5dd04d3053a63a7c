"""The seam for music sources (device/player/music_source.py): a new kind of source is its class and one line in
``SOURCE_KINDS`` (device/player/catalog.py); the DJ, the jukebox and the page's "Music sources" take it as it is.

Here the new source is a "crate": ``crate:<folder>`` plays the audio files of any folder on the kiosk (outside the
music folder), listed in the background like a remote playlist, with its health said."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from device.core.config import MoodSettings, PlayerSettings
from device.core.events import EventBus, SourceChanged, TrackStarted
from device.core.labels import TrackSource
from device.kiosk.conductor import Conductor
from device.kiosk.jukebox import Jukebox
from device.player import catalog
from device.player.library import Track
from device.player.music_source import MusicSource, SourceContext, SourceHealth
from tests.device.kiosk.test_conductor import music, until
from tests.helpers import tone


class CrateSource(MusicSource):
    """File one of the two: the source."""

    remote = False

    def __init__(self, context: SourceContext) -> None:
        self.on_change = context.on_change
        self.listed: dict[str, list[Track]] = {}
        self.health: dict[str, SourceHealth] = {}

    @classmethod
    def owns(cls, playlist: str) -> bool:
        return playlist.startswith("crate:")

    @classmethod
    def label(cls, playlist: str) -> str:
        return f"crate {Path(playlist.removeprefix('crate:')).name}"

    @classmethod
    def from_context(cls, context: SourceContext) -> CrateSource:
        return cls(context)

    def tracks(self, playlist: str) -> list[Track]:
        return list(self.listed.get(playlist, []))

    def problem(self, playlist: str) -> str | None:
        health = self.health.get(playlist)
        return "not listed yet" if health is None else health.error or None

    def want(self, playlist: str) -> None:
        if playlist not in self.health:
            self.request(playlist)

    def request(self, playlist: str) -> None:
        folder = Path(playlist.removeprefix("crate:"))
        files = sorted(folder.glob("*.wav"))
        self.listed[playlist] = [Track(str(f), f.stem, playlist, TrackSource.LOCAL) for f in files]
        self.health[playlist] = SourceHealth("ok" if files else "failing", "" if files else "an empty crate", tracks=len(files))
        self.on_change(playlist, self.health[playlist])

    def states(self) -> dict[str, SourceHealth]:
        return dict(self.health)


def test_a_new_source_is_its_class_and_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "SOURCE_KINDS", (*catalog.SOURCE_KINDS, CrateSource))  # file two: the one line
    crate = tmp_path / "crate"
    crate.mkdir()
    tone(crate / "vinyl.wav", seconds=60)
    player = PlayerSettings(audio_output="null", video_output="null", default_searches=False,
                            mapping={"happy": f"crate:{crate}"})  # fmt: skip
    bus, events = EventBus(), []
    bus.subscribe(events.append)
    jukebox = Jukebox(player, music(tmp_path / "music"), tmp_path / "cache", bus)
    jukebox.scan()
    conductor = Conductor(MoodSettings(), player, bus, jukebox, clock=lambda: 0.0)

    async def scenario() -> None:
        jukebox.start(asyncio.get_running_loop())  # the mapped sources are listed at the start
        assert catalog.label(f"crate:{crate}") == "crate crate" and not catalog.is_remote(f"crate:{crate}")
        conductor.override_mood("happy", 5, "asha")
        (started,) = await until(events, TrackStarted)
        assert started.title == "vinyl" and started.playlist == f"crate:{crate}" and started.label == "crate crate"
        assert [(e.label, e.state) for e in events if isinstance(e, SourceChanged)] == [("crate crate", "ok")]
        assert jukebox.sources_state() == [{"playlist": f"crate:{crate}", "label": "crate crate", "state": "ok",
                                            "error": "", "tracks": 1, "trouble": ""}]  # fmt: skip
        await jukebox.close()

    asyncio.run(scenario())
