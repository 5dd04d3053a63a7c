"""The household web page's server: pages, the household's JSON API, live events, sessions."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from device.config import LANGUAGE_PATTERN
from device.errors import MoodkioskError
from device.events import Event
from device.images import ImageError
from device.photos import PhotoBusyError
from device.player.sources import label
from web import admin_api, kiosk_api, openapi
from web.accounts import AccountError, Accounts, User
from web.favorites import Favorite, Favorites
from web.handling import (
    ACCOUNTS,
    CLOSING,
    FAVORITES,
    KIOSK,
    LIMITER,
    KioskControls,
    csrf_protection,
    current_user,
    field,
    json_error,
    json_errors,
    plain_bodies,
    read_json,
    read_upload,
    too_large,
    user_json,
)
from web.i18n import CATALOGS, UI_LANGUAGES, pick_language, translator
from web.remote_images import RemoteImageError, RemoteImages
from web.security import LoginLimiter, new_csrf_token, response_headers, security_headers

SIGNUP_LIMITER = web.AppKey("signup_limiter", LoginLimiter)
REMOTE_IMAGES = web.AppKey("remote_images", RemoteImages)
VERIFYING = web.AppKey("verifying", asyncio.Semaphore)  # password checks under way (argon2: 64 MB, ~50 ms each)
MAX_VERIFYING = 2
HERE = Path(__file__).resolve().parent
MAX_BODY = 10 * 2**20
THUMBNAIL_SUFFIXES = {".jpg", ".jpeg", ".png"}


def too_many_attempts(wait: float, message: str = "") -> web.HTTPException:
    message = message or f"too many failed attempts; try again in {wait:.0f} s"
    return json_error(web.HTTPTooManyRequests, message, headers={"Retry-After": str(max(1, round(wait)))})


async def start_session(request: web.Request, user: User) -> web.Response:
    session = await new_session(request)  # a fresh cookie on every login, naming a fresh server-side session
    session["sid"], session["csrf"] = await request.app[ACCOUNTS].start_session(user), new_csrf_token()
    return web.json_response({"user": user_json(user), "csrf": session["csrf"]})


async def login(request: web.Request) -> web.Response:
    """The attempt counts before the password is checked, so parallel guesses are limited like serial ones."""
    body = await read_json(request)
    name, password = field(body, "username", str), field(body, "password", str)
    ip = request.remote or "?"
    limiter, verifying = request.app[LIMITER], request.app[VERIFYING]
    wait = limiter.retry_after(ip, name)
    if wait > 0:
        raise too_many_attempts(wait)
    if verifying.locked():
        raise too_many_attempts(1, "the kiosk is checking other sign-ins; try again in a second")
    limiter.attempt(ip, name)
    async with verifying:
        user = await request.app[ACCOUNTS].verify(name, password)
    if user is None:
        raise json_error(web.HTTPUnauthorized, "wrong user name or password")
    limiter.succeeded(ip, name)
    return await start_session(request, user)


async def signup(request: web.Request) -> web.Response:
    """Create a household (non-admin) account and sign in, when an admin allows self-signup."""
    if not request.app[KIOSK].settings.web.self_signup:
        raise json_error(web.HTTPForbidden, "sign-up is off: ask an admin for an account")
    body = await read_json(request)
    name, password = field(body, "username", str), field(body, "password", str)
    limiter, ip = request.app[SIGNUP_LIMITER], request.remote or "?"
    wait = limiter.retry_after(ip, name)
    if wait > 0:
        raise too_many_attempts(wait)
    limiter.attempt(ip, name)  # every attempt counts, so nobody floods the kiosk with accounts
    try:
        user = await request.app[ACCOUNTS].add(name, password)
    except AccountError as error:
        if error.kind == "taken":
            raise json_error(web.HTTPConflict, f"the name {name!r} is taken: pick another") from None
        raise json_error(web.HTTPUnprocessableEntity, error.describe()) from None
    return await start_session(request, user)


async def logout(request: web.Request) -> web.Response:
    """Ends the session on the server too: the old cookie never works again."""
    await current_user(request)
    session = await get_session(request)
    await request.app[ACCOUNTS].end_session(session["sid"])
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
    request.app[KIOSK].member_language_changed(user.name, language)
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
    """The path's favorite id; anything that cannot be one (text, huge numbers) is simply not found."""
    text = request.match_info["id"]
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 18):
        raise json_error(web.HTTPNotFound, "no such favorite")
    return int(text)


async def list_favorites(request: web.Request) -> web.Response:
    user = await current_user(request)
    return web.json_response({"favorites": [favorite_json(request, f) for f in await request.app[FAVORITES].all(user)]})


def favorite_json(request: web.Request, favorite: Favorite) -> dict[str, Any]:
    """As the API shows a favorite: with ``offline`` true when it plays without the network."""
    offline = favorite.source == "local" or request.app[KIOSK].offline(favorite.uri)
    return {**favorite.to_json(), "label": label(favorite.playlist), "offline": offline}


async def like_playing(request: web.Request) -> web.Response:
    user = await current_user(request)
    track = request.app[KIOSK].current_track
    if track is None:
        raise json_error(web.HTTPConflict, "nothing is playing right now")
    favorite = await request.app[FAVORITES].add(user, track)
    await request.app[KIOSK].favorites_changed()  # a remote favorite is kept for offline play
    return web.json_response(favorite_json(request, favorite), status=201)


