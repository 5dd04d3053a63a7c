"""systemd integration: the daemon's notifications on a socket the test listens on, and the unit file."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import skimage.data

from device.cli.media_files import write_slideshow
from device.core.systemd_notify import SystemdNotifier
from tests.helpers import REPO, STAND_INS, clean_env


class NotifySocket:
    """What systemd listens on: a unix datagram socket collecting (time, message) pairs."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)
        self.socket.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []

    def collect(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                data = self.socket.recv(4096).decode()
            except TimeoutError:
                continue
            self.messages += [(time.monotonic(), line) for line in data.splitlines()]

    def times(self, line: str) -> list[float]:
        return [at for at, message in self.messages if message == line]

    def wait_for(self, line: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.times(line):
            self.collect(0.2)
        assert self.times(line), f"no {line} within {seconds} s: {self.messages}"


def test_notifier_speaks_the_sd_notify_protocol(tmp_path: Path) -> None:
    listener = NotifySocket(tmp_path / "notify")
    notifier = SystemdNotifier({"NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "4000000"})
    assert notifier.enabled and notifier.watchdog_seconds == 4.0
    notifier.ready("starting up")
    notifier.watchdog()
    listener.collect(0.3)
    assert [m for _, m in listener.messages] == ["READY=1", "STATUS=starting up", "WATCHDOG=1"]
    other = SystemdNotifier({"NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "1"})
    assert other.watchdog_seconds is None  # the watchdog is meant for another process
    SystemdNotifier({}).ready("nobody listens")  # outside systemd: nothing happens


def test_watchdog_pings_stop_when_the_frame_loop_hangs(tmp_path: Path) -> None:
    listener = NotifySocket(tmp_path / "notify")
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    env = clean_env(
        MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path / "state"),
        NOTIFY_SOCKET=listener.path,
        WATCHDOG_USEC="2000000",
        MOODKIOSK_FAULTS="hang-inference-after=24",  # at 4 fps: about 6 s of work, then a wedged inference call
    )
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "device", "run", "--camera", str(video), "--loop", "--audio-output", "null",
         "--video-output", "null", "--music-dir", str(tmp_path / "music")],
        cwd=REPO, env=env, stderr=log,
    )  # fmt: skip
    try:
        listener.wait_for("READY=1", 60)
        listener.wait_for("WATCHDOG=1", 10)
        listener.collect(25)  # the hang comes ~6 s after the first frame; the pings must stop, the loop go on
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    output = (tmp_path / "daemon.log").read_text()
    pings = listener.times("WATCHDOG=1")
    statuses = [at for at, message in listener.messages if message.startswith("STATUS=")]
    assert len(pings) >= 3, listener.messages  # pinged every second while frames were analysed
    assert any("fps" in message for _, message in listener.messages if message.startswith("STATUS="))
    last_ping = pings[-1]
    assert listener.messages[-1][0] - last_ping > 10, "the pings should have stopped for good"
    assert sum(1 for at in statuses if at > last_ping + 2) >= 5  # while the event loop kept reporting status
    assert "withholding the watchdog ping" in output and daemon.returncode == 0, output


def test_the_unit_file_is_clean_for_systemd_analyze(tmp_path: Path) -> None:
    assert shutil.which("systemd-analyze"), (
        "systemd-analyze is missing: scripts/install-system-packages.sh --test installs systemd"
    )
    unit = (REPO / "systemd" / "moodkiosk.service").read_text()
    for needed in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "StartLimitBurst=", "StateDirectory=moodkiosk",
                   "ConfigurationDirectory=moodkiosk", "ProtectSystem=strict", "ProtectHome=", "NoNewPrivileges=yes",
                   "PrivateTmp=yes", "SupplementaryGroups=video audio render"):  # fmt: skip
        assert needed in unit, needed
    assert "\nPrivateDevices=" not in unit  # the camera, /dev/dma_heap and the sound devices must stay reachable
    # Verified as installed: in a root holding the program's path (install.sh puts the venv there) and the
    # system's own units, so systemd-analyze checks everything else without an installation on this machine.
    root = tmp_path / "root"
    for program in (root / "opt/moodkiosk/venv/bin/moodkiosk", root / "bin/kill"):  # ExecStart, ExecReload
        program.parent.mkdir(parents=True, exist_ok=True)
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(REPO / "systemd" / "moodkiosk.service", root / "etc/systemd/system")
    shutil.copytree(Path("/lib/systemd/system"), root / "usr/lib/systemd/system", symlinks=True)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"--root={root}", "/etc/systemd/system/moodkiosk.service"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


def test_the_daemon_limits_malloc_arenas_before_its_threads_start() -> None:
    from device.core.memory import limit_malloc_arenas

    assert limit_malloc_arenas() is True  # glibc accepts M_ARENA_MAX (Debian, Raspberry Pi OS)


def test_watchdog_pings_stop_while_the_camera_hangs_in_its_open(tmp_path: Path) -> None:
    """Issue 26, finding 6: an open that never returns kept the watchdog pinged (the analysis loop still spun)."""
    listener = NotifySocket(tmp_path / "notify")
    mode = tmp_path / "camera-mode"
    mode.write_text("hang-start")
    env = clean_env(
        MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path / "state"),
        NOTIFY_SOCKET=listener.path,
        WATCHDOG_USEC="2000000",
        MOODKIOSK_CAMERA__STALL_SECONDS="3",
        PYTHONPATH=str(STAND_INS),
        PICAMERA2_STAND_IN_MODE=str(mode),
    )
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "device", "run", "--camera", "picamera2", "--audio-output", "null",
         "--video-output", "null", "--music-dir", str(tmp_path / "music")],
        cwd=REPO, env=env, stderr=log,
    )  # fmt: skip
    try:
        listener.wait_for("READY=1", 60)
        listener.collect(12)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    output = (tmp_path / "daemon.log").read_text()
    pings = listener.times("WATCHDOG=1")
    assert not pings or listener.messages[-1][0] - pings[-1] > 7, listener.messages  # no ping after the open hung
    assert "camera picamera2:0: stalled (opening picamera2:0 has not finished in 3 s" in output, output
    assert "withholding the watchdog ping" in output and daemon.returncode == 0, output
