"""Household accounts: argon2 password hashes in the kiosk's database, checked off the event loop."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from device.errors import MoodkioskError
from device.store import Store

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


class AccountError(MoodkioskError):
    """A bad name or password (``invalid``), a taken name (``taken``), or an unknown account (``unknown``)."""

    def __init__(self, message: str, hint: str = "", kind: Literal["invalid", "taken", "unknown"] = "invalid") -> None:
        super().__init__(message, hint)
        self.kind = kind


def unknown_user(name: str) -> AccountError:
    return AccountError(f"no user {name!r}", "`moodkiosk user list` shows the accounts", "unknown")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    is_admin: bool
    language: str


class Accounts:
    """Create, check and change accounts. Hashing runs in a worker thread (it takes ~50 ms)."""

    def __init__(self, store: Store, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.hasher = hasher or PasswordHasher()
        # Verified against for unknown names, so a wrong name costs as long as a wrong password.
        self._dummy_hash = self.hasher.hash("moodkiosk-dummy-password")

    @staticmethod
    def check_name(name: str) -> str:
        if not NAME_PATTERN.fullmatch(name):
            raise AccountError(
                f"invalid user name {name!r}", "use 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        return name

    @staticmethod
    def check_password(password: str) -> str:
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise AccountError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters", "choose a longer one")
        return password

    async def add(self, name: str, password: str, is_admin: bool = False) -> User:
        self.check_name(name)
        digest = await asyncio.to_thread(self.hasher.hash, self.check_password(password))
        if await self.get(name) is not None:
            raise AccountError(
                f"user {name!r} already exists", "pick another name, or `moodkiosk user passwd` to reset it", "taken"
            )
        await self.store.execute(
            "INSERT INTO users (name, password_hash, is_admin, created) VALUES (?, ?, ?, ?)",
            (name, digest, int(is_admin), time.time()),
        )
        user = await self.get(name)
        assert user is not None
        return user

    async def get(self, name: str) -> User | None:
        rows = await self.store.fetch("SELECT id, name, is_admin, language FROM users WHERE name = ?", (name,))
        return User(rows[0][0], rows[0][1], bool(rows[0][2]), rows[0][3]) if rows else None

    async def all(self) -> list[User]:
        rows = await self.store.fetch("SELECT id, name, is_admin, language FROM users ORDER BY name COLLATE NOCASE")
        return [User(r[0], r[1], bool(r[2]), r[3]) for r in rows]

    async def verify(self, name: str, password: str) -> User | None:
        """The user when the password is right; None otherwise (same work for unknown names)."""
        rows = await self.store.fetch("SELECT password_hash FROM users WHERE name = ?", (name,))
        stored = rows[0][0] if rows else self._dummy_hash
        try:
            await asyncio.to_thread(self.hasher.verify, stored, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return None
        return await self.get(name) if rows else None

    async def set_password(self, name: str, password: str) -> None:
        digest = await asyncio.to_thread(self.hasher.hash, self.check_password(password))
        if not await self.store.execute("UPDATE users SET password_hash = ? WHERE name = ?", (digest, name)):
            raise unknown_user(name)

    async def set_language(self, name: str, language: str) -> None:
        if not await self.store.execute("UPDATE users SET language = ? WHERE name = ?", (language, name)):
            raise unknown_user(name)

    async def delete(self, name: str) -> None:
        if not await self.store.execute("DELETE FROM users WHERE name = ?", (name,)):
            raise unknown_user(name)
