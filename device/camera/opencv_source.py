"""OpenCV sources: USB webcams, video files (played at their own rate), stream URLs, photos."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from device.camera.source import CameraError, Frame, FrameSource
from device.core.images import FILE_FORMATS, ImageError, decode_image
from device.core.native_logs import captured_native_stderr

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


class OpenCVSource(FrameSource):
    """A webcam (index or /dev/videoN), a video file or a stream URL through cv2.VideoCapture.

    A video file is paced at its own frame rate, like a live camera (frames are skipped, never
    queued, when the reader falls behind), and starts over at the end when ``loop`` is set.
    """

    def __init__(
        self,
        target: int | str,
        loop: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(f"/dev/video{target}" if isinstance(target, int) else str(target))
        self.target = target
        self.is_file = isinstance(target, str) and Path(target).is_file()
        self.loop = loop
        self.finite = self.is_file and not loop
        self._clock, self._sleep = clock, sleep
        self._capture: cv2.VideoCapture | None = None
        self._index = 0
        self._fps = 0.0
        self._started_at = 0.0
        self._file_frame = 0

    def open(self) -> None:
        self.close()
        with captured_native_stderr() as native:
            if isinstance(self.target, str) and "://" in self.target:  # a stream: do not hang on a dead server
                timeouts = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 10_000, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 10_000]
                capture = cv2.VideoCapture(self.target, cv2.CAP_FFMPEG, timeouts)
            else:
                capture = cv2.VideoCapture(self.target)
        if not capture.isOpened():
            capture.release()
            detail = f" ({native[-1].strip()})" if native else ""
            raise CameraError(f"cannot open camera {self.description}{detail}", self._hint())
        self._capture = capture
        self._fps = capture.get(cv2.CAP_PROP_FPS) if self.is_file else 0.0
        self._fps = self._fps if 1.0 <= self._fps <= 240.0 else (25.0 if self.is_file else 0.0)
        self._started_at = self._clock()
        self._file_frame = 0

    def fresh(self) -> OpenCVSource:
        return OpenCVSource(self.target, self.loop, self._clock, self._sleep)

    def _hint(self) -> str:
        if self.is_file:
            return "the file exists but OpenCV cannot decode it: convert it to MP4 (H.264)"
        if isinstance(self.target, int) or str(self.target).startswith("/dev/"):
            return "check the cable and `ls /dev/video*`; the service user needs the `video` group"
        return "check the path or URL, or choose another camera (Camera on the admin page, or camera.source)"

    def read(self) -> Frame | None:
        if self._capture is None:
            raise CameraError(f"camera {self.description} is not open", "open it first")
        if self.is_file:
            return self._read_file_frame()
        ok, bgr = self._capture.read()
        if not ok or bgr is None:
            raise CameraError(f"camera {self.description} stopped giving frames (unplugged or busy?)", self._hint())
        return self._frame(bgr)

    def _read_file_frame(self) -> Frame | None:
        """The frame that is due now at the file's own rate; those already past are skipped (decoded, not converted)."""
        assert self._capture is not None
        elapsed = self._clock() - self._started_at
        due = int(elapsed * self._fps)  # the frame on screen now, if this were a camera
        if due < self._file_frame:  # ahead of time: wait for the next frame's moment
            self._sleep(self._file_frame / self._fps - elapsed)
            due = self._file_frame
        while True:
            if self._file_frame < due and self._capture.grab():
                self._file_frame += 1
                continue
            ok, bgr = self._capture.read()
            if not ok or bgr is None:
                if not self.loop or self._file_frame == 0:
                    return None
                self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                self._started_at, self._file_frame, due = self._clock(), 0, 0
                continue
            self._file_frame += 1
            return self._frame(bgr)

    def _frame(self, bgr: np.ndarray) -> Frame:
        self._index += 1
        return Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), self._index, self._clock())

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class PictureSource(FrameSource):
    """A photo, or a folder of photos shown in turn, each for ``seconds_each``: a still 'camera'.

    Photos are decoded one at a time, when they are shown, and reduced like uploads
    (device.core.images); a folder is searched at most ``MAX_DEPTH`` levels down for at most
    ``MAX_PHOTOS`` photos, so a folder that holds far more than photos costs little.
    """

    MAX_PHOTOS = 500
    MAX_DEPTH = 3

    def __init__(
        self,
        path: Path,
        seconds_each: float = 5.0,
        frame_interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(str(path))
        self.path = path
        self.seconds_each = seconds_each
        self.frame_interval = frame_interval
        self._clock, self._sleep = clock, sleep
        self._files: list[Path] = []
        self._shown: tuple[int, np.ndarray] | None = None
        self._index = 0
        self._started_at = 0.0

    def open(self) -> None:
        self._files = list_photos(self.path, self.MAX_PHOTOS, self.MAX_DEPTH)
        if not self._files:
            raise CameraError(f"no readable photo in {self.path}", "give a .jpg or .png file, or a folder holding some")
        self._shown = None
        self._started_at = self._clock()

    def fresh(self) -> PictureSource:
        return PictureSource(self.path, self.seconds_each, self.frame_interval, self._clock, self._sleep)

    def read(self) -> Frame | None:
        if not self._files:
            raise CameraError(f"{self.path} is not open", "open it first")
        if self._index:
            self._sleep(self.frame_interval)
        self._index += 1
        due = int((self._clock() - self._started_at) / self.seconds_each) % len(self._files)
        for offset in range(len(self._files)):  # the photo due now, else the next readable one
            number = (due + offset) % len(self._files)
            if self._shown is not None and self._shown[0] == number:
                return Frame(self._shown[1], self._index, self._clock())
            try:
                rgb = decode_image(self._files[number], FILE_FORMATS)
            except (ImageError, OSError):
                continue
            self._shown = (number, rgb)
            return Frame(rgb, self._index, self._clock())
        raise CameraError(f"none of the {len(self._files)} photos in {self.path} can be read", "use JPEG or PNG photos")

    def close(self) -> None:
        self._files, self._shown = [], None


def list_photos(path: Path, limit: int, depth: int) -> list[Path]:
    """Photo files: ``path`` itself, or those in the folder ``path`` (sorted, hidden ones skipped),
    ``depth`` levels down at most, the first ``limit`` of them."""
    if path.is_file():
        return [path] if path.suffix.lower() in IMAGE_SUFFIXES else []
    found: list[Path] = []
    folders = [path]
    for _ in range(depth):
        below: list[Path] = []
        for folder in folders:
            try:
                entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir():
                    below.append(entry)
                elif entry.suffix.lower() in IMAGE_SUFFIXES and entry.is_file():
                    found.append(entry)
                    if len(found) >= limit:
                        return found
        folders = below
    return found
