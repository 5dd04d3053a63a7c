"""Favourite artists: each member's own list and the household's (admins change that one)."""

from __future__ import annotations

from aiohttp import web

from device.household.artists import ArtistError
from web.handling import KIOSK, current_user, field, json_error, read_json, require_admin


def artists_error(error: ArtistError) -> web.HTTPException:
    return json_error(web.HTTPConflict if error.full else web.HTTPUnprocessableEntity, str(error), field="name")


async def my_artists(request: web.Request) -> web.Response:
    user = await current_user(request)
    return web.json_response({"artists": await request.app[KIOSK].artists.of(user)})


async def add_my_artist(request: web.Request) -> web.Response:
    """``{"name": "A. R. Rahman"}``: while this member has taken over, the music leans to their artists."""
    user = await current_user(request)
    kiosk = request.app[KIOSK]
    try:
        artists = await kiosk.artists.add(user, field(await read_json(request), "name", str))
    except ArtistError as error:
        raise artists_error(error) from error
    kiosk.conductor.member_artists_changed(user.name, artists)
    return web.json_response({"artists": artists}, status=201)


async def remove_my_artist(request: web.Request) -> web.Response:
    user = await current_user(request)
    kiosk = request.app[KIOSK]
    if not await kiosk.artists.remove(user, request.match_info["name"]):
        raise json_error(web.HTTPNotFound, "not one of your artists")
    artists = await kiosk.artists.of(user)
    kiosk.conductor.member_artists_changed(user.name, artists)
    return web.json_response({"artists": artists})


async def household_artists(request: web.Request) -> web.Response:
    await current_user(request)
    return web.json_response({"artists": await request.app[KIOSK].artists.of(None)})


async def add_household_artist(request: web.Request) -> web.Response:
    """The household's artists: the music leans to them while no member has taken over (admin)."""
    await require_admin(request)
    kiosk = request.app[KIOSK]
    try:
        artists = await kiosk.artists.add(None, field(await read_json(request), "name", str))
    except ArtistError as error:
        raise artists_error(error) from error
    kiosk.conductor.household_artists_changed(artists)
    return web.json_response({"artists": artists}, status=201)


async def remove_household_artist(request: web.Request) -> web.Response:
    await require_admin(request)
    kiosk = request.app[KIOSK]
    if not await kiosk.artists.remove(None, request.match_info["name"]):
        raise json_error(web.HTTPNotFound, "not one of the household's artists")
    artists = await kiosk.artists.of(None)
    kiosk.conductor.household_artists_changed(artists)
    return web.json_response({"artists": artists})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/me/artists", my_artists)
    app.router.add_post("/api/me/artists", add_my_artist)
    app.router.add_delete("/api/me/artists/{name}", remove_my_artist)
    app.router.add_get("/api/artists", household_artists)
    app.router.add_post("/api/admin/artists", add_household_artist)
    app.router.add_delete("/api/admin/artists/{name}", remove_household_artist)
