"""The health chore (device/kiosk/health.py): its frame rate on a clock of the test's own, and what it tells
systemd through a real notify socket."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from device.core.config import CameraSettings, InferenceSettings
from device.core.events import EventBus
from device.core.systemd_notify import SystemdNotifier
from device.kiosk.health import STATUS_SECONDS, FrameRate, Health
from device.kiosk.watcher import Watcher


def test_the_frame_rate_is_never_negative_after_the_camera_changes() -> None:
    """Issue 26, finding 19: /api/state showed analysis.fps = -5.6 after a camera change."""
    now = [0.0]
    rate = FrameRate(clock=lambda: now[0])
    first, second = object(), object()
    assert rate.read(first, 0) is None  # nothing to compare with yet
    now[0] = 10.0
    assert rate.read(first, 40) == 4.0
    now[0] = 20.0
    assert rate.read(second, 3) is None  # a new worker counts from 0: no rate for this interval
    now[0] = 30.0
    assert rate.read(second, 43) == 4.0
    assert rate.read(None, 0) is None  # no camera: no rate


class StuckWatcher(Watcher):
    """The real watcher (no camera opened) whose analysis is as stuck as the test says."""

    stuck: float | None = None

    def stuck_for(self, watchdog: float) -> float | None:
        return self.stuck


def test_the_watchdog_is_pinged_only_while_the_analysis_makes_progress(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:  # a real notify socket, as systemd's
        systemd.bind(str(tmp_path / "notify"))
        systemd.settimeout(2)
        notifier = SystemdNotifier({"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "20000000"})
        watcher = StuckWatcher(CameraSettings(), InferenceSettings(), EventBus(), lambda at, analysis: None)
        health = Health(notifier, watcher, lambda fps: f"status {fps}", clock=lambda: 0.0)
        assert health.interval == 10.0  # half the watchdog

        def told() -> list[bytes]:
            return [systemd.recv(1024) for _ in range(2 if watcher.stuck is None else 1)]

        health.check()
        assert told() == [b"STATUS=status None", b"WATCHDOG=1"]
        watcher.stuck = 31.0
        for _ in range(3):
            health.check()
            assert told() == [b"STATUS=status None"]  # withheld: systemd restarts the service
        assert [r.message for r in caplog.records].count(
            "the frame analysis has made no progress for 31 s; withholding the watchdog ping so systemd restarts the service"
        ) == 1  # said once, not at every check
        watcher.stuck = None
        health.check()
        assert told() == [b"STATUS=status None", b"WATCHDOG=1"]
        notifier.close()


def test_without_a_watchdog_only_the_status_is_told(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(tmp_path / "notify"))
        systemd.setblocking(False)
        notifier = SystemdNotifier({"NOTIFY_SOCKET": str(tmp_path / "notify")})
        watcher = StuckWatcher(CameraSettings(), InferenceSettings(), EventBus(), lambda at, analysis: None)
        watcher.stuck = 99.0
        health = Health(notifier, watcher, lambda fps: "ok")
        assert health.interval == STATUS_SECONDS
        health.check()
        assert systemd.recv(1024) == b"STATUS=ok"
        with pytest.raises(BlockingIOError):
            systemd.recv(1024)  # no watchdog ping, and no withholding either
        notifier.close()
