"""The household web page's server: pages, JSON API, live events, sessions."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from pathlib import Path
from typing import Any, Protocol

import aiohttp_jinja2
import jinja2
import numpy as np
from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from device.errors import MoodkioskError
from device.events import Event, EventBus
from device.inference.analyzer import FrameAnalysis
from device.player.library import Track
from web.accounts import Accounts, User
from web.favorites import Favorites
from web.i18n import CATALOGS, UI_LANGUAGES, pick_language, translator
from web.photo import MAX_BYTES as MAX_PHOTO_BYTES
from web.photo import PhotoError, decode_photo
from web.security import (
    CSRF_HEADER,
    UNSAFE_METHODS,
    Handler,
    LoginLimiter,
    csrf_ok,
    new_csrf_token,
    security_headers,
)

log = logging.getLogger("moodkiosk.web")
HERE = Path(__file__).resolve().parent
MAX_BODY = 10 * 2**20
LANGUAGE_PATTERN = r"[a-z][a-z-]{0,31}"


class KioskControls(Protocol):
    """What the web page may ask of the kiosk (device.daemon.Kiosk implements it)."""

    bus: EventBus

    def state(self) -> dict[str, Any]: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def next_track(self) -> None: ...
    def previous_track(self) -> None: ...
    def set_volume(self, volume: int) -> None: ...
    def play_tracks(self, tracks: list[Track], reason: str) -> None: ...
    def play_emotion(self, emotion: str, reason: str) -> None: ...
    async def analyze_photo(self, rgb: np.ndarray) -> FrameAnalysis: ...
    @property
    def current_track(self) -> Track | None: ...


KIOSK = web.AppKey("kiosk", KioskControls)
ACCOUNTS = web.AppKey("accounts", Accounts)
LIMITER = web.AppKey("limiter", LoginLimiter)
CLOSING = web.AppKey("closing", asyncio.Event)
FAVORITES = web.AppKey("favorites", Favorites)


def json_error(
    status: type[web.HTTPException], message: str, headers: dict[str, str] | None = None, **extra: Any
) -> web.HTTPException:
    return status(text=json.dumps({"error": message, **extra}), content_type="application/json", headers=headers)


@web.middleware
async def csrf_protection(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every state-changing API call must carry the session's CSRF token in X-CSRF-Token."""
    if request.method in UNSAFE_METHODS and request.path.startswith("/api/") and request.path != "/api/login":
        session = await get_session(request)
        if not csrf_ok(session.get("csrf"), request.headers.get(CSRF_HEADER)):
            raise json_error(web.HTTPForbidden, f"missing or wrong {CSRF_HEADER} header (reload the page)")
    return await handler(request)


async def current_user(request: web.Request) -> User:
    session = await get_session(request)
    name = session.get("user")
    user = await request.app[ACCOUNTS].get(name) if isinstance(name, str) else None
    if user is None:
        raise json_error(web.HTTPUnauthorized, "log in first")
    return user


