"""The JSON API on the real daemon (camera none, real mpv with null outputs, real SQLite)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import skimage.data

from device.cli.media_files import write_slideshow
from tests.helpers import PASSWORD, Daemon, client_session, huge_png_header, login, png_bytes


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    instance = Daemon(tmp_path)
    yield instance
    if instance.process.poll() is None:
        instance.stop()


def test_login_state_controls_logout(daemon: Daemon) -> None:
    async def scenario() -> None:
        async with client_session() as client:
            assert (await client.get(daemon.base + "/api/state")).status == 401
            response = await login(client, daemon.base)
            assert response.status == 200
            body = await response.json()
            assert body["user"] == {"name": "asha", "admin": True, "language": "any"}
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            csrf = {"X-CSRF-Token": body["csrf"]}

            state = await (await client.get(daemon.base + "/api/state")).json()
            assert state["camera"]["state"] == "none" and state["player"]["available"] is True
            assert state["mood"] is None and state["csrf"] == body["csrf"]

            assert (await client.post(daemon.base + "/api/player/pause")).status == 403  # no CSRF token
            assert (await client.post(daemon.base + "/api/player/pause", headers={"X-CSRF-Token": "forged"})).status == 403
            assert (await client.post(daemon.base + "/api/player/pause", headers=csrf)).status == 200
            assert (await (await client.get(daemon.base + "/api/state")).json())["player"]["paused"] is True
            assert (await client.post(daemon.base + "/api/player/resume", headers=csrf)).status == 200
            assert (await client.post(daemon.base + "/api/player/dance", headers=csrf)).status == 404

            assert (await client.put(daemon.base + "/api/player/volume", json={"volume": 150}, headers=csrf)).status == 422
            assert (await client.put(daemon.base + "/api/player/volume", json={"volume": "40"}, headers=csrf)).status == 422
            assert (await client.put(daemon.base + "/api/player/volume", json={"volume": 40}, headers=csrf)).status == 200
            assert (await (await client.get(daemon.base + "/api/state")).json())["player"]["volume"] == 40

            assert (await client.put(daemon.base + "/api/me/language", json={"language": "Hindi"}, headers=csrf)).status == 200
            assert (await (await client.get(daemon.base + "/api/state")).json())["user"]["language"] == "hindi"
            bad = await client.put(daemon.base + "/api/me/language", json={"language": "<script>"}, headers=csrf)
            assert bad.status == 422

            assert (await client.post(daemon.base + "/api/logout", headers=csrf)).status == 200
            assert (await client.get(daemon.base + "/api/state")).status == 401

    asyncio.run(scenario())


def test_login_input_errors(daemon: Daemon) -> None:
    async def scenario() -> None:
        async with client_session() as client:
            url = daemon.base + "/api/login"
            assert (await client.post(url, data="username=asha")).status == 415
            not_json = await client.post(url, data="{nope", headers={"Content-Type": "application/json"})
            assert not_json.status == 400
            assert (await client.post(url, json={"username": "asha"})).status == 422
            assert (await client.post(url, json=["asha", PASSWORD])).status == 422
            wrong = await login(client, daemon.base, password="not the password")
            assert wrong.status == 401
            unknown = await login(client, daemon.base, name="nobody", password="not the password")
            assert (await wrong.json()) == (await unknown.json())  # no hint whether the name exists
            assert "X-Frame-Options" in wrong.headers and "Content-Security-Policy" in wrong.headers

    asyncio.run(scenario())


def test_failed_logins_are_slowed_per_account(daemon: Daemon) -> None:
    async def scenario() -> None:
        async with client_session() as client:
            for _ in range(5):
                assert (await login(client, daemon.base, name="ravi", password="guess guess")).status == 401
            blocked = await login(client, daemon.base, name="ravi", password=PASSWORD)
            assert blocked.status == 429 and int(blocked.headers["Retry-After"]) > 0
            assert (await login(client, daemon.base, name="asha")).status == 200  # others are not locked out

    asyncio.run(scenario())


def test_live_events_start_with_the_state(daemon: Daemon) -> None:
    async def scenario() -> None:
        async with client_session() as client:
            assert (await client.get(daemon.base + "/api/events")).status == 401
            await login(client, daemon.base)
            async with client.get(daemon.base + "/api/events") as stream:
                assert stream.headers["Content-Type"].startswith("text/event-stream")
                assert (await stream.content.readline()).decode().strip() == "event: state"
                data = json.loads((await stream.content.readline()).decode().removeprefix("data: "))
                assert data["camera"]["state"] == "none"
                csrf = {"X-CSRF-Token": (await (await client.get(daemon.base + "/api/state")).json())["csrf"]}
                await client.post(daemon.base + "/api/player/next", headers=csrf)  # plays a track: a live event
                lines = [(await stream.content.readline()).decode().strip() for _ in range(3)]
                assert lines[0] == "" and lines[1] == "event: track"
                assert json.loads(lines[2].removeprefix("data: "))["title"] == "calm"
                started = time.monotonic()
                daemon.stop()  # with the stream still open
                assert time.monotonic() - started < 10

    asyncio.run(scenario())


def test_favorites(daemon: Daemon) -> None:
    async def scenario() -> None:
        async with client_session() as client, client_session() as other:
            csrf = {"X-CSRF-Token": (await (await login(client, daemon.base)).json())["csrf"]}
            other_csrf = {"X-CSRF-Token": (await (await login(other, daemon.base, name="ravi")).json())["csrf"]}
            url = daemon.base + "/api/favorites"
            assert (await client.get(url)).status == 200
            assert (await client.post(url, headers=csrf)).status == 409  # nothing playing yet
            assert (await client.post(url + "/play", headers=csrf)).status == 409  # no favorites yet
            await client.post(daemon.base + "/api/player/next", headers=csrf)  # neutral music: "calm"
            for _ in range(50):
                if (await (await client.get(daemon.base + "/api/state")).json())["player"]["playing"]:
                    break
                await asyncio.sleep(0.1)
            liked = await client.post(url, headers=csrf)
            assert liked.status == 201
            favorite = await liked.json()
            assert (favorite["title"], favorite["playlist"], favorite["source"]) == ("calm", "neutral", "local")
            assert (await client.post(url, headers=csrf)).status == 201  # liking twice keeps one
            assert [f["id"] for f in (await (await client.get(url)).json())["favorites"]] == [favorite["id"]]
            assert (await (await other.get(url)).json())["favorites"] == []  # favorites are per person
            assert (await other.delete(f"{url}/{favorite['id']}", headers=other_csrf)).status == 404
            assert (await client.post(f"{url}/{favorite['id']}/play", headers=csrf)).status == 200
            assert (await client.post(f"{url}/999/play", headers=csrf)).status == 404
            assert (await client.post(url + "/play", headers=csrf)).status == 200
            assert (await client.delete(f"{url}/{favorite['id']}")).status == 403  # CSRF
            assert (await client.delete(f"{url}/{favorite['id']}", headers=csrf)).status == 200
            assert (await client.delete(f"{url}/{favorite['id']}", headers=csrf)).status == 404
            assert (await client.delete(f"{url}/abc", headers=csrf)).status == 404

    asyncio.run(scenario())


def test_try_a_photo(daemon: Daemon) -> None:
    async def upload(
        client: aiohttp.ClientSession, csrf: dict, payload: bytes, name: str = "photo.png", query: str = ""
    ) -> aiohttp.ClientResponse:
        form = aiohttp.FormData()
        form.add_field("file", payload, filename=name, content_type="application/octet-stream")
        return await client.post(daemon.base + "/api/analyze" + query, data=form, headers=csrf)

    async def scenario() -> None:
        async with client_session() as client:
            csrf = {"X-CSRF-Token": (await (await login(client, daemon.base)).json())["csrf"]}
            smiling = await upload(client, csrf, png_bytes(skimage.data.astronaut()))
            assert smiling.status == 200
            result = await smiling.json()
            assert [f["emotion"] for f in result["faces"]] == ["happy"] and result["played"] is None
            assert set(result["faces"][0]) == {"box", "score", "emotion", "scores"}
            assert (result["width"], result["height"]) == (512, 512)
            assert (await (await upload(client, csrf, png_bytes(skimage.data.coffee()))).json())["faces"] == []
            played = await (await upload(client, csrf, png_bytes(skimage.data.astronaut()), query="?play=1")).json()
            assert played["played"] == "happy"
            for _ in range(50):
                track = (await (await client.get(daemon.base + "/api/state")).json())["track"]
                if track:
                    break
                await asyncio.sleep(0.1)
            assert track["playlist"] == "happy" and "photo asha shared looked happy" in track["reason"]

            assert (await upload(client, csrf, b"just some text", "notes.txt")).status == 415
            assert (await upload(client, csrf, png_bytes(skimage.data.astronaut())[:3000])).status == 422  # cut short
            assert (await upload(client, csrf, huge_png_header(30_000, 30_000))).status == 413
            assert (await upload(client, csrf, b"\xff" * (9 * 2**20))).status == 413
            assert (await client.post(daemon.base + "/api/analyze", json={"file": "x"}, headers=csrf)).status == 415
            empty = aiohttp.FormData(default_to_multipart=True)
            empty.add_field("other", "value")
            assert (await client.post(daemon.base + "/api/analyze", data=empty, headers=csrf)).status == 422
            assert (await upload(client, {}, png_bytes(skimage.data.astronaut()))).status == 403  # CSRF

    asyncio.run(scenario())


def test_history(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",))

    async def scenario() -> None:
        async with client_session() as client:
            assert (await client.get(daemon.base + "/api/history")).status == 401
            await login(client, daemon.base)
            for _ in range(100):
                data = await (await client.get(daemon.base + "/api/history?hours=1")).json()
                if data["moods"] and data["plays"]:
                    break
                await asyncio.sleep(0.2)
            assert [m["emotion"] for m in data["moods"]] == ["happy"]
            assert data["plays"][0]["title"] == "sunny" and data["plays"][0]["emotion"] == "happy"
            assert data["since"] < data["moods"][0]["at"] <= data["now"]
            for bad in ("0", "-5", "abc", "1000"):
                assert (await client.get(daemon.base + f"/api/history?hours={bad}")).status == 422

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_photo_without_a_face_model_is_a_clear_503(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path, MOODKIOSK_INFERENCE__FACE_MODEL=str(tmp_path / "missing.tflite"))

    async def scenario() -> None:
        async with client_session() as client:
            csrf = {"X-CSRF-Token": (await (await login(client, daemon.base)).json())["csrf"]}
            form = aiohttp.FormData()
            form.add_field("file", png_bytes(skimage.data.astronaut()), filename="a.png")
            response = await client.post(daemon.base + "/api/analyze", data=form, headers=csrf)
            assert response.status == 503
            assert "face model not found" in (await response.json())["error"]
            assert (await client.get(daemon.base + "/api/state")).status == 200  # the rest keeps working

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_oversized_bodies_are_refused_with_json_before_being_read(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        async with client_session() as client:
            csrf = {"X-CSRF-Token": (await (await login(client, daemon.base)).json())["csrf"]}
            padded = {"language": "hindi", "padding": "x" * 300_000}
            response = await client.put(daemon.base + "/api/me/language", json=padded, headers=csrf)
            assert response.status == 413 and "at most 256 KB" in (await response.json())["error"]

            async def endless() -> AsyncIterator[bytes]:  # chunked, no length: capped while reading
                for _ in range(1000):
                    yield b"\xff" * 65536

            form = aiohttp.FormData()
            form.add_field("file", endless(), filename="huge.jpg", content_type="image/jpeg")
            response = await client.post(daemon.base + "/api/analyze", data=form, headers=csrf)
            assert response.status == 413 and "error" in await response.json()
            assert (await client.get(daemon.base + "/api/state")).status == 200

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()
