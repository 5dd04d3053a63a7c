"""Faults injected into the real daemon: the camera, the models, the player, the disk, the config.

Each test breaks one thing on purpose and checks that the kiosk says what happened, keeps the
rest working (music, the page) and recovers when the fault goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
import skimage.data

from device.cli.media_files import write_slideshow
from device.core.store import MIGRATIONS, SCHEMA_VERSION
from tests.helpers import (
    PASSWORD,
    REPO,
    STAND_INS,
    Daemon,
    clean_env,
    client_session,
    login,
    read_events,
    signed_in,
    wait_for_state,
)


def camera_is(state: str, detail: str = "") -> Callable[[dict], bool]:
    return lambda s: s["camera"]["state"] == state and detail in s["camera"]["detail"]


def test_camera_errors_stalls_bad_frames_and_unplugging_are_survived(tmp_path: Path) -> None:
    mode = tmp_path / "camera-mode"
    mode.write_text("ok")
    daemon = Daemon(
        tmp_path,
        camera="picamera2",
        PYTHONPATH=str(STAND_INS),
        PICAMERA2_STAND_IN_MODE=str(mode),
        MOODKIOSK_CAMERA__STALL_SECONDS="2",
        MOODKIOSK_CAMERA__MAX_RETRY_SECONDS="2",
    )

    async def scenario() -> None:
        async with client_session() as client:
            await signed_in(client, daemon)
            state = await wait_for_state(client, daemon, lambda s: bool(s["mood"]) and s["player"]["playing"])
            assert state["camera"]["state"] == "open" and state["mood"]["emotion"] == "happy"
            for fault, expected in (("error", camera_is("offline", "timed out")), ("stall", camera_is("stalled")),
                                    ("gone", camera_is("offline"))):  # fmt: skip
                mode.write_text(fault)
                state = await wait_for_state(client, daemon, expected)
                assert state["player"]["playing"], f"the music stopped when the camera went {fault}"
                mode.write_text("ok")
                await wait_for_state(client, daemon, camera_is("open"))  # reopened on its own
            for bad_frames in ("black", "noise"):
                mode.write_text(bad_frames)
                await asyncio.sleep(2)
                state = await (await client.get(daemon.base + "/api/state")).json()
                assert state["camera"]["state"] == "open" and state["player"]["playing"]
            mode.write_text("ok")

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "Traceback" not in log
    assert "camera picamera2:0: offline" in log and "camera picamera2:0: stalled" in log


def test_a_broken_emotion_model_leaves_the_page_and_the_music_working(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"TFL3" + b"\0" * 2000)
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",), MOODKIOSK_INFERENCE__EMOTION_MODEL=str(broken))

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            state = await (await client.get(daemon.base + "/api/state")).json()
            assert any("emotion detection is off" in note["text"] for note in state["notes"])
            await client.post(daemon.base + "/api/player/next", headers=csrf)
            await wait_for_state(client, daemon, lambda s: s["player"]["playing"])

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "emotion detection is off" in log and "Traceback" not in log


def test_a_playlist_whose_every_track_fails_backs_off(tmp_path: Path) -> None:
    broken = tmp_path / "broken-music"
    for playlist in ("neutral", "happy"):
        (broken / playlist).mkdir(parents=True)
        (broken / playlist / "noise.ogg").write_bytes(b"OggS" + b"\x17" * 5000)
    events_file = tmp_path / "events.jsonl"
    daemon = Daemon(tmp_path, extra=("--music-dir", str(broken), "--events", str(events_file)))

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            await client.post(daemon.base + "/api/player/next", headers=csrf)
            await asyncio.sleep(12)
            state = await (await client.get(daemon.base + "/api/state")).json()
            assert any(note["type"] == "track-error" for note in state["notes"])  # the page says why

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    failures = read_events(events_file, "track-error")
    assert 3 <= len(failures) <= 8, f"{len(failures)} failures in 12 s: a busy loop, or no retry at all"
    gaps = [b["t"] - a["t"] for a, b in itertools.pairwise(failures[2:])]
    assert all(gap >= 0.9 for gap in gaps), gaps  # growing pauses after the first three
    assert "cannot play" in log and failures[0]["error"]


def test_sigkill_while_writing_loses_nothing_committed(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)
    acknowledged: list[int] = []

    async def busy() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            await client.post(daemon.base + "/api/player/next", headers=csrf)
            await wait_for_state(client, daemon, lambda s: s["player"]["playing"])
            for _ in range(100):  # the first play is written (on a busy machine that can take a moment)
                if (await (await client.get(daemon.base + "/api/history?hours=1")).json())["plays"]:
                    break
                await asyncio.sleep(0.1)
            for _ in range(400):  # likes and plays written while the kill comes
                response = await client.post(daemon.base + "/api/favorites", headers=csrf)
                if response.status == 201:
                    acknowledged.append((await response.json())["id"])
                await client.post(daemon.base + "/api/player/next", headers=csrf)

    async def kill_midway() -> None:
        task = asyncio.ensure_future(busy())
        for _ in range(300):  # a few writes acknowledged, more under way
            if len(acknowledged) >= 3 or task.done():
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        daemon.process.send_signal(signal.SIGKILL)
        daemon.process.wait()
        with contextlib.suppress(aiohttp.ClientError, ConnectionError, asyncio.TimeoutError, AssertionError):
            await task  # the client sees the daemon go away mid-request

    asyncio.run(kill_midway())
    assert acknowledged, "nothing was written before the kill"
    database = tmp_path / "state" / "moodkiosk.db"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = {row[0] for row in db.execute("SELECT id FROM favorites")}
        plays = db.execute("SELECT COUNT(*) FROM plays").fetchone()[0]
    assert acknowledged[-1] in kept and plays >= 1  # the last acknowledged like survived the kill
    again = Daemon(tmp_path)  # and the kiosk starts again on that database

    async def after() -> None:
        async with client_session() as client:
            await signed_in(client, again)
            favorites = (await (await client.get(again.base + "/api/favorites")).json())["favorites"]
            assert acknowledged[-1] in {f["id"] for f in favorites}

    try:
        asyncio.run(after())
    finally:
        again.stop()


def test_a_database_from_the_first_version_is_upgraded(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    with sqlite3.connect(state / "moodkiosk.db") as db:
        for statement in MIGRATIONS[0]:
            db.execute(statement)
        db.execute("INSERT INTO moods (at, emotion, confidence, faces) VALUES (?, 'sad', 0.8, 1)", (time.time() - 60,))
        db.execute("PRAGMA user_version = 1")
    daemon = Daemon(tmp_path)  # adds the accounts, so the upgrade already happened once; the daemon opens it again
    try:
        with sqlite3.connect(state / "moodkiosk.db") as db:
            assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
            assert db.execute("SELECT emotion FROM moods").fetchall() == [("sad",)]

        async def history() -> None:
            async with client_session() as client:
                await signed_in(client, daemon)
                data = await (await client.get(daemon.base + "/api/history?hours=1")).json()
                assert [m["emotion"] for m in data["moods"]] == ["sad"]

        asyncio.run(history())
    finally:
        daemon.stop()


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    """A 24 MB tmpfs: a disk that can really fill up (needs root, as in CI)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True, check=False)
    assert result.returncode == 0, f"cannot mount a tmpfs (run the tests as root): {result.stderr.decode()}"
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_writes_clearly_and_recovers(tmp_path: Path, small_disk: Path) -> None:
    daemon = Daemon(tmp_path, MOODKIOSK_STORAGE__STATE_DIR=str(small_disk / "state"))
    filler = small_disk / "filler"

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            await client.post(daemon.base + "/api/player/next", headers=csrf)
            await wait_for_state(client, daemon, lambda s: s["player"]["playing"])
            with filler.open("wb") as handle:  # fill the disk to the last byte
                try:
                    while True:
                        handle.write(b"\0" * 65536)
                        handle.flush()
                except OSError:
                    pass
            liked = await client.post(daemon.base + "/api/favorites", headers=csrf)
            assert liked.status == 503 and "disk" in (await liked.json())["error"]
            for _ in range(3):  # plays are logged: these writes fail, the music goes on
                await client.post(daemon.base + "/api/player/next", headers=csrf)
                await asyncio.sleep(0.5)
            state = await (await client.get(daemon.base + "/api/state")).json()
            assert state["player"]["playing"]
            filler.unlink()
            await client.post(daemon.base + "/api/player/next", headers=csrf)
            await asyncio.sleep(1)
            assert (await client.post(daemon.base + "/api/favorites", headers=csrf)).status == 201

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert log.count("(disk full or read-only?)") == 1, log  # said once, not at every write
    assert "works again" in log


