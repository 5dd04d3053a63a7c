"""Admin endpoints for playlists brought as lists: upload (CSV, M3U, PLS, XSPF) or a Spotify link, list,
show, remove a row, export as CSV, remove. The same parsing and storage as ``moodkiosk playlist``."""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from device.labels import EMOTIONS
from device.player.imported import NAME
from device.player.imports import ListError, Row, export_csv, parse_bytes
from device.player.spotify import SpotifyError, is_spotify_link, playlist_id, read_playlist
from web.handling import KIOSK, KioskParts, field, json_error, path_number, read_json, read_upload_file, require_admin

LANGUAGE = re.compile(r"[a-z][a-z-]{0,31}")


def checked_names(name: object, mood: object, language: object) -> tuple[str, str, str]:
    """The playlist's name, and the mood and language of rows that do not say: 422 for bad ones."""
    name = name.strip() if isinstance(name, str) else ""
    language = language.strip().lower() if isinstance(language, str) else ""
    if not NAME.fullmatch(name):
        raise json_error(web.HTTPUnprocessableEntity, "'name': 1 to 64 letters, digits, spaces, '.', '_' or '-'", field="name")
    if mood and mood not in EMOTIONS:
        raise json_error(web.HTTPUnprocessableEntity, f"'mood' must be one of {', '.join(EMOTIONS)}", field="mood")
    if language and not LANGUAGE.fullmatch(language):
        raise json_error(web.HTTPUnprocessableEntity, "'language' must be a language name such as hindi", field="language")
    return name, str(mood or ""), language


async def list_playlists(request: web.Request) -> web.Response:
    await require_admin(request)
    names = await request.app[KIOSK].imported.names()
    return web.json_response({"playlists": [{"name": n, "rows": rows, "source": source} for n, rows, source in names]})


async def upload_playlist(request: web.Request) -> web.Response:
    """``?name=&mood=&language=`` with a ``file`` (multipart): each refused row named with its line and why."""
    await require_admin(request)
    query = request.query
    name, mood, language = checked_names(query.get("name", ""), query.get("mood", ""), query.get("language", ""))
    data, filename = await read_upload_file(request, "file")
    try:
        parsed = await asyncio.to_thread(parse_bytes, data, filename or "upload.csv")  # a big list never stalls the page
    except ListError as error:
        raise json_error(web.HTTPUnprocessableEntity, str(error), field="file") from None
    kiosk = request.app[KIOSK]
    if parsed.rows:
        await kiosk.imported.save(name, parsed.rows, filename or "upload", mood, language)
        await reread(kiosk)
    answer = {
        "name": name,
        "imported": len(parsed.rows),
        "refused": [{"line": line, "why": why} for line, why in parsed.refused],
        "note": parsed.note,
    }
    return web.json_response(answer, status=201 if parsed.rows else 422)


async def import_spotify(request: web.Request) -> web.Response:
    """``{"link": "https://open.spotify.com/playlist/...", "name", "mood", "language"}``: its tracks' names
    (each plays its YouTube match); 502 with Spotify's refusal, said plainly."""
    await require_admin(request)
    body = await read_json(request)
    link = field(body, "link", str)
    name, mood, language = checked_names(body.get("name", ""), body.get("mood", ""), body.get("language", ""))
    kiosk = request.app[KIOSK]
    if not is_spotify_link(link) or playlist_id(link) is None:
        raise json_error(
            web.HTTPUnprocessableEntity,
            "'link' must be a Spotify playlist link (https://open.spotify.com/playlist/...)",
            field="link",
        )
    try:
        rows = await asyncio.to_thread(read_playlist, link, kiosk.settings.spotify)
    except SpotifyError as error:
        raise json_error(web.HTTPBadGateway, error.describe()) from None
    if not rows:
        raise json_error(web.HTTPUnprocessableEntity, "the Spotify playlist has no tracks", field="link")
    await kiosk.imported.save(name, rows, link, mood, language)
    await reread(kiosk)
    return web.json_response({"name": name, "imported": len(rows), "refused": [], "note": ""}, status=201)


async def playlist_rows(request: web.Request) -> tuple[str, list[Row]]:
    """The path's playlist name and its rows (404 when there is no such imported playlist)."""
    name = request.match_info["name"]
    rows = await request.app[KIOSK].imported.rows(name)
    if rows is None:
        raise json_error(web.HTTPNotFound, f"no imported playlist {name!r}")
    return name, rows


async def reread(kiosk: KioskParts) -> None:
    """The library takes the imported playlists again: a change shows at once."""
    kiosk.controls.imported_changed(await kiosk.imported.tracks())


async def show_playlist(request: web.Request) -> web.Response:
    await require_admin(request)
    name, rows = await playlist_rows(request)
    fields = ("title", "artist", "url", "language", "mood")
    return web.json_response({"name": name, "rows": [{key: getattr(row, key) for key in fields} for row in rows]})


async def remove_row(request: web.Request) -> web.Response:
    await require_admin(request)
    name, kiosk = request.match_info["name"], request.app[KIOSK]
    missing = f"no row {request.match_info['row']} in the imported playlist {name!r}"
    if not await kiosk.imported.remove_row(name, path_number(request, "row", missing)):
        raise json_error(web.HTTPNotFound, missing)
    await reread(kiosk)
    return await show_playlist(request)


async def export_playlist(request: web.Request) -> web.Response:
    """The playlist as CSV (cells that would run as spreadsheet formulas are escaped)."""
    await require_admin(request)
    name, rows = await playlist_rows(request)
    disposition = f'attachment; filename="{re.sub(r"[^A-Za-z0-9_.-]", "_", name)}.csv"'
    return web.Response(text=export_csv(rows), content_type="text/csv", headers={"Content-Disposition": disposition})


async def remove_playlist(request: web.Request) -> web.Response:
    await require_admin(request)
    kiosk = request.app[KIOSK]
    name = request.match_info["name"]
    if not await kiosk.imported.remove(name):
        raise json_error(web.HTTPNotFound, f"no imported playlist {name!r}")
    await reread(kiosk)
    return web.json_response({"ok": True})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/playlists", list_playlists)
    app.router.add_post("/api/admin/playlists", upload_playlist)
    app.router.add_post("/api/admin/playlists/spotify", import_spotify)
    app.router.add_get("/api/admin/playlists/{name}", show_playlist)
    app.router.add_delete("/api/admin/playlists/{name}", remove_playlist)
    app.router.add_get("/api/admin/playlists/{name}/csv", export_playlist)
    app.router.add_delete("/api/admin/playlists/{name}/rows/{row}", remove_row)
