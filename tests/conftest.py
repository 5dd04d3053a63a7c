"""Shared fixtures: real photos from scikit-image, the shared data sets, the real analyzer."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from device.config import InferenceSettings
from device.inference.analyzer import FrameAnalyzer

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MOODKIOSK_TEST_SHARED", REPO.parent / "shared"))


def require_shared(relative: str) -> Path:
    """A file under ../shared; skipped on a bare clone, but a failure in CI, where it must exist."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI runs with ../shared beside the clone")
        pytest.skip(f"{path} not present (tests on the shared data sets run when ../shared exists)")
    return path


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real photos shipped with scikit-image, as files: a smiling face and a scene with none."""
    folder = tmp_path_factory.mktemp("photos")
    return {
        "astronaut": write_rgb(folder / "astronaut.png", skimage.data.astronaut()),
        "coffee": write_rgb(folder / "coffee.png", skimage.data.coffee()),
    }


@pytest.fixture(scope="session")
def analyzer() -> Iterator[FrameAnalyzer]:
    instance = FrameAnalyzer(InferenceSettings())
    yield instance
    instance.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any MOODKIOSK_* settings of the developer's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODKIOSK_")}
    env |= {"MOODKIOSK_WEB__HOST": "127.0.0.1", "MOODKIOSK_WEB__PORT": str(free_port())}
    env |= {"MOODKIOSK_PLAYER__DEFAULT_SEARCHES": "false"} | OFFLINE | extra
    return env


# Anything that would leave the machine (yt-dlp, mpv's network, aiohttp) meets a closed local port instead.
OFFLINE = {
    name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
} | {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``moodkiosk`` command line in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "device", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env or clean_env(),
        cwd=cwd or REPO,
        timeout=600,
        check=False,
    )


def read_events(path: Path, kind: str) -> list[dict]:
    """The events of one type from a daemon's ``--events`` file (none while it does not exist yet)."""
    lines = path.read_text().splitlines() if path.exists() else []
    return [event for line in lines if (event := json.loads(line))["type"] == kind]
