"""Spotify playlist links read with spotipy (the client-credentials flow, the household's own client
id and secret): the tracks' names and artists become an imported playlist whose rows play their
first YouTube match. Spotify's refusals are turned into sentences that say what to do.

What Spotify allows changed twice: since November 2024 new apps get no recommendations, audio
features or Spotify-owned editorial playlists; since March 2026 a development-mode app needs its
owner to have Premium, and reads a playlist's tracks at ``/playlists/{id}/items`` (spotipy 2.26+).
"""

from __future__ import annotations

import re

from device.core.config import SpotifySettings
from device.core.errors import MoodkioskError
from device.player.imports import MAX_FIELD, MAX_ROWS, Row

PLAYLIST_LINK = re.compile(r"^(?:https://open\.spotify\.com/(?:intl-[a-z-]+/)?playlist/|spotify:playlist:)([A-Za-z0-9]{10,40})")
PAGE = 100


class SpotifyError(MoodkioskError):
    """Spotify cannot be asked, or refused; the message says why in the page's words."""


def playlist_id(link: str) -> str | None:
    """The id in an ``https://open.spotify.com/playlist/<id>`` link or a ``spotify:playlist:<id>`` URI."""
    match = PLAYLIST_LINK.match(link.strip())
    return match.group(1) if match else None


def is_spotify_link(text: str) -> bool:
    return text.strip().startswith(("https://open.spotify.com/", "spotify:"))


def read_playlist(link: str, settings: SpotifySettings) -> list[Row]:
    """The playlist's tracks as rows (title, artist; no URL: each plays its YouTube match). Blocking (a
    worker thread's job)."""
    import requests
    import spotipy
    from spotipy.cache_handler import MemoryCacheHandler
    from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOauthError

    found = playlist_id(link)
    if found is None:
        raise SpotifyError(f"{link!r} is not a Spotify playlist link (https://open.spotify.com/playlist/...)")
    if not (settings.client_id and settings.client_secret):
        raise SpotifyError(
            "Spotify is not set up: an admin sets spotify.client_id and spotify.client_secret",
            "make an app at developer.spotify.com (its owner needs Premium since March 2026)",
        )
    # The token stays in memory: spotipy's default writes a ".cache" file into the working folder.
    auth = SpotifyClientCredentials(
        settings.client_id, settings.client_secret, requests_timeout=10, cache_handler=MemoryCacheHandler()
    )
    auth.OAUTH_TOKEN_URL = settings.token_url
    # A plain session: spotipy's own retries would sleep through a 429 and lose its Retry-After.
    client = spotipy.Spotify(auth_manager=auth, requests_session=requests.Session(), requests_timeout=10)
    client.prefix = settings.api_base
    rows: list[Row] = []
    try:
        page = client.playlist_items(found, limit=PAGE, additional_types=("track",))
        seen: set[str] = set()  # the pages asked for: a "next" that points back, or pages without end, stop here
        while page is not None and len(seen) <= MAX_ROWS // PAGE:
            for entry in page.get("items") or []:
                track = (entry or {}).get("item") or (entry or {}).get("track")  # "item" since 2026, "track" before
                if track and track.get("type", "track") == "track" and track.get("name"):
                    artists = ", ".join(a.get("name", "") for a in track.get("artists") or [] if a.get("name"))
                    rows.append(Row(short(track["name"]), short(artists)))
            following = page.get("next")
            if len(rows) >= MAX_ROWS or not isinstance(following, str) or following in seen:
                break
            seen.add(following)
            page = client.next(page)
    except SpotifyOauthError as error:
        raise SpotifyError(f"Spotify refused the client id and secret ({error.error or 'invalid_client'})",
                           "check spotify.client_id and spotify.client_secret") from error  # fmt: skip
    except spotipy.SpotifyException as error:
        raise SpotifyError(explain(error.http_status, error.headers or {})) from error
    except OSError as error:  # requests' connection errors
        raise SpotifyError(f"Spotify cannot be reached ({error.__class__.__name__}); try again later") from error
    return rows[:MAX_ROWS]


def short(text: str) -> str:
    return " ".join(str(text).split())[:MAX_FIELD]


def explain(status: int, headers: dict[str, str]) -> str:
    """Spotify's HTTP refusals, said so a household knows what to do."""
    if status == 401:
        return "Spotify refused the kiosk's sign-in (401): check spotify.client_id and spotify.client_secret"
    if status == 403:
        return (
            "Spotify refuses this app (403): since March 2026 a development-mode app works only while its owner has "
            "Premium, and Spotify-owned editorial playlists are closed to new apps"
        )
    if status == 404:
        return "Spotify has no such playlist for this app (404): it is private, deleted, or the link is wrong"
    if status == 429:
        wait = str(headers.get("Retry-After") or headers.get("retry-after") or "")
        return f"Spotify asks the kiosk to wait {f'{wait} s' if wait.isdigit() else 'a while'} before asking again (429)"
    return f"Spotify answered HTTP {status}; try again later"
