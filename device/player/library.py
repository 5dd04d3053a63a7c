"""The local music library: a folder (or an .m3u file) per playlist under the music directory.

A subfolder of a playlist named after a music language tags its tracks (``happy/hindi/*.mp3``);
a ``cover.jpg``/``folder.jpg`` (or .png) next to a track, or in the playlist folder, is its thumbnail.
Files in any other folder than a mood's ("unsorted" ones) also join the playlist of the mood the
music tagger heard in them (``sound_moods``); a file in a mood's folder stays in that mood only.
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import mutagen

from device.core.labels import EMOTIONS, TrackSource
from device.player.artwork import has_embedded_picture
from device.player.tag_guard import tag_problem

log = logging.getLogger("moodkiosk.library")

MEDIA_SUFFIXES = {
    ".mp3", ".ogg", ".oga", ".opus", ".flac", ".wav", ".m4a", ".aac", ".wma", ".mka",
    ".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v",
}  # fmt: skip
PLAYLIST_SUFFIXES = {".m3u", ".m3u8"}
COVER_NAMES = ("cover.jpg", "cover.jpeg", "cover.png", "folder.jpg", "folder.jpeg", "folder.png")
SHELF_KINDS = ("mood", "artist", "folder")  # how the page browses the library
MAX_PLAYLIST_BYTES = 4 * 1024 * 1024  # an .m3u file larger than this is not a playlist anyone wrote
MAX_SIDECAR_BYTES = 64 * 1024  # a track's .json sidecar holds a title, an artist and a language


class UnusableEntryError(ValueError):
    """A file in the music folder that cannot be used as it is (the message says why); it is skipped."""


def checked_text(text: str, what: str) -> str:
    """``text`` when it can travel as a path, a URI or a program argument: no NUL or other control character,
    valid UTF-8 (a file name in another encoding keeps undecodable bytes that no page or database can hold)."""
    if any(ord(c) < 32 and c != "\t" for c in text):
        raise UnusableEntryError(f"{what} holds a control character (such as NUL)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnusableEntryError(f"{what} is not valid UTF-8") from None
    return text


def read_limited(path: Path, limit: int) -> str:
    """The file's text (UTF-8, bad bytes replaced); UnusableEntryError when it is larger than ``limit`` bytes."""
    with path.open("rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise UnusableEntryError(f"larger than {limit // 1024} KiB")
    return data.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Track:
    uri: str
    title: str
    playlist: str
    source: str = TrackSource.LOCAL
    language: str | None = None  # None: not tagged (fits any language)
    thumbnail: str | None = None  # a local image file or an image URL
    artist: str | None = None  # or a YouTube channel
    duration: float | None = None  # seconds, when known
    by_sound: float | None = None  # in this mood's playlist because the tagger heard it (its share), not by folder


def title_from_name(name: str) -> str:
    return Path(name).stem.replace("_", " ").strip() or name


def read_m3u(path: Path, playlist: str, say: Callable[[str], None] = log.warning) -> list[Track]:
    """Entries of an .m3u/.m3u8 file; relative paths are taken from the file's folder.

    A line that cannot be a path or a URI (a NUL, a name too long, a loop of links) is skipped and
    ``say`` is told why; UnusableEntryError when the whole file cannot be a playlist (too large)."""
    tracks: list[Track] = []
    title = None
    for number, raw in enumerate(read_limited(path, MAX_PLAYLIST_BYTES).splitlines(), 1):
        line = raw.strip()
        if line.startswith("#EXTINF"):
            title = line.split(",", 1)[1].strip() if "," in line else None
            continue
        if not line or line.startswith("#"):
            continue
        try:
            checked_text(line, "the entry")
            title = checked_text(title, "its title") if title else None
            if "://" in line:
                tracks.append(Track(line, title or line, playlist, "stream"))
            else:
                target = (path.parent / line).resolve()
                if target.is_file():
                    tracks.append(Track(str(target), title or title_from_name(target.name), playlist))
        except UnusableEntryError as error:
            say(f"{ascii(str(path))[1:-1]}, line {number}: skipping it: {error}")
        except OSError as error:  # a name too long for the file system, a loop of links, ...
            why = error.strerror or error
            say(f"{ascii(str(path))[1:-1]}, line {number}: skipping an entry that is no file name here ({why})")
        title = None
    return tracks


class MusicLibrary:
    """Finds the tracks of a playlist by name: ``<music_dir>/<name>/`` or ``<music_dir>/<name>.m3u``.

    ``scan()`` walks the folder and reads tags (title, artist, duration; a ``<track>.json`` sidecar
    may add ``title``, ``artist`` and ``language``); the daemon runs it in a thread, so a big
    library never blocks the event loop. Lookups answer from the last scan (the first one scans).
    ``scan(quick=True)`` reads only the names and sidecars of files it has not read before (the
    daemon's start: the tags follow in a full scan once it is up).
    """

    def __init__(self, music_dir: Path, languages: list[str] | tuple[str, ...] | set[str] = ()) -> None:
        self.music_dir = music_dir
        self.languages = set(languages)
        self._index: dict[str, list[Track]] | None = None
        self._by_uri: dict[str, Track] = {}
        self._tags: dict[Path, tuple[tuple[int, int], TrackTags]] = {}  # by (mtime, size): files read once
        self.sound_moods: dict[str, tuple[str, float]] = {}  # file -> (mood, share), set by whoever tags them
        self.imported: dict[str, list[Track]] = {}  # playlists brought as lists, by name
        self._folders: dict[str, list[Track]] | None = None  # the last scan of the folders
        self._said: set[str] = set()  # problems with entries, already logged
        self._quick = False  # the scan under way reads no embedded tags of new files

    def scan(self, quick: bool = False) -> None:
        """Walk the music folder again (in a worker thread in the daemon); tags of unchanged files are reused.
        ``quick``: new files' embedded tags are left for the next full scan."""
        self._quick = quick
        index: dict[str, list[Track]] = {}
        if self.music_dir.is_dir():
            entries = list(self.music_dir.iterdir())
            names = {p.name for p in entries if p.is_dir() and not p.name.startswith(".")}
            names |= {p.stem for p in entries if p.suffix.lower() in PLAYLIST_SUFFIXES and not p.name.startswith(".")}
            for name in sorted(names):
                try:
                    tracks = self._scan_playlist(checked_text(name, "the name"))
                except (UnusableEntryError, OSError) as error:
                    self._skip(self.music_dir / name, error)
                    continue
                if tracks:
                    index[name] = tracks
        self._tags = {path: tags for path, tags in self._tags.items() if path.exists()}
        self._folders = index
        self._rebuild()

    def unsorted_files(self) -> list[Path]:
        """The media files outside the moods' folders (as of the last scan): the ones the tagger places."""
        return [
            Path(track.uri)
            for name, tracks in self._scanned().items()
            if name not in EMOTIONS
            for track in tracks
            if track.source == TrackSource.LOCAL and track.by_sound is None and Path(track.uri).suffix.lower() in MEDIA_SUFFIXES
        ]

    def place_by_sound(self, sound_moods: dict[str, tuple[str, float]]) -> None:
        """Known moods of unsorted files changed: rebuild the moods' playlists from the last scan."""
        self.sound_moods = dict(sound_moods)
        self._rebuild()

    def use_imported(self, playlists: dict[str, list[Track]]) -> None:
        """The imported playlists (device.player.imported): each joins the folder of the same name, if any."""
        self.imported = playlists
        self._rebuild()

    def _rebuild(self) -> None:
        if self._folders is None:
            return
        index = {name: list(tracks) for name, tracks in self._folders.items()}
        for name, tracks in self.imported.items():
            index.setdefault(name, []).extend(tracks)
        self._index = self._with_sound_moods({name: tracks for name, tracks in index.items() if tracks})
        self._by_uri = {}  # every track once (the first playlist that has it): for search, find and count
        for tracks in self._index.values():
            for track in tracks:
                self._by_uri.setdefault(track.uri, track)

    def _with_sound_moods(self, index: dict[str, list[Track]]) -> dict[str, list[Track]]:
        if not self.sound_moods:
            return index
        placed = {name: list(tracks) for name, tracks in index.items()}
        seen: set[str] = set()
        for name, tracks in index.items():
            if name in EMOTIONS:
                continue
            for track in tracks:
                heard = self.sound_moods.get(track.uri)
                if heard is None or track.uri in seen:
                    continue
                seen.add(track.uri)
                placed.setdefault(heard[0], []).append(replace(track, playlist=heard[0], by_sound=heard[1]))
        return placed

    def names(self) -> list[str]:
        """Every playlist that has at least one track, sorted."""
        return sorted(self._scanned())

    def tracks(self, name: str) -> list[Track]:
        """The playlist's tracks (files sorted by path; .m3u entries in their order); [] if none."""
        return list(self._scanned().get(name, []))

    def all_tracks(self) -> list[Track]:
        """Every track once (the first playlist that has it), in playlist order."""
        self._scanned()
        return list(self._by_uri.values())

    def count(self) -> int:
        """How many different tracks the last scan found (0 before the first; never scans)."""
        return len(self._by_uri)

    def find(self, uri: str) -> Track | None:
        """The library's track with this URI (None: not in the library)."""
        self._scanned()
        return self._by_uri.get(uri)

    def shelves(self, by: str) -> list[tuple[str, int]]:
        """The library's shelves, sorted, each with its number of tracks: ``by`` "mood" (the moods' playlists),
        "artist" (tracks without one are not shelved) or "folder" (a file's folder in the music folder, e.g.
        "happy/Album"; an imported list's or a YouTube playlist's name)."""
        counts = Counter(name for name, _ in self._shelved(by))
        return sorted(counts.items(), key=lambda item: item[0].casefold())

    def shelf(self, by: str, name: str, limit: int = 200) -> list[Track]:
        """One shelf's tracks (at most ``limit``), in the library's order."""
        return [track for shelf, track in self._shelved(by) if shelf == name][:limit]

    def _shelved(self, by: str) -> list[tuple[str, Track]]:
        if by == "mood":
            return [(name, track) for name in self.names() if name in EMOTIONS for track in self.tracks(name)]
        if by == "artist":
            return [(track.artist, track) for track in self.all_tracks() if track.artist]
        return [(self._folder_of(track), track) for track in self.all_tracks()]

    def _folder_of(self, track: Track) -> str:
        path = Path(track.uri)
        if track.source == TrackSource.LOCAL and path.is_absolute() and path.parent.is_relative_to(self.music_dir):
            folder = path.parent.relative_to(self.music_dir)
            return track.playlist if folder == Path(".") else folder.as_posix()
        return track.playlist

    def search(self, query: str, limit: int = 30) -> list[Track]:
        """Tracks whose title, artist or playlist (album folder) contain every word of ``query``, any case;
        title matches first."""
        words = query.casefold().split()
        if not words:
            return []
        found: list[tuple[int, Track]] = []
        for track in self.all_tracks():
            title, artist = track.title.casefold(), (track.artist or "").casefold()
            text = f"{title} {artist} {track.playlist.casefold()}"
            if all(word in text for word in words):
                found.append((0 if all(word in title for word in words) else 1, track))
        found.sort(key=lambda pair: pair[0])
        return [track for _, track in found[:limit]]

    def _scanned(self) -> dict[str, list[Track]]:
        if self._index is None:
            self.scan()
        assert self._index is not None
        return self._index

    def _scan_playlist(self, name: str) -> list[Track]:
        tracks: list[Track] = []
        folder = self.music_dir / name
        if folder.is_dir():
            covers: dict[Path, str | None] = {}
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
                try:
                    tracks += self._scan_file(checked_path(path), folder, name, covers)
                except (UnusableEntryError, OSError) as error:  # one bad file never costs the rest
                    self._skip(path, error)
        for suffix in PLAYLIST_SUFFIXES:
            listing = self.music_dir / f"{name}{suffix}"
            if listing.is_file():
                try:
                    tracks += read_m3u(listing, name, self._say_once)
                except (UnusableEntryError, OSError) as error:
                    self._skip(listing, error)
        return tracks

    def _scan_file(self, path: Path, folder: Path, name: str, covers: dict[Path, str | None]) -> list[Track]:
        language = self._language_of(path.relative_to(folder))
        if path.suffix.lower() in MEDIA_SUFFIXES:
            if path.parent not in covers:
                covers[path.parent] = find_cover(path.parent, folder)
            tags = self._read_tags(path)
            return [
                Track(
                    str(path), tags.title or title_from_name(path.name), name, TrackSource.LOCAL,
                    tags.language or language, str(path) if tags.picture else covers[path.parent],
                    tags.artist, tags.duration,
                )
            ]  # fmt: skip
        if path.suffix.lower() in PLAYLIST_SUFFIXES:
            return [replace(t, language=t.language or language) for t in read_m3u(path, name, self._say_once)]
        return []

    def _skip(self, path: Path, error: Exception) -> None:
        why = str(error) if isinstance(error, UnusableEntryError) else (getattr(error, "strerror", None) or str(error))
        self._say_once(f"music: skipping {ascii(str(path))[1:-1]}: {why}")

    def _say_once(self, message: str) -> None:
        """Log a problem with the music once, not at every rescan."""
        if message not in self._said:
            self._said.add(message)
            log.warning("%s", message)

    def _read_tags(self, path: Path) -> TrackTags:
        try:
            stat = path.stat()
        except OSError:
            return TrackTags()
        key = (stat.st_mtime_ns, stat.st_size)
        known = self._tags.get(path)
        if known is None or known[0] != key:
            if self._quick:
                return read_tags(path, self._say_once, embedded=False)
            known = (key, read_tags(path, self._say_once))
            self._tags[path] = known
        return known[1]

    def _language_of(self, relative: Path) -> str | None:
        """The language a track's first subfolder names, if it names one."""
        first = relative.parts[0].lower() if len(relative.parts) > 1 else None
        return first if first in self.languages else None


@dataclass(frozen=True)
class TrackTags:
    title: str | None = None
    artist: str | None = None
    duration: float | None = None
    language: str | None = None
    picture: bool = False  # cover art inside the file


def read_tags(path: Path, say: Callable[[str], None] = log.warning, embedded: bool = True) -> TrackTags:
    """Title, artist and duration from the file's tags (mutagen), then a ``<name>.json`` sidecar's keys.

    ``embedded`` False, or a tag too costly to parse (device.player.tag_guard): the sidecar's only."""
    title = artist = language = None
    duration = None
    media = None
    problem = tag_problem(path) if embedded else None
    if problem:
        say(f"music: not reading the tags of {ascii(str(path))[1:-1]}: {problem}; it plays under its file name")
    elif embedded:
        try:
            media = mutagen.File(path, easy=True)
        except Exception:  # mutagen raises many kinds for damaged files; the file name will do
            media = None
    if media is not None:
        duration = getattr(media.info, "length", None)
        tags = media.tags or {}
        title = first_tag(tags, "title", "TIT2", "\xa9nam")
        artist = first_tag(tags, "artist", "TPE1", "\xa9ART")
    sidecar = path.with_suffix(".json")
    if sidecar.is_file():
        try:
            extra = json.loads(read_limited(sidecar, MAX_SIDECAR_BYTES))
        except (OSError, ValueError, RecursionError) as error:  # UnusableEntryError is a ValueError; RecursionError: [[[[...
            why = error if isinstance(error, UnusableEntryError) else "not readable JSON"
            log.warning("music: ignoring %s: %s", ascii(str(sidecar))[1:-1], why)
            extra = {}
        if isinstance(extra, dict):
            title = text_or(extra.get("title"), title)
            artist = text_or(extra.get("artist"), artist)
            language = text_or(extra.get("language"), None)
            language = language.strip().lower() if language else None
    picture = embedded and not problem and has_embedded_picture(path)
    return TrackTags(title, artist, round(duration, 1) if duration else None, language, picture)


def first_tag(tags: Any, *keys: str) -> str | None:
    """The first non-empty value under any of ``keys`` (easy names, or raw ID3/MP4 frames such as TIT2)."""
    for key in keys:
        try:
            value = tags.get(key)
        except Exception:  # some tag formats refuse keys they do not know
            continue
        value = getattr(value, "text", value)  # an ID3 frame keeps its values in .text
        if isinstance(value, list):
            value = value[0] if value else None
        text = text_or(str(value), None) if value is not None else None
        if text:
            return text
    return None


def text_or(value: Any, default: str | None) -> str | None:
    """A stripped tag or sidecar text, or ``default`` when it is empty, not text, or holds control characters."""
    if not isinstance(value, str) or not value.strip():
        return default
    try:
        return checked_text(value.strip(), "text")
    except UnusableEntryError:
        return default


def checked_path(path: Path) -> Path:
    checked_text(str(path), "its name")
    return path


def find_cover(folder: Path, playlist_folder: Path) -> str | None:
    """The cover image in the track's folder, else in its playlist folder."""
    for place in dict.fromkeys((folder, playlist_folder)):
        for cover in COVER_NAMES:
            if (place / cover).is_file():
                return str(place / cover)
    return None


class ShuffleQueue:
    """Plays a playlist in random order, each track once per round, never the same track twice in a row.

    ``weight`` (the household's likes and skips) decides which tracks tend to come early in a round:
    a weighted random order (each track's key is u ** (1 / weight), largest first).
    """

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()
        self._pending: list[Track] = []
        self._last: Track | None = None

    def next(self, tracks: list[Track], weight: Callable[[Track], float] = lambda track: 1.0) -> Track | None:
        if not tracks:
            return None
        known = set(tracks)
        self._pending = [t for t in self._pending if t in known]
        if not self._pending:
            keys = {track: self.rng.random() ** (1.0 / weight(track)) for track in tracks}
            self._pending = sorted(tracks, key=keys.__getitem__)  # popped from the end: the largest key first
            if len(self._pending) > 1 and self._pending[-1] == self._last:
                self._pending[0], self._pending[-1] = self._pending[-1], self._pending[0]
        self._last = self._pending.pop()
        return self._last
