"""The player remote: play/pause/next/previous, volume, seek, the queue ("up next") and search."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from device.kiosk.controls import ControlError
from device.player.catalog import label
from device.player.library import Track
from device.player.sources import YtdlpBusyError
from device.player.youtube_match import SearchError
from web.handling import KIOSK, control_refused, current_user, field, json_error, path_number, read_json, too_many_attempts
from web.security import MemberRate

log = logging.getLogger("moodkiosk.web")
YOUTUBE_SEARCHES = web.AppKey("youtube_searches", MemberRate)
SEARCHES_PER_MINUTE = 6  # a member's YouTube searches (each one is a yt-dlp run of a few seconds)


async def player_action(request: web.Request) -> web.Response:
    await current_user(request)
    controls = request.app[KIOSK].controls
    actions = {"pause": controls.pause, "resume": controls.resume, "previous": controls.previous}
    name = request.match_info["action"]
    if name == "next":
        await controls.next_track()
    elif name in actions:
        actions[name]()
    else:
        raise json_error(web.HTTPNotFound, "unknown player action (pause, resume, next, previous)")
    return web.json_response({"ok": True})


async def set_volume(request: web.Request) -> web.Response:
    await current_user(request)
    volume = field(await read_json(request), "volume", int)
    try:
        await request.app[KIOSK].controls.volume(volume)
    except ControlError as error:
        raise control_refused(error) from error
    return web.json_response({"volume": volume})


async def seek(request: web.Request) -> web.Response:
    """``{"position": 42.5}``: seconds into the playing track."""
    await current_user(request)
    body = await read_json(request)
    try:
        position = request.app[KIOSK].controls.seek(body.get("position"))
    except ControlError as error:
        raise control_refused(error) from error
    return web.json_response({"position": position})


async def sleep(request: web.Request) -> web.Response:
    """``{"sleep": "off" | "track" | minutes}``: the music fades and pauses then (any member may set it)."""
    user = await current_user(request)
    body = await read_json(request)
    try:
        until = request.app[KIOSK].controls.sleep(body.get("sleep"), user.name)
    except ControlError as error:
        raise control_refused(error) from error
    return web.json_response({"sleep": body.get("sleep"), "until": until})


async def queue(request: web.Request) -> web.Response:
    await current_user(request)
    return web.json_response(request.app[KIOSK].state.queue())


async def add_to_queue(request: web.Request) -> web.Response:
    """``{"uri": "...", "at": "end"}``: a library track (from search) to play ``now``, ``next`` or at the ``end``."""
    user = await current_user(request)
    body = await read_json(request)
    kiosk = request.app[KIOSK]
    try:
        kiosk.controls.enqueue(body.get("uri"), body.get("at", "end"), user.name)
    except ControlError as error:
        raise control_refused(error) from error
    return web.json_response(kiosk.state.queue(), status=201)


async def queue_played(request: web.Request) -> web.Response:
    """``{"uri": "...", "at": "next"}``: a track of the history (any source) to play ``now``, ``next`` or at the ``end``."""
    user = await current_user(request)
    body = await read_json(request)
    kiosk = request.app[KIOSK]
    try:
        await kiosk.controls.enqueue_played(body.get("uri"), body.get("at", "end"), user.name)
    except ControlError as error:
        raise control_refused(error) from error
    return web.json_response(kiosk.state.queue(), status=201)


async def browse(request: web.Request) -> web.Response:
    """``?by=mood|artist|folder``: the library's shelves with their track counts; ``&name=...``: one shelf's tracks."""
    await current_user(request)
    kiosk = request.app[KIOSK]
    try:
        answer = kiosk.controls.browse(request.query.get("by"), request.query.get("name"))
    except ControlError as error:
        raise control_refused(error) from error
    if "tracks" in answer:
        answer["tracks"] = [track_json(track) for track in answer["tracks"]]
    return web.json_response(answer)


def entry_id(request: web.Request) -> int:
    return path_number(request, "id", "no such track in the queue")


async def remove_from_queue(request: web.Request) -> web.Response:
    user = await current_user(request)
    kiosk = request.app[KIOSK]
    if not kiosk.controls.unqueue(entry_id(request), user.name):
        raise json_error(web.HTTPNotFound, "no such track in the queue (it may be playing already)")
    return web.json_response(kiosk.state.queue())


async def move_in_queue(request: web.Request) -> web.Response:
    """``{"position": 0}``: move the entry to that place (0: next)."""
    user = await current_user(request)
    body = await read_json(request)
    kiosk = request.app[KIOSK]
    try:
        found = kiosk.controls.move(entry_id(request), body.get("position"), user.name)
    except ControlError as error:
        raise control_refused(error) from error
    if not found:
        raise json_error(web.HTTPNotFound, "no such track in the queue (it may be playing already)")
    return web.json_response(kiosk.state.queue())


def track_json(track: Track) -> dict[str, Any]:
    return {
        "uri": track.uri, "title": track.title, "artist": track.artist, "playlist": track.playlist,
        "label": label(track.playlist), "source": track.source, "language": track.language, "duration": track.duration,
        "cover": bool(track.thumbnail),  # served by /api/covers?uri=...
    }  # fmt: skip


async def search(request: web.Request) -> web.Response:
    """``?q=words``: library tracks whose title, artist or album folder hold every word; ``&youtube=1``:
    YouTube's first ten results instead (or ``youtube_error`` saying why there are none); 429 when the
    member searched YouTube too often, or every yt-dlp turn of the kiosk is taken."""
    user = await current_user(request)
    controls = request.app[KIOSK].controls
    try:
        query, found = controls.search(request.query.get("q", ""))
    except ControlError as error:
        raise control_refused(error) from error
    if request.query.get("youtube") != "1":
        return web.json_response({"query": query, "tracks": [track_json(track) for track in found]})
    wait = request.app[YOUTUBE_SEARCHES].take(user.id)
    if wait:
        raise too_many_attempts(wait, f"at most {SEARCHES_PER_MINUTE} YouTube searches a minute; try again in {wait:.0f} s")
    try:
        tracks = await controls.search_youtube(query)
    except YtdlpBusyError as error:
        raise too_many_attempts(5, str(error)) from error
    except SearchError as error:  # the page says the trouble in a word; the detail is for admins
        log.info("a YouTube search failed: %s", error)
        detail = {"youtube_error": str(error)} if user.is_admin else {}
        return web.json_response({"query": query, "tracks": [], "youtube_trouble": error.trouble, **detail})
    return web.json_response({"query": query, "tracks": [track_json(track) for track in tracks]})


def add_routes(app: web.Application) -> None:
    app[YOUTUBE_SEARCHES] = MemberRate(SEARCHES_PER_MINUTE, 60.0)
    app.router.add_put("/api/player/volume", set_volume)
    app.router.add_post("/api/player/seek", seek)
    app.router.add_post("/api/player/sleep", sleep)
    app.router.add_post("/api/player/{action}", player_action)
    app.router.add_get("/api/queue", queue)
    app.router.add_post("/api/queue", add_to_queue)
    app.router.add_delete("/api/queue/{id}", remove_from_queue)
    app.router.add_put("/api/queue/{id}", move_in_queue)
    app.router.add_get("/api/search", search)
    app.router.add_get("/api/browse", browse)
    app.router.add_post("/api/history/queue", queue_played)
