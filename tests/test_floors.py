"""The code's floors: each imports only its own floor and those below it (device.core at the bottom, then the
parts, then the running kiosk, then the page, then the daemon and the command line)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

FLOORS = {  # a module's floor: its longest matching prefix
    "device.core": 0,
    "device.camera": 1,
    "device.inference": 1,
    "device.player": 1,
    "device.household": 1,
    "device.kiosk": 2,
    "web": 3,
    "device.daemon": 4,
    "device.cli": 4,
    "device.__main__": 4,
    "device": 0,  # the package itself: its version
}


def floor_of(module: str) -> int | None:
    for prefix in sorted(FLOORS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return FLOORS[prefix]
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_every_module_has_a_floor_and_imports_go_down_only() -> None:
    upward, unplaced = [], []
    for path in sorted([*(REPO / "device").rglob("*.py"), *(REPO / "web").rglob("*.py")]):
        name = module_name(path)
        own = floor_of(name)
        if own is None:
            unplaced.append(name)
            continue
        for line, imported in imports(path):
            floor = floor_of(imported)
            if floor is not None and floor > own:
                upward.append(f"{name}:{line} imports {imported} (floor {floor} > {own})")
    assert unplaced == [] and upward == []


def test_the_top_of_device_holds_only_the_daemon() -> None:
    """Everything else lives in a floor's folder (the README's architecture table follows them)."""
    assert sorted(p.name for p in (REPO / "device").glob("*.py")) == ["__init__.py", "__main__.py", "daemon.py"]
