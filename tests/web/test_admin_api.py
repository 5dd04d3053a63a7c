"""Admin endpoints on the real daemon: accounts, page settings (validated, stored, applied, locked by flags)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import skimage.data

from device.cli.media_files import write_slideshow
from device.core.page_settings import EDITABLE
from tests.helpers import PASSWORD, Daemon, client_session, login, signed_in, wait_for_state

ADMIN_CALLS = (
    ("GET", "/api/admin/users", None),
    ("POST", "/api/admin/users", {"username": "meera", "password": PASSWORD}),
    ("DELETE", "/api/admin/users/asha", None),
    ("PUT", "/api/admin/users/asha/password", {"password": PASSWORD}),
    ("GET", "/api/admin/settings", None),
    ("PUT", "/api/admin/settings", {"web.self_signup": True}),
)


def test_only_admins_reach_admin_endpoints(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        async with client_session() as anonymous, client_session() as ravi:
            csrf = await signed_in(ravi, daemon, "ravi")
            for method, path, body in ADMIN_CALLS:
                response = await anonymous.request(method, daemon.base + path, json=body)
                assert response.status == 401, (method, path)
                response = await ravi.request(method, daemon.base + path, json=body, headers=csrf)
                assert response.status == 403, (method, path)
                assert (await response.json())["error"] == "only an admin may do this"
            page = await ravi.get(daemon.base + "/admin", allow_redirects=False)
            assert page.status == 403
            assert (await anonymous.get(daemon.base + "/admin", allow_redirects=False)).headers["Location"] == "/login"

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_admin_manages_accounts(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        users = daemon.base + "/api/admin/users"
        async with client_session() as asha, client_session() as ravi, client_session() as meera:
            csrf = await signed_in(asha, daemon)
            await signed_in(ravi, daemon, "ravi")
            listed = await (await asha.get(users)).json()
            assert [(u["name"], u["admin"]) for u in listed["users"]] == [("asha", True), ("ravi", False)]
            assert (await asha.post(users, json={"username": "meera", "password": PASSWORD})).status == 403  # CSRF
            for bad, status in (
                ({"username": "me era", "password": PASSWORD}, 422),
                ({"username": "meera", "password": "short"}, 422),
                ({"username": "meera", "password": PASSWORD, "admin": "yes"}, 422),
                ({"username": "meera"}, 422),
                ({"username": "Ravi", "password": PASSWORD}, 409),  # names are case-insensitive
            ):
                response = await asha.post(users, json=bad, headers=csrf)
                assert response.status == status, bad
                assert "error" in await response.json()
            created = await asha.post(users, json={"username": "meera", "password": PASSWORD, "admin": True}, headers=csrf)
            assert created.status == 201 and await created.json() == {"name": "meera", "admin": True, "language": "any"}
            assert (await login(meera, daemon.base, "meera")).status == 200

            new_password = "another long password"
            reset = await asha.put(f"{users}/ravi/password", json={"password": new_password}, headers=csrf)
            assert reset.status == 200
            async with client_session() as fresh:
                assert (await login(fresh, daemon.base, "ravi")).status == 401
                assert (await login(fresh, daemon.base, "ravi", new_password)).status == 200
            assert (await asha.put(f"{users}/nobody/password", json={"password": new_password}, headers=csrf)).status == 404
            assert (await asha.put(f"{users}/ravi/password", json={"password": "x"}, headers=csrf)).status == 422

            assert (await asha.delete(f"{users}/asha", headers=csrf)).status == 409  # not yourself
            assert (await asha.delete(f"{users}/ravi", headers=csrf)).status == 200
            assert (await ravi.get(daemon.base + "/api/state")).status == 401  # the session ends with the account
            assert (await asha.delete(f"{users}/ravi", headers=csrf)).status == 404
            names = [u["name"] for u in (await (await asha.get(users)).json())["users"]]
            assert names == ["asha", "meera"]

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_page_settings_are_validated_applied_and_kept(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path, music=("calm/quiet.wav",))
    url = daemon.base + "/api/admin/settings"

    async def scenario() -> None:
        async with client_session() as asha:
            csrf = await signed_in(asha, daemon)
            listing = await (await asha.get(url)).json()
            rows = {row["key"]: row for row in listing["settings"]}
            assert list(rows) == list(EDITABLE)
            assert rows["camera.source"]["source"] == "flag"  # the test daemon runs with --camera none
            assert rows["player.strategy"] == {**rows["player.strategy"], "value": "match", "source": "config"}
            assert rows["player.strategy"]["schema"]["enum"] == ["match", "lift"]
            assert listing["playlists"] == ["calm", "happy", "neutral"] and "none" in listing["cameras"]

            for bad in (
                {"mood.min_confidence": 2},
                {"player.strategy": "shuffle"},
                {"player.mapping": {"sadd": "calm"}},
                {"player.languages": ["any"]},
                {"player.music_dir": "/etc"},  # not a page setting
                {"nonsense": 1},
            ):
                response = await asha.put(url, json=bad, headers=csrf)
                assert response.status == 422, bad
                assert "error" in await response.json()
            locked = await asha.put(url, json={"camera.source": "/dev/video0"}, headers=csrf)
            assert locked.status == 409 and "command-line flag" in (await locked.json())["error"]
            assert (await asha.put(url, json={}, headers=csrf)).status == 422
            assert (await asha.put(url, data="strategy=lift", headers=csrf)).status == 415
            assert (await asha.put(url, json={"player.strategy": "lift"})).status == 403  # CSRF
            # All or nothing: a bad key leaves the good one unapplied.
            mixed = await asha.put(url, json={"player.strategy": "lift", "mood.dwell_seconds": -1}, headers=csrf)
            assert mixed.status == 422

            changes = {"player.strategy": "lift", "player.mapping": {"hindi": {"sad": ["calm"]}}, "storage.retention_days": 7}
            saved = await asha.put(url, json=changes, headers=csrf)
            assert saved.status == 200
            rows = {row["key"]: row for row in (await saved.json())["settings"]}
            assert rows["player.strategy"]["source"] == "page" and rows["player.strategy"]["config_value"] == "match"
            lifted = await (await asha.get(daemon.base + "/api/recommendations?emotion=sad")).json()
            assert lifted["playlists"] == ["happy"]  # lift: sad -> happy music
            hindi = await (await asha.get(daemon.base + "/api/recommendations?emotion=sad&language=hindi")).json()
            assert hindi["playlists"] == ["calm"] and [t["title"] for t in hindi["tracks"]] == ["quiet"]

    async def after_restart() -> None:
        async with client_session() as asha:
            csrf = await signed_in(asha, daemon)
            rows = {row["key"]: row for row in (await (await asha.get(url)).json())["settings"]}
            assert (rows["player.strategy"]["value"], rows["storage.retention_days"]["value"]) == ("lift", 7)
            reset = await asha.put(url, json={"player.strategy": None}, headers=csrf)
            rows = {row["key"]: row for row in (await reset.json())["settings"]}
            assert rows["player.strategy"] == {**rows["player.strategy"], "value": "match", "source": "config"}
            assert (await (await asha.get(daemon.base + "/api/recommendations?emotion=sad")).json())["playlists"] == ["sad"]

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "settings changed on the page by asha: player.mapping, player.strategy, storage.retention_days" in log
    daemon = Daemon(tmp_path, music=("calm/quiet.wav",))
    url = daemon.base + "/api/admin/settings"
    try:
        asyncio.run(after_restart())
    finally:
        log = daemon.stop()
    assert "settings from the admin page: player.mapping, player.strategy, storage.retention_days" in log


def test_the_camera_can_be_chosen_on_the_page(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, extra=("--loop",), MOODKIOSK_CAMERA__SOURCE="none")  # from the environment: not locked
    url = daemon.base + "/api/admin/settings"

    async def scenario() -> None:
        async with client_session() as asha:
            csrf = await signed_in(asha, daemon)
            assert (await (await asha.get(daemon.base + "/api/state")).json())["camera"]["state"] == "none"
            missing = await asha.put(url, json={"camera.source": str(tmp_path / "gone.mp4")}, headers=csrf)
            assert missing.status == 200  # stored; the page shows the camera offline and why
            state = await wait_for_state(asha, daemon, lambda s: s["camera"]["state"] == "offline")
            assert "no such device, file or URL" in state["camera"]["detail"]
            assert (await asha.put(url, json={"camera.source": str(video)}, headers=csrf)).status == 200
            await wait_for_state(asha, daemon, lambda s: s["camera"]["state"] == "open")
            state = await wait_for_state(asha, daemon, lambda s: bool(s["mood"]))
            assert state["mood"]["emotion"] == "happy"

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_openapi_is_served_to_members(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        async with client_session() as client:
            assert (await client.get(daemon.base + "/api/openapi.json")).status == 401
            await signed_in(client, daemon, "ravi")
            spec = await (await client.get(daemon.base + "/api/openapi.json")).json()
            assert spec["openapi"].startswith("3.") and "/api/mood/override" in spec["paths"]

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()
