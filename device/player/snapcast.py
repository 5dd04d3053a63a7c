"""Snapcast: the mood's music in every room, in sync (player.output = "snapcast").

mpv writes raw PCM (48000:16:2, snapserver's default), paced at real time by a filter, into the kiosk's
own pipe; a pump passes it on to snapserver's pipe source without ever waiting (PcmPump), and every
snapclient in the house plays it. The rooms (snapclients), their
volume and mute, and which groups play the kiosk's stream come from snapserver's JSON-RPC control API
(three of its methods; the ``snapcast`` library on PyPI has no wheels); it stays on the kiosk
(``snapcast.host`` is loopback by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import select
import stat
import threading
from collections import Counter
from dataclasses import asdict, dataclass, replace
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
        self._backlog = bytearray()  # read from mpv, not yet taken by snapserver
        self._sent = 0  # bytes written into snapserver's pipe, modulo FRAME (a frame may be half written)
        self._skip = 0  # bytes still to drop from mpv: the rest of a frame whose start snapserver never got
        self._stale: bool | None = None  # drain() asked: None no, False the backlog, True the pipe as well
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
            if self._stale is not None:
                self._forget(self._stale)
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
        if self._skip:
            cut = min(self._skip, len(chunk))
            chunk, self._skip = chunk[cut:], self._skip - cut
        self._backlog += chunk
        over = len(self._backlog) - BACKLOG_BYTES
        if over > 0:  # snapserver is away or far behind: the oldest audio goes
            self._drop(over + (-over) % FRAME)

    def _drop(self, count: int) -> None:
        """Drop ``count`` bytes (whole frames) from the backlog's start, after the end of the frame snapserver's pipe
        has half: the stream snapserver reads loses whole frames only (a frame cut in two would turn the sound of
        every room into noise)."""
        owed = (-self._sent) % FRAME
        whole = (len(self._backlog) - owed) // FRAME * FRAME if len(self._backlog) > owed else 0
        del self._backlog[owed : owed + min(count, whole)]

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
        except OSError:  # the pipe is gone: a new one's reader starts with what comes next
            os.close(self._out)
            self._out = None
            self._frame_start()
            return
        del self._backlog[:written]
        self._sent = (self._sent + written) % FRAME

    def drain(self, pipe: bool = False) -> None:
        """Forget what snapserver did not take while it was away (it would play late when it comes back), and with
        ``pipe`` what waits in snapserver's pipe too (only while snapserver is away: it must be the pipe's one
        reader); done by the pump's thread."""
        self._stale = pipe or bool(self._stale)

    def _forget(self, pipe: bool) -> None:
        self._stale = None
        if pipe and self._out is not None:
            with contextlib.suppress(OSError):
                while os.read(self._out, 65536):
                    pass
            self._frame_start()
        self._drop(len(self._backlog))  # a half frame at the end stays: mpv's next bytes finish it

    def _frame_start(self) -> None:
        """Snapserver's pipe starts afresh (emptied, or new): what it gets next starts a frame, so the rest of a
        frame it had half of is dropped."""
        owed, self._sent = (-self._sent) % FRAME, 0
        self._skip = max(0, owed - len(self._backlog))
        del self._backlog[:owed]

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
    """snapserver's control API (JSON-RPC 2.0 over TCP, a line each): whether it runs, its rooms, and their
    volume, mute and stream. A connection per call, on loopback: nothing to keep alive or resynchronise."""

    def __init__(self, settings: SnapcastSettings) -> None:
        self.settings = settings
        self._status: dict[str, Any] | None = None  # Server.GetStatus's "server", as of the last check
        self._ids = itertools.count(1)

    async def _call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """One request and its answer (notifications on the way are skipped); SpeakerError for its error."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.settings.host, self.settings.control_port), CALL_SECONDS
        )
        try:
            call = next(self._ids)
            request = {"id": call, "jsonrpc": "2.0", "method": method, **({"params": params} if params else {})}
            writer.write(json.dumps(request).encode() + b"\r\n")
            await writer.drain()
            while True:
                line = await asyncio.wait_for(reader.readline(), CALL_SECONDS)
                if not line:
                    raise OSError("snapserver closed the connection")
                answer = json.loads(line)
                if answer.get("id") == call:
                    if "error" in answer:
                        raise SpeakerError(f"snapserver: {answer['error'].get('message', answer['error'])}")
                    return answer.get("result")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def check(self) -> bool:
        """Whether snapserver answers now; its rooms are fresh afterwards."""
        try:
            self._status = (await self._call("Server.GetStatus"))["server"]
            return True
        except (OSError, TimeoutError, ValueError, KeyError, TypeError, SpeakerError) as error:
            log.debug("snapserver does not answer: %s", error)
            self._status = None
            return False

    def rooms(self) -> list[Room]:
        """The snapclients snapserver knows, by name (none while it does not answer)."""
        rooms = [
            Room(client["id"], client["config"].get("name") or client["host"].get("name") or client["id"],
                 bool(client["connected"]), int(client["config"]["volume"]["percent"]),
                 bool(client["config"]["volume"]["muted"]), group["stream_id"] == self.settings.stream)
            for group in (self._status or {}).get("groups", [])
            for client in group["clients"]
        ]  # fmt: skip
        names = Counter(room.name for room in rooms)  # snapclients on machines of one host name: told apart by id
        rooms = [replace(room, name=f"{room.name} ({room.id})") if names[room.name] > 1 else room for room in rooms]
        return sorted(rooms, key=lambda room: (room.name.casefold(), room.id))

    def _find(self, room_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        if self._status is None:
            raise SpeakerError("snapserver is not running")
        for group in self._status.get("groups", []):
            for client in group["clients"]:
                if client["id"] == room_id:
                    return client, group
        raise SpeakerError(f"no such room: {room_id}")

    async def set_volume(self, room_id: str, volume: int) -> None:
        client, _ = self._find(room_id)
        await self._safely("Client.SetVolume", {"id": room_id, "volume": {**client["config"]["volume"], "percent": volume}})

    async def set_muted(self, room_id: str, muted: bool) -> None:
        client, _ = self._find(room_id)
        await self._safely("Client.SetVolume", {"id": room_id, "volume": {**client["config"]["volume"], "muted": muted}})

    async def set_follows(self, room_id: str, follows: bool) -> None:
        """Play the kiosk's stream in this room's group, or another of snapserver's streams (a quiet one)."""
        _, group = self._find(room_id)
        if follows:
            await self._safely("Group.SetStream", {"id": group["id"], "stream_id": self.settings.stream})
            return
        streams = [stream["id"] for stream in (self._status or {}).get("streams", [])]
        others = [stream for stream in streams if stream != self.settings.stream]
        if not others:
            raise SpeakerError("snapserver has no other stream to play instead (scripts/install.sh --snapcast adds 'quiet')")
        await self._safely("Group.SetStream", {"id": group["id"], "stream_id": others[0]})

    async def _safely(self, method: str, params: dict[str, Any]) -> None:
        try:
            await self._call(method, params)
        except (OSError, TimeoutError, ValueError) as error:
            raise SpeakerError(f"snapserver did not answer: {error}") from error

    def close(self) -> None:
        self._status = None
