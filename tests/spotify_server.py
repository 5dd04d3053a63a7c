"""A stand-in for the two Spotify Web API endpoints the kiosk calls (through spotipy), on 127.0.0.1:
``POST /api/token`` (client credentials: client id "kiosk", secret "s3cret") and
``GET /v1/playlists/{id}/items`` (the 2026 endpoint; items carry ``item``). Playlist ids pick the answer:
``37i9dQZF1DXcBWIGoYBM5M`` two pages of tracks, ``PrivatePlaylist0001`` 404, ``ForbiddenList0001`` 403,
``BusyPlaylist00001`` 429 with Retry-After: 7, ``LoopingList00001`` one page whose ``next`` points back at
itself, ``EndlessList000001`` empty pages whose ``next`` never ends."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

GOOD_ID = "37i9dQZF1DXcBWIGoYBM5M"
TRACKS = [("Kesariya", "Arijit Singh"), ("Apna Bana Le", "Arijit Singh, Sachin-Jigar"), ("Calm Down", "Rema, Selena Gomez")]
ERRORS = {"PrivatePlaylist0001": 404, "ForbiddenList0001": 403, "BusyPlaylist00001": 429}
LOOPING, ENDLESS = "LoopingList00001", "EndlessList000001"


def item(name: str, artists: str) -> dict:
    track = {"type": "track", "name": name, "artists": [{"name": artist} for artist in artists.split(", ")]}
    return {"added_at": "2026-01-01T00:00:00Z", "item": track}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        expected = "Basic " + base64.b64encode(b"kiosk:s3cret").decode()
        if self.path != "/api/token" or self.headers.get("Authorization") != expected:
            return self.answer(400, {"error": "invalid_client", "error_description": "Invalid client"})
        return self.answer(200, {"access_token": "t0ken", "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if self.headers.get("Authorization") != "Bearer t0ken":
            return self.answer(401, {"error": {"status": 401, "message": "Invalid access token"}})
        parts = url.path.strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["v1", "playlists"] or parts[3] != "items":
            return self.answer(404, {"error": {"status": 404, "message": "Service not found"}})
        playlist = parts[2]
        if playlist in ERRORS:
            status = ERRORS[playlist]
            headers = {"Retry-After": "7"} if status == 429 else {}
            return self.answer(status, {"error": {"status": status, "message": "refused"}}, headers)
        base = f"http://127.0.0.1:{self.server.server_address[1]}/v1/playlists/{playlist}/items"
        offset = int(parse_qs(url.query).get("offset", ["0"])[0])
        self.server.asked[playlist] = self.server.asked.get(playlist, 0) + 1
        if playlist == LOOPING:
            return self.answer(200, {"items": [item(*TRACKS[0])], "next": f"{base}?offset=0&limit=1", "offset": 0})
        if playlist == ENDLESS:
            return self.answer(200, {"items": [], "next": f"{base}?offset={offset + 100}&limit=100", "offset": offset})
        if playlist != GOOD_ID:
            return self.answer(404, {"error": {"status": 404, "message": "Resource not found"}})
        page = TRACKS[offset : offset + 2]  # two per page, whatever limit was asked: the client must follow "next"
        following = f"{base}?offset={offset + 2}&limit=2" if offset + 2 < len(TRACKS) else None
        items = [item(*track) for track in page] + ([{"item": {"type": "episode", "name": "A podcast"}}] if offset == 0 else [])
        return self.answer(200, {"items": items, "next": following, "offset": offset, "total": len(TRACKS)})

    def answer(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class SpotifyServer:
    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.asked = {}  # playlist id -> pages asked for
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        port = self._server.server_address[1]
        self.api_base, self.token_url = f"http://127.0.0.1:{port}/v1/", f"http://127.0.0.1:{port}/api/token"

    def pages_asked(self, playlist: str) -> int:
        return self._server.asked.get(playlist, 0)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
