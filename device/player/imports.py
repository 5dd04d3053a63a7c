"""Playlists people bring as lists: a CSV of songs (with a header; the columns Spotify exporters write
are understood too), or an .m3u/.m3u8, .pls or XSPF file. Pure parsing: rows in, refusals with their
line numbers out.

A row plays its URL (http or https, or a bare YouTube video id); a row without one plays the first
YouTube match of ``"title" artist`` (``ytdl://ytsearch1:...``, found by mpv's yt-dlp hook). Other
schemes (``file:``, ``ytdl:``, mpv option strings) are refused.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException

from device.core.labels import EMOTIONS

MAX_ROWS = 5000
MAX_BYTES = 20 * 2**20
MAX_FIELD = 300
MAX_REFUSALS = 50  # refused rows named one by one; the rest are counted
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # NUL and the like: no title, artist or address holds one
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
COLUMNS = {  # column name (lower case) -> field
    "title": "title", "track name": "title", "track": "title", "song": "title", "name": "title", "track title": "title",
    "artist": "artist", "artist name(s)": "artist", "artist name": "artist", "artists": "artist", "singer": "artist",
    "url": "url", "link": "url", "track url": "url", "spotify url": "url", "youtube": "url",
    "language": "language", "lang": "language",
    "mood": "mood", "emotion": "mood",
}  # fmt: skip


class ListError(ValueError):
    """The file as a whole cannot be read (too large, no title column, an unknown kind)."""


@dataclass(frozen=True)
class Row:
    title: str
    artist: str = ""
    url: str = ""
    language: str = ""
    mood: str = ""

    def uri(self) -> str:
        """What mpv plays for it."""
        if self.url:
            return self.url
        query = f'"{self.title}" {self.artist}'.strip()
        return f"ytdl://ytsearch1:{query}"


@dataclass(frozen=True)
class Parsed:
    rows: list[Row]
    refused: list[tuple[int, str]]  # (line, why)
    note: str = ""  # e.g. the encoding it was read in


def clean_url(value: str) -> str:
    """An http(s) URL or a YouTube id as a URL; ValueError for anything else."""
    value = value.strip()
    if not value:
        return ""
    if YOUTUBE_ID.fullmatch(value):
        return f"https://www.youtube.com/watch?v={value}"
    if re.match(r"https?://[^\s/]+", value, re.I) and not any(c in value for c in "\n\r\t \"'`"):
        return value
    raise ValueError(f"not an http(s) address or a YouTube id: {value[:60]!r}")


def cell(value: str | None) -> str:
    if CONTROL.search(value or ""):
        raise ValueError("a control character (such as NUL) in a field")
    text = " ".join((value or "").split())
    if len(text) > MAX_FIELD:
        raise ValueError(f"a field longer than {MAX_FIELD} characters")
    return text


def make_row(values: dict[str, str]) -> Row:
    title, artist = cell(values.get("title")), cell(values.get("artist"))
    if not title and not values.get("url"):
        raise ValueError("no title and no URL")
    mood = cell(values.get("mood")).lower()
    if mood and mood not in EMOTIONS:
        raise ValueError(f"unknown mood {mood!r} (one of {', '.join(EMOTIONS)})")
    url = clean_url(cell(values.get("url")))
    return Row(title or url, artist, url, cell(values.get("language")).lower(), mood)


def decode(data: bytes) -> tuple[str, str]:
    """Text and a note on its encoding: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), ""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "not UTF-8: read as Windows-1252"


def read_list(path: Path) -> bytes:
    """A list file's bytes, at most MAX_BYTES + 1 of them whatever the file is (a FIFO or /dev/zero has no size
    to check first: parse_bytes then says it is too large); ListError when it cannot be read."""
    try:
        with path.open("rb") as file:
            return file.read(MAX_BYTES + 1)
    except OSError as error:
        raise ListError(f"{path}: cannot be read ({error.strerror})") from error


def parse(path: Path) -> Parsed:
    """Rows of a list file; ListError when the file as a whole cannot be used."""
    return parse_bytes(read_list(path), str(path))


def parse_bytes(data: bytes, name: str) -> Parsed:
    """Rows of a list file's contents; ``name`` (a file name) says which kind it is by its suffix."""
    if len(data) > MAX_BYTES:
        raise ListError(f"{name}: larger than {MAX_BYTES // 2**20} MB")
    suffix = Path(name).suffix.lower()
    parser = {".csv": parse_csv, ".txt": parse_csv, ".m3u": parse_m3u, ".m3u8": parse_m3u, ".pls": parse_pls,
              ".xspf": parse_xspf}.get(suffix)  # fmt: skip
    if parser is None:
        raise ListError(f"{name}: not a .csv, .m3u, .m3u8, .pls or .xspf file")
    if parser is parse_xspf:
        text, note = "", ""
        entries = parse_xspf(data)  # XML says its own encoding
    else:
        text, note = decode(data)
        entries = parser(text)
    return collect(entries, note)


