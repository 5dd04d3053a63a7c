"""The pump between mpv and snapserver (device/player/snapcast.py) on real pipes: whatever it drops or forgets,
snapserver's pipe gets whole frames only (a frame cut in two turns every room's sound into noise)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from device.player.snapcast import BACKLOG_BYTES, FRAME, PcmPump

MARK = 0xBEEF


def frames(first: int, count: int) -> bytes:
    """``count`` numbered frames: a marker and the frame's number (mod 65536) in each."""
    return b"".join(struct.pack("<HH", MARK, number % 65536) for number in range(first, first + count))


def write_odd(fd: int, data: bytes, size: int = 1001) -> None:
    """As mpv's writes may reach the pump: in pieces that split frames."""
    for at in range(0, len(data), size):
        os.write(fd, data[at : at + size])


def read_all(fd: int, size: int = 1003, seconds: float = 0.5) -> bytes:
    """Read as a slow reader would, a piece at a time, until the pipe stays empty for ``seconds``."""
    got, quiet_since = bytearray(), time.monotonic()
    while time.monotonic() - quiet_since < seconds:
        try:
            piece = os.read(fd, size)
        except BlockingIOError:
            piece = b""
        if piece:
            got += piece
            quiet_since = time.monotonic()
        else:
            time.sleep(0.01)
    return bytes(got)


def assert_whole_frames(stream: bytes) -> list[int]:
    assert len(stream) % FRAME == 0, f"{len(stream)} bytes: a frame cut"
    numbers = []
    for at in range(0, len(stream), FRAME):
        mark, number = struct.unpack_from("<HH", stream, at)
        assert mark == MARK, f"a frame cut in two at byte {at}"
        numbers.append(number)
    return numbers


def unread(fd: int) -> int:
    """Bytes waiting in a pipe (either end's descriptor)."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]


def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the pump did not get there"
        time.sleep(0.02)


@contextlib.contextmanager
def pumping(tmp_path: Path) -> Iterator[tuple[PcmPump, int, int]]:
    """A running pump, mpv's end of its pipe and snapserver's end of its own (non-blocking)."""
    os.mkfifo(tmp_path / "snapfifo")
    pump = PcmPump(tmp_path / "pump", tmp_path / "snapfifo")
    pump.start()
    mpv = os.open(tmp_path / "pump", os.O_WRONLY)
    snapserver = os.open(tmp_path / "snapfifo", os.O_RDONLY | os.O_NONBLOCK)
    try:
        yield pump, mpv, snapserver
    finally:
        pump.close()
        for fd in (mpv, snapserver):
            with contextlib.suppress(OSError):
                os.close(fd)


def test_forgetting_while_snapserver_is_away_keeps_its_pipe_on_frame_boundaries(tmp_path: Path) -> None:
    with pumping(tmp_path) as (pump, mpv, snapserver):
        count = (BACKLOG_BYTES + 300_000) // FRAME  # more than the pipe and the backlog hold: the oldest are dropped
        data = frames(0, count + 5000)
        cut = count * FRAME + 1  # mpv's write read in two: a frame half taken when the music moves
        write_odd(mpv, data[:cut])
        until(lambda: unread(mpv) == 0 and len(pump._backlog) > BACKLOG_BYTES - FRAME)  # all of it taken
        first = os.read(snapserver, 50_003)  # snapserver takes some (ending inside a frame), then goes away
        pump.drain(pipe=True)  # the music moves to the kiosk's speaker: the pipe and the backlog are forgotten
        until(lambda: pump._stale is None and len(pump._backlog) < FRAME)
        write_odd(mpv, data[cut:])  # back on Snapcast
        second = read_all(snapserver)  # a snapserver that starts again reads from here
        numbers = assert_whole_frames(first[: len(first) - len(first) % FRAME])
        assert numbers[0] == 0  # the pipe's first 64 KiB came first
        numbers = assert_whole_frames(second)
        assert numbers[0] == count % 65536 and numbers[-1] == (count + 4999) % 65536  # from the frame mpv had begun


def test_forgetting_the_backlog_while_snapserver_reads_cuts_no_frame(tmp_path: Path) -> None:
    with pumping(tmp_path) as (pump, mpv, snapserver):
        data, stream = frames(0, 240_000), bytearray()
        for piece in range(5):  # each ends inside a frame
            write_odd(mpv, data[piece * 160_001 : (piece + 1) * 160_001], size=997)  # more than the pipe holds
            until(lambda: unread(mpv) == 0)
            stream += os.read(snapserver, 20_001)  # snapserver reads on, a piece at a time
            pump.drain()  # snapserver is back: only the backlog goes, snapserver's pipe is its own
            until(lambda: pump._stale is None)
        write_odd(mpv, data[5 * 160_001 :])
        stream += read_all(snapserver)
        numbers = assert_whole_frames(bytes(stream))
        assert numbers[:5000] == list(range(5000)) and numbers[-1] == (240_000 - 1) % 65536
