"""``--camera SPEC``: which frame source to use.

``auto`` (the Pi camera if present, else the first webcam, else none), ``picamera2[:N]``,
``/dev/videoN`` or ``usb:N``, a video or photo file, a folder of photos, a stream URL, ``none``.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

from device.camera.opencv_source import IMAGE_SUFFIXES, OpenCVSource, PictureSource
from device.camera.picamera2_source import Picamera2Source, picamera2_cameras
from device.camera.source import FrameSource
from device.core.errors import ConfigError

NO_CAMERA_SPEC = "none"  # camera.source for no camera at all
CHOOSE_HINT = "choose one under Camera on the admin page (or camera.source): the Pi camera, a webcam, a video file or a URL"


def video_devices(dev: Path = Path("/dev")) -> list[Path]:
    """Capture devices, lowest number first (/dev/video10 after /dev/video2)."""
    devices = [p for p in dev.glob("video*") if re.fullmatch(r"video\d+", p.name)]
    return sorted(devices, key=lambda p: int(p.name[5:]))


def camera_from_spec(spec: str, loop: bool = False, dev: Path = Path("/dev")) -> FrameSource | None:
    """The frame source ``spec`` names; None for ``none`` or when ``auto`` finds nothing."""
    spec = spec.strip()
    if spec == NO_CAMERA_SPEC:
        return None
    if spec == "auto":
        if picamera2_cameras():
            return Picamera2Source(0)
        devices = video_devices(dev)
        return OpenCVSource(str(devices[0])) if devices else None
    match = re.fullmatch(r"picamera2(?::(\d+))?", spec)
    if match:
        return Picamera2Source(int(match.group(1) or 0))
    match = re.fullmatch(r"(?:usb:)?(\d+)", spec)
    if match:
        return OpenCVSource(int(match.group(1)))
    if re.match(r"^[a-z][a-z0-9+.-]*://", spec, re.IGNORECASE) or re.fullmatch(r"/dev/video\d+", spec):
        return OpenCVSource(spec)  # a device or stream that is not there yet is retried, not refused
    path = Path(spec).expanduser()
    if path.is_dir() or (path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES):
        return PictureSource(path)
    if path.is_file() or is_capture_device(path):
        return OpenCVSource(str(path), loop=loop)
    if path.exists():  # an open of these could wait for good, and OpenCV opens one source at a time
        raise ConfigError(f"camera {spec!r} is {kind_of(path)}, not a video file or a camera", CHOOSE_HINT)
    raise ConfigError(f"camera {spec!r}: no such device, file or URL", CHOOSE_HINT)


def is_capture_device(path: Path) -> bool:
    """A video4linux device (``/dev/videoN``, or a link to one such as ``/dev/v4l/by-id/...``)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) and re.fullmatch(r"video\d+", path.resolve().name) is not None


def kind_of(path: Path) -> str:
    """What a path that is neither a file nor a folder is, in words."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return "not readable"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device that is not a camera"
