"""Snapcast: the mood's music in every room, in sync (player.output = "snapcast").

mpv writes raw PCM (48000:16:2, snapserver's default) into snapserver's pipe source; every snapclient
in the house plays it. The kiosk also holds the pipe open for reading (never reading while snapserver
runs): mpv's open never waits for a reader, and while snapserver is away mpv's writes wait instead of
failing (a failing write would play a track through in a blink). The rooms (snapclients), their
volume and mute, and which groups play the kiosk's stream come from snapserver's JSON-RPC control API
through the ``snapcast`` library; it stays on the kiosk (``snapcast.host`` is loopback by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from dataclasses import asdict, dataclass
from typing import Any

from device.core.config import SnapcastSettings

log = logging.getLogger("moodkiosk")
RATE, CHANNELS = 48000, 2
CALL_SECONDS = 3.0  # a control call that takes longer: snapserver is taken as down


def mpv_options(settings: SnapcastSettings) -> dict[str, Any]:
    """mpv's audio options that write into snapserver's pipe."""
    return {
        "ao": "pcm", "ao_pcm_file": str(settings.fifo), "ao_pcm_waveheader": False,
        "audio_format": "s16", "audio_samplerate": RATE, "audio_channels": "stereo",
    }  # fmt: skip


class SnapcastPipe:
    """snapserver's pipe source, held open by the kiosk (O_RDWR, non-blocking) while the music goes there."""

    def __init__(self, path: os.PathLike[str] | str) -> None:
        self.path = os.fspath(path)
        self._fd: int | None = None

    def open(self) -> str | None:
        """Hold the pipe; the problem in words when it cannot be (None: held)."""
        if self._fd is not None:
            return None
        try:
            if not stat.S_ISFIFO(os.stat(self.path).st_mode):
                return f"{self.path} is not a pipe (snapserver's source = pipe://{self.path}?...)"
            self._fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)
        except OSError as error:
            return f"{self.path}: {error.strerror or error}"
        return None

    def drain(self) -> int:
        """Empty what snapserver did not read (its audio would be stale when it comes back); bytes dropped."""
        dropped = 0
        if self._fd is None:
            return 0
        with contextlib.suppress(BlockingIOError, OSError):
            while chunk := os.read(self._fd, 65536):
                dropped += len(chunk)
        return dropped

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass(frozen=True)
class Room:
    """A snapclient, as the page and Home Assistant show it."""

    id: str
    name: str
    connected: bool
    volume: int
    muted: bool
    follows: bool  # its group plays the kiosk's stream

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class SpeakerError(Exception):
    """A room that is not there, or snapserver that does not answer."""


class Snapcast:
    """snapserver's control API: whether it runs, its rooms, and their volume, mute and stream."""

    def __init__(self, settings: SnapcastSettings) -> None:
        self.settings = settings
        self._server: Any = None

    @property
    def connected(self) -> bool:
        return self._server is not None

    async def check(self) -> bool:
        """Whether snapserver answers now (connecting when it did not); its rooms are fresh afterwards."""
        try:
            if self._server is None:
                from snapcast.control import create_server

                server = await asyncio.wait_for(
                    create_server(asyncio.get_running_loop(), self.settings.host, self.settings.control_port), CALL_SECONDS
                )
                server.set_on_disconnect_callback(lambda _error: self._lost())
                self._server = server
                return True
            status, error = await asyncio.wait_for(self._server.status(), CALL_SECONDS)
            if error or not isinstance(status, dict) or "server" not in status:
                raise OSError(str(error))
            self._server.synchronize(status)
            return True
        except (OSError, TimeoutError) as error:
            log.debug("snapserver does not answer: %s", error)
            self._lost()
            return False

    def _lost(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(Exception):
                server.stop()

    def rooms(self) -> list[Room]:
        """The snapclients snapserver knows, by name (none while it does not answer)."""
        if self._server is None:
            return []
        rooms = [
            Room(client.identifier, client.friendly_name, bool(client.connected), int(client.volume), bool(client.muted),
                 bool(client.group and client.group.stream == self.settings.stream))
            for client in self._server.clients
        ]  # fmt: skip
        return sorted(rooms, key=lambda room: (room.name.casefold(), room.id))

    def _client(self, room_id: str) -> Any:
        if self._server is None:
            raise SpeakerError("snapserver is not running")
        try:
            return self._server.client(room_id)
        except KeyError:
            raise SpeakerError(f"no such room: {room_id}") from None

    async def set_volume(self, room_id: str, volume: int) -> None:
        await self._call(self._client(room_id).set_volume(volume))

    async def set_muted(self, room_id: str, muted: bool) -> None:
        await self._call(self._client(room_id).set_muted(muted))

    async def set_follows(self, room_id: str, follows: bool) -> None:
        """Play the kiosk's stream in this room's group, or another of snapserver's streams (a quiet one)."""
        group = self._client(room_id).group
        if group is None:
            raise SpeakerError(f"room {room_id} is in no group")
        if follows:
            await self._call(group.set_stream(self.settings.stream))
            return
        others = [stream.identifier for stream in self._server.streams if stream.identifier != self.settings.stream]
        if not others:
            raise SpeakerError("snapserver has no other stream to play instead (scripts/install.sh --snapcast adds 'quiet')")
        await self._call(group.set_stream(others[0]))

    async def _call(self, call: Any) -> None:
        try:
            await asyncio.wait_for(call, CALL_SECONDS)
        except (OSError, TimeoutError) as error:
            raise SpeakerError(f"snapserver did not answer: {error}") from error

    def close(self) -> None:
        self._lost()
