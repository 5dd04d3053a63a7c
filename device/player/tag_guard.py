"""A cheap look at a music file's ID3 tag before mutagen parses it.

mutagen reads an ID3 tag frame by frame and copies the rest of the tag after each one, so its work
grows with frames x tag size: an MP3 with 3,000 embedded pictures (30 MB) took 17 s here and
~150 s on the attacked kiosk (issue 26, finding 8). The frame headers are walked here without
reading the frames (a seek and 10 bytes each), and a tag whose parse would copy more than
``MAX_COPIED_BYTES`` is not handed to mutagen: the track plays under its file name.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

MAX_COPIED_BYTES = 2**30  # 1 GiB of copying: about a second on a Pi 4; an ordinary tag costs a few MB
MAX_RIFF_CHUNKS = 64  # a WAV file's chunks looked at for its "id3 " chunk


def tag_problem(path: Path) -> str | None:
    """Why the file's tags are not read (None: they may be)."""
    try:
        with path.open("rb") as file:
            start = id3_offset(file)
            if start is None:
                return None
            frames, size = id3_frames(file, start, MAX_COPIED_BYTES)
    except OSError:
        return None  # mutagen meets the same error and says so its own way
    if frames * size > MAX_COPIED_BYTES:
        return f"its ID3 tag holds too many frames for its size ({frames:,}+ frames in {size / 2**20:.0f} MB)"
    return None


def id3_offset(file: BinaryIO) -> int | None:
    """Where an ID3v2 tag starts: at the front (MP3, AAC) or in a WAV file's ``id3 `` chunk; None: no tag."""
    head = file.read(12)
    if head[:3] == b"ID3":
        return 0
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    position = 12
    for _ in range(MAX_RIFF_CHUNKS):
        file.seek(position)
        chunk = file.read(8)
        if len(chunk) < 8:
            return None
        if chunk[:4] in (b"id3 ", b"ID3 "):
            return position + 8
        position += 8 + int.from_bytes(chunk[4:], "little") + (int.from_bytes(chunk[4:], "little") & 1)
    return None


def id3_frames(file: BinaryIO, start: int, budget: int) -> tuple[int, int]:
    """(frames counted, tag size): the frame headers are walked until the tag ends or frames x size passes ``budget``."""
    file.seek(start)
    header = file.read(10)
    if len(header) < 10 or header[:3] != b"ID3":
        return 0, 0
    version, size = header[3], syncsafe(header[6:10])
    header_size = 6 if version == 2 else 10
    position, frames = 10, 0
    while position + header_size <= 10 + size and frames * size <= budget:
        file.seek(start + position)
        frame = file.read(header_size)
        if len(frame) < header_size or frame[0] == 0:
            break  # the end of the file, or padding
        if version == 2:
            length = int.from_bytes(frame[3:6], "big")
        elif version == 4 and not any(byte & 0x80 for byte in frame[4:8]):
            length = syncsafe(frame[4:8])
        else:
            length = int.from_bytes(frame[4:8], "big")
        frames += 1
        position += header_size + length
    return frames, size


def syncsafe(data: bytes) -> int:
    """ID3's 7-bits-a-byte integer."""
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
    return value
