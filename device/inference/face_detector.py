"""Face detection: MediaPipe's BlazeFace short-range model, run by one of two backends.

``litert`` (device/inference/blazeface.py) runs the model with LiteRT and decodes it as MediaPipe
does; it runs on every 64-bit Raspberry Pi and costs no MediaPipe import. ``mediapipe``
(device/inference/mediapipe_faces.py) is MediaPipe's own FaceDetector task, the reference; its
wheel needs ARMv8.1 (not the Pi 3 or 4) and is an optional install (``pip install
'moodkiosk[mediapipe]'``). ``inference.face_backend = "auto"`` picks ``litert``.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import subprocess
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from device.inference.cpu_features import mediapipe_unsupported

log = logging.getLogger("moodkiosk.faces")
# Frames are reduced to this many pixels on their longer side before detection (the model sees
# 128 x 128 anyway). MediaPipe's own resampling aborts the whole process on a side of 32767 px.
MAX_FRAME_SIDE = 1920
MIN_FRAME_SIDE = 16  # a thinner (reduced) frame holds no face; the model is not asked
BACKENDS = ("litert", "mediapipe")


@dataclass(frozen=True)
class DetectedFace:
    """A face box in pixels (may reach past the frame's edges), the detector's confidence, and six
    keypoints (x, y) in pixels: the eyes, the nose tip, the mouth and the ear tragions, in
    MediaPipe's order (the person's right eye first)."""

    x: float
    y: float
    width: float
    height: float
    score: float
    keypoints: tuple[tuple[float, float], ...] = ()

    @property
    def area(self) -> float:
        return self.width * self.height

    def scaled(self, factor: float) -> DetectedFace:
        """The same face in a frame ``factor`` times as large."""
        return DetectedFace(
            self.x * factor, self.y * factor, self.width * factor, self.height * factor, self.score,
            tuple((x * factor, y * factor) for x, y in self.keypoints),
        )  # fmt: skip


class FaceDetector(ABC):
    """Finds faces in RGB frames of any size; one instance per thread."""

    backend = ""

    def __init__(self, min_size: int = 20) -> None:
        self.min_size = min_size

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """Faces in an HxWx3 uint8 RGB frame of any size, largest first, in that frame's pixels.

        A frame longer than MAX_FRAME_SIDE is reduced first; one too thin to hold a face of
        ``min_size`` pixels (e.g. 32767 x 1) never reaches the model.
        """
        height, width = rgb.shape[:2]
        scale = min(1.0, MAX_FRAME_SIDE / max(height, width, 1))
        if min(height, width) < self.min_size or min(height, width) * scale < MIN_FRAME_SIDE:
            return []
        if scale < 1.0:
            rgb = cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        faces = [face.scaled(1 / scale) if scale < 1.0 else face for face in self._detect(np.ascontiguousarray(rgb))]
        faces = [f for f in faces if min(f.width, f.height) >= self.min_size]
        return sorted(faces, key=lambda f: f.area, reverse=True)

    @abstractmethod
    def _detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """The model's faces in a frame of at most MAX_FRAME_SIDE pixels."""

    @abstractmethod
    def close(self) -> None:
        """Release the model; safe to call twice."""


def choose_backend(requested: str, model: Path) -> tuple[str, str | None]:
    """The backend to use for ``inference.face_backend`` and, when it is not the one asked for, why."""
    if requested in {"auto", "litert"}:
        return "litert", None
    problem = mediapipe_unsupported()
    if problem is None and importlib.util.find_spec("mediapipe") is None:
        problem = "mediapipe is not installed (pip install 'moodkiosk[mediapipe]')"
    if problem is None:
        problem = mediapipe_load_failure(model)
    if problem is not None:
        return "litert", f"face_backend = mediapipe cannot run here: {problem}; using litert (the same model through LiteRT)"
    return "mediapipe", None


@functools.cache
def mediapipe_load_failure(model: Path, timeout: float = 120.0) -> str | None:
    """Load MediaPipe's face detector in a child process first (once per process): a native abort
    there (an unsupported CPU) is reported with its own message instead of ending this process.
    None: it loads."""
    command = [sys.executable, "-m", "device.inference.mediapipe_faces", str(model)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"loading it took over {timeout:.0f} s"
    if result.returncode == 0:
        return None
    return f"loading it failed ({native_failure(result.stderr, result.returncode)})"


def native_failure(stderr: str, returncode: int) -> str:
    """The line of a child's error output that says why it failed (a native FATAL line, else the last one)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    fatal = [line for line in lines if "FATAL" in line or "Error" in line or "error:" in line]
    signal = f"killed by signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
    return f"{(fatal or lines or [''])[-1]} [{signal}]".strip()


def open_face_detector(model: Path, backend: str, min_score: float, min_size: int, threads: int = 1) -> FaceDetector:
    """A detector of the chosen backend (see choose_backend)."""
    if backend == "mediapipe":
        from device.inference.mediapipe_faces import MediaPipeFaces

        return MediaPipeFaces(model, min_score, min_size)
    from device.inference.blazeface import BlazeFaceLiteRT

    return BlazeFaceLiteRT(model, min_score, min_size, threads)
