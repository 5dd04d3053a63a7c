"""Accounts: argon2 hashes in SQLite, the `moodkiosk user` commands, schema upgrades."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from argon2 import PasswordHasher

from device.core.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError
from device.household.accounts import AccountError, Accounts
from tests.helpers import REPO, clean_env, run_cli

T = TypeVar("T")
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def with_accounts(tmp_path: Path, scenario: Callable[[Accounts], Awaitable[T]]) -> T:
    async def run() -> T:
        store = Store(tmp_path / "moodkiosk.db")
        await store.open()
        try:
            return await scenario(Accounts(store, FAST))
        finally:
            await store.close()

    return asyncio.run(run())


def test_add_verify_change_delete(tmp_path: Path) -> None:
    async def scenario(accounts: Accounts) -> None:
        admin = await accounts.add("Asha", "correct horse", is_admin=True)
        assert admin.is_admin and admin.language == "any"
        assert (await accounts.verify("asha", "correct horse")).name == "Asha"  # names ignore case
        assert await accounts.verify("Asha", "wrong password") is None
        assert await accounts.verify("nobody", "correct horse") is None
        await accounts.set_password("Asha", "battery staple")
        assert await accounts.verify("Asha", "correct horse") is None
        assert await accounts.verify("Asha", "battery staple") is not None
        await accounts.add("ravi", "another secret")
        assert [u.name for u in await accounts.all()] == ["Asha", "ravi"]
        await accounts.delete("ravi")
        assert [u.name for u in await accounts.all()] == ["Asha"]

    with_accounts(tmp_path, scenario)
    with sqlite3.connect(tmp_path / "moodkiosk.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$") and "battery" not in stored


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [("bad name", "long enough", "invalid user name"), ("ok", "short", "8 to 1024 characters"), ("-x", "long enough", "invalid")],
)
def test_bad_names_and_passwords(tmp_path: Path, name: str, password: str, message: str) -> None:
    async def scenario(accounts: Accounts) -> None:
        with pytest.raises(AccountError, match=message):
            await accounts.add(name, password)

    with_accounts(tmp_path, scenario)


def test_taken_and_unknown_names(tmp_path: Path) -> None:
    async def scenario(accounts: Accounts) -> None:
        await accounts.add("asha", "long enough")
        with pytest.raises(AccountError, match="already exists"):
            await accounts.add("ASHA", "long enough")
        with pytest.raises(AccountError, match="no user 'ghost'"):
            await accounts.set_password("ghost", "long enough")
        with pytest.raises(AccountError, match="no user 'ghost'"):
            await accounts.delete("ghost")

    with_accounts(tmp_path, scenario)


def test_user_commands(tmp_path: Path) -> None:
    env = clean_env(MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path))

    def user(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "device", "user", *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, cwd=REPO, check=False)

    assert "no accounts yet" in user("list").stdout
    created = user("add", "asha", "--admin", "--password-stdin", stdin="a good password\n")
    assert created.returncode == 0 and "created admin asha" in created.stdout
    duplicate = user("add", "asha", "--password-stdin", stdin="a good password\n")
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    short = user("passwd", "asha", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "8 to 1024 characters" in short.stderr
    assert user("passwd", "asha", "--password-stdin", stdin="a better password\n").returncode == 0
    assert "asha  (admin)" in user("list").stdout
    assert user("del", "asha").returncode == 0
    assert user("del", "asha").returncode == 2
    assert run_cli("user", "list", env=env).returncode == 0


def test_old_database_is_upgraded(tmp_path: Path) -> None:
    """A database from the first version (moods only) gains the users table and keeps its rows."""
    path = tmp_path / "moodkiosk.db"
    with sqlite3.connect(path) as db:
        for statement in MIGRATIONS[0]:  # exactly what version 1 created
            db.execute(statement)
        db.execute("INSERT INTO moods (at, emotion, confidence, faces) VALUES (1.0, 'sad', 0.6, 1)")
        db.execute("PRAGMA user_version = 1")

    async def scenario(accounts: Accounts) -> list:
        await accounts.add("asha", "long enough")
        return await accounts.store.moods()

    assert with_accounts(tmp_path, scenario) == [(1.0, "sad", 0.6, 1)]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "moodkiosk.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    async def scenario() -> None:
        await Store(path).open()

    with pytest.raises(StoreError, match="written by a newer moodkiosk"):
        asyncio.run(scenario())


def test_unwritable_state_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state dir should be")
    result = run_cli("user", "list", env=clean_env(MOODKIOSK_STORAGE__STATE_DIR=str(blocker / "state")))
    assert result.returncode == 2
    assert "cannot open the database" in result.stderr and "storage.state_dir" in result.stderr


def test_passwords_use_a_small_boards_argon2_and_old_hashes_are_redone_at_sign_in(tmp_path: Path) -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=2)  # what an earlier version stored

    async def run() -> None:
        store = Store(tmp_path / "moodkiosk.db")
        await store.open()
        try:
            await Accounts(store, old).add("asha", "correct horse")
            accounts = Accounts(store)  # the kiosk's own hasher
            assert accounts.hasher.memory_cost == 19 * 1024 and accounts.hasher.parallelism == 1
            assert (await accounts.verify("asha", "correct horse")) is not None
            (stored,) = (await store.fetch("SELECT password_hash FROM users"))[0]
            assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")  # redone with the new parameters
            assert (await accounts.verify("asha", "correct horse")) is not None and await accounts.verify(
                "asha", "wrong!!!"
            ) is None
        finally:
            await store.close()

    asyncio.run(run())
