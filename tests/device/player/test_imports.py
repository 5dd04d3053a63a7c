"""List files read row by row: line endings, the row cap while reading, the refusals' summary."""

from __future__ import annotations

from device.player.imports import MAX_REFUSALS, MAX_ROWS, parse_bytes


def test_every_line_ending_splits_rows() -> None:
    for ending in (b"\n", b"\r\n", b"\r"):  # Unix, Windows, an old Mac player
        lines = [b"#EXTM3U", b"#EXTINF:1,Band - Song", b"https://example.org/a.mp3", b"https://example.org/b.mp3"]
        parsed = parse_bytes(ending.join(lines), "x.m3u")
        assert [(r.artist, r.title) for r in parsed.rows] == [("Band", "Song"), ("", "https://example.org/b.mp3")]


def test_reading_stops_at_the_cap_and_refusals_are_summarised() -> None:
    rows = b"title,url\n" + b"x,ftp://no\n" * (MAX_REFUSALS + 30) + b"".join(b"Song %d,\n" % n for n in range(MAX_ROWS + 10))
    parsed = parse_bytes(rows, "big.csv")
    assert len(parsed.rows) == MAX_ROWS
    assert len(parsed.refused) == MAX_REFUSALS + 2 and parsed.refused[MAX_REFUSALS] == (0, "30 more rows refused")
    assert parsed.refused[-1][1].startswith(f"the rows after the first {MAX_ROWS} left out")
