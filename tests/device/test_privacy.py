"""Privacy: the promise (frames never touch the disk or the network) and the three privacy modes."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path

import aiohttp
import pytest
import skimage.data
from pydantic import ValidationError

from device.cli.media_files import write_slideshow
from device.core.config import Settings
from tests.helpers import REPO, Daemon, client_session, png_bytes, signed_in, wait_for_state

# Each format's whole header, not its first two or three bytes: "BM" alone turned up in a password hash's base64.
IMAGE_HEADER = re.compile(
    rb"\xff\xd8\xff[\xdb\xe0-\xef]"  # JPEG: start of image, then a table or an APPn segment
    rb"|\x89PNG\r\n\x1a\n"  # PNG
    rb"|RIFF.{4}WEBP"  # WebP
    rb"|GIF8[79]a"  # GIF
    rb"|BM.{4}\x00\x00\x00\x00",  # BMP: the file's size, then four reserved zero bytes
    re.DOTALL,
)


def holds_image_data(path: Path) -> bool:
    """An image file's signature anywhere in it, or a raw frame's worth of bytes (640 x 480 x 3)."""
    data = path.read_bytes()
    return IMAGE_HEADER.search(data) is not None or len(data) >= 640 * 480 * 3


def test_frames_never_touch_the_disk_or_the_network(tmp_path: Path) -> None:
    """The daemon analyses a real video and a photo uploaded to the page, under a Python audit hook
    (``tests/audited_daemon.py``: every file opened for writing, every socket bound or connected). Native
    libraries (mpv, FFmpeg, LiteRT) do not raise audit events, so afterwards every file in the state folder
    is also searched for image data."""
    video = write_slideshow(tmp_path / "visit.mp4", [(skimage.data.coffee(), 2), (skimage.data.astronaut(), 8)])
    audit = tmp_path / "audit.jsonl"
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",), entry=(str(REPO / "tests" / "audited_daemon.py"),),
                    AUDIT_LOG=str(audit))  # fmt: skip

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            await wait_for_state(client, daemon, lambda s: bool(s["mood"]) and s["mood"]["emotion"] == "happy")
            form = aiohttp.FormData()
            form.add_field("file", png_bytes(skimage.data.astronaut()), filename="me.png", content_type="image/png")
            answer = await client.post(daemon.base + "/api/analyze", data=form, headers=csrf)
            assert answer.status == 200 and (await answer.json())["faces"][0]["emotion"] == "happy"

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()
    events = [json.loads(line) for line in audit.read_text().splitlines()]
    state = tmp_path / "state"
    written = {Path(e["path"]).resolve() for e in events if e["event"] == "write"}
    assert written, "the hook saw nothing: it is not working"
    for path in written:
        assert path.is_relative_to(state.resolve()) or path == Path("/dev/null"), path  # the state folder only
    sockets = [e for e in events if e["event"] != "write"]
    port = daemon.env["MOODKIOSK_WEB__PORT"]
    assert sockets and all(e["event"] == "socket.bind" and port in e["address"] for e in sockets), sockets
    stored = [p for p in state.rglob("*") if p.is_file()]
    assert any(p.name == "moodkiosk.db" for p in stored)
    assert not [p for p in stored if holds_image_data(p)]


def test_public_mode_needs_an_operator_and_a_contact() -> None:
    with pytest.raises(ValidationError, match=r"privacy\.operator and privacy\.contact"):
        Settings(privacy={"mode": "public", "operator": "Café Asha"})
    assert Settings(privacy={"mode": "public", "operator": "Café Asha", "contact": "asha@example.org"}).privacy.notice()


def test_public_mode_tells_everyone_and_keeps_only_hourly_moods(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",), MOODKIOSK_PRIVACY__MODE="public",
                    MOODKIOSK_PRIVACY__OPERATOR="Café Asha", MOODKIOSK_PRIVACY__CONTACT="asha@example.org")  # fmt: skip

    async def scenario() -> None:
        async with client_session() as client:
            login_page = await (await client.get(daemon.base + "/login")).text()  # before any sign-in
            assert 'id="privacy-notice"' in login_page and "Café Asha (asha@example.org)" in login_page
            await signed_in(client, daemon)
            assert "recognise the emotions" in await (await client.get(daemon.base + "/")).text()
            await wait_for_state(client, daemon, lambda s: bool(s["mood"]) and s["mood"]["emotion"] == "happy")
            await asyncio.sleep(1)

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()
    rows = sqlite3.connect(tmp_path / "state" / "moodkiosk.db").execute("SELECT at, emotion, confidence, faces FROM moods")
    rows = rows.fetchall()
    assert rows and all(at % 3600 == 0 and confidence == 0 and faces == 0 for at, _, confidence, faces in rows)
    assert len(rows) == len({(at, emotion) for at, emotion, _, _ in rows})  # one row per mood and hour


def test_no_emotion_mode_never_opens_the_camera_and_still_plays(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",), MOODKIOSK_PRIVACY__MODE="no-emotion")

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            state = await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["player"]["playing"])
            assert state["camera"]["state"] == "off" and "never opened" in state["camera"]["detail"]
            assert state["track"]["playlist"] == "neutral" and state["mood"] is None and state["analysis"]["frames"] == 0
            form = aiohttp.FormData()
            form.add_field("file", png_bytes(skimage.data.astronaut()), filename="me.png", content_type="image/png")
            refused = await client.post(daemon.base + "/api/analyze", data=form, headers=csrf)
            assert refused.status == 409 and "no-emotion" in (await refused.json())["error"]
            await client.post(daemon.base + "/api/mood/override", json={"emotion": "happy"}, headers=csrf)
            await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["track"]["playlist"] == "happy")

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "camera" in log and "never opened" in log and "camera " + str(video) + ": open" not in log
