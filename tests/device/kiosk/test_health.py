"""The health chore's frame rate, on a clock of the test's own."""

from __future__ import annotations

from device.kiosk.health import FrameRate


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
