"""The household web page's server: pages, the household's JSON API, live events, sessions."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from device.core.errors import MoodkioskError
from device.core.events import Event, event_kinds
from device.core.images import ImageError
from device.core.labels import vocabularies
from device.household.accounts import AccountError, User
from device.inference.photos import PhotoBusyError
from device.kiosk.controls import ControlError, checked_language
from device.kiosk.metrics import CONTENT_TYPE
from web import (
    admin_api,
    artists_api,
    display,
    favorites_api,
    kiosk_api,
    openapi,
    player_api,
    playlists_api,
    speakers_api,
)
from web.disclosure import event_for, state_for
from web.handling import (
    ACCOUNTS,
    CLOSING,
    FAVORITES,
    KIOSK,
    LIMITER,
    PAGE_NAMES,
    KioskParts,
    control_refused,
    csrf_protection,
    current_user,
    field,
    is_loopback,
    json_error,
    json_errors,
    known_host,
    plain_bodies,
    read_json,
    read_upload,
    too_large,
    too_many_attempts,
    user_json,
)
from web.i18n import CATALOGS, UI_LANGUAGES, pick_language, translator
from web.remote_images import RemoteImages
from web.security import LoginLimiter, new_csrf_token, page_names, response_headers, security_headers

SIGNUP_LIMITER = web.AppKey("signup_limiter", LoginLimiter)
VERIFYING = web.AppKey("verifying", asyncio.Semaphore)  # password checks under way (argon2: 64 MB, ~50 ms each)
MAX_VERIFYING = 2
HERE = Path(__file__).resolve().parent
MAX_BODY = 10 * 2**20


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
    snapshot = state_for(request.app[KIOSK].state.snapshot(), user.is_admin)
    return web.json_response({**snapshot, "user": user_json(user), "csrf": session.get("csrf")})


async def set_language(request: web.Request) -> web.Response:
    user = await current_user(request)
    try:
        language = checked_language(field(await read_json(request), "language", str))
    except ControlError as error:
        raise control_refused(error) from error
    await request.app[ACCOUNTS].set_language(user.name, language)
    request.app[KIOSK].controls.member_language(user.name, language)
    return web.json_response({"language": language})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics, without sign-in: to this machine only (``web.metrics = "local"``), to all, or off."""
    kiosk = request.app[KIOSK]
    mode = kiosk.settings.web.metrics
    if mode == "off":
        raise json_error(web.HTTPNotFound, "metrics are off (web.metrics)")
    if mode == "local" and not is_loopback(request.remote):
        raise json_error(web.HTTPForbidden, "metrics are answered only on this machine (web.metrics = local)")
    return web.Response(body=kiosk.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


async def analyze_upload(request: web.Request) -> web.Response:
    """``multipart/form-data`` with a ``file``: the faces and emotions in it; ``?play=1`` also plays the mood."""
    user = await current_user(request)
    if request.app[KIOSK].settings.privacy.mode == "no-emotion":
        raise json_error(web.HTTPConflict, "emotion recognition is off here (privacy.mode = no-emotion)")
    data = await read_upload(request, "file")  # 413 as soon as it is too large, before decoding
    try:
        result = await request.app[KIOSK].photos.analyze(data)  # decoded and analysed in a worker thread
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
        request.app[KIOSK].controls.play_photo_mood(played, user.name)
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
    history = await request.app[KIOSK].recorder.history(since)
    return web.json_response({"since": since, "now": time.time(), **history})


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the current state first, then every kiosk event as it happens."""
    user = await current_user(request)
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
        await response.write(f"event: state\ndata: {json.dumps(state_for(kiosk.state.snapshot(), user.is_admin))}\n\n".encode())
        while not closing.is_set():
            getter = asyncio.ensure_future(queue.get())
            stopper = asyncio.ensure_future(closing.wait())
            done, pending = await asyncio.wait({getter, stopper}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            if getter in done:
                event = getter.result()
                data = json.dumps(event_for(event.to_json(), user.is_admin))
                await response.write(f"event: {event.kind}\ndata: {data}\n\n".encode())
            elif not done:
                await response.write(b"event: ping\ndata: {}\n\n")  # quiet for 15 s: the page knows it is still connected
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
    notice = request.app[KIOSK].settings.privacy.notice()
    page = {"lang": lang, "languages": UI_LANGUAGES, "_": translator(lang), "catalog": catalog, "notice": notice,
            "event_kinds": event_kinds(), "vocabulary": vocabularies(), **context}  # fmt: skip
    return aiohttp_jinja2.render_template(template, request, page)


async def index_page(request: web.Request) -> web.Response:
    user = await session_user(request)
    if user is None:
        raise web.HTTPFound("/login")
    return render_page(request, "index.html", user=user)


async def login_page(request: web.Request) -> web.Response:
    if await session_user(request) is not None:
        raise web.HTTPFound("/")
    no_accounts = not await request.app[ACCOUNTS].all()
    return render_page(request, "login.html", signup=request.app[KIOSK].settings.web.self_signup, no_accounts=no_accounts)


async def admin_page(request: web.Request) -> web.Response:
    user = await session_user(request)
    if user is None:
        raise web.HTTPFound("/login")
    if not user.is_admin:
        raise web.HTTPForbidden(text="Only an admin may open this page.")
    return render_page(request, "admin.html", user=user)


def create_app(kiosk: KioskParts, secret: bytes, limiter: LoginLimiter | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[security_headers, known_host, json_errors, plain_bodies])
    app[PAGE_NAMES] = page_names(kiosk.settings.web.hostnames)
    setup_sessions(
        app,
        EncryptedCookieStorage(secret, cookie_name="moodkiosk_session", httponly=True, samesite="Strict", max_age=30 * 86400),
    )
    app.middlewares.append(csrf_protection)
    app[KIOSK], app[ACCOUNTS], app[FAVORITES], app[LIMITER] = kiosk, kiosk.accounts, kiosk.favorites, limiter or LoginLimiter()
    app[CLOSING] = asyncio.Event()
    app[SIGNUP_LIMITER] = LoginLimiter(per_account_address=5, per_ip=5, per_account=5, window_seconds=3600)
    app[VERIFYING] = asyncio.Semaphore(MAX_VERIFYING)
    app[favorites_api.REMOTE_IMAGES] = RemoteImages()
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
    player_api.add_routes(app)
    speakers_api.add_routes(app)
    app.router.add_post("/api/analyze", analyze_upload)
    app.router.add_get("/api/history", history)
    favorites_api.add_routes(app)
    artists_api.add_routes(app)
    kiosk_api.add_routes(app)
    admin_api.add_routes(app)
    playlists_api.add_routes(app)
    app.router.add_get("/api/openapi.json", openapi.serve)
    app.router.add_get("/metrics", metrics)
    display.add_routes(app)
    return app
