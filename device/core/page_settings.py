"""Settings an admin may change on the web page, kept in the database on top of the config file.

Precedence, highest first: ``moodkiosk run`` flags, the admin page, environment variables,
the config file, defaults. Keys set by a flag cannot be changed on the page (they would not last).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from device.core.config import Settings, describe_problem
from device.core.errors import ConfigError

EDITABLE: tuple[str, ...] = (
    "player.language",
    "player.languages",
    "player.strategy",
    "player.mapping",
    "player.switch_at",
    "player.idle_action",
    "player.fallback_playlist",
    "mood.smoothing_seconds",
    "mood.dwell_seconds",
    "mood.lead_margin",
    "mood.min_confidence",
    "mood.idle_seconds",
    "camera.source",
    "camera.analysis_fps",
    "camera.paused",
    "storage.retention_days",
    "web.self_signup",
    "web.display_remote",
    "privacy.mode",
    "privacy.operator",
    "privacy.contact",
)


class PageSettingsError(ConfigError):
    """A page change that names an unknown or locked key, or a value the setting refuses."""

    def __init__(self, message: str, hint: str = "", status: int = 422, problems: list[dict[str, Any]] | None = None) -> None:
        """``problems``: per setting (``key``), the ``kind`` of problem and its ``limit``, for the page to say
        next to the field in its own words (``message`` is the English sentence)."""
        super().__init__(message, hint)
        self.status = status
        self.problems = problems or []


def split_key(key: str) -> tuple[str, str]:
    section, _, name = key.partition(".")
    return section, name


def get_value(settings: Settings, key: str) -> Any:
    section, name = split_key(key)
    return getattr(getattr(settings, section), name) if name else getattr(settings, section)


LIMITS = ("gt", "ge", "lt", "le", "max_length", "min_length", "expected")


def field_problem(item: Any) -> dict[str, Any]:
    """A pydantic error as the page shows it: the dotted key, the kind (e.g. ``greater_than``) and its limit."""
    context = item.get("ctx") or {}
    limit = next((context[name] for name in LIMITS if name in context), None)
    return {"key": ".".join(str(part) for part in item["loc"][:2]), "kind": item["type"], "limit": jsonable(limit)}


def with_values(base: Settings, values: dict[str, Any]) -> Settings:
    """``base`` with ``values`` (dotted keys) applied, each section validated again."""
    by_section: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        section, name = split_key(key)
        by_section.setdefault(section, {})[name] = value
    update: dict[str, BaseModel] = {}
    for section, changes in by_section.items():
        current: BaseModel = getattr(base, section)
        try:
            update[section] = type(current).model_validate({**current.model_dump(), **changes})
        except ValidationError as error:
            items = [{**item, "loc": (section, *item["loc"])} for item in error.errors()]
            message = "; ".join(describe_problem(item) for item in items)
            problems = [field_problem(item) for item in items]
            raise PageSettingsError(message, "correct the value and save again", problems=problems) from None
    return base.model_copy(update=update)


def check_keys(keys: list[str], locked: set[str]) -> None:
    for key in keys:
        if key not in EDITABLE:
            raise PageSettingsError(f"{key!r} cannot be changed on the page", f"page settings: {', '.join(EDITABLE)}")
        if key in locked:
            raise PageSettingsError(
                f"{key} is set by a command-line flag of the running daemon",
                "remove the flag (e.g. in the systemd unit) to manage it here",
                status=409,
            )


def decode_stored(base: Settings, stored: dict[str, str], locked: set[str]) -> tuple[dict[str, Any], list[str]]:
    """The stored page values that still apply (known, not locked, valid), and a note for each one dropped."""
    values: dict[str, Any] = {}
    notes: list[str] = []
    for key, text in stored.items():
        try:
            check_keys([key], locked)
            value = json.loads(text)
            with_values(base, {**values, key: value})
        except (PageSettingsError, ValueError) as error:
            notes.append(f"page setting {key} ignored: {error}")
            continue
        values[key] = value
    return values, notes


def describe_settings(effective: Settings, base: Settings, page: dict[str, Any], locked: set[str]) -> list[dict[str, Any]]:
    """Each page setting with its value, where it comes from, and its schema (for the admin page)."""
    rows = []
    for key in EDITABLE:
        section, name = split_key(key)
        schema = type(getattr(effective, section)).model_json_schema()["properties"][name]
        source = "flag" if key in locked else "page" if key in page else "config"
        rows.append(
            {
                "key": key,
                "value": jsonable(get_value(effective, key)),
                "config_value": jsonable(get_value(base, key)),
                "source": source,
                "schema": schema,
            }
        )
    return rows


def jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


SECRET_WORDS = ("password", "secret", "token", "cookie", "key")


def mask_secrets(value: Any, key: str = "") -> Any:
    """A copy with the values of secret-looking keys replaced by "***" (for printing settings)."""
    if isinstance(value, dict):
        return {k: mask_secrets(v, k) for k, v in value.items()}
    if value and any(word in key.lower() for word in SECRET_WORDS):
        return "***"
    return value


async def reset_page_settings(settings: Settings, keys: list[str] | None = None) -> list[str]:
    """Forget page settings (``keys``, or all), e.g. a camera that breaks the kiosk; returns those removed."""
    from device.core.store import Store, database_path

    unknown = [key for key in keys or [] if key not in EDITABLE]
    if unknown:
        raise PageSettingsError(f"not page settings: {', '.join(unknown)}", f"page settings: {', '.join(EDITABLE)}")
    store = Store(database_path(settings))
    await store.open()
    try:
        return await store.forget_page_settings(keys)
    finally:
        await store.close()


async def effective_settings(settings: Settings) -> tuple[Settings, list[str]]:
    """``settings`` with the admin page's stored changes applied, as the daemon would run (no flags here)."""
    from device.core.store import Store, database_path

    database = database_path(settings)
    if not database.exists():
        return settings, []
    store = Store(database)
    await store.open()
    try:
        values, _ = decode_stored(settings, await store.page_settings(), set())
    finally:
        await store.close()
    return (with_values(settings, values) if values else settings), sorted(values)
