"""Issue 29: the mood's music in every room, with Debian's snapserver and two snapclients (rooms) started here,
the real daemon and mpv, and Home Assistant's side through a real mosquitto."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import aiomqtt
from playwright.sync_api import expect, sync_playwright

from tests.helpers import (
    CHROMIUM,
    FLAGS,
    Broker,
    Daemon,
    Snapclient,
    Snapserver,
    client_session,
    sign_in,
    signed_in,
    tone,
    wait_for_state,
)

NEUTRAL_HZ, HAPPY_HZ = 440.0, 880.0


def kiosk_music(tmp_path: Path) -> None:
    """A tone per mood, told apart at the rooms by its pitch."""
    for mood, frequency in (("neutral", NEUTRAL_HZ), ("happy", HAPPY_HZ)):
        (tmp_path / "music" / mood).mkdir(parents=True, exist_ok=True)
        tone(tmp_path / "music" / mood / f"{mood}.wav", seconds=120, frequency=frequency)


def until(check: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")


def hears(room: Snapclient, frequency: float | None) -> Callable[[], bool]:
    def check() -> bool:
        pitch = room.pitch()
        return pitch is None if frequency is None else pitch is not None and abs(pitch - frequency) < 10

    return check


def test_the_mood_music_reaches_every_room_and_survives_snapserver_restarts(tmp_path: Path) -> None:
    kiosk_music(tmp_path)
    server = Snapserver(tmp_path)
    rooms = [Snapclient(tmp_path, server, "kitchen"), Snapclient(tmp_path, server, "studio")]
    broker = Broker(tmp_path)
    daemon = Daemon(tmp_path, mood_folders=False, MOODKIOSK_MQTT__HOST="127.0.0.1", MOODKIOSK_MQTT__PORT=str(broker.port),
                    **server.env())  # fmt: skip

    async def scenario() -> None:
        async with client_session() as asha, aiomqtt.Client("127.0.0.1", broker.port) as mqtt:
            csrf = await signed_in(asha, daemon)
            base = daemon.base

            def connected(state: dict) -> bool:
                speakers = state["speakers"]
                return speakers["on_snapcast"] and sorted(r["id"] for r in speakers["rooms"] if r["connected"]) == [
                    "kitchen",
                    "studio",
                ]

            state = await wait_for_state(asha, daemon, connected)
            assert all(room["follows"] for room in state["speakers"]["rooms"])
            names = [room["name"] for room in state["speakers"]["rooms"]]  # both on this machine: one host name
            assert names == [f"{server.client('kitchen')['host']['name']} ({host_id})" for host_id in ("kitchen", "studio")]
            await asha.post(base + "/api/player/next", headers=csrf)  # no camera: neutral music
            for room in rooms:
                await asyncio.to_thread(until, hears(room, NEUTRAL_HZ), f"{room.host_id} plays the neutral music")
            await asha.post(base + "/api/mood/override", json={"emotion": "happy", "minutes": 30}, headers=csrf)
            for room in rooms:  # a mood change switches every room
                await asyncio.to_thread(until, hears(room, HAPPY_HZ), f"{room.host_id} plays the happy music")

            answer = await asha.put(base + "/api/speakers/kitchen", json={"volume": 30}, headers=csrf)  # from the page
            assert answer.status == 200, await answer.text()
            assert server.client("kitchen")["config"]["volume"]["percent"] == 30
            bad = await asha.put(base + "/api/speakers/kitchen", json={"volume": 300}, headers=csrf)
            assert bad.status == 422 and (await bad.json())["field"] == "volume"
            nobody = await asha.put(base + "/api/speakers/attic", json={"muted": True}, headers=csrf)
            assert nobody.status == 409 and "no such room" in (await nobody.json())["error"]

            await mqtt.subscribe("homeassistant/#")  # Home Assistant: each room's entities, and their commands
            configs: dict[str, dict] = {}

            async def collect() -> None:
                async for message in mqtt.messages:
                    if str(message.topic).endswith("/config"):
                        configs[str(message.topic)] = json.loads(message.payload)
                    if any("room_studio_mute" in topic for topic in configs):
                        return

            await asyncio.wait_for(collect(), 15)
            mute = next(config for topic, config in configs.items() if "room_studio_mute" in topic)
            await mqtt.publish(mute["command_topic"], "ON")
            await asyncio.to_thread(until, lambda: server.client("studio")["config"]["volume"]["muted"], "studio is muted")
            await mqtt.publish("moodkiosk/room_kitchen_volume/set", "55")
            await asyncio.to_thread(
                until, lambda: server.client("kitchen")["config"]["volume"]["percent"] == 55, "kitchen at 55 from Home Assistant"
            )
            await mqtt.publish("moodkiosk/room_studio_mute/set", "OFF")
            await asyncio.to_thread(until, lambda: not server.client("studio")["config"]["volume"]["muted"], "studio unmuted")

            before = (await (await asha.get(base + "/api/state")).json())["track"]
            server.stop()  # snapserver goes away: the kiosk plays on, on its own speaker, and says so
            state = await wait_for_state(asha, daemon, lambda s: not s["speakers"]["on_snapcast"])
            assert state["track"]["uri"] == before["uri"] and state["player"]["playing"] and state["override"]
            assert any("Snapcast is not running" in note.get("text", "") for note in state["notes"])
            for room in rooms:
                room.output.unlink(missing_ok=True)  # what they play from now on
            server.start()
            await wait_for_state(asha, daemon, connected)
            for room in rooms:  # back in every room, the mood kept
                await asyncio.to_thread(until, hears(room, HAPPY_HZ), f"{room.host_id} plays again after the restart")

            answer = await asha.put(base + "/api/speakers/kitchen", json={"follows": False}, headers=csrf)
            assert answer.status == 200
            assert server.client("kitchen")["stream_id"] == "quiet"
            await asyncio.to_thread(until, hears(rooms[0], None), "the kitchen is quiet")
            assert rooms[1].pitch() is not None and abs(rooms[1].pitch() - HAPPY_HZ) < 10  # the studio still follows

    try:
        asyncio.run(scenario())
        with sync_playwright() as playwright:  # the page's Speakers card, in Debian's Chromium
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page()
            sign_in(page, daemon.base)
            card = page.locator("#speakers")
            expect(card.locator("#room-list li")).to_have_count(2)
            expect(card.locator("#speakers-line")).to_have_text("Playing in every room that follows the kiosk.")
            kitchen, studio = card.locator('li[data-room="kitchen"]'), card.locator('li[data-room="studio"]')
            expect(kitchen.get_by_label("Plays the kiosk's music")).not_to_be_checked()  # as the API left it
            studio.get_by_role("slider").fill("40")
            until(lambda: server.client("studio")["config"]["volume"]["percent"] == 40, "studio at 40 from the page")
            kitchen.get_by_role("button", name=re.compile("^Mute ")).click()
            until(lambda: server.client("kitchen")["config"]["volume"]["muted"], "kitchen muted from the page")
            expect(kitchen.get_by_role("button", name=re.compile("^Mute "))).to_have_attribute("aria-pressed", "true")
            kitchen.get_by_label("Plays the kiosk's music").check()
            until(lambda: server.client("kitchen")["stream_id"] == "moodkiosk", "the kitchen follows the kiosk again")
            browser.close()
        asyncio.run(a_room_removed_in_snapserver_leaves_home_assistant(server, rooms[1], broker))
    finally:
        daemon.stop()
        for room in rooms:
            room.stop()
        server.stop()
        broker.stop()


async def a_room_removed_in_snapserver_leaves_home_assistant(server: Snapserver, studio: Snapclient, broker: Broker) -> None:
    async with aiomqtt.Client("127.0.0.1", broker.port) as mqtt:
        await mqtt.subscribe("homeassistant/#")
        studio.stop()
        await asyncio.to_thread(until, lambda: not server.client("studio")["connected"], "the studio is away")
        told: dict[str, bytes] = {}

        async def collect() -> None:
            async for message in mqtt.messages:  # the retained configs first, then what changes
                if "room_studio" in str(message.topic):
                    told[str(message.topic)] = bytes(message.payload)
                    if len(told) == 4 and not any(told.values()):
                        return

        listening = asyncio.create_task(collect())
        await asyncio.sleep(2)
        assert len(told) == 4 and all(told.values())  # an away room keeps its entities
        server.call("Server.DeleteClient", {"id": "studio"})  # removed in snapserver
        await asyncio.wait_for(listening, 30)  # each of its entities taken back (an empty retained config)


def test_without_snapserver_the_kiosk_plays_on_its_own_speaker_and_says_why(tmp_path: Path) -> None:
    kiosk_music(tmp_path)
    server = Snapserver(tmp_path)
    server.stop()  # installed and configured, not running
    daemon = Daemon(tmp_path, mood_folders=False, **server.env())

    async def scenario() -> None:
        async with client_session() as asha:
            csrf = await signed_in(asha, daemon)
            await asha.post(daemon.base + "/api/player/next", headers=csrf)
            state = await wait_for_state(asha, daemon, lambda s: bool(s["track"]) and s["player"]["playing"])
            assert not state["speakers"]["on_snapcast"] and state["speakers"]["output"] == "snapcast"
            assert "does not answer" in state["speakers"]["detail"]  # an admin sees why
            assert any(
                note.get("text") == "Snapcast is not running: playing on the kiosk's own speaker" for note in state["notes"]
            )
            answer = await asha.put(daemon.base + "/api/speakers/kitchen", json={"volume": 20}, headers=csrf)
            assert answer.status == 409 and "snapserver is not running" in (await answer.json())["error"]

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()
