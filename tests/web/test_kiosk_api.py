"""Takeover and language, mood override, recommendations, detection pause, thumbnails, sign-up: on the real daemon."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import cv2
import numpy as np
import skimage.data

from device.cli.media_files import write_slideshow
from tests.helpers import PASSWORD, Daemon, client_session, playing, signed_in, wait_for_state


def test_takeover_makes_the_kiosk_follow_the_members_language(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path, music=("neutral/hindi/shant.wav",))

    async def scenario() -> None:
        async with client_session() as asha, client_session() as ravi:
            assert (await asha.post(daemon.base + "/api/takeover")).status == 401
            csrf = await signed_in(asha, daemon)
            ravi_csrf = await signed_in(ravi, daemon, "ravi")
            state = await (await asha.get(daemon.base + "/api/state")).json()
            choices = ["english", "hindi", "any"]
            assert state["language"] == {"active": "any", "member": None, "household": "any", "choices": choices}
            assert (await asha.post(daemon.base + "/api/takeover")).status == 403  # CSRF
            await asha.put(daemon.base + "/api/me/language", json={"language": "hindi"}, headers=csrf)
            taken = await asha.post(daemon.base + "/api/takeover", headers=csrf)
            assert taken.status == 200 and await taken.json() == {"member": "asha", "language": "hindi"}
            await asha.post(daemon.base + "/api/player/next", headers=csrf)  # neutral music, in hindi
            state = await wait_for_state(asha, daemon, playing("shant"))
            assert state["language"]["active"] == "hindi" and state["language"]["member"] == "asha"
            assert state["track"]["language"] == "hindi" and "(hindi)" in state["track"]["reason"]

            # Asha picks english while she has the kiosk: it follows (an untagged track fits any language).
            await asha.put(daemon.base + "/api/me/language", json={"language": "english"}, headers=csrf)
            await wait_for_state(asha, daemon, playing("calm"))
            # Ravi takes over with his language (any); asha's choices no longer move the kiosk.
            assert (await ravi.post(daemon.base + "/api/takeover", headers=ravi_csrf)).status == 200
            await asha.put(daemon.base + "/api/me/language", json={"language": "hindi"}, headers=csrf)
            state = await (await asha.get(daemon.base + "/api/state")).json()
            assert state["language"]["active"] == "any" and state["language"]["member"] == "ravi"
            assert (await asha.delete(daemon.base + "/api/takeover", headers=csrf)).status == 409  # not hers to release
            assert (await ravi.delete(daemon.base + "/api/takeover", headers=ravi_csrf)).status == 200
            state = await (await asha.get(daemon.base + "/api/state")).json()
            assert state["language"] == {**state["language"], "active": "any", "member": None}

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "music language: hindi (asha took over)" in log


def test_recommendations_answer_what_would_play(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path, music=("neutral/hindi/shant.wav", "happy/english/bright.wav"))

    async def scenario() -> None:
        async with client_session() as client:
            url = daemon.base + "/api/recommendations"
            assert (await client.get(url)).status == 401
            await signed_in(client, daemon)
            default = await (await client.get(url)).json()  # no mood yet: neutral, in the kiosk's language (any)
            assert (default["emotion"], default["language"], default["playlists"]) == ("neutral", "any", ["neutral"])
            assert sorted(t["title"] for t in default["tracks"]) == ["calm", "shant"] and default["total"] == 2
            hindi = await (await client.get(url + "?emotion=neutral&language=hindi")).json()
            assert [t["title"] for t in hindi["tracks"]] == ["shant"] and hindi["note"] is None
            english = await (await client.get(url + "?emotion=happy&language=english")).json()
            assert [t["title"] for t in english["tracks"]] == ["bright"]
            missing = await (await client.get(url + "?emotion=sad&language=hindi")).json()
            assert missing["playlists"] == ["sad"] and "empty or missing" in missing["note"]
            assert [t["title"] for t in missing["tracks"]] == ["shant"]  # the fallback (neutral), still in hindi
            for bad in ("emotion=joy", "language=<b>", "emotion=HAPPY"):
                response = await client.get(f"{url}?{bad}")
                assert response.status == 422 and "error" in await response.json()

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_a_mood_set_by_hand_holds_then_ends(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        async with client_session() as client:
            url = daemon.base + "/api/mood/override"
            assert (await client.post(url, json={"emotion": "happy"})).status == 401
            csrf = await signed_in(client, daemon, "ravi")  # any member may
            for bad in ({"emotion": "joy"}, {"minutes": 5}, {"emotion": "happy", "minutes": 0},
                        {"emotion": "happy", "minutes": "5"}, {"emotion": "happy", "minutes": 100_000},
                        {"emotion": "happy", "minutes": True}):  # fmt: skip
                response = await client.post(url, json=bad, headers=csrf)
                assert response.status == 422, bad
            assert (await client.post(url, json={"emotion": "happy", "minutes": 5})).status == 403  # CSRF
            assert (await client.delete(url, headers=csrf)).status == 409  # nothing to end
            response = await client.post(url, json={"emotion": "happy", "minutes": 5}, headers=csrf)
            assert response.status == 200
            body = await response.json()
            assert body["emotion"] == "happy" and body["by"] == "ravi"
            state = await wait_for_state(client, daemon, playing("sunny"))
            assert state["override"]["emotion"] == "happy" and state["override"]["until"] == body["until"]
            assert state["track"]["reason"] == "ravi chose happy music for 5 min"
            assert (await client.delete(url, headers=csrf)).status == 200
            assert (await (await client.get(daemon.base + "/api/state")).json())["override"] is None

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "mood set to happy by ravi for 5 min" in log and "mood override ended (ended on the page)" in log


def test_pausing_detection_closes_the_camera_and_lasts_across_restarts(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",))

    async def scenario(daemon: Daemon, paused_at_start: bool) -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon, "ravi")
            if paused_at_start:
                state = await wait_for_state(client, daemon, lambda s: s["camera"]["state"] == "paused")
                assert state["detection"]["paused"] is True
                assert (await client.post(daemon.base + "/api/detection/resume", headers=csrf)).status == 200
                await wait_for_state(client, daemon, lambda s: s["camera"]["state"] == "open")
                return
            await wait_for_state(client, daemon, lambda s: s["camera"]["state"] == "open")
            assert (await client.post(daemon.base + "/api/detection/pause")).status == 403  # CSRF
            assert (await client.post(daemon.base + "/api/detection/blink", headers=csrf)).status == 404
            response = await client.post(daemon.base + "/api/detection/pause", headers=csrf)
            assert response.status == 200 and await response.json() == {"paused": True}
            state = await wait_for_state(client, daemon, lambda s: s["camera"]["state"] == "paused")
            assert state["detection"]["paused"] is True

    try:
        asyncio.run(scenario(daemon, paused_at_start=False))
    finally:
        daemon.stop()
    again = Daemon(tmp_path, camera=str(video), extra=("--loop",))
    try:
        asyncio.run(scenario(again, paused_at_start=True))
    finally:
        again.stop()


def test_cover_images_are_thumbnails_of_the_playing_track_and_favorites(tmp_path: Path) -> None:
    (tmp_path / "music" / "neutral").mkdir(parents=True)  # before the daemon starts: it scans the folder then
    cover = np.full((64, 64, 3), (40, 120, 200), np.uint8)
    assert cv2.imwrite(str(tmp_path / "music" / "neutral" / "cover.png"), cover)
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        async with client_session() as client:
            assert (await client.get(daemon.base + "/api/now/thumbnail")).status == 401
            csrf = await signed_in(client, daemon)
            assert (await client.get(daemon.base + "/api/now/thumbnail")).status == 404  # nothing playing
            await client.post(daemon.base + "/api/player/next", headers=csrf)  # neutral: calm, with a cover
            state = await wait_for_state(client, daemon, playing("calm"))
            assert state["track"]["thumbnail"] is True
            image = await client.get(daemon.base + "/api/now/thumbnail")
            assert image.status == 200 and image.content_type == "image/png"
            assert await image.read() == (daemon.music / "neutral" / "cover.png").read_bytes()
            favorite = await (await client.post(daemon.base + "/api/favorites", headers=csrf)).json()
            assert favorite["thumbnail"] == f"/api/favorites/{favorite['id']}/thumbnail"
            assert (await client.get(daemon.base + favorite["thumbnail"])).status == 200
            assert (await client.get(daemon.base + "/api/favorites/999/thumbnail")).status == 404

            await client.post(daemon.base + "/api/mood/override", json={"emotion": "happy", "minutes": 1}, headers=csrf)
            state = await wait_for_state(client, daemon, playing("sunny"))  # happy/ has no cover
            assert state["track"]["thumbnail"] is False
            assert (await client.get(daemon.base + "/api/now/thumbnail")).status == 404
            sunny = await (await client.post(daemon.base + "/api/favorites", headers=csrf)).json()
            assert sunny["thumbnail"] is None
            assert (await client.get(daemon.base + f"/api/favorites/{sunny['id']}/thumbnail")).status == 404

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_self_signup_only_when_an_admin_allows_it(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        url = daemon.base + "/api/signup"
        async with client_session() as visitor, client_session() as admin:
            assert (await visitor.post(url, json={"username": "meera", "password": PASSWORD})).status == 403
            assert "sign-up" not in await (await visitor.get(daemon.base + "/login")).text()
            csrf = await signed_in(admin, daemon)
            changed = await admin.put(daemon.base + "/api/admin/settings", json={"web.self_signup": True}, headers=csrf)
            assert changed.status == 200
            assert 'id="signup"' in await (await visitor.get(daemon.base + "/login")).text()
            assert (await visitor.post(url, json={"username": "meera", "password": "short"})).status == 422
            assert (await visitor.post(url, json={"username": "asha", "password": PASSWORD})).status == 409
            created = await visitor.post(url, json={"username": "meera", "password": PASSWORD})
            assert created.status == 200
            assert (await created.json())["user"] == {"name": "meera", "admin": False, "language": "any"}
            assert (await visitor.get(daemon.base + "/api/state")).status == 200  # signed in at once
            assert (await visitor.get(daemon.base + "/api/admin/users")).status == 403  # but no admin
            for index in range(3):  # five attempts an hour from one address
                await visitor.post(url, json={"username": f"flood{index}", "password": PASSWORD})
            flooded = await visitor.post(url, json={"username": "flood9", "password": PASSWORD})
            assert flooded.status == 429 and int(flooded.headers["Retry-After"]) > 0

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_was_i_right_corrections_are_kept_counted_and_forgotten(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",))

    async def scenario() -> None:
        async with client_session() as asha, client_session() as ravi:
            csrf = await signed_in(asha, daemon)
            ravi_csrf = await signed_in(ravi, daemon, "ravi")
            url = daemon.base + "/api/mood/correction"
            assert (await ravi.post(url, json={"emotion": "bored"}, headers=ravi_csrf)).status == 422
            await wait_for_state(asha, daemon, lambda state: bool(state["mood"]) and state["mood"]["emotion"] == "happy")
            answer = await ravi.post(url, json={"emotion": "neutral"}, headers=ravi_csrf)  # any member may say so
            assert answer.status == 200
            body = await answer.json()
            assert body["predicted"] == "happy" and body["corrected"] == "neutral" and body["learned_from"] == 1
            assert body["bias"]["neutral"] > 0 > body["bias"]["happy"]
            agree = await (await asha.post(url, json={"emotion": "happy"}, headers=csrf)).json()
            assert agree["learned_from"] == 1  # "yes, happy" is kept but teaches nothing
            assert (await ravi.get(daemon.base + "/api/admin/corrections")).status == 403
            assert (await ravi.delete(daemon.base + "/api/admin/corrections", headers=ravi_csrf)).status == 403
            summary = await (await asha.get(daemon.base + "/api/admin/corrections")).json()
            assert summary["learned_from"] == 1
            forgotten = await (await asha.delete(daemon.base + "/api/admin/corrections", headers=csrf)).json()
            assert forgotten["forgotten"] == 2 and forgotten["learned_from"] == 0 and not any(forgotten["bias"].values())

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()
    rows = sqlite3.connect(tmp_path / "state" / "moodkiosk.db").execute("SELECT * FROM corrections").fetchall()
    assert rows == []


def test_a_correction_needs_a_mood_to_correct(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)  # no camera: no mood

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            answer = await client.post(daemon.base + "/api/mood/correction", json={"emotion": "sad"}, headers=csrf)
            assert answer.status == 409 and "not decided" in (await answer.json())["error"]

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_likes_and_quick_skips_of_the_kiosks_choices_are_counted_for_the_mood(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",), music=("happy/bright.wav",))

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            state = await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["track"]["emotion"] == "happy")
            liked = state["track"]["uri"]
            assert (await client.post(daemon.base + "/api/favorites", headers=csrf)).status == 201
            await client.post(daemon.base + "/api/player/next", headers=csrf)  # within 30 s of its start: a skip
            state = await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["track"]["uri"] != liked)
            skipped = state["track"]["uri"]
            await client.post(daemon.base + "/api/player/next", headers=csrf)
            await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["track"]["uri"] == liked)
            favorites = await (await client.get(daemon.base + "/api/favorites")).json()
            await client.post(daemon.base + f"/api/favorites/{favorites['favorites'][0]['id']}/play", headers=csrf)  # hand-picked
            await wait_for_state(client, daemon, lambda s: bool(s["track"]) and s["track"]["reason"] == "a favorite of asha")
            await client.post(daemon.base + "/api/player/next", headers=csrf)  # skipping one's own pick: not counted
            return liked, skipped

    try:
        liked, skipped = asyncio.run(scenario())
    finally:
        daemon.stop()
    votes = sqlite3.connect(tmp_path / "state" / "moodkiosk.db").execute("SELECT uri, emotion, vote FROM track_votes")
    assert sorted(votes.fetchall()) == sorted([(liked, "happy", 1), (liked, "happy", -1), (skipped, "happy", -1)])


def new_track(state: dict, after: float, said: str) -> bool:
    """A track started after ``after`` whose reason says ``said``."""
    return bool(state["track"]) and state["track"]["since"] > after and said in state["track"]["reason"]


def test_favourite_artists_members_and_household_and_the_lean_when_taken_over(tmp_path: Path) -> None:
    (tmp_path / "music" / "happy").mkdir(parents=True)
    (tmp_path / "music" / "happy" / "lata.json").write_text(json.dumps({"artist": "Lata Mangeshkar"}))
    daemon = Daemon(tmp_path, music=("happy/lata.wav", "happy/other.wav"), MOODKIOSK_PLAYER__ARTIST_SHARE="1")

    async def scenario() -> None:
        async with client_session() as asha, client_session() as ravi:
            csrf = await signed_in(asha, daemon)
            ravi_csrf = await signed_in(ravi, daemon, "ravi")
            mine = daemon.base + "/api/me/artists"
            for bad in ("", " ", "x" * 81, "bell\x07"):
                assert (await asha.post(mine, json={"name": bad}, headers=csrf)).status == 422, bad
            added = await asha.post(mine, json={"name": "  Lata   Mangeshkar "}, headers=csrf)
            assert added.status == 201 and await added.json() == {"artists": ["Lata Mangeshkar"]}
            again = await (await asha.post(mine, json={"name": "lata mangeshkar"}, headers=csrf)).json()
            assert again == {"artists": ["Lata Mangeshkar"]}  # no duplicates, whatever the case
            assert await (await ravi.get(mine)).json() == {"artists": []}  # each member has their own
            house = daemon.base + "/api/admin/artists"
            assert (await ravi.post(house, json={"name": "Kishore Kumar"}, headers=ravi_csrf)).status == 403
            assert (await asha.post(house, json={"name": "Kishore Kumar"}, headers=csrf)).status == 201
            assert await (await ravi.get(daemon.base + "/api/artists")).json() == {"artists": ["Kishore Kumar"]}
            assert (await asha.delete(mine + "/Nobody", headers=csrf)).status == 404

            await asha.post(daemon.base + "/api/takeover", headers=csrf)  # her artists now: only hers play (share 1)
            since = 0.0
            for _ in range(3):
                await asha.post(daemon.base + "/api/mood/override", json={"emotion": "happy"}, headers=csrf)
                await asha.post(daemon.base + "/api/player/next", headers=csrf)
                # the track after next (the hand-set mood's own track may come first)
                state = await wait_for_state(asha, daemon, lambda s, after=since: new_track(s, after, "artist"))
                since = state["track"]["since"]
                assert state["track"]["title"] == "lata", state["track"]
                assert "by Lata Mangeshkar, a favourite artist" in state["track"]["reason"]
            removed = await asha.delete(mine + "/LATA MANGESHKAR", headers=csrf)
            assert removed.status == 200 and await removed.json() == {"artists": []}

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()
