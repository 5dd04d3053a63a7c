"""Attacks on the web page: fuzzing the whole JSON API from its OpenAPI description, hostile uploads,
user enumeration by timing, path traversal. On the real daemon."""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import time
import zipfile
from pathlib import Path
from typing import Any

import aiohttp
import cv2
import numpy as np
import skimage.data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import Daemon, client_session, huge_png_header, login, png_bytes, rss_kb, signed_in
from web.openapi import SPEC

# Operations that would end the fuzzing session itself; each is tested on its own elsewhere.
SKIPPED = {("post", "/api/logout"), ("get", "/api/events")}
OPERATIONS = sorted((method, path) for path, ops in SPEC["paths"].items() for method in ops if (method, path) not in SKIPPED)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
PATH_PARTS = st.sampled_from(["1", "0", "-1", "999999999999999999999", "ravi", "asha", "..", "%2e%2e%2fetc", "pause",
                              "next", "x" * 300, "é", "%00"]) | st.text(min_size=1, max_size=20)  # fmt: skip


def known_fields(path: str, method: str) -> list[str]:
    body = SPEC["paths"][path][method].get("requestBody", {}).get("content", {}).get("application/json", {})
    return list(body.get("schema", {}).get("properties", {}))


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str], Any, str | None]:
    """A request for a documented operation: mostly well-formed in shape, with hostile values."""
    method, path = draw(st.sampled_from(OPERATIONS))
    concrete = "/".join(draw(PATH_PARTS).replace("/", "%2F") if part.startswith("{") else part for part in path.split("/"))
    query = draw(
        st.dictionaries(st.sampled_from(["hours", "emotion", "language", "play", "ui", "x"]), st.text(max_size=20), max_size=3)
    )
    fields = known_fields(path, method) or ["x"]
    body = draw(st.one_of(st.dictionaries(st.sampled_from(fields), JSON_VALUES, max_size=4), JSON_VALUES))
    raw = draw(st.none() | st.sampled_from(["{", "[]", "null", "\u0000", '{"a":' * 50, "\udcff"]))
    return method, concrete, query, body, raw


def test_fuzzing_the_api_gives_no_500s_no_tracebacks_and_bounded_memory(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)
    seen: dict[int, int] = {}

    async def setup(client: aiohttp.ClientSession) -> dict[str, str]:
        return await signed_in(client, daemon)

    async def send(client: aiohttp.ClientSession, csrf: dict[str, str], request: tuple) -> None:
        method, path, query, body, raw = request
        kwargs: dict[str, Any] = {"params": query, "headers": csrf}
        if raw is not None:
            kwargs["data"] = raw.encode("utf-8", "surrogatepass")
            kwargs["headers"] = {**csrf, "Content-Type": "application/json"}
        elif method != "get":
            kwargs["json"] = body
        async with client.request(method, daemon.base + path, **kwargs) as response:
            text = await response.text()
            seen[response.status] = seen.get(response.status, 0) + 1
            assert response.status < 500 or response.status == 503, (method, path, body, response.status, text)
            assert "Traceback" not in text and 'File "/' not in text, text
            if response.status >= 400 and response.content_type == "application/json":
                assert "error" in json.loads(text), text

    loop = asyncio.new_event_loop()
    client = loop.run_until_complete(_session())  # made inside the loop, as aiohttp wants
    csrf = loop.run_until_complete(setup(client))
    before = rss_kb(daemon.process.pid)

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(requests())
    def fuzz(request: tuple) -> None:
        loop.run_until_complete(send(client, csrf, request))

    try:
        fuzz()
        after = rss_kb(daemon.process.pid)
        still = loop.run_until_complete(client.get(daemon.base + "/api/state"))
        assert still.status == 200  # the session and the kiosk survived
    finally:
        loop.run_until_complete(client.close())
        loop.close()
        log = daemon.stop()
    assert sum(seen.values()) >= 400 and len(seen) >= 4, seen  # many kinds of answers: the fuzzing reached the handlers
    assert after - before < 80_000, f"RSS grew by {(after - before) // 1024} MB"
    assert "unexpected error" not in log and "Traceback" not in log  # no handler failed, even without a 500


async def _session() -> aiohttp.ClientSession:
    return client_session()


