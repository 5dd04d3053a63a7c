"""Favorites and covers: each member's liked tracks (list, like what plays, play, remove) and the
cover images of favorites and of the playing track."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

from device.core.labels import TrackSource
from device.household.favorites import Favorite
from device.kiosk.controls import ControlError
from device.player.artwork import embedded_picture
from device.player.catalog import label
from device.player.library import MEDIA_SUFFIXES
from web.handling import FAVORITES, KIOSK, control_refused, current_user, json_error, path_number, read_json
from web.remote_images import RemoteImageError, RemoteImages

REMOTE_IMAGES = web.AppKey("remote_images", RemoteImages)
THUMBNAIL_SUFFIXES = {".jpg", ".jpeg", ".png"}


def favorite_id(request: web.Request) -> int:
    return path_number(request, "id", "no such favorite")


async def list_favorites(request: web.Request) -> web.Response:
    user = await current_user(request)
    return web.json_response({"favorites": [favorite_json(request, f) for f in await request.app[FAVORITES].all(user)]})


def favorite_json(request: web.Request, favorite: Favorite) -> dict[str, Any]:
    """As the API shows a favorite: with ``offline`` true when it plays without the network."""
    offline = favorite.source == TrackSource.LOCAL or request.app[KIOSK].state.kept_offline(favorite.uri)
    return {**favorite.to_json(), "label": label(favorite.playlist), "offline": offline}


async def like_playing(request: web.Request) -> web.Response:
    user = await current_user(request)
    try:
        track = await request.app[KIOSK].controls.like_playing()
    except ControlError as error:
        raise control_refused(error) from error
    favorite = await request.app[FAVORITES].add(user, track)  # a remote favorite is then kept for offline play
    return web.json_response(favorite_json(request, favorite), status=201)


async def remove_favorite(request: web.Request) -> web.Response:
    user = await current_user(request)
    if not await request.app[FAVORITES].remove(user, favorite_id(request)):
        raise json_error(web.HTTPNotFound, "no such favorite")
    return web.json_response({"ok": True})


async def play_favorite(request: web.Request) -> web.Response:
    user = await current_user(request)
    favorite = await request.app[FAVORITES].get(user, favorite_id(request))
    if favorite is None:
        raise json_error(web.HTTPNotFound, "no such favorite")
    request.app[KIOSK].controls.play_favorites([favorite.track()], user.name)
    return web.json_response({"ok": True})


async def queue_favorite(request: web.Request) -> web.Response:
    """``{"at": "next"}``: one of the member's favorites (any source) to play ``next`` or at the ``end`` of the queue."""
    user = await current_user(request)
    favorite = await request.app[FAVORITES].get(user, favorite_id(request))
    if favorite is None:
        raise json_error(web.HTTPNotFound, "no such favorite")
    kiosk = request.app[KIOSK]
    try:
        kiosk.controls.queue_track(favorite.track(), (await read_json(request)).get("at", "end"), user.name)
    except ControlError as error:
        raise control_refused(error) from error
    return web.json_response(kiosk.state.queue(), status=201)


async def play_all_favorites(request: web.Request) -> web.Response:
    user = await current_user(request)
    favorites = await request.app[FAVORITES].all(user)
    try:
        request.app[KIOSK].controls.play_favorites([f.track() for f in favorites], user.name, every=True)
    except ControlError as error:
        raise control_refused(error) from error
    return web.json_response({"ok": True, "tracks": len(favorites)})


async def thumbnail_response(request: web.Request, thumbnail: str | None) -> web.StreamResponse:
    """A local cover inside the music folder (an image file, or the picture inside an audio file), or a remote
    one fetched by the kiosk; else a 404."""
    if thumbnail and thumbnail.startswith(("http://", "https://")):
        try:
            data, kind = await request.app[REMOTE_IMAGES].get(thumbnail)
        except RemoteImageError:
            raise json_error(web.HTTPNotFound, "the thumbnail cannot be fetched right now") from None
        return web.Response(body=data, content_type=kind, headers={"Cache-Control": "private, max-age=3600"})
    music_dir = request.app[KIOSK].settings.music_dir.resolve()
    path = Path(thumbnail).resolve() if thumbnail and "://" not in thumbnail else None
    if path is not None and path.is_relative_to(music_dir) and path.suffix.lower() in MEDIA_SUFFIXES:
        picture = await asyncio.to_thread(embedded_picture, path)
        if picture is None:
            raise json_error(web.HTTPNotFound, "no thumbnail")
        return web.Response(body=picture[0], content_type=picture[1], headers={"Cache-Control": "private, max-age=3600"})
    if path is None or not path.is_relative_to(music_dir) or path.suffix.lower() not in THUMBNAIL_SUFFIXES or not path.is_file():
        raise json_error(web.HTTPNotFound, "no thumbnail")
    return web.FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})


async def favorite_thumbnail(request: web.Request) -> web.StreamResponse:
    user = await current_user(request)
    favorite = await request.app[FAVORITES].get(user, favorite_id(request))
    if favorite is None:
        raise json_error(web.HTTPNotFound, "no such favorite")
    return await thumbnail_response(request, favorite.thumbnail)


async def track_cover(request: web.Request) -> web.StreamResponse:
    """``?uri=...``: the cover of a track the kiosk knows (the library's, a search result, a queued one)."""
    await current_user(request)
    return await thumbnail_response(request, request.app[KIOSK].state.cover_of(request.query.get("uri", "")))


async def playing_thumbnail(request: web.Request) -> web.StreamResponse:
    await current_user(request)
    track = request.app[KIOSK].state.current_track
    return await thumbnail_response(request, track.thumbnail if track else None)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/favorites", list_favorites)
    app.router.add_post("/api/favorites", like_playing)
    app.router.add_post("/api/favorites/play", play_all_favorites)
    app.router.add_delete("/api/favorites/{id}", remove_favorite)
    app.router.add_post("/api/favorites/{id}/play", play_favorite)
    app.router.add_post("/api/favorites/{id}/queue", queue_favorite)
    app.router.add_get("/api/covers", track_cover)
    app.router.add_get("/api/favorites/{id}/thumbnail", favorite_thumbnail)
    app.router.add_get("/api/now/thumbnail", playing_thumbnail)
