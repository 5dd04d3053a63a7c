"""A stand-in for Raspberry Pi OS's picamera2, shaped like the parts of its API moodkiosk uses.

The real module needs libcamera and a Pi camera. This one serves a real photo (scikit-image's
astronaut) in the layout picamera2 gives for "RGB888": B, G, R bytes per pixel. Tests put its
folder on sys.path and steer it through the class attributes, or, for a daemon in another
process, through the file named by $PICAMERA2_STAND_IN_MODE, holding one word:
``ok``, ``gone`` (unplugged: no camera listed, opening fails), ``error`` (every capture raises),
``stall`` (a capture never returns), ``black`` (black frames), ``noise`` (corrupt frames) or
``garbled`` (a frame of a type nobody expects: 64-bit floats, which OpenCV refuses with its own error),
``hang-start`` (starting never returns) or ``slow-start`` (starting fails after 4 s).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
import skimage.data


class Picamera2:
    cameras: ClassVar[list[dict[str, Any]]] = [
        {"Model": "imx708", "Location": 2, "Rotation": 180, "Id": "/base/soc/i2c0mux/i2c@1/imx708@1a"}
    ]
    fail_after: ClassVar[int | None] = None  # capture_array raises after this many frames (an unplugged cable)
    instances: ClassVar[list[Picamera2]] = []

    @staticmethod
    def global_camera_info() -> list[dict[str, Any]]:
        return [] if mode() == "gone" else list(Picamera2.cameras)

    def __init__(self, camera_num: int = 0) -> None:
        if camera_num >= len(Picamera2.global_camera_info()):
            raise IndexError("list index out of range")  # what the real one raises
        self.camera_num = camera_num
        self.config: dict[str, Any] | None = None
        self.started = False
        self.closed = False
        self.captured = 0
        Picamera2.instances.append(self)

    def create_video_configuration(self, main: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
        main = {"size": (1280, 720), "format": "XBGR8888", **(main or {})}
        return {"use_case": "video", "main": main}

    def configure(self, config: dict[str, Any]) -> None:
        self.config = config

    def start(self) -> None:
        if self.config is None:
            raise RuntimeError("Camera must be configured before starting")
        if mode() == "hang-start":
            threading.Event().wait()  # a driver that never answers
        if mode() == "slow-start":
            threading.Event().wait(4.0)
            raise RuntimeError("Camera frontend has timed out!")
        self.started = True

    def capture_array(self, name: str = "main") -> np.ndarray:
        if not self.started:
            raise RuntimeError("Camera is not running")
        if Picamera2.fail_after is not None and self.captured >= Picamera2.fail_after:
            raise RuntimeError("Camera frontend has timed out!")
        current = mode()
        if current in {"error", "gone"}:
            raise RuntimeError("Camera frontend has timed out!")
        if current == "stall":
            threading.Event().wait()  # a driver that never answers
        self.captured += 1
        assert self.config is not None
        width, height = self.config[name]["size"]
        if current == "black":
            return np.zeros((height, width, 3), np.uint8)
        if current == "garbled":
            return np.zeros((height, width, 3), np.float64)
        if current == "noise":
            return np.random.default_rng(self.captured).integers(0, 256, (height, width, 3), dtype=np.uint8)
        rgb = cv2.resize(skimage.data.astronaut(), (width, height), interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(rgb[:, :, ::-1])  # RGB888 is B, G, R in memory

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True


def mode() -> str:
    """The behaviour a test asked for in $PICAMERA2_STAND_IN_MODE's file ("ok" when there is none)."""
    path = os.environ.get("PICAMERA2_STAND_IN_MODE")
    try:
        return Path(path).read_text().strip() if path else "ok"
    except OSError:
        return "ok"
