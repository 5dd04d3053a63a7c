"""``/api/openapi.json`` documents exactly the API routes the app serves (and ``/metrics``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

from device.core.config import Settings
from device.core.store import Store
from device.household.accounts import Accounts
from device.household.favorites import Favorites
from tests.helpers import Daemon, client_session, login
from web.app import create_app
from web.openapi import SPEC


def served_routes() -> set[tuple[str, str]]:
    store = Store(Path("unused.db"))  # never opened: only the router is looked at
    kiosk = SimpleNamespace(accounts=Accounts(store), favorites=Favorites(store), settings=Settings())
    app = create_app(kiosk=kiosk, secret=b"k" * 32)  # type: ignore[arg-type]
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if (path.startswith("/api/") or path == "/metrics") and route.method != "HEAD":
            routes.add((route.method.lower(), path))
    return routes


def test_every_api_route_is_documented_and_nothing_else() -> None:
    documented = {(method, path) for path, operations in SPEC["paths"].items() for method in operations}
    assert documented == served_routes()


def test_operations_name_their_errors_and_bodies() -> None:
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            public = operation.get("security") == []
            assert public == (path in {"/api/login", "/api/signup", "/metrics", "/api/display", "/api/display/cover"}), path
            assert public or "401" in operation["responses"], (method, path)
            if method == "put" or (method == "post" and path in {"/api/login", "/api/mood/override", "/api/analyze"}):
                assert "requestBody" in operation and "422" in operation["responses"], (method, path)
            if method in {"post", "put", "delete"} and not public:
                assert "403" in operation["responses"], (method, path)  # the CSRF check


def concrete(path: str) -> str:
    return path.replace("{id}", "1").replace("{name}", "ravi").replace("{action}", "pause").replace("{row}", "0")


def test_every_documented_operation_checks_session_csrf_and_role(tmp_path: Path) -> None:
    """Walks the description: no session is 401, no CSRF token 403, a member on an admin endpoint 403; all JSON."""
    daemon = Daemon(tmp_path)
    operations = [(m, p, op) for p, ops in SPEC["paths"].items() for m, op in ops.items() if op.get("security") != []]

    async def scenario() -> None:
        async with client_session() as anonymous, client_session() as ravi:
            csrf = {"X-CSRF-Token": (await (await login(ravi, daemon.base, "ravi")).json())["csrf"]}
            for method, path, _ in operations:
                url = daemon.base + concrete(path)
                response = await anonymous.request(method, url, json={})
                assert response.status == 401 and "error" in await response.json(), (method, path)
                if method != "get":
                    response = await ravi.request(method, url, json={})
                    assert response.status == 403 and "X-CSRF-Token" in (await response.json())["error"], (method, path)
                if path.startswith("/api/admin/"):
                    response = await ravi.request(method, url, json={}, headers=csrf)
                    assert response.status == 403 and "admin" in (await response.json())["error"], (method, path)

    try:
        asyncio.run(scenario())
    finally:
        daemon.stop()
