"""The kiosk's own screen: ``/display``, made for a screen next to the camera and shown full screen by
Chromium in kiosk mode on the device. Read-only and without sign-in on the device itself; from other
machines only when an admin allows it (``web.display_remote``). It shows the mood in large type, the
track with its cover and why it plays, whether the camera is on, the privacy notice, and a QR code
that opens the household page."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlparse

import segno
from aiohttp import web

from web.handling import KIOSK, is_loopback, json_error


def allowed(request: web.Request) -> bool:
    return is_loopback(request.remote) or request.app[KIOSK].settings.web.display_remote


def check(request: web.Request) -> None:
    if not allowed(request):
        raise json_error(web.HTTPForbidden, "the display page is shown on the kiosk itself (an admin can allow others)")


def household_url(request: web.Request) -> str | None:
    """An address a phone in the house can open (None: the page listens on this machine's loopback only)."""
    from web.server import reachable_urls

    settings = request.app[KIOSK].settings.web
    port = request.url.port or settings.port
    url = reachable_urls(settings.host, port)[0]
    host = urlparse(url).hostname
    return None if host == "localhost" or is_loopback(host) else url


async def display_page(request: web.Request) -> web.Response:
    from web.app import render_page

    check(request)
    return render_page(request, "display.html", url=household_url(request))


async def display_state(request: web.Request) -> web.Response:
    check(request)
    kiosk = request.app[KIOSK]
    snapshot = kiosk.state.snapshot()
    mood, track, camera = snapshot["mood"], snapshot["track"], snapshot["camera"]
    playing = bool(track) and snapshot["player"].get("playing", False)
    answer: dict[str, Any] = {
        "mood": {"emotion": mood["emotion"], "confidence": mood["confidence"]} if mood else None,
        "override": snapshot["override"]["emotion"] if snapshot["override"] else None,
        "track": {key: track.get(key) for key in ("title", "artist", "emotion", "thumbnail", "since")}
        | {"why": kiosk.state.why.public().to_json() if kiosk.state.why else None}  # no member's name here
        if playing
        else None,
        "camera": camera["state"],
        "paused": bool(snapshot["player"].get("paused")),
        "notice": kiosk.settings.privacy.notice(),
        "url": household_url(request),
    }
    return web.json_response(answer)


async def display_cover(request: web.Request) -> web.StreamResponse:
    from web.favorites_api import thumbnail_response

    check(request)
    track = request.app[KIOSK].state.current_track
    return await thumbnail_response(request, track.thumbnail if track else None)


async def display_qr(request: web.Request) -> web.Response:
    check(request)
    url = household_url(request)
    if url is None:
        raise json_error(web.HTTPNotFound, "the household page listens on this machine only: no address to show")
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, dark="#111", light="#fff")
    return web.Response(body=out.getvalue(), content_type="image/svg+xml")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/display", display_page)
    app.router.add_get("/api/display", display_state)
    app.router.add_get("/api/display/cover", display_cover)
    app.router.add_get("/display/qr.svg", display_qr)
