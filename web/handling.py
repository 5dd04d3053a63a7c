"""What every handler shares: the app's parts, the signed-in user, JSON bodies and JSON errors."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import sqlite3
from typing import Any, Protocol

from aiohttp import BodyPartReader, hdrs, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp_session import get_session

from device.core.config import Settings
from device.core.events import EventBus
from device.household.accounts import Accounts, User
from device.household.artists import Artists
from device.household.corrections import Corrections
from device.household.favorites import Favorites
from device.household.track_votes import TrackVotes
from device.inference.photos import PhotoAnalysis
from device.kiosk.controls import ControlError, Controls, NotNowError
from device.kiosk.live_settings import LiveSettings
from device.kiosk.metrics import Metrics
from device.kiosk.recorder import Recorder
from device.kiosk.state import KioskState
from device.player.imported import ImportedPlaylists
from web.security import CSRF_HEADER, UNSAFE_METHODS, Handler, LoginLimiter, csrf_ok, host_allowed

log = logging.getLogger("moodkiosk.web")
MAX_JSON_BYTES = 256 * 1024
MAX_UPLOAD_BYTES = 8 * 2**20  # all the parts of one upload together
MAX_UPLOAD_PARTS = 4
BODY_SECONDS = 30.0  # a body (or an upload) must arrive within this time
NO_SESSION_YET = {"/api/login", "/api/signup"}  # no CSRF token exists before these


class KioskParts(Protocol):
    """What the page may reach of the running kiosk (device.daemon.Kiosk), each part for what it owns:
    ``controls`` every household command (the one door: never the conductor or the jukebox), ``state``
    what the page shows, ``live`` the settings, the household's data in their own parts."""

    bus: EventBus
    state: KioskState
    live: LiveSettings
    photos: PhotoAnalysis
    accounts: Accounts
    favorites: Favorites
    corrections: Corrections
    votes: TrackVotes
    artists: Artists
    metrics: Metrics
    recorder: Recorder
    controls: Controls
    imported: ImportedPlaylists

    @property
    def settings(self) -> Settings: ...


KIOSK = web.AppKey("kiosk", KioskParts)
ACCOUNTS = web.AppKey("accounts", Accounts)  # the kiosk's, under their own keys for the handlers
LIMITER = web.AppKey("limiter", LoginLimiter)
CLOSING = web.AppKey("closing", asyncio.Event)
FAVORITES = web.AppKey("favorites", Favorites)
PAGE_NAMES = web.AppKey("page_names", set)  # the names the page answers to (web.security.page_names)


def json_error(
    status: type[web.HTTPException], message: str, headers: dict[str, str] | None = None, **extra: Any
) -> web.HTTPException:
    return status(text=json.dumps({"error": message, **extra}), content_type="application/json", headers=headers)


def too_many_attempts(wait: float, message: str = "") -> web.HTTPException:
    """429 with Retry-After: too many attempts, or busy with others."""
    message = message or f"too many failed attempts; try again in {wait:.0f} s"
    return json_error(web.HTTPTooManyRequests, message, headers={"Retry-After": str(max(1, round(wait)))})


