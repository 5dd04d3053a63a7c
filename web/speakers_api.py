"""The rooms of a Snapcast house (player.output = "snapcast"): list them, and set a room's volume, mute, or
whether it plays the kiosk's music."""

from __future__ import annotations

from aiohttp import web

from device.kiosk.controls import ControlError
from web.disclosure import without_detail
from web.handling import KIOSK, control_refused, current_user, read_json


def speakers_json(request: web.Request, admin: bool) -> web.Response:
    """The output and the rooms, as this user may see them (members: without why Snapcast is not playing)."""
    state = request.app[KIOSK].state.speakers
    return web.json_response(state if admin else without_detail(state))


async def speakers(request: web.Request) -> web.Response:
    user = await current_user(request)
    return speakers_json(request, user.is_admin)


async def change_speaker(request: web.Request) -> web.Response:
    """``{"volume": 40}``, ``{"muted": true}`` or ``{"follows": false}`` (any of them) for one room."""
    user = await current_user(request)
    body = await read_json(request)
    kiosk = request.app[KIOSK]
    try:
        await kiosk.controls.speaker(request.match_info["id"], body.get("volume"), body.get("muted"), body.get("follows"))
    except ControlError as error:
        raise control_refused(error) from error
    return speakers_json(request, user.is_admin)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/speakers", speakers)
    app.router.add_put("/api/speakers/{id}", change_speaker)
