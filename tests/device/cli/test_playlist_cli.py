"""``moodkiosk playlist``: lists brought in, bad rows named by line, the rest kept, played by the daemon."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from tests.helpers import Daemon, clean_env, client_session, run_cli, signed_in
from tests.spotify_server import GOOD_ID, SpotifyServer


def test_import_names_bad_rows_keeps_the_rest_and_exports_safely(tmp_path: Path) -> None:
    env = clean_env(MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path / "state"))
    spotify_export = tmp_path / "party.csv"  # the columns a Spotify exporter writes, and some bad rows
    spotify_export.write_text(
        "Track Name,Artist Name(s),Album Name,Spotify URL\n"
        "Chaiyya Chaiyya,A. R. Rahman,Dil Se,\n"
        "\"=cmd|' /C calc'!A0\",Mallory,,\n"
        "Bad link,Someone,,file:///etc/passwd\n"
        "Option string,Someone,,--script=evil.lua\n"
        ",,,\n"
        "Tum Hi Ho,Arijit Singh,Aashiqui 2,dQw4w9WgXcQ\n"
        "Streamed,,,https://example.org/radio.mp3\n",
        encoding="utf-8",
    )
    result = run_cli("playlist", "import", spotify_export, "--name", "party", "--mood", "happy", "--language", "Hindi", env=env)
    assert result.returncode == 1  # some rows were refused
    assert "line 4: not an http(s) address or a YouTube id: 'file:///etc/passwd'" in result.stderr
    assert "line 5: not an http(s) address" in result.stderr and "imported 4 rows" in result.stdout

    listed = run_cli("playlist", "list", "--json", env=env)
    assert [json.loads(line) for line in listed.stdout.splitlines()] == [{"name": "party", "rows": 4, "source": "party.csv"}]
    exported = run_cli("playlist", "export", "party", env=env).stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["title"] for r in rows] == [
        "Chaiyya Chaiyya",
        "'=cmd|' /C calc'!A0",
        "Tum Hi Ho",
        "Streamed",
    ]  # the formula is defused
    assert rows[2]["url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ" and rows[0]["url"] == ""
    assert {r["mood"] for r in rows} == {"happy"} and {r["language"] for r in rows} == {"hindi"}

    latin = tmp_path / "old.m3u"  # an M3U from an old player, not UTF-8
    latin.write_bytes("#EXTM3U\n#EXTINF:180,Caf\xe9 del Mar - Entre Dos Aguas\nhttps://example.org/a.mp3\n".encode("cp1252"))
    result = run_cli("playlist", "import", latin, "--name", "calm", env=env)
    assert result.returncode == 0 and "read as Windows-1252" in result.stderr
    assert "Entre Dos Aguas,Café del Mar" in run_cli("playlist", "export", "calm", env=env).stdout

    big = tmp_path / "big.csv"
    big.write_text("title,artist\n" + "".join(f"Song {i},Band\n" for i in range(100_000)))
    result = run_cli("playlist", "import", big, "--name", "big", env=env)
    assert result.returncode == 1 and "the rows after the first 5000 left out" in result.stderr

    for bad, why in ((tmp_path / "nohead.csv", "must name the columns"), (tmp_path / "x.docx", "not a .csv")):
        bad.write_text("just,some,values\n")
        result = run_cli("playlist", "import", bad, "--name", "x", env=env)
        assert result.returncode == 2 and why in result.stderr
    assert run_cli("playlist", "remove", "big", env=env).returncode == 0
    assert run_cli("playlist", "export", "big", env=env).returncode == 2


def test_an_imported_list_plays_for_its_mood(tmp_path: Path) -> None:
    daemon_env = {"MOODKIOSK_STORAGE__STATE_DIR": str(tmp_path / "state")}
    listing = tmp_path / "sad.m3u"
    listing.write_text("#EXTM3U\n#EXTINF:5,Nobody - Rainy Day\nhttp://127.0.0.1:9/rainy.mp3\n")
    first = Daemon(tmp_path)  # makes the accounts; the list is imported into the same database
    first.stop()
    result = run_cli("playlist", "import", listing, "--name", "sad", env=clean_env(**daemon_env))
    assert result.returncode == 0, result.stderr
    daemon = Daemon(tmp_path)

    async def scenario() -> None:
        async with client_session() as client:
            await signed_in(client, daemon)
            answer = await (await client.get(daemon.base + "/api/recommendations?emotion=sad")).json()
            assert answer["playlists"] == ["sad"] and answer["note"] is None
            assert [(t["title"], t["uri"]) for t in answer["tracks"]] == [("Rainy Day", "http://127.0.0.1:9/rainy.mp3")]

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()


def test_a_spotify_playlist_link_is_imported_and_refusals_are_said(tmp_path: Path) -> None:
    server = SpotifyServer()
    try:
        env = clean_env(
            MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path / "state"), MOODKIOSK_SPOTIFY__CLIENT_ID="kiosk",
            MOODKIOSK_SPOTIFY__CLIENT_SECRET="s3cret", MOODKIOSK_SPOTIFY__API_BASE=server.api_base,
            MOODKIOSK_SPOTIFY__TOKEN_URL=server.token_url,
        )  # fmt: skip
        link = f"https://open.spotify.com/playlist/{GOOD_ID}?si=x"
        result = run_cli("playlist", "import", link, "--name", "bollywood", "--language", "hindi", env=env)
        assert result.returncode == 0, result.stderr
        assert "imported 3 tracks from Spotify into the playlist 'bollywood'" in result.stdout
        listed = [json.loads(line) for line in run_cli("playlist", "list", "--json", env=env).stdout.splitlines()]
        assert listed == [{"name": "bollywood", "rows": 3, "source": link}]
        exported = list(csv.DictReader(io.StringIO(run_cli("playlist", "export", "bollywood", env=env).stdout)))
        first = exported[0]
        assert (first["title"], first["artist"], first["language"]) == ("Kesariya", "Arijit Singh", "hindi")

        refused = run_cli("playlist", "import", "spotify:playlist:PrivatePlaylist0001", "--name", "secret", env=env)
        assert refused.returncode != 0 and "no such playlist for this app (404)" in refused.stderr
        assert "Traceback" not in refused.stderr
        config_keys = run_cli("config", "show", env=env).stdout
        assert '"client_secret": "***"' in config_keys  # never printed
    finally:
        server.close()
