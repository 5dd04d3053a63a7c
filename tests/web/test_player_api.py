"""The player remote's JSON API on the real daemon: seek, the queue and search refuse bad input clearly."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.helpers import Daemon, client_session, playing, signed_in, wait_for_state


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