@web.middleware
async def csrf_protection(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every state-changing API call must carry the session's CSRF token in X-CSRF-Token."""
    if request.method in UNSAFE_METHODS and request.path.startswith("/api/") and request.path not in NO_SESSION_YET:
        session = await get_session(request)
        signed_in = session.get("sid") is not None  # without a session the handler answers 401
        if signed_in and not csrf_ok(session.get("csrf"), request.headers.get(CSRF_HEADER)):
            raise json_error(web.HTTPForbidden, f"missing or wrong {CSRF_HEADER} header (reload the page)")
    return await handler(request)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """API failures are JSON: a database that cannot be written is a 503 that says why; a bug a bare 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except sqlite3.Error as error:
        log.error("database error on %s %s: %s", request.method, request.path, error)
        message = f"the kiosk cannot save this right now ({error}); is the disk full? Nothing was changed"
        raise json_error(web.HTTPServiceUnavailable, message) from None
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except ClientGoneError:
        log.debug("%s %s: the client went away while sending its request", request.method, request.path)
        raise web.HTTPBadRequest(text="") from None  # nobody reads it
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        raise json_error(web.HTTPInternalServerError, "unexpected error; the kiosk's log has the details") from None


@web.middleware
async def known_host(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only requests for this kiosk's own names or addresses (a rebound DNS name gets nothing, not even /login)."""
    if not host_allowed(request.headers.get(hdrs.HOST), request.app[PAGE_NAMES]):
        raise web.HTTPMisdirectedRequest(
            text="This kiosk does not answer to that name: open it by its address or its own name, "
            "or an admin adds the name to web.hostnames.\n"
        )
    return await handler(request)


@web.middleware
async def plain_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Compressed request bodies are refused: a few KB of gzip must not become a gigabyte to read."""
    if request.headers.get(hdrs.CONTENT_ENCODING, "identity").strip().lower() != "identity":
        raise json_error(web.HTTPUnsupportedMediaType, "send the body uncompressed (no Content-Encoding)")
    return await handler(request)


class ClientGoneError(Exception):
    """The client disconnected in the middle of its request body."""


async def current_user(request: web.Request) -> User:
    """The signed-in user: the session id in the cookie must still be valid on the server."""
    session = await get_session(request)
    sid = session.get("sid")
    user = await request.app[ACCOUNTS].session_user(sid) if isinstance(sid, str) else None
    if user is None:
        raise json_error(web.HTTPUnauthorized, "log in first")
    return user


def too_large(limit: int, actual: int, message: str = "") -> web.HTTPException:
    message = message or f"the request is too large: at most {limit // 1024} KB"
    return web.HTTPRequestEntityTooLarge(limit, actual, text=json.dumps({"error": message}), content_type="application/json")


async def read_json(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object (at most MAX_JSON_BYTES): 415, 413, 400 or 422 otherwise."""
    if request.content_type != "application/json":
        raise json_error(web.HTTPUnsupportedMediaType, "send JSON (Content-Type: application/json)")
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise too_large(MAX_JSON_BYTES, request.content_length or 0)
    raw = await read_capped(request.content, MAX_JSON_BYTES)
    try:
        body = json.loads(raw)
        json.dumps(body, ensure_ascii=False).encode()  # lone surrogates ("\\udcff") are not text
    except (ValueError, UnicodeError, RecursionError):
        raise json_error(web.HTTPBadRequest, "the body is not valid JSON (or nests too deep, or is not valid Unicode)") from None
    if not isinstance(body, dict):
        raise json_error(web.HTTPUnprocessableEntity, "send a JSON object")
    return body


async def read_capped(stream: Any, limit: int, seconds: float = BODY_SECONDS) -> bytes:
    """Read a body (or a multipart part, anything with ``read_chunk``/``readany``) but never more than
    ``limit`` bytes, nor for longer than ``seconds`` (413 / 408)."""
    data = bytearray()
    try:
        async with asyncio.timeout(seconds):
            while True:
                chunk = await (stream.read_chunk() if hasattr(stream, "read_chunk") else stream.readany())
                if not chunk:
                    return bytes(data)
                data.extend(chunk)
                if len(data) > limit:
                    raise too_large(limit, len(data))
    except TimeoutError:
        raise json_error(web.HTTPRequestTimeout, f"the request did not arrive within {seconds:.0f} s") from None
    except (web.RequestPayloadError, ConnectionError) as error:
        raise ClientGoneError() from error


async def read_upload(request: web.Request, name: str = "file") -> bytes:
    """The ``name`` field of a ``multipart/form-data`` body: at most MAX_UPLOAD_PARTS parts and
    MAX_UPLOAD_BYTES in all (every part counts, read or not), no encoded parts, no nesting."""
    return (await read_upload_file(request, name))[0]


async def read_upload_file(request: web.Request, name: str = "file") -> tuple[bytes, str]:
    """As :func:`read_upload`, with the file name the browser gave (``""`` when none)."""
    if not request.content_type.startswith("multipart/"):
        raise json_error(web.HTTPUnsupportedMediaType, f"send the file as multipart/form-data in a field named '{name}'")
    if (request.content_length or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        raise too_large(MAX_UPLOAD_BYTES, request.content_length or 0)
    found, filename, total, parts = None, "", 0, 0
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            parts += 1
            if parts > MAX_UPLOAD_PARTS or not isinstance(part, BodyPartReader):
                raise json_error(
                    web.HTTPUnprocessableEntity, f"send one field named '{name}' (at most {MAX_UPLOAD_PARTS} fields)"
                )
            if part.headers.get(hdrs.CONTENT_ENCODING, "identity").strip().lower() != "identity":
                raise json_error(web.HTTPUnsupportedMediaType, "send the file uncompressed (no Content-Encoding)")
            data = await read_capped(part, MAX_UPLOAD_BYTES - total)
            total += len(data)
            if part.name == name and found is None:
                found, filename = data, part.filename or ""
    except (ValueError, LookupError, HttpProcessingError) as error:  # no boundary, a broken part header, ...
        raise json_error(web.HTTPBadRequest, f"not a readable multipart/form-data body ({error})") from None
    if found is None:
        raise json_error(web.HTTPUnprocessableEntity, f"no field named '{name}' in the form", field=name)
    return found, filename


def control_refused(error: ControlError) -> web.HTTPException:
    """A control the kiosk refused: 409 when it cannot apply now (nothing plays), else 422 naming the field."""
    status = web.HTTPConflict if isinstance(error, NotNowError) else web.HTTPUnprocessableEntity
    return json_error(status, str(error), field=error.field)


def path_number(request: web.Request, key: str, not_found: str) -> int:
    """A path's numeric id (``key``); anything that cannot be one (text, huge numbers) is simply not found (404)."""
    text = request.match_info[key]
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise json_error(web.HTTPNotFound, not_found)
    return int(text)


def field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise json_error(web.HTTPUnprocessableEntity, f"'{name}' must be a {kind.__name__}", field=name)
    return value


def user_json(user: User) -> dict[str, Any]:
    return {"name": user.name, "admin": user.is_admin, "language": user.language}


async def require_admin(request: web.Request) -> User:
    user = await current_user(request)
    if not user.is_admin:
        raise json_error(web.HTTPForbidden, "only an admin may do this")
    return user


def is_loopback(address: str | None) -> bool:
    """A client on this machine (127.0.0.0/8, ::1, or IPv4 loopback written as IPv6)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback
