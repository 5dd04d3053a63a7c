"""Named background chores: a failure is logged with the chore's name and the chore runs again."""

from __future__ import annotations

import asyncio
import logging

import pytest

from device.kiosk import chores as chores_module
from device.kiosk.chores import Chores


def test_a_failing_chore_is_logged_by_name_and_restarted(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chores_module, "RESTART_SECONDS", (0.01,))
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise OSError("the music folder went away")
        await asyncio.sleep(3600)

    async def scenario() -> None:
        chores = Chores()
        chores.run("music", flaky)
        for _ in range(100):
            if len(runs) >= 3:
                break
            await asyncio.sleep(0.01)
        assert chores.restarts["music"] == 2
        done: list[str] = []

        async def write() -> None:
            await asyncio.sleep(0.05)
            done.append("written")

        chores.spawn("a write", write())
        await chores.stop()  # cancels the chores, waits for the write
        assert done == ["written"]

    with caplog.at_level(logging.ERROR, logger="moodkiosk.chores"):
        asyncio.run(scenario())
    assert len(runs) == 3
    assert [r.getMessage() for r in caplog.records] == ["the music chore failed; starting it again"] * 2
    assert "the music folder went away" in caplog.text
