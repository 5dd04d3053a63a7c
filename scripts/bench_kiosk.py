"""`moodkiosk run` for a benchmark: one environment block, the accounts, loopback, null outputs.

    with BenchKiosk(work, camera=video, users=("bench",)) as kiosk:
        ... kiosk.base, kiosk.pid ...

``tree``: the checkout whose code runs (default: this one), e.g. a `git worktree` of an older
commit for before/after figures; it runs with this checkout's virtual environment.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def wait_until_up(base: str, seconds: float = 60.0) -> None:
    async with aiohttp.ClientSession() as session:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                async with session.get(base + "/login") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the daemon's page did not come up")


def bench_env(work: Path, port: int, **settings: str) -> dict[str, str]:
    """This environment without MOODKIOSK_ settings, then the benchmark's: its own state folder and port,
    loopback only, no default YouTube searches; ``settings`` last (``MOODKIOSK_...`` keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODKIOSK_")}
    return env | {"MOODKIOSK_STORAGE__STATE_DIR": str(work / "state"), "MOODKIOSK_WEB__PORT": str(port),
                  "MOODKIOSK_WEB__HOST": "127.0.0.1", "MOODKIOSK_PLAYER__DEFAULT_SEARCHES": "false"} | settings  # fmt: skip


class BenchKiosk:
    """The daemon in a child process, up (its page answers) inside the ``with`` block, stopped after it.
    ``users``: the accounts made first (the first one an admin), all with ``PASSWORD``."""

    def __init__(
        self,
        work: Path,
        camera: str = "none",
        music: Path | None = None,
        users: tuple[str, ...] = ("bench",),
        tree: Path = ROOT,
        wait: bool = True,
        **settings: str,
    ) -> None:
        self.work, self.tree, self.wait = work, tree, wait
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = bench_env(work, self.port, **settings)
        self.log = work / "daemon.log"
        self.music = music if music is not None else work / "music"
        self.camera = camera
        self.users = users
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "device", *args], input=stdin, text=True, env=self.env, cwd=self.tree,
                              check=True, capture_output=True)  # fmt: skip

    def __enter__(self) -> BenchKiosk:
        if not (self.work / "state" / "moodkiosk.db").exists():
            for index, user in enumerate(self.users):  # the first is an admin
                self.cli("user", "add", user, *(("--admin",) if index == 0 else ()), "--password-stdin", stdin=PASSWORD)
        camera_flags = ("--camera", self.camera, *(("--loop",) if Path(self.camera).is_file() else ()))
        command = [sys.executable, "-m", "device", "run", *camera_flags, "--audio-output", "null",
                   "--video-output", "null", "--music-dir", str(self.music)]  # fmt: skip
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(command, env=self.env, cwd=self.tree, stderr=self.log.open("w"))
        if self.wait:
            asyncio.run(wait_until_up(self.base))
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
