"""Emotions, track sources and camera states live in one type each (device/core/labels.py): no code compares a
bare string of them (issue 27: a reworded or added one used to break copies in six files and the page)."""

from __future__ import annotations

import ast
import re

from device.core.labels import CameraState, Emotion, TrackSource, vocabularies
from tests.helpers import REPO

WORDS = {member.value for kind in (Emotion, TrackSource, CameraState) for member in kind}
NAMES = {"emotion", "state", "source", "camera", "mood"}  # what holds such a value


def literals(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.Set | ast.List):
        return [value for element in node.elts for value in literals(element)]
    return []


def holder(node: ast.AST) -> str | None:
    """The name a compared value is read from (``event.state`` -> state)."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    return None


def test_python_compares_no_bare_vocabulary_string() -> None:
    found = []
    for path in sorted([*(REPO / "device").rglob("*.py"), *(REPO / "web").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            words = {value for side in sides for value in literals(side)} & WORDS
            holders = {name for side in sides if (name := holder(side)) and name.split("_")[-1] in NAMES}
            if words and holders:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {sorted(holders)} against {sorted(words)}")
    assert found == []


def test_the_pages_scripts_compare_against_the_vocabulary_they_are_sent() -> None:
    words = "|".join(sorted(WORDS))
    bare = re.compile(rf"""[!=]==\s*"({words})"|"({words})"\s*[!=]==|\[\s*"({words})"[^\]]*\]\.includes""")
    found = [f"{path.name}:{number}" for path in sorted((REPO / "web" / "static").glob("*.js"))
             for number, line in enumerate(path.read_text().splitlines(), 1) if bare.search(line)]  # fmt: skip
    assert found == []
    sent = vocabularies()
    assert sent["CameraState"]["OPEN"] == "open" and set(sent["TrackSource"].values()) == {"local", "youtube", "remote"}
    assert tuple(sent["Emotion"].values()) == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
