"""Household accounts: argon2 password hashes in the kiosk's database, checked off the event loop."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from device.core.errors import MoodkioskError
from device.core.store import Store

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
SESSION_SECONDS = 30 * 86_400  # a sign-in lasts 30 days (as long as its cookie)
USER_COLUMNS = "users.id, users.name, users.is_admin, users.language"


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


def kiosk_hasher() -> PasswordHasher:
    """argon2id with OWASP's minimum for it (19 MiB, 2 passes, 1 lane) rather than argon2-cffi's 64 MiB: a sign-in
    on a 512 MB board must not cost an eighth of its memory. Older hashes still verify and are redone at sign-in."""
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def count_accounts(database: Path) -> tuple[int, int]:
    """(accounts, admins) in a database file, read-only and without the event loop (for doctor)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        users, admins = db.execute("SELECT COUNT(*), SUM(is_admin) FROM users").fetchone()
    return int(users), int(admins or 0)


def session_key(token: str) -> str:
    """What the database keeps of a session token: its SHA-256 (a copied database signs nobody in)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Create, check and change accounts, and their sign-ins (server-side sessions).

    Hashing runs in a worker thread (it takes ~50 ms). A session is valid only while its row
    exists: signing out removes it, a new password removes all of the user's, and deleting the
    account removes them with it (a name created again is a new user id with no sessions).
    """

    def __init__(self, store: Store, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.hasher = hasher or kiosk_hasher()
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
        rows = await self.store.fetch(f"SELECT {USER_COLUMNS} FROM users WHERE name = ?", (name,))
        return User(rows[0][0], rows[0][1], bool(rows[0][2]), rows[0][3]) if rows else None

    async def all(self) -> list[User]:
        rows = await self.store.fetch(f"SELECT {USER_COLUMNS} FROM users ORDER BY name COLLATE NOCASE")
        return [User(r[0], r[1], bool(r[2]), r[3]) for r in rows]

    async def start_session(self, user: User) -> str:
        """A new sign-in for ``user``: returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        await self.store.execute(
            "INSERT INTO sessions (id, user_id, created) VALUES (?, ?, ?)", (session_key(token), user.id, time.time())
        )
        return token

    async def session_user(self, token: str) -> User | None:
        """The user a session token signs in, while the session exists and has not expired."""
        rows = await self.store.fetch(
            f"SELECT {USER_COLUMNS} FROM sessions JOIN users ON users.id = sessions.user_id"
            " WHERE sessions.id = ? AND sessions.created > ?",
            (session_key(token), time.time() - SESSION_SECONDS),
        )
        return User(rows[0][0], rows[0][1], bool(rows[0][2]), rows[0][3]) if rows else None

    async def end_session(self, token: str) -> None:
        await self.store.execute("DELETE FROM sessions WHERE id = ?", (session_key(token),))

    async def purge_sessions(self) -> None:
        """Forget expired sessions."""
        await self.store.execute("DELETE FROM sessions WHERE created <= ?", (time.time() - SESSION_SECONDS,))

    async def verify(self, name: str, password: str) -> User | None:
        """The user when the password is right; None otherwise (same work for unknown names)."""
        rows = await self.store.fetch("SELECT password_hash FROM users WHERE name = ?", (name,))
        stored = rows[0][0] if rows else self._dummy_hash
        try:
            await asyncio.to_thread(self.hasher.verify, stored, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return None
        if not rows:
            return None
        if self.hasher.check_needs_rehash(stored):  # made with other parameters (an older moodkiosk): redo it now
            digest = await asyncio.to_thread(self.hasher.hash, password[:MAX_PASSWORD])
            await self.store.execute("UPDATE users SET password_hash = ? WHERE name = ?", (digest, name))
        return await self.get(name)

    async def set_password(self, name: str, password: str) -> None:
        digest = await asyncio.to_thread(self.hasher.hash, self.check_password(password))
        if not await self.store.execute("UPDATE users SET password_hash = ? WHERE name = ?", (digest, name)):
            raise unknown_user(name)
        # every earlier sign-in ends with the old password
        await self.store.execute("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?)", (name,))

    async def set_language(self, name: str, language: str) -> None:
        if not await self.store.execute("UPDATE users SET language = ? WHERE name = ?", (language, name)):
            raise unknown_user(name)

    async def delete(self, name: str) -> None:
        if not await self.store.execute("DELETE FROM users WHERE name = ?", (name,)):
            raise unknown_user(name)
