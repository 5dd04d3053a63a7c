"""Admin endpoints: household accounts and the settings the page may change."""

from __future__ import annotations

from aiohttp import web

from device.core.page_settings import PageSettingsError
from device.household.accounts import AccountError
from web.handling import ACCOUNTS, KIOSK, field, json_error, read_json, require_admin, user_json


def account_error(error: AccountError) -> web.HTTPException:
    statuses = {"taken": web.HTTPConflict, "unknown": web.HTTPNotFound, "invalid": web.HTTPUnprocessableEntity}
    return json_error(statuses[error.kind], error.describe())


async def list_users(request: web.Request) -> web.Response:
    await require_admin(request)
    return web.json_response({"users": [user_json(user) for user in await request.app[ACCOUNTS].all()]})


async def create_user(request: web.Request) -> web.Response:
    """``{"username", "password", "admin": false}``."""
    await require_admin(request)
    body = await read_json(request)
    name, password = field(body, "username", str), field(body, "password", str)
    is_admin = body.get("admin", False)
    if not isinstance(is_admin, bool):
        raise json_error(web.HTTPUnprocessableEntity, "'admin' must be true or false", field="admin")
    try:
        user = await request.app[ACCOUNTS].add(name, password, is_admin)
    except AccountError as error:
        raise account_error(error) from None
    return web.json_response(user_json(user), status=201)


async def delete_user(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    name = request.match_info["name"]
    if name.lower() == admin.name.lower():
        raise json_error(web.HTTPConflict, "you cannot remove your own account (another admin can)")
    try:
        await request.app[ACCOUNTS].delete(name)
    except AccountError as error:
        raise account_error(error) from None
    request.app[KIOSK].controls.release(name)
    return web.json_response({"ok": True})


async def reset_password(request: web.Request) -> web.Response:
    """``{"password"}``: an admin sets a new password (a kiosk has no mail server for reset links)."""
    await require_admin(request)
    password = field(await read_json(request), "password", str)
    try:
        await request.app[ACCOUNTS].set_password(request.match_info["name"], password)
    except AccountError as error:
        raise account_error(error) from None
    return web.json_response({"ok": True})


async def get_settings(request: web.Request) -> web.Response:
    await require_admin(request)
    return web.json_response(request.app[KIOSK].live.page_settings())


async def change_settings(request: web.Request) -> web.Response:
    """``{"dotted.key": value, ...}``; ``null`` puts a key back to the config file's value. All or nothing."""
    admin = await require_admin(request)
    changes = await read_json(request)
    if not changes:
        raise json_error(web.HTTPUnprocessableEntity, "send at least one setting")
    try:
        await request.app[KIOSK].live.change(changes, admin.name)
    except PageSettingsError as error:  # the sentence, and per setting what the page says beside the field
        status = web.HTTPConflict if error.status == 409 else web.HTTPUnprocessableEntity
        raise json_error(status, str(error), problems=error.problems) from None
    return web.json_response(request.app[KIOSK].live.page_settings())


async def get_corrections(request: web.Request) -> web.Response:
    """How many "Was I right?" corrections the kiosk has learned from, and the bias they add per emotion."""
    await require_admin(request)
    return web.json_response(request.app[KIOSK].corrections.summary())


async def forget_corrections(request: web.Request) -> web.Response:
    """Forget every correction: the model reads faces as it was shipped again."""
    await require_admin(request)
    forgotten = await request.app[KIOSK].corrections.forget()
    return web.json_response({"forgotten": forgotten, **request.app[KIOSK].corrections.summary()})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/users", list_users)
    app.router.add_post("/api/admin/users", create_user)
    app.router.add_delete("/api/admin/users/{name}", delete_user)
    app.router.add_put("/api/admin/users/{name}/password", reset_password)
    app.router.add_get("/api/admin/settings", get_settings)
    app.router.add_put("/api/admin/settings", change_settings)
    app.router.add_get("/api/admin/corrections", get_corrections)
    app.router.add_delete("/api/admin/corrections", forget_corrections)
