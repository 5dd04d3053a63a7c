"""The household's say over the kiosk: take it over ("I'm here"), set the mood for a while,
ask what it would play, say which mood the room is really in, pause detection for privacy."""

from __future__ import annotations

from aiohttp import web

from device.kiosk.controls import ControlError
from web.disclosure import recommendations_for
from web.handling import KIOSK, control_refused, current_user, field, json_error, read_json, too_many_attempts
from web.security import MemberRate

CORRECTIONS_RATE = web.AppKey("corrections_rate", MemberRate)
CORRECTIONS_PER_MINUTE = 10  # "Was I right?" taps a member may make


async def take_over(request: web.Request) -> web.Response:
    """The kiosk plays the member's music language until someone else takes over or nobody is seen."""
    user = await current_user(request)
    kiosk = request.app[KIOSK]
    kiosk.controls.takeover(user.name, user.language, await kiosk.artists.of(user))
    return web.json_response({"member": user.name, "language": user.language})


async def let_go(request: web.Request) -> web.Response:
    user = await current_user(request)
    if not request.app[KIOSK].controls.release(user.name):
        raise json_error(web.HTTPConflict, "you have not taken over the kiosk")
    return web.json_response({"ok": True})


async def override_mood(request: web.Request) -> web.Response:
    """``{"emotion": "happy", "minutes": 30}``: that mood's music now, whatever the camera sees."""
    user = await current_user(request)
    body = await read_json(request)
    emotion, minutes = field(body, "emotion", str), body.get("minutes", 30)
    try:
        until = request.app[KIOSK].controls.override(emotion, minutes, user.name)
    except ControlError as error:
        raise control_refused(error) from error
    return web.json_response({"emotion": emotion, "minutes": minutes, "until": until, "by": user.name})


async def end_override(request: web.Request) -> web.Response:
    await current_user(request)
    if not request.app[KIOSK].controls.end_override():
        raise json_error(web.HTTPConflict, "no mood is set by hand right now")
    return web.json_response({"ok": True})


async def recommendations(request: web.Request) -> web.Response:
    """What the kiosk would play for ``emotion`` (default: the current mood) in ``language`` (default: its own)."""
    user = await current_user(request)
    try:
        answer = request.app[KIOSK].controls.recommendations(
            request.query.get("emotion") or None, request.query.get("language") or None
        )
    except ControlError as error:
        raise control_refused(error) from error
    return web.json_response(recommendations_for(answer, user.is_admin))


async def correct_mood(request: web.Request) -> web.Response:
    """``{"emotion": "neutral"}``: "Was I right?" - the room is really in this mood, not the one the camera decided."""
    user = await current_user(request)
    emotion = field(await read_json(request), "emotion", str)
    wait = request.app[CORRECTIONS_RATE].take(user.id)
    if wait:
        raise too_many_attempts(wait, f"at most {CORRECTIONS_PER_MINUTE} corrections a minute; try again in {wait:.0f} s")
    try:
        return web.json_response(await request.app[KIOSK].controls.correct(emotion))
    except ControlError as error:
        raise control_refused(error) from error


async def detection(request: web.Request) -> web.Response:
    """Pause (the camera closes) or resume emotion detection; any member may, for privacy."""
    user = await current_user(request)
    action = request.match_info["action"]
    if action not in {"pause", "resume"}:
        raise json_error(web.HTTPNotFound, "unknown detection action (pause, resume)")
    await request.app[KIOSK].controls.detect(action == "resume", user.name)
    return web.json_response({"paused": action == "pause"})


def add_routes(app: web.Application) -> None:
    app[CORRECTIONS_RATE] = MemberRate(CORRECTIONS_PER_MINUTE, 60.0)
    app.router.add_post("/api/takeover", take_over)
    app.router.add_delete("/api/takeover", let_go)
    app.router.add_post("/api/mood/override", override_mood)
    app.router.add_delete("/api/mood/override", end_override)
    app.router.add_get("/api/recommendations", recommendations)
    app.router.add_post("/api/mood/correction", correct_mood)
    app.router.add_post("/api/detection/{action}", detection)
