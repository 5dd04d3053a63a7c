"""The page reaches the kiosk's behaviour through one door (device.kiosk.controls.Controls), never around it."""

from __future__ import annotations

import ast

from tests.helpers import REPO

FORBIDDEN_MODULES = {"device.kiosk.conductor", "device.kiosk.jukebox"}
FORBIDDEN_PARTS = {"conductor", "jukebox"}


def test_no_handler_imports_or_reaches_the_conductor_or_the_jukebox() -> None:
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


def test_the_parts_handlers_get_leave_out_the_conductor_and_the_jukebox() -> None:
    from web.handling import KioskParts

    assert "controls" in KioskParts.__annotations__ and not FORBIDDEN_PARTS & set(KioskParts.__annotations__)
