"""The store: one SQLite connection shared by every coroutine, whose writes must not mix."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from device.core.store import Store


def test_a_write_waits_for_an_open_transaction_instead_of_committing_half_of_it(tmp_path: Path) -> None:
    """Without turns, the plain write's commit would land the transaction's first row, which then fails."""

    async def scenario() -> tuple[list[tuple], list[tuple]]:
        store = Store(tmp_path / "moodkiosk.db")
        await store.open()
        entered = asyncio.Event()

        async def import_that_fails() -> None:
            async with store.transaction() as db:
                await db.execute("INSERT INTO player_memory (key, value, changed) VALUES ('half', 'done', 0)")
                entered.set()
                await asyncio.sleep(0.2)  # another coroutine writes meanwhile
                raise RuntimeError("the second half failed")

        async def plain_write() -> None:
            await entered.wait()
            await store.remember("volume", "40")

        try:
            results = await asyncio.gather(import_that_fails(), plain_write(), return_exceptions=True)
            assert isinstance(results[0], RuntimeError) and results[1] is None
            return (
                await store.fetch("SELECT key FROM player_memory WHERE key = 'half'"),
                await store.fetch("SELECT value FROM player_memory WHERE key = 'volume'"),
            )
        finally:
            await store.close()

    half, volume = asyncio.run(scenario())
    assert half == [] and volume == [("40",)]


def test_a_failed_transaction_leaves_the_store_writable(tmp_path: Path) -> None:
    async def scenario() -> list[tuple]:
        store = Store(tmp_path / "moodkiosk.db")
        await store.open()
        try:
            with pytest.raises(ValueError):
                async with store.transaction() as db:
                    await db.execute("INSERT INTO player_memory (key, value, changed) VALUES ('a', '1', 0)")
                    raise ValueError("no")
            await asyncio.wait_for(store.execute("INSERT INTO player_memory (key, value, changed) VALUES ('b', '2', 0)"), 5)
            return await store.fetch("SELECT key FROM player_memory ORDER BY key")
        finally:
            await store.close()

    assert asyncio.run(scenario()) == [("b",)]
