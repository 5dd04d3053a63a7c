"""The player remote's JSON API on the real daemon: seek, the queue and search refuse bad input clearly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from tests.helpers import Daemon, client_session, playing, signed_in, wait_for_state, write_rgb


def test_seek_queue_and_search_answer_bad_input_with_clear_errors(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        async with client_session() as asha:
            csrf = await signed_in(asha, daemon)
            base = daemon.base

            async def call(method: str, path: str, body: object = None) -> tuple[int, dict]:
                response = await asha.request(method, base + path, json=body, headers=csrf)
                return response.status, await response.json()

            status, body = await call("POST", "/api/player/seek", {"position": 10})
            assert status == 409 and body["error"] == "nothing is playing"
            for bad in ({"position": -1}, {"position": "10"}, {"position": True}, {}):
                status, body = await call("POST", "/api/player/seek", bad)
                assert status == 422 and body["field"] == "position", bad

            found = await (await asha.get(base + "/api/search", params={"q": "SUN"})).json()
            assert [t["title"] for t in found["tracks"]] == ["sunny"] and found["tracks"][0]["label"] == "happy"
            for query in ("", " ", "x" * 201):
                response = await asha.get(base + "/api/search", params={"q": query})
                assert response.status == 422 and (await response.json())["field"] == "q"

            for bad, field in (
                ({"uri": "/etc/passwd"}, "uri"),  # only tracks of the library: never a path or URL from outside
                ({"uri": "--input-conf=/tmp/x"}, "uri"),
                ({"uri": found["tracks"][0]["uri"], "at": "later"}, "at"),
                ({"uri": 5}, "uri"),
            ):
                status, body = await call("POST", "/api/queue", bad)
                assert status == 422 and body["field"] == field, bad
            status, queue = await call("POST", "/api/queue", {"uri": found["tracks"][0]["uri"]})
            assert status == 201 and queue == {"tracks": [], "then": None}  # nothing played: it started at once
            await wait_for_state(asha, daemon, playing("sunny"))
            status, queue = await call("POST", "/api/queue", {"uri": found["tracks"][0]["uri"], "at": "next"})
            assert status == 201 and [t["title"] for t in queue["tracks"]] == ["sunny"]
            entry = queue["tracks"][0]["id"]
            assert (await call("PUT", f"/api/queue/{entry}", {"position": -1}))[0] == 422
            assert (await call("PUT", f"/api/queue/{entry}", {"position": 0}))[0] == 200
            assert (await call("DELETE", "/api/queue/999"))[0] == 404
            assert (await call("DELETE", "/api/queue/abc"))[0] == 404
            status, queue = await call("DELETE", f"/api/queue/{entry}")
            assert status == 200 and queue["tracks"] == [] and queue["then"] is None
            assert (await call("PUT", f"/api/queue/{entry}", {"position": 0}))[0] == 404  # gone

            status, body = await call("POST", "/api/player/seek", {"position": 30})
            assert status == 200 and body == {"position": 30}
            state = await (await asha.get(base + "/api/state")).json()
            assert state["player"]["duration"] == 120.0 and state["player"]["tracks"] == 2
            assert state["queue"] == {"tracks": [], "then": None}

    asyncio.run(scenario())
    log = daemon.stop()
    assert "queue changed by asha" in log


def test_browse_the_library_and_queue_from_the_history_and_favorites(tmp_path: Path) -> None:
    album = tmp_path / "music" / "happy" / "Album One"
    album.mkdir(parents=True)
    (album / "bright.json").write_text('{"artist": "Lata Mangeshkar"}')
    write_rgb(album / "cover.png", np.full((32, 32, 3), (200, 40, 40), np.uint8))
    daemon = Daemon(tmp_path, music=("happy/Album One/bright.wav",))

    async def scenario() -> None:
        async with client_session() as asha, client_session() as ravi:
            csrf = await signed_in(asha, daemon)
            base = daemon.base

            async def browse(**query: str) -> dict:
                response = await asha.get(base + "/api/browse", params=query)
                assert response.status == 200, await response.text()
                return await response.json()

            assert (await browse(by="mood"))["shelves"] == [{"name": "happy", "tracks": 2}, {"name": "neutral", "tracks": 1}]
            assert (await browse(by="artist"))["shelves"] == [{"name": "Lata Mangeshkar", "tracks": 1}]
            folders = {shelf["name"] for shelf in (await browse(by="folder"))["shelves"]}
            assert folders == {"happy", "happy/Album One", "neutral"}
            shelf = await browse(by="folder", name="happy/Album One")
            bright = shelf["tracks"][0]
            assert [t["title"] for t in shelf["tracks"]] == ["bright"] and bright["cover"] is True
            cover = await asha.get(base + "/api/covers", params={"uri": bright["uri"]})
            assert cover.status == 200 and cover.content_type == "image/png"
            assert (await asha.get(base + "/api/covers", params={"uri": "/etc/passwd"})).status == 404
            for bad in ({"by": "genre"}, {}):
                response = await asha.get(base + "/api/browse", params=bad)
                assert response.status == 422 and (await response.json())["field"] == "by"

            await asha.post(base + "/api/queue", json={"uri": bright["uri"], "at": "now"}, headers=csrf)
            await wait_for_state(asha, daemon, playing("bright"))
            assert (await asha.post(base + "/api/favorites", headers=csrf)).status in (200, 201)  # like it
            await asha.post(base + "/api/player/next", headers=csrf)
            await wait_for_state(asha, daemon, lambda state: state["track"]["title"] != "bright")

            played = await (await asha.get(base + "/api/history")).json()
            assert bright["uri"] in [play["uri"] for play in played["plays"]]
            answer = await asha.post(base + "/api/history/queue", json={"uri": bright["uri"], "at": "next"}, headers=csrf)
            queue = await answer.json()
            assert answer.status == 201 and [t["title"] for t in queue["tracks"]] == ["bright"] and queue["tracks"][0]["cover"]
            refused = await asha.post(base + "/api/history/queue", json={"uri": "/etc/passwd"}, headers=csrf)
            assert refused.status == 422 and (await refused.json())["field"] == "uri"  # only what the kiosk played

            favorite = (await (await asha.get(base + "/api/favorites")).json())["favorites"][0]
            answer = await asha.post(base + f"/api/favorites/{favorite['id']}/queue", json={"at": "end"}, headers=csrf)
            assert answer.status == 201 and [t["title"] for t in (await answer.json())["tracks"]] == ["bright", "bright"]
            ravi_csrf = await signed_in(ravi, daemon, "ravi")  # another member's favorite is not theirs to queue
            answer = await ravi.post(base + f"/api/favorites/{favorite['id']}/queue", json={}, headers=ravi_csrf)
            assert answer.status == 404

    asyncio.run(scenario())
    daemon.stop()
