"""The local music library: a folder (or an .m3u file) per playlist under the music directory.

A subfolder of a playlist named after a music language tags its tracks (``happy/hindi/*.mp3``);
a ``cover.jpg``/``folder.jpg`` (or .png) next to a track, or in the playlist folder, is its thumbnail.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path

MEDIA_SUFFIXES = {
    ".mp3", ".ogg", ".oga", ".opus", ".flac", ".wav", ".m4a", ".aac", ".wma", ".mka",
    ".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v",
}  # fmt: skip
PLAYLIST_SUFFIXES = {".m3u", ".m3u8"}
COVER_NAMES = ("cover.jpg", "cover.jpeg", "cover.png", "folder.jpg", "folder.jpeg", "folder.png")


@dataclass(frozen=True)
class Track:
    uri: str
    title: str
    playlist: str
    source: str = "local"
    language: str | None = None  # None: not tagged (fits any language)
    thumbnail: str | None = None  # a local image file or an image URL


def title_from_name(name: str) -> str:
    return Path(name).stem.replace("_", " ").strip() or name


def read_m3u(path: Path, playlist: str) -> list[Track]:
    """Entries of an .m3u/.m3u8 file; relative paths are taken from the file's folder."""
    tracks: list[Track] = []
    title = None
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF"):
            title = line.split(",", 1)[1].strip() if "," in line else None
            continue
        if not line or line.startswith("#"):
            continue
        if "://" in line:
            tracks.append(Track(line, title or line, playlist, "stream"))
        else:
            target = (path.parent / line).resolve()
            if target.is_file():
                tracks.append(Track(str(target), title or title_from_name(target.name), playlist))
        title = None
    return tracks


class MusicLibrary:
    """Finds the tracks of a playlist by name: ``<music_dir>/<name>/`` or ``<music_dir>/<name>.m3u``."""

    def __init__(self, music_dir: Path, languages: list[str] | tuple[str, ...] = ()) -> None:
        self.music_dir = music_dir
        self.languages = set(languages)

    def names(self) -> list[str]:
        """Every playlist that has at least one track, sorted."""
        if not self.music_dir.is_dir():
            return []
        candidates = {p.name for p in self.music_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}
        candidates |= {p.stem for p in self.music_dir.iterdir() if p.suffix.lower() in PLAYLIST_SUFFIXES}
        return sorted(name for name in candidates if self.tracks(name))

    def tracks(self, name: str) -> list[Track]:
        """The playlist's tracks (files sorted by path; .m3u entries in their order); [] if none."""
        if not name or "/" in name or name.startswith("."):
            return []
        tracks: list[Track] = []
        folder = self.music_dir / name
        if folder.is_dir():
            covers: dict[Path, str | None] = {}
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
                language = self._language_of(path.relative_to(folder))
                if path.suffix.lower() in MEDIA_SUFFIXES:
                    if path.parent not in covers:
                        covers[path.parent] = find_cover(path.parent, folder)
                    tracks.append(Track(str(path), title_from_name(path.name), name, "local", language, covers[path.parent]))
                elif path.suffix.lower() in PLAYLIST_SUFFIXES:
                    tracks += [replace(t, language=t.language or language) for t in read_m3u(path, name)]
        for suffix in PLAYLIST_SUFFIXES:
            listing = self.music_dir / f"{name}{suffix}"
            if listing.is_file():
                tracks += read_m3u(listing, name)
        return tracks

    def _language_of(self, relative: Path) -> str | None:
        """The language a track's first subfolder names, if it names one."""
        first = relative.parts[0].lower() if len(relative.parts) > 1 else None
        return first if first in self.languages else None


def find_cover(folder: Path, playlist_folder: Path) -> str | None:
    """The cover image in the track's folder, else in its playlist folder."""
    for place in dict.fromkeys((folder, playlist_folder)):
        for cover in COVER_NAMES:
            if (place / cover).is_file():
                return str(place / cover)
    return None


class ShuffleQueue:
    """Plays a playlist in random order, each track once per round, never the same track twice in a row."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()
        self._pending: list[Track] = []
        self._last: Track | None = None

    def next(self, tracks: list[Track]) -> Track | None:
        if not tracks:
            return None
        known = set(tracks)
        self._pending = [t for t in self._pending if t in known]
        if not self._pending:
            self._pending = list(tracks)
            self.rng.shuffle(self._pending)
            if len(self._pending) > 1 and self._pending[-1] == self._last:
                self._pending[0], self._pending[-1] = self._pending[-1], self._pending[0]
        self._last = self._pending.pop()
        return self._last