Entry = tuple[int, "Row | str"]  # (line, the row or why it was refused)


def collect(entries: Iterable[Entry], note: str) -> Parsed:
    """Rows up to MAX_ROWS (reading stops there), refusals named up to MAX_REFUSALS and the rest counted."""
    rows: list[Row] = []
    refused: list[tuple[int, str]] = []
    unnamed = 0
    entries = iter(entries)
    for line, entry in entries:
        if isinstance(entry, Row):
            rows.append(entry)
            if len(rows) == MAX_ROWS:
                break
        elif len(refused) < MAX_REFUSALS:
            refused.append((line, entry))
        else:
            unnamed += 1
    if unnamed:
        refused.append((0, f"{unnamed} more rows refused"))
    if next(entries, None) is not None:
        refused.append((0, f"the rows after the first {MAX_ROWS} left out (at most {MAX_ROWS} a playlist)"))
    return Parsed(rows, refused, note)


def attempt(line: int, values: dict[str, str]) -> Entry:
    try:
        return line, make_row(values)
    except ValueError as error:
        return line, str(error)


def parse_csv(text: str) -> Iterator[Entry]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    fields = [COLUMNS.get(name.strip().lower()) for name in header or []]
    if "title" not in fields and "url" not in fields:
        raise ListError("the first line must name the columns: title (or track name), artist, and optionally url, language, mood")
    return (
        attempt(reader.line_num, {f: v for f, v in zip(fields, values, strict=False) if f})
        for values in reader
        if any(v.strip() for v in values)
    )


def parse_m3u(text: str) -> Iterator[Entry]:
    title = ""
    for line, raw in enumerate(io.StringIO(text, newline=None), 1):
        entry = raw.strip()
        if entry.startswith("#EXTINF"):
            title = entry.split(",", 1)[1].strip() if "," in entry else ""
        elif entry and not entry.startswith("#"):
            artist, _, name = title.partition(" - ") if " - " in title else ("", "", title)
            yield attempt(line, {"title": name, "artist": artist, "url": entry})
            title = ""


def parse_pls(text: str) -> Iterator[Entry]:
    files: dict[int, str] = {}
    titles: dict[int, str] = {}
    lines: dict[int, int] = {}
    for line, raw in enumerate(io.StringIO(text, newline=None), 1):
        key, _, value = raw.strip().partition("=")
        if match := re.fullmatch(r"(File|Title)(\d+)", key, re.I):
            if len(files) > MAX_ROWS + MAX_REFUSALS and int(match[2]) not in files:
                break  # numbered entries, which may come in any order: enough of them are read
            (files if match[1].lower() == "file" else titles)[int(match[2])] = value.strip()
            lines.setdefault(int(match[2]), line)
    for number in sorted(files):
        yield attempt(lines[number], {"title": titles.get(number, ""), "url": files[number]})


def parse_xspf(data: bytes) -> Iterator[Entry]:
    """The tracks of an XSPF file, read by an XML parser that refuses any DTD and entity (defusedxml), in
    whatever encoding the file is (UTF-16 without a byte-order mark too)."""
    try:
        root = SafeXml.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise ListError(f"an XSPF file with a DOCTYPE or entities is not read ({type(error).__name__})") from None
    except (ParseError, ValueError) as error:
        raise ListError(f"not XSPF: {error}") from None
    tracks = root.iter("{http://xspf.org/ns/0/}track")
    for number, track in enumerate(itertools.islice(tracks, MAX_ROWS + MAX_REFUSALS * 100), 1):
        values = {name: (track.findtext(f"{{http://xspf.org/ns/0/}}{tag}") or "")
                  for name, tag in (("title", "title"), ("artist", "creator"), ("url", "location"))}  # fmt: skip
        line, entry = attempt(number, values)
        yield line, entry if isinstance(entry, Row) else f"track {number}: {entry}"


def export_csv(rows: list[Row]) -> str:
    """The rows as CSV; a cell that a spreadsheet would run as a formula is written with a leading quote."""

    def safe(value: str) -> str:
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["title", "artist", "url", "language", "mood"])
    for row in rows:
        writer.writerow([safe(value) for value in (row.title, row.artist, row.url, row.language, row.mood)])
    return out.getvalue()
