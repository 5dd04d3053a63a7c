"""Snapcast: the mood's music in every room, in sync (player.output = "snapcast").

mpv writes raw PCM (48000:16:2, snapserver's default), paced at real time by a filter, into the kiosk's
own pipe; a pump passes it on to snapserver's pipe source without ever waiting (PcmPump), and every
snapclient in the house plays it. The rooms (snapclients), their
volume and mute, and which groups play the kiosk's stream come from snapserver's JSON-RPC control API
through the ``snapcast`` library; it stays on the kiosk (``snapcast.host`` is loopback by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import stat
import threading
from dataclasses import asdict, dataclass
from typing import Any

from device.core.config import SnapcastSettings

log = logging.getLogger("moodkiosk")
RATE, CHANNELS = 48000, 2
FRAME = CHANNELS * 2  # bytes: a sample of each channel
BYTES_PER_SECOND = RATE * FRAME
BACKLOG_BYTES = 2 * BYTES_PER_SECOND  # what the pump keeps for snapserver while it is behind; older audio is dropped
CALL_SECONDS = 3.0  # a control call that takes longer: snapserver is taken as down
# mpv's pcm output does not keep time: a filter paces the audio at real time, in 10 ms chunks (the core is then
# free between chunks to answer commands), as a sound card would
PACED = "lavfi=[aresample=48000,asetnsamples=n=480:p=0,arealtime]"


def mpv_options(pump_path: os.PathLike[str] | str) -> dict[str, Any]:
    """mpv's audio options that write paced raw PCM (48000:16:2) into the kiosk's pump."""
    return {
        "ao": "pcm", "ao_pcm_file": os.fspath(pump_path), "ao_pcm_waveheader": False, "af": PACED,
        "audio_format": "s16", "audio_samplerate": RATE, "audio_channels": "stereo",
    }  # fmt: skip


def local_options(audio_output: str) -> dict[str, Any]:
    """Back to the kiosk's own speaker: its output, no pacing filter (the sound card keeps time)."""
    return {"ao": audio_output, "af": ""}


class PcmPump:
    """Between mpv and snapserver: mpv writes into the kiosk's own pipe (``source``), which a thread reads at
    once and passes on to snapserver's pipe source without ever waiting on it: up to two seconds wait in a
    backlog while snapserver is behind (a track's first burst); beyond that, while it is away, the oldest
    audio is dropped, so mpv (and the kiosk) never wait for snapserver."""

    def __init__(self, source: os.PathLike[str] | str, target: os.PathLike[str] | str) -> None:
        self.source, self.target = os.fspath(source), os.fspath(target)
        self.forwarded = self.dropped = 0  # bytes
        self._backlog = bytearray()  # read from mpv, not yet taken by snapserver
        self._stale = False
        self._in: int | None = None
        self._out: int | None = None
        self._thread: threading.Thread | None = None
        self._running = False

    def start(self) -> None:
        """Create the kiosk's pipe (when missing) and start passing the audio on."""
        if self._running:
            return
        with contextlib.suppress(FileExistsError):
            os.mkfifo(self.source, 0o600)
        if not stat.S_ISFIFO(os.stat(self.source).st_mode):
            raise OSError(f"{self.source} is not a pipe")
        self._in = os.open(self.source, os.O_RDWR | os.O_NONBLOCK)  # a reader from now on: mpv's open never waits
        self._running = True
        self._thread = threading.Thread(target=self._run, name="snapcast-pump", daemon=True)
        self._thread.start()

    def target_problem(self) -> str | None:
        """Why snapserver's pipe cannot take audio now (None: it can)."""
        try:
            if not stat.S_ISFIFO(os.stat(self.target).st_mode):
                return f"{self.target} is not a pipe (snapserver's source = pipe://{self.target}?...)"
        except OSError as error:
            return f"{self.target}: {error.strerror or error}"
        return None

    def _run(self) -> None:
        assert self._in is not None
        while self._running:
            if self._stale:
                self._forget()
            waiting = [self._out] if self._backlog and self._out is not None else []
            readable, writable, _ = select.select([self._in], waiting, [], 0.2)
            if readable:
                try:
                    self._take(os.read(self._in, 65536))
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    return  # closed: stopping
            if self._backlog and (writable or readable):
                self._pass_on()

    def _take(self, chunk: bytes) -> None:
        self._backlog += chunk
        over = len(self._backlog) - BACKLOG_BYTES
        if over > 0:  # snapserver is away or far behind: the oldest audio goes, whole frames of it
            over += (-over) % FRAME
            del self._backlog[:over]
            self.dropped += over

    def _pass_on(self) -> None:
        if self._out is None:
            try:  # read-write: snapserver opens its pipe again and again while no writer holds it
                self._out = os.open(self.target, os.O_RDWR | os.O_NONBLOCK)
            except OSError:
                return
        try:
            written = os.write(self._out, self._backlog)
        except BlockingIOError:
            return  # full: snapserver reads it in real time; the rest waits in the backlog
        except OSError:  # the pipe is gone
            os.close(self._out)
            self._out = None
            return
        del self._backlog[:written]
        self.forwarded += written

    def drain(self) -> None:
        """Forget what snapserver did not take while it was away (it would play late when it comes back);
        done by the pump's thread."""
        self._stale = True

    def _forget(self) -> None:
        self._stale = False
        self.dropped += len(self._backlog)
        self._backlog.clear()
        if self._out is not None:
            with contextlib.suppress(OSError):
                while os.read(self._out, 65536):
                    pass

    def close(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2)
        for fd in (self._in, self._out):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._in = self._out = None


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
