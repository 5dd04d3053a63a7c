"""GET /metrics on the real daemon watching a real face: Prometheus text, the kiosk's figures moving."""

from __future__ import annotations

import asyncio
from pathlib import Path

import skimage.data
from prometheus_client.parser import text_string_to_metric_families

from device.cli.media_files import write_slideshow
from tests.helpers import Daemon, client_session, signed_in, wait_for_state
from web.handling import is_loopback


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_follow_the_kiosk_and_are_kept_to_this_machine(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",))

    async def scenario() -> None:
        async with client_session() as client:
            await signed_in(client, daemon)
            await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["track"]["emotion"] == "happy")
        async with client_session() as anonymous:  # no sign-in needed
            answer = await anonymous.get(daemon.base + "/metrics")
            assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/plain")
            values = samples(await answer.text())
            assert values[("moodkiosk_frames_analysed_total", ())] > 0
            assert values[("moodkiosk_mood_changes_total", (("mood", "happy"),))] >= 1
            assert values[("moodkiosk_tracks_played_total", (("source", "local"),))] >= 1
            assert values[("moodkiosk_faces", ())] == 1
            assert values[("moodkiosk_frame_analysis_seconds_count", (("stage", "detect"),))] > 0
            assert values[("process_resident_memory_bytes", ())] > 50e6
            assert any(name == "moodkiosk_build_info" for name, _ in values)
            assert not any("asha" in str(labels) or "sunny" in str(labels) for _, labels in values)  # no people, no tracks

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_metrics_can_be_turned_off(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path, MOODKIOSK_WEB__METRICS="off")

    async def scenario() -> None:
        async with client_session() as client:
            assert (await client.get(daemon.base + "/metrics")).status == 404

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_only_this_machine_is_local() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.3.2.1") and is_loopback("::1")
    assert is_loopback("::ffff:127.0.0.1")  # IPv4 loopback on a dual-stack socket
    assert not is_loopback("192.168.1.20") and not is_loopback("::ffff:10.0.0.2") and not is_loopback(None)
    assert not is_loopback("not an address")