async def remove_favorite(request: web.Request) -> web.Response:
    user = await current_user(request)
    if not await request.app[FAVORITES].remove(user, favorite_id(request)):
        raise json_error(web.HTTPNotFound, "no such favorite")
    await request.app[KIOSK].favorites_changed()
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


async def thumbnail_response(request: web.Request, thumbnail: str | None) -> web.StreamResponse:
    """A local cover inside the music folder, or a remote one fetched by the kiosk; else a 404."""
    if thumbnail and thumbnail.startswith(("http://", "https://")):
        try:
            data, kind = await request.app[REMOTE_IMAGES].get(thumbnail)
        except RemoteImageError:
            raise json_error(web.HTTPNotFound, "the thumbnail cannot be fetched right now") from None
        return web.Response(body=data, content_type=kind, headers={"Cache-Control": "private, max-age=3600"})
    music_dir = request.app[KIOSK].settings.music_dir.resolve()
    path = Path(thumbnail).resolve() if thumbnail and "://" not in thumbnail else None
    if path is None or not path.is_relative_to(music_dir) or path.suffix.lower() not in THUMBNAIL_SUFFIXES or not path.is_file():
        raise json_error(web.HTTPNotFound, "no thumbnail")
    return web.FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})


async def favorite_thumbnail(request: web.Request) -> web.StreamResponse:
    user = await current_user(request)
    favorite = await request.app[FAVORITES].get(user, favorite_id(request))
    if favorite is None:
        raise json_error(web.HTTPNotFound, "no such favorite")
    return await thumbnail_response(request, favorite.thumbnail)


async def playing_thumbnail(request: web.Request) -> web.StreamResponse:
    await current_user(request)
    track = request.app[KIOSK].current_track
    return await thumbnail_response(request, track.thumbnail if track else None)


async def analyze_upload(request: web.Request) -> web.Response:
    """``multipart/form-data`` with a ``file``: the faces and emotions in it; ``?play=1`` also plays the mood."""
    user = await current_user(request)
    data = await read_upload(request, "file")  # 413 as soon as it is too large, before decoding
    try:
        result = await request.app[KIOSK].analyze_photo(data)  # decoded and analysed in a worker thread
    except ImageError as error:
        if error.status == 413:
            raise too_large(len(data), len(data), str(error)) from None
        status = web.HTTPUnsupportedMediaType if error.status == 415 else web.HTTPUnprocessableEntity
        raise json_error(status, str(error)) from None
    except PhotoBusyError as error:
        raise too_many_attempts(2, error.describe()) from None
    except MoodkioskError as error:  # e.g. a missing model: say so instead of a bare 500
        raise json_error(web.HTTPServiceUnavailable, error.describe()) from None
    analysis = result.analysis
    faces = [face.to_json() for face in analysis.faces]
    played = None
    if faces and request.query.get("play") == "1":
        played = analysis.faces[0].likeliest  # asked for explicitly: the likeliest mood, sure or not
        request.app[KIOSK].play_emotion(played, f"a photo {user.name} shared looked {played}")
    return web.json_response(
        {"faces": faces, "ms": round(analysis.ms, 2), "width": result.width, "height": result.height, "played": played}
    )


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
    return render_page(request, "login.html", signup=request.app[KIOSK].settings.web.self_signup)


async def admin_page(request: web.Request) -> web.Response:
    user = await session_user(request)
    if user is None:
        raise web.HTTPFound("/login")
    if not user.is_admin:
        raise web.HTTPForbidden(text="Only an admin may open this page.")
    return render_page(request, "admin.html", user=user)


def create_app(kiosk: KioskControls, accounts: Accounts, secret: bytes, limiter: LoginLimiter | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[security_headers, json_errors, plain_bodies])
    setup_sessions(
        app,
        EncryptedCookieStorage(secret, cookie_name="moodkiosk_session", httponly=True, samesite="Strict", max_age=30 * 86400),
    )
    app.middlewares.append(csrf_protection)
    app[KIOSK], app[ACCOUNTS], app[LIMITER] = kiosk, accounts, limiter or LoginLimiter()
    app[CLOSING] = asyncio.Event()
    app[SIGNUP_LIMITER] = LoginLimiter(per_account_address=5, per_ip=5, per_account=5, window_seconds=3600)
    app[VERIFYING] = asyncio.Semaphore(MAX_VERIFYING)
    app[REMOTE_IMAGES] = RemoteImages()
    app[FAVORITES] = Favorites(accounts.store)
    app.on_shutdown.append(close_streams)
    app.on_response_prepare.append(response_headers)
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    app.router.add_get("/", index_page)
    app.router.add_get("/login", login_page)
    app.router.add_get("/admin", admin_page)
    app.router.add_static("/static", HERE / "static")
    app.router.add_post("/api/login", login)
    app.router.add_post("/api/signup", signup)
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
    app.router.add_get("/api/favorites/{id}/thumbnail", favorite_thumbnail)
    app.router.add_get("/api/now/thumbnail", playing_thumbnail)
    kiosk_api.add_routes(app)
    admin_api.add_routes(app)
    app.router.add_get("/api/openapi.json", openapi.serve)
    return app