async def read_json(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise json_error(web.HTTPUnsupportedMediaType, "send JSON (Content-Type: application/json)")
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise json_error(web.HTTPBadRequest, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise json_error(web.HTTPUnprocessableEntity, "send a JSON object")
    return body


def field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise json_error(web.HTTPUnprocessableEntity, f"'{name}' must be a {kind.__name__}", field=name)
    return value


def user_json(user: User) -> dict[str, Any]:
    return {"name": user.name, "admin": user.is_admin, "language": user.language}


async def login(request: web.Request) -> web.Response:
    body = await read_json(request)
    name, password = field(body, "username", str), field(body, "password", str)
    ip = request.remote or "?"
    limiter = request.app[LIMITER]
    wait = limiter.retry_after(ip, name)
    if wait > 0:
        message = f"too many failed logins; try again in {wait:.0f} s"
        raise json_error(web.HTTPTooManyRequests, message, headers={"Retry-After": str(max(1, round(wait)))})
    user = await request.app[ACCOUNTS].verify(name, password)
    if user is None:
        limiter.failed(ip, name)
        raise json_error(web.HTTPUnauthorized, "wrong user name or password")
    limiter.succeeded(name)
    session = await new_session(request)  # a fresh session id on every login
    session["user"], session["csrf"] = user.name, new_csrf_token()
    return web.json_response({"user": user_json(user), "csrf": session["csrf"]})


async def logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    session.invalidate()
    return web.json_response({"ok": True})


async def state(request: web.Request) -> web.Response:
    user = await current_user(request)
    session = await get_session(request)
    return web.json_response({**request.app[KIOSK].state(), "user": user_json(user), "csrf": session.get("csrf")})


async def set_language(request: web.Request) -> web.Response:
    user = await current_user(request)
    language = field(await read_json(request), "language", str).strip().lower()
    if not re.fullmatch(LANGUAGE_PATTERN, language):
        raise json_error(web.HTTPUnprocessableEntity, "'language' must be a language name such as english, hindi or any")
    await request.app[ACCOUNTS].set_language(user.name, language)
    return web.json_response({"language": language})


async def player_action(request: web.Request) -> web.Response:
    await current_user(request)
    kiosk = request.app[KIOSK]
    actions = {"pause": kiosk.pause, "resume": kiosk.resume, "next": kiosk.next_track, "previous": kiosk.previous_track}
    action = actions.get(request.match_info["action"])
    if action is None:
        raise json_error(web.HTTPNotFound, "unknown player action (pause, resume, next, previous)")
    action()
    return web.json_response({"ok": True})


async def set_volume(request: web.Request) -> web.Response:
    await current_user(request)
    volume = field(await read_json(request), "volume", int)
    if not 0 <= volume <= 100:
        raise json_error(web.HTTPUnprocessableEntity, "'volume' must be 0 to 100", field="volume")
    request.app[KIOSK].set_volume(volume)
    return web.json_response({"volume": volume})


def favorite_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise json_error(web.HTTPNotFound, "no such favorite") from None


async def list_favorites(request: web.Request) -> web.Response:
    user = await current_user(request)
    return web.json_response({"favorites": [f.to_json() for f in await request.app[FAVORITES].all(user)]})


async def like_playing(request: web.Request) -> web.Response:
    user = await current_user(request)
    track = request.app[KIOSK].current_track
    if track is None:
        raise json_error(web.HTTPConflict, "nothing is playing right now")
    favorite = await request.app[FAVORITES].add(user, track)
    return web.json_response(favorite.to_json(), status=201)


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
    request.app[KIOSK].play_tracks([favorite.track()], f"a favorite of {user.name}")
    return web.json_response({"ok": True})


async def play_all_favorites(request: web.Request) -> web.Response:
    user = await current_user(request)
    favorites = await request.app[FAVORITES].all(user)
    if not favorites:
        raise json_error(web.HTTPConflict, "no favorites yet: like a track first")
    request.app[KIOSK].play_tracks([f.track() for f in favorites], f"favorites of {user.name}")
    return web.json_response({"ok": True, "tracks": len(favorites)})


async def analyze_upload(request: web.Request) -> web.Response:
    """``multipart/form-data`` with a ``file``: the faces and emotions in it; ``?play=1`` also plays the mood."""
    user = await current_user(request)
    if not request.content_type.startswith("multipart/"):
        raise json_error(web.HTTPUnsupportedMediaType, "send the photo as multipart/form-data in a field named 'file'")
    data = None
    async for part in await request.multipart():
        if getattr(part, "name", None) == "file":
            data = await part.read(decode=False)  # bounded by the app's client_max_size
            break
    if data is None:
        raise json_error(web.HTTPUnprocessableEntity, "no field named 'file' in the form", field="file")
    try:
        rgb = decode_photo(bytes(data))
    except PhotoError as error:
        if error.status == 413:
            raise web.HTTPRequestEntityTooLarge(
                MAX_PHOTO_BYTES, len(data), text=json.dumps({"error": str(error)}), content_type="application/json"
            ) from None
        status = web.HTTPUnsupportedMediaType if error.status == 415 else web.HTTPUnprocessableEntity
        raise json_error(status, str(error)) from None
    try:
        analysis = await request.app[KIOSK].analyze_photo(rgb)
    except MoodkioskError as error:  # e.g. a missing model: say so instead of a bare 500
        raise json_error(web.HTTPServiceUnavailable, error.describe()) from None
    faces = [face.to_json() for face in analysis.faces]
    played = None
    if faces and request.query.get("play") == "1":
        played = analysis.faces[0].emotion
        request.app[KIOSK].play_emotion(played, f"a photo {user.name} shared looked {played}")
    height, width = rgb.shape[:2]
    return web.json_response({"faces": faces, "ms": round(analysis.ms, 2), "width": width, "height": height, "played": played})


async def history(request: web.Request) -> web.Response:
    """The decided moods and the tracks played over the last ``hours`` (default a day, at most 31 days)."""
    await current_user(request)
    try:
        hours = float(request.query.get("hours", "24"))
    except ValueError:
        hours = -1.0
    if not 0 < hours <= 31 * 24:
        raise json_error(web.HTTPUnprocessableEntity, "'hours' must be a number above 0 and at most 744", field="hours")
    since = time.time() - hours * 3600
    store = request.app[ACCOUNTS].store
    moods = [{"at": at, "emotion": e, "confidence": round(c, 3), "faces": f} for at, e, c, f in await store.moods(since)]
    plays = [
        {"at": at, "uri": uri, "title": title, "playlist": playlist, "source": source, "emotion": emotion}
        for at, uri, title, playlist, source, emotion in await store.plays(since)
    ]
    return web.json_response({"since": since, "now": time.time(), "moods": moods, "plays": plays})


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the current state first, then every kiosk event as it happens."""
    await current_user(request)
    kiosk = request.app[KIOSK]
    closing = request.app[CLOSING]
    queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=100)

    def forward(event: Event) -> None:
        if queue.full():  # a slow client loses old events, never blocks the kiosk
            queue.get_nowait()
        queue.put_nowait(event)

    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    kiosk.bus.subscribe(forward)
    try:
        await response.write(f"event: state\ndata: {json.dumps(kiosk.state())}\n\n".encode())
        while not closing.is_set():
            getter = asyncio.ensure_future(queue.get())
            stopper = asyncio.ensure_future(closing.wait())
            done, pending = await asyncio.wait({getter, stopper}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            if getter in done:
                event = getter.result()
                await response.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
            elif not done:
                await response.write(b": keep-alive\n\n")
    except ConnectionResetError:
        pass  # the browser went away
    finally:
        kiosk.bus.unsubscribe(forward)
    return response


async def close_streams(app: web.Application) -> None:
    """On shutdown, end the live-event streams so the daemon stops at once."""
    app[CLOSING].set()


async def session_user(request: web.Request) -> User | None:
    try:
        return await current_user(request)
    except web.HTTPUnauthorized:
        return None


def render_page(request: web.Request, template: str, **context: Any) -> web.Response:
    """A page in the visitor's UI language; ``?ui=hi`` switches it and remembers the choice."""
    chosen = request.query.get("ui")
    if chosen in UI_LANGUAGES:
        response = web.HTTPFound(request.path)
        response.set_cookie("ui_lang", chosen, max_age=365 * 86400, httponly=True, samesite="Strict")
        raise response
    lang = pick_language(request.cookies.get("ui_lang"), request.headers.get("Accept-Language"))
    catalog = CATALOGS[lang]
    page = {"lang": lang, "languages": UI_LANGUAGES, "_": translator(lang), "catalog": catalog, **context}
    return aiohttp_jinja2.render_template(template, request, page)


async def index_page(request: web.Request) -> web.Response:
    user = await session_user(request)
    if user is None:
        raise web.HTTPFound("/login")
    return render_page(request, "index.html", user=user)


async def login_page(request: web.Request) -> web.Response:
    if await session_user(request) is not None:
        raise web.HTTPFound("/")
    return render_page(request, "login.html")


def create_app(kiosk: KioskControls, accounts: Accounts, secret: bytes, limiter: LoginLimiter | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[security_headers])
    setup_sessions(
        app,
        EncryptedCookieStorage(secret, cookie_name="moodkiosk_session", httponly=True, samesite="Strict", max_age=30 * 86400),
    )
    app.middlewares.append(csrf_protection)
    app[KIOSK], app[ACCOUNTS], app[LIMITER] = kiosk, accounts, limiter or LoginLimiter()
    app[CLOSING] = asyncio.Event()
    app[FAVORITES] = Favorites(accounts.store)
    app.on_shutdown.append(close_streams)
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    app.router.add_get("/", index_page)
    app.router.add_get("/login", login_page)
    app.router.add_static("/static", HERE / "static")
    app.router.add_post("/api/login", login)
    app.router.add_post("/api/logout", logout)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/events", events)
    app.router.add_put("/api/me/language", set_language)
    app.router.add_post("/api/player/{action}", player_action)
    app.router.add_put("/api/player/volume", set_volume)
    app.router.add_post("/api/analyze", analyze_upload)
    app.router.add_get("/api/history", history)
    app.router.add_get("/api/favorites", list_favorites)
    app.router.add_post("/api/favorites", like_playing)
    app.router.add_post("/api/favorites/play", play_all_favorites)
    app.router.add_delete("/api/favorites/{id}", remove_favorite)
    app.router.add_post("/api/favorites/{id}/play", play_favorite)
    return app
