"""Home Assistant over MQTT: the kiosk as one device with sensors and controls (``[mqtt]``, off until
``mqtt.host`` is set).

- Discovery (retained, under ``<discovery_prefix>/<component>/<node>/<object>/config``): room mood
  (an enum sensor: the seven moods or "nobody"), confidence, faces, presence (occupancy), now
  playing (with artist and playlist as attributes), camera state; controls: mood (a select: "camera"
  or a mood held for an hour), detection (a switch; off closes the camera), next, previous, pause and
  resume (buttons), volume (a number), the sleep timer (a select); with Snapcast (player.output), each room's
  volume (a number), mute and whether it plays the kiosk's music (switches) and connection. Sent again
  whenever Home Assistant announces itself (``<prefix>/status``) and when a room appears.
- States: one retained JSON document, ``<base_topic>/state``, sent when something changes;
  availability ``<base_topic>/availability`` is "online", and the broker says "offline" (last will)
  when the kiosk goes away. Room mood and now playing are unavailable while none is known (Home Assistant
  would show a text sensor's null as the text "None").
- Commands (``<base_topic>/<control>/set``) go through :class:`device.kiosk.controls.Controls`, as the
  page's do: the same checks and events. A bad one (an unknown mood, volume 9999, bytes that are
  not UTF-8) is logged and changes nothing.
- A broker that is down, refuses the login or drops the connection: logged once per change,
  retried after 1, 2, 4 ... 60 s; the kiosk plays on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sqlite3
import ssl
import time
from collections.abc import Callable
from typing import Any

import aiomqtt

from device import __version__
from device.core.config import MqttSettings
from device.core.errors import MoodkioskError
from device.core.events import Event
from device.core.labels import EMOTIONS
from device.kiosk.controls import ControlError, Controls
from device.kiosk.state import NOT_READING

log = logging.getLogger("moodkiosk.mqtt")
RETRY_SECONDS = (1, 2, 4, 8, 15, 30, 60)
OVERRIDE_MINUTES = 60
# Sensors whose state can be unknown (no mood read yet, or none read now; nothing playing), by their state's key
KNOWN_ONLY = {"mood": "mood", "now_playing": "track"}
CAMERA = "camera"  # the mood select's choice for "what the camera sees"
ATTRIBUTES = '{{ {"artist": value_json.artist, "playlist": value_json.playlist} | tojson }}'


def node_id(hostname: str) -> str:
    """The device's id in Home Assistant: the host name in lower case, other characters as underscores."""
    return re.sub(r"[^a-z0-9_]", "_", hostname.lower())[:40] or "kiosk"


SLEEP_OPTIONS: dict[str, str | int] = {"off": "off", "after this track": "track", "15 min": 15, "30 min": 30, "60 min": 60}


def sleep_option(sleep: dict[str, Any] | None) -> str:
    """The select's state: the timer set (a time set from the page shows as the nearest option)."""
    if not sleep:
        return "off"
    if sleep["after_track"]:
        return "after this track"
    left = max(0.0, (sleep["until"] - time.time()) / 60)
    return min(("15 min", "30 min", "60 min"), key=lambda option: abs(int(option.split()[0]) - left))


ROOM_CONTROL = re.compile(r"room_(?P<key>[a-z0-9_]+)_(?P<what>volume|mute|follows)")


def room_key(room_id: str) -> str:
    """A Snapcast room's id (a MAC address, a host id) as topics and entity ids take it."""
    return re.sub(r"[^a-z0-9]+", "_", room_id.lower()).strip("_")[:48] or "room"


def on_off(value: bool) -> str:
    return "ON" if value else "OFF"


