"""Live settings: the base (defaults, file, environment, flags) and the admin page's changes on top,
as one ``Settings``; every change goes to the parts that apply it, while the kiosk runs.

A part registers for the sections it owns (``apply_to``) and takes its section whenever it
changes. The few keys no part can take while running are listed here, in RESTART_ONLY, and named
in the log when they change. ``tests/device/kiosk/test_live_settings.py`` walks every key of
``moodkiosk config keys`` and proves each one either takes effect at once or is named as needing
a restart.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from device.camera.picamera2_source import picamera2_cameras
from device.camera.spec import video_devices
from device.core.config import Settings
from device.core.errors import MoodkioskError
from device.core.events import EventBus, SettingsChanged
from device.core.labels import EMOTIONS
from device.core.page_settings import (
    PageSettingsError,
    check_keys,
    decode_stored,
    describe_settings,
    get_value,
    jsonable,
    with_values,
)
from device.core.store import Store
from device.player.catalog import kind_of
from device.player.dj import STRATEGIES

log = logging.getLogger("moodkiosk")

# Read once, at the start: a change is named in the log, and applies at the next start.
RESTART_ONLY = (
    "web.host", "web.port", "web.enabled", "web.hostnames", "storage.state_dir", "storage.events_file", "player.music_dir",
    "player.audio_output", "player.video_output", "player.volume", "player.ytdl_path", "player.output",
    "snapcast.fifo", "snapcast.stream", "snapcast.host", "snapcast.control_port",
    "mqtt.host", "mqtt.port", "mqtt.tls", "mqtt.username", "mqtt.password", "mqtt.base_topic", "mqtt.discovery_prefix",
)  # fmt: skip
# Read where they are used, each time (the purge chore, the sign-up handler): always the live value.
READ_WHEN_USED = (
    "storage.retention_days", "web.self_signup", "web.metrics", "web.display_remote",
    "spotify.client_id", "spotify.client_secret", "spotify.api_base", "spotify.token_url",
    "privacy.operator", "privacy.contact",
)  # fmt: skip

Applier = Callable[[Settings], Awaitable[None] | None]


class LiveSettings:
    def __init__(
        self,
        base: Settings,
        store: Store,
        bus: EventBus,
        locked: set[str] | None = None,
        reread: Callable[[], Settings] | None = None,
    ) -> None:
        """``reread``: reads the base again from the same file, environment and flags (SIGHUP)."""
        self.base, self.store, self.bus = base, store, bus
        self.locked = locked or set()  # dotted keys given as flags: the page cannot change them
        self._reread = reread
        self.page_values: dict[str, Any] = {}
        self.settings = base
        self._appliers: list[tuple[tuple[str, ...], Applier]] = []
        self.playlists: Callable[[], list[str]] = list  # the library's playlists, for the admin page
        self.apply_to(("log_level",), lambda settings: logging.getLogger().setLevel(settings.log_level.upper()))

    def apply_to(self, sections: tuple[str, ...], applier: Applier) -> None:
        """Call ``applier(settings)`` whenever one of ``sections`` changes (section names, or dotted keys)."""
        self._appliers.append((sections, applier))

    async def load_page_settings(self) -> None:
        values, notes = decode_stored(self.base, await self.store.page_settings(), self.locked)
        for note in notes:
            log.warning("%s", note)
        self.page_values = values
        if values:
            log.info("settings from the admin page: %s", ", ".join(sorted(values)))
            await self._use(with_values(self.base, values))

    async def change(self, changes: dict[str, Any], by: str) -> None:
        """Validate, store, then apply page settings (None resets a key to the config file's value).

        Raises PageSettingsError (unknown, locked or invalid) or sqlite3.Error (not stored: nothing changes).
        """
        check_keys(list(changes), self.locked)
        values = {k: v for k, v in {**self.page_values, **changes}.items() if v is not None}
        settings = with_values(self.base, values)
        if changes.get("player.mapping") is not None:
            self._check_playlists(settings.player.mapping)
        values = {key: jsonable(get_value(settings, key)) for key in values}  # as validated ("true" -> true), not as sent
        stored = {key: None if changes[key] is None else json.dumps(values[key]) for key in changes}
        await self.store.save_page_settings(stored, by)
        self.page_values = values
        self.bus.publish(SettingsChanged(sorted(changes), by))
        await self._use(settings)

    def _check_playlists(self, mapping: dict[str, Any]) -> None:
        """Every library playlist a page mapping names must exist (a typo would leave members an empty playlist)."""
        known = self.playlists()
        for value in mapping.values():
            for names in value.values() if isinstance(value, dict) else [value]:
                for name in [names] if isinstance(names, str) else names:
                    if kind_of(name) is None and name not in known:  # a source's name, or the library's
                        have = f"you have {', '.join(known)}" if known else "the music folder has no playlists yet"
                        problem = {"key": "player.mapping", "kind": "no_playlist", "limit": name, "have": known}
                        message = f"No playlist '{name}': {have}. A YouTube URL or search works too."
                        raise PageSettingsError(message, problems=[problem])

    async def reload(self) -> list[str] | None:
        """Read the config file again (SIGHUP, `systemctl reload`): apply it, or keep the settings in use if it
        is wrong (None). Returns the keys that changed but apply only at the next start."""
        if self._reread is None:
            return None
        try:
            base = self._reread()
        except MoodkioskError as error:
            log.error("config reload failed, keeping the settings in use: %s", error.describe())
            return None
        values, notes = decode_stored(base, {k: json.dumps(v) for k, v in self.page_values.items()}, self.locked)
        for note in notes:
            log.warning("%s", note)
        settings = with_values(base, values) if values else base
        later = [key for key in RESTART_ONLY if get_value(settings, key) != get_value(self.settings, key)]
        self.base, self.page_values = base, values
        await self._use(settings)
        log.info("config reloaded" + (f"; these take effect at the next start: {', '.join(later)}" if later else ""))
        return later

    async def _use(self, settings: Settings) -> None:
        old, self.settings = self.settings, settings
        for sections, applier in self._appliers:
            if any(get_value(old, section) != get_value(settings, section) for section in sections):
                result = applier(settings)
                if inspect.isawaitable(result):
                    await result

    def page_settings(self) -> dict[str, Any]:
        """Every page setting with its value and origin, plus the choices the admin page offers."""
        rows = describe_settings(self.settings, self.base, self.page_values, self.locked)
        cameras = ["auto", *[f"picamera2:{i}" for i in range(len(picamera2_cameras()))], *map(str, video_devices()), "none"]
        return {
            "settings": rows,
            "emotions": list(EMOTIONS),
            "playlists": self.playlists(),
            "cameras": cameras,
            "strategies": STRATEGIES,  # each strategy's playlist per emotion: the mapping grid's placeholders
        }
