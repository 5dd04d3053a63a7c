"""``/api/openapi.json`` documents exactly the routes the app serves."""

from __future__ import annotations

from pathlib import Path

from device.store import Store
from web.accounts import Accounts
from web.app import create_app
from web.openapi import SPEC


def served_routes() -> set[tuple[str, str]]:
    accounts = Accounts(Store(Path("unused.db")))  # never opened: only the router is looked at
    app = create_app(kiosk=object(), accounts=accounts, secret=b"k" * 32)  # type: ignore[arg-type]
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith("/api/") and route.method != "HEAD":
            routes.add((route.method.lower(), path))
    return routes


def test_every_api_route_is_documented_and_nothing_else() -> None:
    documented = {(method, path) for path, operations in SPEC["paths"].items() for method in operations}
    assert documented == served_routes()


def test_operations_name_their_errors_and_bodies() -> None:
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            public = operation.get("security") == []
            assert public == (path in {"/api/login", "/api/signup"}), path
            assert public or "401" in operation["responses"], (method, path)
            if method == "put" or (method == "post" and path in {"/api/login", "/api/mood/override", "/api/analyze"}):
                assert "requestBody" in operation and "422" in operation["responses"], (method, path)
            if method in {"post", "put", "delete"} and not public:
                assert "403" in operation["responses"], (method, path)  # the CSRF check
