"""The Raspberry Pi camera through picamera2 (from Raspberry Pi OS: apt install python3-picamera2)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import cv2

from device.camera.source import CameraError, Frame, FrameSource

INSTALL_HINT = "on Raspberry Pi OS: sudo apt install python3-picamera2, and create the venv with --system-site-packages"


def picamera2_module() -> Any | None:
    """The picamera2 module, or None where it is not installed (any non-Pi machine) or does not import."""
    try:
        import picamera2
    except ImportError:
        return None
    return picamera2


def picamera2_import_error() -> str | None:
    """Why an installed picamera2 does not import (None: it imports, or it is simply not installed)."""
    try:
        import picamera2  # noqa: F401
    except ModuleNotFoundError as error:
        return None if error.name == "picamera2" else f"{type(error).__name__}: {error}"
    except Exception as error:  # e.g. a C extension built for another numpy
        return f"{type(error).__name__}: {error}"
    return None


def picamera2_cameras() -> list[dict[str, Any]]:
    """The cameras libcamera reports (empty when picamera2 is missing or none is connected)."""
    module = picamera2_module()
    if module is None:
        return []
    try:
        return list(module.Picamera2.global_camera_info())
    except Exception:  # libcamera errors mean "no usable camera" here
        return []


class Picamera2Source(FrameSource):
    """Pi camera ``number`` at ``size``, read as RGB frames.

    picamera2's "RGB888" format is laid out B, G, R in memory (what OpenCV calls BGR), so each
    frame is converted once to the RGB order the analyzer expects.
    """

    def __init__(self, number: int = 0, size: tuple[int, int] = (640, 480), clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(f"picamera2:{number}")
        self.number = number
        self.size = size
        self._clock = clock
        self._camera: Any = None
        self._index = 0

    def open(self) -> None:
        self.close()
        module = picamera2_module()
        if module is None:
            raise CameraError("picamera2 is not installed, so the Pi camera cannot be used", INSTALL_HINT)
        cameras = picamera2_cameras()
        if self.number >= len(cameras):
            raise CameraError(
                f"no Pi camera number {self.number} (found {len(cameras)})",
                "check the ribbon cable, or choose another camera (Camera on the admin page, or camera.source)",
            )
        try:
            camera = module.Picamera2(camera_num=self.number)
            camera.configure(camera.create_video_configuration(main={"size": self.size, "format": "RGB888"}))
            camera.start()
        except Exception as error:  # libcamera raises RuntimeError and friends
            raise CameraError(f"the Pi camera {self.number} did not start: {error}", "is another program using it?") from error
        self._camera = camera

    def fresh(self) -> Picamera2Source:
        return Picamera2Source(self.number, self.size, self._clock)

    def read(self) -> Frame | None:
        if self._camera is None:
            raise CameraError(f"{self.description} is not open", "open it first")
        try:
            array = self._camera.capture_array("main")
        except Exception as error:
            raise CameraError(f"the Pi camera stopped giving frames: {error}", "check the ribbon cable") from error
        self._index += 1
        return Frame(cv2.cvtColor(array, cv2.COLOR_BGR2RGB), self._index, self._clock())

    def close(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                camera.stop()
            finally:
                camera.close()
