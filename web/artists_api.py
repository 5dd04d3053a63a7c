"""Favourite artists: each member's own list and the household's (admins change that one)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from device.household.accounts import User
from device.household.artists import ArtistError
from web.handling import KIOSK, current_user, field, json_error, read_json, require_admin


async def add_to(request: web.Request, owner: User | None, changed: Callable[[list[str]], None]) -> web.Response:
    """Add ``{"name"}`` to the owner's list (None: the household's) and tell the kiosk the new list (through its controls)."""
    try:
        artists = await request.app[KIOSK].artists.add(owner, field(await read_json(request), "name", str))
    except ArtistError as error:
        status = web.HTTPConflict if error.full else web.HTTPUnprocessableEntity
        raise json_error(status, str(error), field="name") from error
    changed(artists)
    return web.json_response({"artists": artists}, status=201)


async def remove_from(request: web.Request, owner: User | None, changed: Callable[[list[str]], None], whose: str) -> web.Response:
    kiosk = request.app[KIOSK]
    if not await kiosk.artists.remove(owner, request.match_info["name"]):
        raise json_error(web.HTTPNotFound, f"not one of {whose} artists")
    artists = await kiosk.artists.of(owner)
    changed(artists)
    return web.json_response({"artists": artists})


async def my_artists(request: web.Request) -> web.Response:
    user = await current_user(request)
    return web.json_response({"artists": await request.app[KIOSK].artists.of(user)})


async def add_my_artist(request: web.Request) -> web.Response:
    """``{"name": "A. R. Rahman"}``: while this member has taken over, the music leans to their artists."""
    user = await current_user(request)
    return await add_to(request, user, lambda artists: request.app[KIOSK].controls.artists_changed(user.name, artists))


async def remove_my_artist(request: web.Request) -> web.Response:
    user = await current_user(request)
    controls = request.app[KIOSK].controls
    return await remove_from(request, user, lambda artists: controls.artists_changed(user.name, artists), "your")


async def household_artists(request: web.Request) -> web.Response:
    await current_user(request)
    return web.json_response({"artists": await request.app[KIOSK].artists.of(None)})


async def add_household_artist(request: web.Request) -> web.Response:
    """The household's artists: the music leans to them while no member has taken over (admin)."""
    await require_admin(request)
    return await add_to(request, None, lambda artists: request.app[KIOSK].controls.artists_changed(None, artists))


async def remove_household_artist(request: web.Request) -> web.Response:
    await require_admin(request)
    controls = request.app[KIOSK].controls
    return await remove_from(request, None, lambda artists: controls.artists_changed(None, artists), "the household's")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/me/artists", my_artists)
    app.router.add_post("/api/me/artists", add_my_artist)
    app.router.add_delete("/api/me/artists/{name}", remove_my_artist)
    app.router.add_get("/api/artists", household_artists)
    app.router.add_post("/api/admin/artists", add_household_artist)
    app.router.add_delete("/api/admin/artists/{name}", remove_household_artist)
