"""Spotify playlist links through spotipy against a stand-in of Spotify's token and playlist-items endpoints."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from device.core.config import SpotifySettings
from device.player.spotify import SpotifyError, is_spotify_link, playlist_id, read_playlist
from tests.spotify_server import ENDLESS, GOOD_ID, LOOPING, SpotifyServer

SETTINGS = SpotifySettings(client_id="kiosk", client_secret="s3cret")


@pytest.fixture(scope="module")
def spotify() -> Iterator[SpotifyServer]:
    server = SpotifyServer()
    yield server
    server.close()


def read(spotify: SpotifyServer, link: str, settings: SpotifySettings = SETTINGS) -> list:
    return read_playlist(link, settings.model_copy(update={"api_base": spotify.api_base, "token_url": spotify.token_url}))


def test_links_and_ids() -> None:
    assert playlist_id(f"https://open.spotify.com/playlist/{GOOD_ID}?si=abc") == GOOD_ID
    assert playlist_id(f"https://open.spotify.com/intl-de/playlist/{GOOD_ID}") == GOOD_ID
    assert playlist_id(f"spotify:playlist:{GOOD_ID}") == GOOD_ID
    assert playlist_id("https://open.spotify.com/album/abc") is None and playlist_id("https://evil.example/playlist/x") is None
    assert is_spotify_link("https://open.spotify.com/album/x") and not is_spotify_link("party.csv")


def test_a_playlist_becomes_rows_across_pages_without_episodes(spotify: SpotifyServer, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    rows = read(spotify, f"https://open.spotify.com/playlist/{GOOD_ID}")
    assert [(r.title, r.artist, r.url) for r in rows] == [
        ("Kesariya", "Arijit Singh", ""),
        ("Apna Bana Le", "Arijit Singh, Sachin-Jigar", ""),
        ("Calm Down", "Rema, Selena Gomez", ""),
    ]
    assert rows[0].uri() == 'ytdl://ytsearch1:"Kesariya" Arijit Singh'  # each plays its first YouTube match
    assert list(tmp_path.iterdir()) == []  # the token is not written anywhere


@pytest.mark.parametrize(
    ("link", "settings", "said"),
    [
        (
            f"spotify:playlist:{GOOD_ID}",
            SpotifySettings(client_id="kiosk", client_secret="wrong"),
            "refused the client id and secret",
        ),
        ("spotify:playlist:PrivatePlaylist0001", SETTINGS, "no such playlist for this app (404): it is private"),
        ("spotify:playlist:ForbiddenList0001", SETTINGS, "refuses this app (403): since March 2026"),
        ("spotify:playlist:BusyPlaylist00001", SETTINGS, "wait 7 s before asking again (429)"),
        (f"spotify:playlist:{GOOD_ID}", SpotifySettings(), "Spotify is not set up"),
        ("https://open.spotify.com/track/abc", SETTINGS, "is not a Spotify playlist link"),
    ],
)
def test_refusals_are_said_clearly_and_at_once(spotify: SpotifyServer, link: str, settings: SpotifySettings, said: str) -> None:
    started = time.monotonic()
    with pytest.raises(SpotifyError) as raised:
        read(spotify, link, settings)
    assert said in str(raised.value)
    assert time.monotonic() - started < 3  # no silent retries (a 429 is not slept through)


def test_an_unreachable_spotify_is_said_too() -> None:
    with pytest.raises(SpotifyError, match=r"cannot be reached|refused the client"):
        closed = SETTINGS.model_copy(update={"api_base": "http://127.0.0.1:9/v1/", "token_url": "http://127.0.0.1:9/api/token"})
        read_playlist(f"spotify:playlist:{GOOD_ID}", closed)


def test_pages_that_point_back_or_never_end_are_followed_a_bounded_number_of_times(spotify: SpotifyServer) -> None:
    """Issue 26, finding 18: a "next" pointing back paged forever and held a worker thread."""
    rows = read(spotify, f"spotify:playlist:{LOOPING}")
    assert [r.title for r in rows] == ["Kesariya", "Kesariya"] and spotify.pages_asked(LOOPING) == 2
    assert read(spotify, f"spotify:playlist:{ENDLESS}") == [] and spotify.pages_asked(ENDLESS) <= 52
