"""Issue acceptance on the real daemon: a remote playlist plays through mpv's ytdl hook; the server goes
away and local music takes over within seconds, said once; a liked remote track is kept and plays offline."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import skimage.data
from playwright.sync_api import expect, sync_playwright

from device.cli.media_files import write_slideshow
from tests.helpers import CHROMIUM, FLAGS, Daemon, client_session, read_events, sign_in, signed_in, wait_for_state
from tests.media_server import MediaServer


def test_remote_playlist_falls_back_to_local_and_a_liked_track_plays_offline(tmp_path: Path) -> None:
    server = MediaServer(tmp_path / "www").start()
    feed = server.feed("happy-mix", ["Tune A", "Tune B", "Tune C"], seconds=3)
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    events = tmp_path / "events.jsonl"
    daemon = Daemon(
        tmp_path,
        camera=str(video),
        extra=("--loop", "--events", str(events)),
        MOODKIOSK_PLAYER__MAPPING=json.dumps({"happy": feed}),
    )

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            # The first mood may come before the first listing (then the local happy music plays first): next, once listed.
            await wait_for_state(
                client, daemon, lambda s: bool(s["sources"]) and s["sources"][0]["state"] == "ok" and bool(s["track"])
            )
            if ((await (await client.get(daemon.base + "/api/state")).json())["track"] or {}).get("source") != "remote":
                await client.post(daemon.base + "/api/player/next", headers=csrf)
            state = await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["track"]["source"] == "remote")
            assert state["track"]["title"].startswith("Tune") and state["track"]["playlist"] == feed
            assert state["track"]["thumbnail"] is True
            cover = await client.get(daemon.base + "/api/now/thumbnail")  # fetched by the kiosk, served from it
            assert cover.status == 200 and cover.content_type == "image/png"
            assert {"playlist": feed, "state": "ok"}.items() <= state["sources"][0].items()

            liked = await (await client.post(daemon.base + "/api/favorites", headers=csrf)).json()
            assert liked["source"] == "remote"
            for _ in range(150):
                favorites = (await (await client.get(daemon.base + "/api/favorites")).json())["favorites"]
                if favorites[0]["offline"]:
                    break
                await asyncio.sleep(0.2)
            assert favorites[0]["offline"] is True
            assert list((tmp_path / "state" / "cache").iterdir())  # kept in the state dir

            server.stop()
            stopped = time.monotonic()
            state = await wait_for_state(
                client, daemon, lambda s: s["track"]["source"] == "local" and s["track"]["playlist"] == "happy"
            )
            assert time.monotonic() - stopped < 10, "local happy music should take over within 10 s"
            assert "unavailable" in state["track"]["reason"] and "playing 'happy' instead" in state["track"]["reason"]
            state = await wait_for_state(client, daemon, lambda s: s["sources"][0]["state"] == "failing")
            assert state["sources"][0]["error"]  # the page shows why

            played = await client.post(daemon.base + f"/api/favorites/{liked['id']}/play", headers=csrf)
            assert played.status == 200
            await wait_for_state(client, daemon, lambda s: s["track"]["uri"] == liked["uri"])  # started, offline
            await asyncio.sleep(1)
            assert not [e for e in read_events(events, "track-error") if e["uri"] == liked["uri"]]

    try:
        asyncio.run(scenario())
        with sync_playwright() as playwright:  # the page says the source is down, in a sentence; the detail for admins
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page()
            sign_in(page, daemon.base)
            expect(page.locator("#sources")).to_be_visible()
            expect(page.locator("#source-list li")).to_contain_text("No internet: playing your own music.")
            expect(page.locator("#source-list details.detail")).to_contain_text("127.0.0.1")  # asha is an admin
            browser.close()
    finally:
        server.stop()
        log = daemon.stop()
    warnings = [line for line in log.splitlines() if " WARNING " in line and "music source" in line]
    assert len(warnings) == 1 and "is unavailable: a track would not play: no network" in warnings[0], log  # said once
    sources = read_events(events, "source")
    assert [e["state"] for e in sources] == ["listing", "ok", "failing"] or [e["state"] for e in sources] == ["ok", "failing"]