def test_sighup_reloads_the_config_and_keeps_the_old_one_when_it_is_broken(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[player]\nstrategy = "match"\n')
    daemon = Daemon(tmp_path, extra=("--music-dir", str(tmp_path / "music")), config=config)

    async def strategy_playlist() -> list[str]:
        async with client_session() as client:
            await login(client, daemon.base, "asha", PASSWORD)
            return (await (await client.get(daemon.base + "/api/recommendations?emotion=sad")).json())["playlists"]

    try:
        assert asyncio.run(strategy_playlist()) == ["sad"]
        config.write_text('[player]\nstrategy = "shuffle"\n')  # wrong: the old settings must stay
        daemon.process.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        assert daemon.process.poll() is None and asyncio.run(strategy_playlist()) == ["sad"]
        config.write_text('[player]\nstrategy = "lift"\nvolume = 50\n')  # the start volume: a restart-only key
        daemon.process.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        assert asyncio.run(strategy_playlist()) == ["happy"]  # lift: sad -> happy music
    finally:
        log = daemon.stop()
    assert "config reload failed, keeping the settings in use" in log and "player.strategy" in log
    assert "config reloaded; these take effect at the next start: player.volume" in log


def test_a_broken_config_at_start_names_the_key_and_exits_non_zero(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[mood]\ndwell_seconds = -3\n")
    result = subprocess.run(
        [sys.executable, "-m", "device", "--config", str(config), "run", "--camera", "none"],
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "mood.dwell_seconds" in result.stderr
