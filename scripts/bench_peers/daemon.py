"""The moodkiosk daemon itself (``moodkiosk run`` on a video, real mpv with null outputs), not pinned.

At the default rate this is scripts/bench_daemon.py's cost measurement. At the highest rate
(``camera.analysis_fps = 30``) the frames it analyses per second come from its own STATUS lines
(``... 23.9 fps``), read from a notify socket as systemd would; a video file plays at its own
frame rate like a camera, so the daemon cannot analyse faster than the video gives frames.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_daemon

FPS_IN_STATUS = re.compile(r"(\d+(?:\.\d+)?) fps")
MAX_RATE_CONFIG = "[camera]\nanalysis_fps = 30.0\n\n[web]\nenabled = false\n"


def at_default_rate(video: Path, work: Path) -> dict[str, Any]:
    """CPU and memory of the daemon analysing ``video`` at the default 4 fps (scripts/bench_daemon.py)."""
    result = bench_daemon.run(video, work)
    opened = next(e["t"] for e in result["events"] if e["type"] == "camera")
    return {"video": video.name, "analysis_fps": 4.0, **bench_daemon.steady_state(result["samples"], opened + 1.0)}


def notify_socket(path: Path) -> socket.socket:
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(path))
    receiver.setblocking(False)
    return receiver


def drain(receiver: socket.socket) -> list[str]:
    """The STATUS= values received so far."""
    lines = []
    while True:
        try:
            message = receiver.recv(4096).decode(errors="replace")
        except BlockingIOError:
            return lines
        lines += [line[7:] for line in message.splitlines() if line.startswith("STATUS=")]


def at_max_rate(video: Path, work: Path, seconds: float) -> dict[str, Any]:
    """Frames analysed per second, CPU and memory with ``analysis_fps = 30`` on a looping video."""
    config = work / "max-rate.toml"
    config.write_text(MAX_RATE_CONFIG)
    command = [
        str(Path(sys.executable).parent / "moodkiosk"), "--config", str(config), "run", "--camera", str(video), "--loop",
        "--audio-output", "null", "--video-output", "null", "--music-dir", str(bench_daemon.make_music(work / "music")),
        "--state-dir", str(work / "state-max"),
    ]  # fmt: skip
    receiver = notify_socket(work / "notify.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODKIOSK_")}
    env |= {"NOTIFY_SOCKET": str(work / "notify.sock"), "WATCHDOG_USEC": "2000000"}  # a STATUS line every second
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    samples: list[tuple[float, float, int, int]] = []
    statuses: list[tuple[float, str]] = []
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds and process.poll() is None:
            samples.append((time.monotonic(), *bench_daemon.sample(process.pid)))
            statuses += [(time.monotonic() - started, line) for line in drain(receiver)]
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        receiver.close()
    return summarise_max_rate(video, samples, statuses)


def summarise_max_rate(video: Path, samples: list[tuple[float, float, int, int]], statuses: list[tuple[float, str]]) -> dict:
    rates = [float(m.group(1)) for _, line in statuses if (m := FPS_IN_STATUS.search(line))]
    steady = rates[2:] or rates  # the first seconds include the model load and the camera opening
    capture = cv2.VideoCapture(str(video))
    source_fps = capture.get(cv2.CAP_PROP_FPS)
    capture.release()
    cost = bench_daemon.steady_state(samples, 5.0) if len(samples) > 12 else {}
    return {
        "video": video.name,
        "analysis_fps_setting": 30.0,
        "video_fps": round(source_fps, 2),
        "fps_median": round(float(np.median(steady)), 2) if steady else None,
        "fps_readings": len(steady),
        **cost,
    }
