"""The page reaches the kiosk's behaviour through one door (device.kiosk.controls.Controls), never around it,
and the kiosk's data through the parts that own it (never SQL through the store)."""

from __future__ import annotations

import ast

from tests.helpers import REPO

FORBIDDEN_MODULES = {"device.kiosk.conductor", "device.kiosk.jukebox", "device.core.store"}
FORBIDDEN_PARTS = {"conductor", "jukebox", "store"}


def test_no_handler_imports_or_reaches_the_conductor_the_jukebox_or_the_store() -> None:
    found = []
    for path in sorted((REPO / "web").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module in FORBIDDEN_MODULES:
                found.append(f"{path.name}:{node.lineno} imports {node.module}")
            elif isinstance(node, ast.Import) and any(alias.name in FORBIDDEN_MODULES for alias in node.names):
                found.append(f"{path.name}:{node.lineno} imports it")
            elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_PARTS:
                found.append(f"{path.name}:{node.lineno} reaches .{node.attr}")
    assert found == []


def test_the_parts_handlers_get_leave_out_the_conductor_the_jukebox_and_the_store() -> None:
    from web.handling import KioskParts

    assert "controls" in KioskParts.__annotations__ and not FORBIDDEN_PARTS & set(KioskParts.__annotations__)