class HomeAssistant:
    def __init__(self, settings: MqttSettings, controls: Controls, snapshot: Callable[[], dict[str, Any]], node: str) -> None:
        self.settings, self.controls, self.snapshot = settings, controls, snapshot
        self.node = node  # the device's id in Home Assistant (from the host name)
        self.base = settings.base_topic
        self._changed = asyncio.Event()
        self.connected = False
        self._last_problem: str | None = None
        self._announced_rooms: set[str] = set()  # the Snapcast rooms whose entities Home Assistant was told of
        self._room_topics: set[str] = set()  # their discovery topics (a room snapserver forgot is taken back)

    def __call__(self, event: Event) -> None:
        """The bus's subscriber: something changed, send the state."""
        self._changed.set()

    # The connection
    async def run(self) -> None:
        """A chore: stay connected, publish, obey commands."""
        failures = 0
        while True:
            try:
                await self._session()
            except aiomqtt.MqttError as error:
                self._problem(f"MQTT broker {self.settings.host}:{self.settings.port}: {error}")
            self.connected = False
            failures += 1
            await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])

    def _problem(self, text: str) -> None:
        if text != self._last_problem:
            log.warning("%s; trying again (the kiosk plays on)", text)
            self._last_problem = text

    async def _session(self) -> None:
        will = aiomqtt.Will(f"{self.base}/availability", "offline", qos=1, retain=True)
        tls = ssl.create_default_context() if self.settings.tls else None
        async with aiomqtt.Client(
            self.settings.host or "", self.settings.port, username=self.settings.username,
            password=self.settings.password, will=will, tls_context=tls, identifier=f"moodkiosk-{self.node}",
            timeout=10,
        ) as client:  # fmt: skip
            self.connected, self._last_problem = True, None
            log.info("connected to the MQTT broker %s:%s", self.settings.host, self.settings.port)
            await client.subscribe(f"{self.base}/+/set", qos=1)
            await client.subscribe(f"{self.settings.discovery_prefix}/status")
            await self._announce(client)
            await client.publish(f"{self.base}/availability", "online", qos=1, retain=True)
            publisher = asyncio.create_task(self._publish_changes(client))
            try:
                async for message in client.messages:
                    await self._on_message(client, str(message.topic), message.payload)
            finally:
                publisher.cancel()
                with contextlib.suppress(aiomqtt.MqttError, asyncio.TimeoutError):  # stopping: say so (no last will then)
                    await asyncio.wait_for(client.publish(f"{self.base}/availability", "offline", qos=1, retain=True), 2)

    async def _publish_changes(self, client: aiomqtt.Client) -> None:
        while True:
            state = self.state()
            if set(state["rooms"]) != self._announced_rooms:  # a room came (Snapcast): its entities are announced
                await self._announce(client)
            await client.publish(f"{self.base}/state", json.dumps(state), qos=1, retain=True)
            self._changed.clear()
            await self._changed.wait()
            await asyncio.sleep(0.2)  # a burst of events: one message

    # What Home Assistant sees
    def state(self) -> dict[str, Any]:
        snapshot = self.snapshot()
        mood, track, override = snapshot["mood"], snapshot["track"], snapshot["override"]
        if snapshot["camera"]["state"] in NOT_READING:  # detection paused or off: no mood, faces or presence is read
            mood = None
        return {
            "mood": (mood["emotion"] or "nobody") if mood else None,
            "confidence": round(100 * mood["confidence"]) if mood and mood["emotion"] else 0,
            "faces": mood["faces"] if mood else 0,
            "presence": "ON" if mood and mood["emotion"] else "OFF",
            "track": track["title"] if track and snapshot["player"].get("playing") else None,  # None: unknown
            "artist": (track or {}).get("artist") or "",
            "playlist": (track or {}).get("label") or (track or {}).get("playlist") or "",
            "camera": snapshot["camera"]["state"],
            "override": override["emotion"] if override else CAMERA,
            "detection": "OFF" if snapshot["detection"]["paused"] else "ON",
            "volume": snapshot["player"].get("volume", 0),
            "paused": "ON" if snapshot["player"].get("paused") else "OFF",
            "sleep": sleep_option(snapshot.get("sleep")),
            "rooms": {
                room_key(room["id"]): {"volume": room["volume"], "muted": on_off(room["muted"]),
                                       "follows": on_off(room["follows"]), "connected": on_off(room["connected"])}
                for room in snapshot["speakers"]["rooms"]
            },
        }  # fmt: skip

    def _rooms(self, speakers: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
        """The Snapcast rooms by their key in topics and entity ids (``speakers``: the snapshot's, when already read)."""
        return {room_key(room["id"]): room for room in (speakers or self.snapshot()["speakers"])["rooms"]}

    def discovery(self, rooms: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
        """Each component's discovery topic and config (``rooms``: the Snapcast rooms by key, when already read)."""
        device = {"identifiers": [f"moodkiosk_{self.node}"], "name": f"moodkiosk {self.node}", "manufacturer": "moodkiosk",
                  "model": "emotion-aware music kiosk", "sw_version": __version__}  # fmt: skip
        common = {"device": device, "availability_topic": f"{self.base}/availability", "state_topic": f"{self.base}/state"}

        def value(key: str) -> str:
            return f"{{{{ value_json.{key} }}}}"

        components: dict[tuple[str, str], dict[str, Any]] = {
            ("sensor", "mood"): {"name": "Room mood", "device_class": "enum", "options": [*EMOTIONS, "nobody"],
                                 "value_template": value("mood"), "icon": "mdi:emoticon-outline"},
            ("sensor", "confidence"): {"name": "Mood confidence", "unit_of_measurement": "%",
                                       "value_template": value("confidence")},
            ("sensor", "faces"): {"name": "Faces", "value_template": value("faces"), "icon": "mdi:account-group"},
            ("binary_sensor", "presence"): {"name": "Presence", "device_class": "occupancy", "value_template": value("presence")},
            ("sensor", "now_playing"): {"name": "Now playing", "value_template": value("track"), "icon": "mdi:music",
                                        "json_attributes_topic": f"{self.base}/state",
                                        "json_attributes_template": ATTRIBUTES},
            ("sensor", "camera"): {"name": "Camera", "value_template": value("camera"), "icon": "mdi:camera"},
            ("select", "mood_override"): {"name": "Mood", "options": [CAMERA, *EMOTIONS], "value_template": value("override"),
                                          "command_topic": f"{self.base}/override/set"},
            ("switch", "detection"): {"name": "Emotion detection", "value_template": value("detection"),
                                      "command_topic": f"{self.base}/detection/set", "icon": "mdi:eye"},
            ("select", "sleep_timer"): {"name": "Sleep timer", "options": list(SLEEP_OPTIONS), "icon": "mdi:sleep",
                                         "value_template": value("sleep"), "command_topic": f"{self.base}/sleep/set"},
            ("button", "next"): {"name": "Next track", "command_topic": f"{self.base}/next/set", "payload_press": "PRESS"},
            ("button", "previous"): {"name": "Previous track", "command_topic": f"{self.base}/previous/set",
                                     "payload_press": "PRESS", "icon": "mdi:skip-previous"},
            ("button", "pause"): {"name": "Pause", "command_topic": f"{self.base}/pause/set", "payload_press": "PRESS",
                                  "icon": "mdi:pause"},
            ("button", "resume"): {"name": "Resume", "command_topic": f"{self.base}/resume/set", "payload_press": "PRESS",
                                   "icon": "mdi:play"},
            ("number", "volume"): {"name": "Volume", "min": 0, "max": 100, "step": 5, "value_template": value("volume"),
                                   "command_topic": f"{self.base}/volume/set", "icon": "mdi:volume-high"},
        }  # fmt: skip
        for key, room in (self._rooms() if rooms is None else rooms).items():  # a Snapcast house: each room's speaker
            known = f"value_json.rooms['{key}']"
            components |= {
                ("number", f"room_{key}_volume"): {"name": f"{room['name']} volume", "min": 0, "max": 100, "step": 5,
                                                   "value_template": f"{{{{ {known}.volume }}}}", "icon": "mdi:speaker",
                                                   "command_topic": f"{self.base}/room_{key}_volume/set"},
                ("switch", f"room_{key}_mute"): {"name": f"{room['name']} mute", "value_template": f"{{{{ {known}.muted }}}}",
                                                 "command_topic": f"{self.base}/room_{key}_mute/set", "icon": "mdi:volume-off"},
                ("switch", f"room_{key}_follows"): {"name": f"{room['name']} plays the kiosk's music",
                                                    "value_template": f"{{{{ {known}.follows }}}}",
                                                    "command_topic": f"{self.base}/room_{key}_follows/set"},
                ("binary_sensor", f"room_{key}_connected"): {"name": f"{room['name']} connected",
                                                             "device_class": "connectivity",
                                                             "value_template": f"{{{{ {known}.connected }}}}"},
            }  # fmt: skip
        topics = {}
        for (component, key), config in components.items():
            config = {**common, **config, "unique_id": f"moodkiosk_{self.node}_{key}", "object_id": f"moodkiosk_{key}"}
            if key in KNOWN_ONLY:  # a text sensor shows any value as text ("None"): unavailable until one is known
                config.pop("availability_topic")
                known = f"{{{{ 'online' if value_json.{KNOWN_ONLY[key]} is not none else 'offline' }}}}"
                config["availability"] = [
                    {"topic": f"{self.base}/availability"},
                    {"topic": common["state_topic"], "value_template": known},
                ]
                config["availability_mode"] = "all"
            if component == "button":
                config.pop("state_topic")
            topics[f"{self.settings.discovery_prefix}/{component}/moodkiosk_{self.node}/{key}/config"] = config
        return topics

    async def _announce(self, client: aiomqtt.Client) -> None:
        speakers = self.snapshot()["speakers"]
        rooms = self._rooms(speakers)
        self._announced_rooms = set(rooms)
        topics = self.discovery(rooms)
        for topic, config in topics.items():
            await client.publish(topic, json.dumps(config), qos=1, retain=True)
        room_topics = {topic for topic in topics if topic.rsplit("/", 2)[-2].startswith("room_")}
        if speakers["on_snapcast"]:  # snapserver answers: a room it no longer lists was removed there
            for topic in self._room_topics - room_topics:
                await client.publish(topic, b"", qos=1, retain=True)  # Home Assistant removes the entity
            self._room_topics = room_topics
        else:  # snapserver is away: its rooms are unknown, not gone
            self._room_topics |= room_topics

    # Commands
    async def _on_message(self, client: aiomqtt.Client, topic: str, payload: Any) -> None:
        if topic == f"{self.settings.discovery_prefix}/status":
            if payload == b"online":  # Home Assistant (re)started: it wants the discovery again
                await self._announce(client)
                self._changed.set()
            return
        control = topic.removeprefix(f"{self.base}/").removesuffix("/set")
        try:
            text = bytes(payload).decode("utf-8").strip()
        except (UnicodeDecodeError, TypeError):
            log.warning("ignored an MQTT command on %s: the payload is not UTF-8 text", topic)
            return
        try:
            await self._command(control, text)
        except (ControlError, MoodkioskError) as error:  # a bad value, or a setting locked by a flag
            log.warning("ignored an MQTT command on %s (%r): %s", topic, text[:80], error)
        except sqlite3.Error as error:  # a full disk: the command could not be stored, so it is not applied
            log.warning("could not apply the MQTT command on %s (%r): %s", topic, text[:80], error)
        self._changed.set()

    async def _command(self, control: str, text: str) -> None:
        by = "Home Assistant"
        if control == "override":
            if text == CAMERA:
                self.controls.end_override("ended from Home Assistant")
            else:
                self.controls.override(text, OVERRIDE_MINUTES, by)
        elif control == "detection":
            if text not in {"ON", "OFF"}:
                raise ControlError("detection takes ON or OFF", "detection")
            await self.controls.detect(text == "ON", by)
        elif control == "next":
            await self.controls.next_track()
        elif control == "sleep":
            if text not in SLEEP_OPTIONS:
                raise ControlError(f"the sleep timer takes one of {', '.join(SLEEP_OPTIONS)}", "sleep")
            self.controls.sleep(SLEEP_OPTIONS[text], by)
        elif control in {"previous", "pause", "resume"}:
            {"previous": self.controls.previous, "pause": self.controls.pause, "resume": self.controls.resume}[control]()
        elif control == "volume":
            try:
                volume = round(float(text))
            except (ValueError, OverflowError):
                raise ControlError("'volume' must be a number from 0 to 100", "volume") from None
            await self.controls.volume(volume)
        elif (room := ROOM_CONTROL.fullmatch(control)) and room["key"] in (rooms := self._rooms()):
            room_id, what = rooms[room["key"]]["id"], room["what"]
            if what == "volume":
                try:
                    await self.controls.speaker(room_id, volume=round(float(text)))
                except (ValueError, OverflowError):
                    raise ControlError("a room's volume must be a number from 0 to 100", "volume") from None
            elif text not in {"ON", "OFF"}:
                raise ControlError(f"a room's {what} takes ON or OFF", what)
            else:
                await self.controls.speaker(room_id, **{"muted" if what == "mute" else "follows": text == "ON"})
        else:
            raise ControlError(f"no control called {control!r}", "topic")
