"""The YouTube match of an imported row without a link: searched once (a stand-in for yt-dlp's YouTube
search), kept, used instead of a search each time, and searched again when it stops playing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from device.core.store import Store
from device.player.imported import ImportedPlaylists
from device.player.imports import Row
from device.player.sources import Ytdlp
from device.player.youtube_match import YoutubeMatches, find_match
from tests.helpers import youtube_search_stand_in

ANSWERS = {'"Kesariya" Arijit Singh': ["kXYiU_JCYtU"]}  # what the stand-in's "YouTube" knows


def test_a_row_is_searched_once_kept_and_searched_again_when_it_stops_playing(tmp_path: Path) -> None:
    script, calls = youtube_search_stand_in(tmp_path, ANSWERS)
    clock = [0.0]

    async def scenario() -> None:
        store = Store(tmp_path / "moodkiosk.db")
        await store.open()
        try:
            imported = ImportedPlaylists(store)
            rows = [
                Row("Kesariya", "Arijit Singh"),
                Row("Unknown Song", "Nobody"),
                Row("Linked", "X", "https://example.org/a.mp3"),
            ]
            await imported.save("party", rows, "party.csv")
            before = [t.uri for t in (await imported.tracks())["party"]]
            assert before == ['ytdl://ytsearch1:"Kesariya" Arijit Singh', 'ytdl://ytsearch1:"Unknown Song" Nobody',
                              "https://example.org/a.mp3"]  # fmt: skip
            gate = Ytdlp(str(script))
            matches = YoutubeMatches(imported, lambda: gate, clock=lambda: clock[0])
            assert await matches.find_some() == 1
            found = "https://www.youtube.com/watch?v=kXYiU_JCYtU"
            assert [t.uri for t in (await imported.tracks())["party"]][:2] == [found, before[1]]
            assert await matches.find_some() == 0  # nothing new: the miss waits, the match is kept
            assert calls.read_text().splitlines() == ['"Kesariya" Arijit Singh', '"Unknown Song" Nobody']  # once each

            assert await matches.stopped_playing(found) and not await matches.stopped_playing(found)
            assert (await imported.tracks())["party"][0].uri == before[0]  # searched each time again, until found
            assert await matches.find_some() == 1
            clock[0] += 7 * 3600  # the miss is tried again after a while
            assert await matches.find_some() == 0 and calls.read_text().count("Unknown Song") == 2
        finally:
            await store.close()

    asyncio.run(scenario())


def test_no_yt_dlp_means_no_match_and_no_crash(tmp_path: Path) -> None:
    assert asyncio.run(find_match(Ytdlp(str(tmp_path / "missing-yt-dlp")), '"A" B')) is None
