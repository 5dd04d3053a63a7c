"""Cover art embedded in audio files (ID3 APIC, FLAC and Ogg pictures, MP4 ``covr``), read with mutagen."""

from __future__ import annotations

import base64
from pathlib import Path

import mutagen
from mutagen.flac import Picture

from device.player.tag_guard import tag_problem

MAX_PICTURE_BYTES = 4 * 2**20
PICTURE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}


def embedded_picture(path: Path) -> tuple[bytes, str] | None:
    """The file's first embedded picture and its content type (JPEG or PNG only); None without one, or when its tag
    is too costly to parse (device.player.tag_guard)."""
    return None if tag_problem(path) else picture_in(path)


def picture_in(path: Path) -> tuple[bytes, str] | None:
    """embedded_picture for a file whose tag was already found safe to parse."""
    try:
        media = mutagen.File(path)
    except Exception:  # mutagen raises many kinds for damaged files
        return None
    if media is None:
        return None
    for data in candidates(media):
        kind = next((kind for magic, kind in PICTURE_TYPES.items() if data.startswith(magic)), None)
        if kind and len(data) <= MAX_PICTURE_BYTES:
            return data, kind
    return None


def candidates(media: mutagen.FileType) -> list[bytes]:
    pictures = [picture.data for picture in getattr(media, "pictures", [])]  # FLAC
    tags = media.tags
    if tags is None:
        return pictures
    if hasattr(tags, "getall"):  # ID3 (MP3, WAV, AIFF)
        return pictures + [frame.data for frame in tags.getall("APIC")]
    pictures += [bytes(cover) for cover in tags.get("covr", [])]  # MP4
    for block in tags.get("metadata_block_picture", []):
        try:  # Ogg Vorbis / Opus: base64 FLAC picture blocks
            pictures.append(Picture(base64.b64decode(block)).data)
        except (ValueError, TypeError, mutagen.MutagenError):
            continue
    return pictures


def has_embedded_picture(path: Path) -> bool:
    """Whether a file whose tag was already found safe to parse holds a picture."""
    return picture_in(path) is not None
