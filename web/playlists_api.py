"""Admin endpoints for playlists brought as lists: upload (CSV, M3U, PLS, XSPF) or a Spotify link, list,
show, remove a row, export as CSV, remove. The same parsing and storage as ``moodkiosk playlist``."""

from __future__ import annotations

import re

from aiohttp import web

from device.player.imports import ListError, Row, export_csv
from device.player.spotify import SpotifyError
from web.handling import KIOSK, KioskParts, field, json_error, path_number, read_json, read_upload_file, require_admin


def refused(error: ListError) -> web.HTTPException:
    """422 naming the field (the file, or the name, mood, language or link that is wrong)."""
    return json_error(web.HTTPUnprocessableEntity, str(error), field=getattr(error, "field", "file"))


async def list_playlists(request: web.Request) -> web.Response:
    await require_admin(request)
    names = await request.app[KIOSK].imported.names()
    return web.json_response({"playlists": [{"name": n, "rows": rows, "source": source} for n, rows, source in names]})


async def upload_playlist(request: web.Request) -> web.Response:
    """``?name=&mood=&language=`` with a ``file`` (multipart): each refused row named with its line and why."""
    await require_admin(request)
    query = request.query
    data, filename = await read_upload_file(request, "file")
    kiosk = request.app[KIOSK]
    try:
        parsed = await kiosk.imported.import_list(
            query.get("name", ""), data, filename or "upload.csv", query.get("mood", ""), query.get("language", "")
        )
    except ListError as error:
        raise refused(error) from None
    if parsed.rows:
        await reread(kiosk)
    answer = {
        "name": query.get("name", "").strip(),
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
    kiosk = request.app[KIOSK]
    name = body.get("name", "")
    try:
        count = await kiosk.imported.import_spotify(name, link, kiosk.settings.spotify, body.get("mood", ""),
                                                    body.get("language", ""))  # fmt: skip
    except ListError as error:
        raise refused(error) from None
    except SpotifyError as error:
        raise json_error(web.HTTPBadGateway, error.describe()) from None
    await reread(kiosk)
    return web.json_response({"name": name.strip(), "imported": count, "refused": [], "note": ""}, status=201)


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
