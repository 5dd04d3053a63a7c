"""``moodkiosk run`` for now: watch the camera and log what the kiosk sees.

The full daemon (mood decisions, music, web page) replaces this loop; until then it shows the
perception half working on a real camera or video file. Frames stay in memory.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path

import cv2

from device.inference.analyzer import FrameAnalyzer

log = logging.getLogger("moodkiosk.run")
RETRY_SECONDS = 10.0


def open_camera(spec: str) -> cv2.VideoCapture | None:
    """An opened capture for ``auto``, an index (``0``, ``usb:0``), a device, a file or a URL."""
    if spec == "none":
        return None
    if spec == "auto":
        devices = sorted(Path("/dev").glob("video*"))
        if not devices:
            return None
        spec = str(devices[0])
    target: int | str = int(spec.removeprefix("usb:")) if spec.removeprefix("usb:").isdigit() else spec
    capture = cv2.VideoCapture(target)
    if not capture.isOpened():
        capture.release()
        return None
    return capture


def watch(analyzer: FrameAnalyzer, camera: str, fps: float = 2.0) -> int:
    """Analyse about ``fps`` frames a second until SIGTERM/Ctrl-C; log when the reading changes."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    last = None
    while not stop.is_set():
        capture = open_camera(camera)
        if capture is None:
            log.warning(
                "no camera found for --camera %s; plug one in or pass --camera /dev/videoN, usb:N or a video file "
                "(retrying in %.0f s)", camera, RETRY_SECONDS,
            )  # fmt: skip
            stop.wait(RETRY_SECONDS)
            continue
        log.info("watching camera %s at %.1f analyses per second", camera, fps)
        next_at = 0.0
        while not stop.is_set():
            ok, frame = capture.read()
            if not ok:
                log.warning("camera %s gave no frame (ended or unplugged)", camera)
                break
            now = time.monotonic()
            if now < next_at:
                continue
            next_at = now + 1 / fps
            faces = analyzer.analyze(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)).faces
            reading = tuple(f.emotion for f in faces)
            if reading != last:
                shown = ", ".join(f"{f.emotion} {f.confidence:.0%}" for f in faces) or "no face"
                log.info("sees %s", shown)
                last = reading
        capture.release()
        if Path(camera).is_file():
            return 0
        stop.wait(RETRY_SECONDS)
    return 0
