"""Home Assistant over MQTT, with a real broker (Debian's mosquitto) and the real daemon watching a real face."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiomqtt
import jinja2
import skimage.data

from device.cli.media_files import write_slideshow
from device.core.labels import EMOTIONS
from tests.helpers import Broker, Daemon, free_port


class Listener:
    """Everything the broker sends under the kiosk's topics and Home Assistant's discovery prefix."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.retained: dict[str, Any] = {}

    async def until(self, client: aiomqtt.Client, ready: Callable[[dict], bool], seconds: float = 60.0) -> None:
        async with asyncio.timeout(seconds):
            async for message in client.messages:
                if str(message.topic).endswith("/set"):
                    continue  # the test's own commands
                payload = message.payload.decode() if isinstance(message.payload, bytes) else str(message.payload)
                self.retained[str(message.topic)] = json.loads(payload) if payload.startswith("{") else payload
                if ready(self.retained):
                    return

    def state(self) -> dict[str, Any]:
        return self.retained.get("moodkiosk/state", {})


def shown_in_home_assistant(configs: dict[str, dict], state: dict) -> dict[str, str]:
    """What each sensor shows for this state, rendered as Home Assistant renders its templates (Jinja2):
    "unavailable" when an availability template says offline."""
    environment = jinja2.Environment()

    def render(template: str) -> str:
        return environment.from_string(template).render(value_json=state, value=json.dumps(state))

    shown = {}
    for topic, config in configs.items():
        if "value_template" not in config:
            continue
        checks = [a for a in config.get("availability", []) if "value_template" in a]
        online = all(render(check["value_template"]) == "online" for check in checks)
        shown[topic.split("/")[-2]] = render(config["value_template"]) if online else "unavailable"
    return shown


def test_the_kiosk_in_home_assistant(tmp_path: Path) -> None:
    port = free_port()
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    # The broker is not there yet: the kiosk says so once, plays on, and connects when it comes.
    daemon = Daemon(
        tmp_path, camera=str(video), extra=("--loop",), MOODKIOSK_MQTT__HOST="127.0.0.1", MOODKIOSK_MQTT__PORT=str(port)
    )
    time.sleep(3)
    broker = Broker(tmp_path, port)
    listener = Listener(port)

    async def scenario() -> None:
        async with aiomqtt.Client("127.0.0.1", port) as client:
            await client.subscribe("homeassistant/#")
            await client.subscribe("moodkiosk/#")
            await listener.until(client, lambda seen: seen.get("moodkiosk/availability") == "online"
                                 and listener.state().get("mood") == "happy")  # fmt: skip
            configs = {topic: c for topic, c in listener.retained.items() if topic.endswith("/config")}
            kinds = sorted(topic.split("/")[1] for topic in configs)
            assert kinds == [
                "binary_sensor",
                "button",
                "button",
                "button",
                "button",
                "number",
                "select",
                "select",
                "sensor",
                "sensor",
                "sensor",
                "sensor",
                "sensor",
                "switch",
            ]
            mood = next(c for t, c in configs.items() if t.endswith("/mood/config"))
            assert mood["options"] == [*EMOTIONS, "nobody"] and mood["state_topic"] == "moodkiosk/state"
            assert len({c["unique_id"] for c in configs.values()}) == 14
            assert all(
                c.get("availability_topic", c.get("availability", [{}])[0].get("topic")) == "moodkiosk/availability"
                for c in configs.values()
            )
            state = listener.state()
            assert "None" not in shown_in_home_assistant(configs, state).values()
            assert (
                state["presence"] == "ON" and state["faces"] == 1 and state["detection"] == "ON" and state["override"] == "camera"
            )

            for topic in configs:  # Home Assistant restarts and says so: the kiosk announces itself again
                del listener.retained[topic]
            await client.publish("homeassistant/status", "online")
            await listener.until(client, lambda seen: len([t for t in seen if t.endswith("/config")]) == 14)

            await client.publish("moodkiosk/override/set", "sad")  # the select, as Home Assistant sends it
            await listener.until(client, lambda seen: listener.state().get("override") == "sad")
            await client.publish("moodkiosk/volume/set", "9999")  # refused: nothing changes
            await client.publish("moodkiosk/override/set", b"\xff\xfe\x00")  # not text
            await client.publish("moodkiosk/override/set", "furious")  # not a mood
            await client.publish("moodkiosk/volume/set", "35")
            await listener.until(client, lambda seen: listener.state().get("volume") == 35)
            assert listener.state()["override"] == "sad"
            await client.publish("moodkiosk/sleep/set", "after this track")  # the sleep timer's select
            await listener.until(client, lambda seen: listener.state().get("sleep") == "after this track")
            await client.publish("moodkiosk/sleep/set", "off")
            await listener.until(client, lambda seen: listener.state().get("sleep") == "off")
            await client.publish("moodkiosk/pause/set", "PRESS")  # the same door as the page's buttons
            await listener.until(client, lambda seen: listener.state().get("paused") == "ON")
            await client.publish("moodkiosk/resume/set", "PRESS")
            await listener.until(client, lambda seen: listener.state().get("paused") == "OFF")
            await client.publish("moodkiosk/detection/set", "OFF")  # privacy from Home Assistant: the camera closes
            await listener.until(client, lambda seen: listener.state().get("camera") == "paused")
            paused = listener.state()  # no mood is read now: none is claimed
            assert paused["mood"] is None and paused["faces"] == 0 and paused["presence"] == "OFF"
            shown = shown_in_home_assistant(configs, paused)
            assert shown["mood"] == "unavailable" and "None" not in shown.values()  # not the text "None"
            await client.publish("moodkiosk/detection/set", "ON")
            await client.publish("moodkiosk/override/set", "camera")
            await listener.until(client, lambda seen: listener.state().get("camera") == "open"
                                 and listener.state().get("override") == "camera")  # fmt: skip

    try:
        asyncio.run(scenario())
        broker.stop()  # the broker goes away and comes back: the kiosk reconnects and announces itself again
        time.sleep(3)
        broker.start()

        async def after_restart() -> None:
            async with aiomqtt.Client("127.0.0.1", port) as client:
                await client.subscribe("moodkiosk/#")
                await client.subscribe("homeassistant/#")
                await listener.until(client, lambda seen: len([t for t in seen if t.endswith("/config")]) == 14
                                     and listener.state().get("mood") == "happy", seconds=90)  # fmt: skip
                log = daemon.stop()
                await listener.until(client, lambda seen: seen.get("moodkiosk/availability") == "offline")
                assert log.count("connected to the MQTT broker") == 2
                assert log.count("trying again") <= 3  # once per change, not once per retry
                assert "ignored an MQTT command on moodkiosk/volume/set ('9999')" in log
                assert "the payload is not UTF-8 text" in log and "'furious'" in log
                assert "mood override ended (ended from Home Assistant)" in log  # not "on the page"

        listener.retained.clear()
        asyncio.run(after_restart())
    finally:
        if daemon.process.poll() is None:
            daemon.stop()
        broker.stop()