def jpeg_bytes(rgb: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return encoded.tobytes()


def test_hostile_uploads_are_refused_or_read_safely(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)
    photo = jpeg_bytes(skimage.data.astronaut())
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("evil.html", "<script>alert(1)</script>")
    uploads = {
        "a JPEG with a zip appended (polyglot)": (photo + archive.getvalue(), {200}),
        "HTML named .jpg": (b"<html><script>alert(1)</script></html>", {415}),
        "an SVG": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', {415}),
        "a PNG cut in half": (png_bytes(skimage.data.astronaut())[:5000], {422}),
        "a PNG claiming 100000 x 100000 pixels": (huge_png(), {413}),
        "nothing at all": (b"", {415, 422}),
        "a JPEG header and noise": (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40, {415, 422}),
    }

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            for name, (payload, allowed) in uploads.items():
                form = aiohttp.FormData()
                form.add_field("file", payload, filename="photo.jpg", content_type="image/jpeg")
                response = await client.post(daemon.base + "/api/analyze", data=form, headers=csrf)
                assert response.status in allowed, (name, response.status, await response.text())
                assert "error" in await response.json() or response.status == 200, name
            assert (await client.get(daemon.base + "/api/state")).status == 200

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def huge_png() -> bytes:
    return huge_png_header(100_000, 100_000)


def test_no_user_enumeration_by_message_or_timing(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)

    async def timed(name: str) -> tuple[float, str]:
        async with client_session() as client:
            started = time.perf_counter()
            response = await login(client, daemon.base, name, "a wrong password!")
            return time.perf_counter() - started, await response.text()

    async def scenario() -> tuple[list[float], list[float], set[str]]:
        known, unknown, messages = [], [], set()
        for index in range(4):  # under the per-account limit (5): every answer is a plain 401
            for name, bucket in (("ravi", known), (f"nobody{index}", unknown)):
                seconds, text = await timed(name)
                bucket.append(seconds)
                messages.add(text)
        return known, unknown, messages

    try:
        known, unknown, messages = asyncio.run(scenario())
    finally:
        daemon.stop()
    assert len(messages) == 1  # the same words whether the name exists or not
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, f"unknown names answer {ratio:.2f}x as fast: the name's existence leaks"


def test_path_traversal_in_files_and_playlists_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes(np.zeros((8, 8, 3), np.uint8)))
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            await client.post(daemon.base + "/api/player/next", headers=csrf)
            await asyncio.sleep(1)
            favorite = await (await client.post(daemon.base + "/api/favorites", headers=csrf)).json()
            with_db(tmp_path, "UPDATE favorites SET thumbnail = ?", (str(secret),))  # a cover outside the music folder
            with_db(tmp_path, "INSERT INTO favorites (user_id, uri, title, playlist, source, thumbnail, added) "
                    "SELECT user_id, 'x', 'x', 'x', 'local', ?, 0 FROM favorites LIMIT 1",
                    (str(daemon.music / ".." / "secret.png"),))  # fmt: skip
            for favorite_id in (favorite["id"], favorite["id"] + 1):
                response = await client.get(daemon.base + f"/api/favorites/{favorite_id}/thumbnail")
                assert response.status == 404, await response.read()
            for path in ("/api/favorites/..%2F..%2Fetc%2Fpasswd/thumbnail", "/static/..%2F..%2Fdevice%2Fconfig.py",
                         "/static/../../etc/passwd"):  # fmt: skip
                response = await client.get(daemon.base + path)
                assert response.status in {403, 404} and b"root:" not in await response.read(), path
            traversal = {"player.mapping": {"sad": ["../../..", "../happy", "/etc"]}}
            saved = await client.put(daemon.base + "/api/admin/settings", json=traversal, headers=csrf)
            assert saved.status == 422 and "No playlist '../../..'" in (await saved.json())["error"]  # not a playlist
            picks = await (await client.get(daemon.base + "/api/recommendations?emotion=sad")).json()
            assert all(str(daemon.music) in t["uri"] for t in picks["tracks"]), picks  # only the music folder's own
            assert "secret" not in json.dumps(picks)

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def with_db(tmp_path: Path, sql: str, parameters: tuple) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "state" / "moodkiosk.db") as db:
        db.execute(sql, parameters)
