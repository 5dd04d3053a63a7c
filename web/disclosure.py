"""What members' answers leave out: the detail of a failure (an error's own text, which can name hosts, paths and
programs, in English) is for admins; members get the state and the page's words for it (``trouble``)."""

from __future__ import annotations

from typing import Any

DETAIL_KEYS = ("error", "detail", "note")  # in events, sources, notes, the camera and the brief
MEMBERS_NOTE = "some music cannot be reached now"  # the recommendations' note, without its detail


def without_detail(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its detail fields emptied (kept as keys, so the answer's shape is the same for everyone)."""
    return {key: ("" if key in DETAIL_KEYS and isinstance(value, str) else value) for key, value in item.items()}


def state_for(snapshot: dict[str, Any], admin: bool) -> dict[str, Any]:
    """``/api/state`` and the first event of the stream, as this user may see it."""
    if admin:
        return snapshot
    return {
        **snapshot,
        "camera": without_detail(snapshot["camera"]),
        "notes": [without_detail(note) if note.get("type") != "note" else note for note in snapshot["notes"]],
        "sources": [without_detail(source) for source in snapshot["sources"]],
        "brief": snapshot["brief"] and without_detail(snapshot["brief"]),
        "speakers": without_detail(snapshot["speakers"]),
    }


def event_for(event: dict[str, Any], admin: bool) -> dict[str, Any]:
    """One event of the live stream (a note's text is the note itself: it stays)."""
    return event if admin or event.get("type") == "note" else without_detail(event)


def recommendations_for(answer: dict[str, Any], admin: bool) -> dict[str, Any]:
    return answer if admin or not answer.get("note") else {**answer, "note": MEMBERS_NOTE}
