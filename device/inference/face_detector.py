"""Face detection with MediaPipe Tasks' FaceDetector (BlazeFace short-range)."""

from __future__ import annotations

import atexit
import contextlib
import weakref
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from device.errors import ModelError
from device.inference.model_files import read_face_model
from device.inference.native_logs import captured_native_stderr

# Frames are reduced to this many pixels on their longer side before detection (the model sees
# 128 x 128 anyway). MediaPipe's own resampling aborts the whole process on a side of 32767 px.
MAX_FRAME_SIDE = 1920
MIN_FRAME_SIDE = 16  # a thinner (reduced) frame holds no face; MediaPipe is not asked

# MediaPipe's detectors fail noisily when garbage-collected during interpreter shutdown, so the
# ones still open are closed at exit, while the runtime is intact.
_open_detectors: weakref.WeakSet[FaceDetector] = weakref.WeakSet()
atexit.register(lambda: [detector.close() for detector in list(_open_detectors)])


@dataclass(frozen=True)
class DetectedFace:
    """A face box in pixels (may reach past the frame's edges) and the detector's confidence."""

    x: float
    y: float
    width: float
    height: float
    score: float

    @property
    def area(self) -> float:
        return self.width * self.height


class FaceDetector:
    """Finds faces in RGB frames; one instance per thread (MediaPipe graphs are not shared)."""

    def __init__(self, model_path: Path, min_score: float = 0.5, min_size: int = 20) -> None:
        model = read_face_model(model_path)
        with captured_native_stderr() as native_lines:
            try:
                import mediapipe as mp
                from mediapipe.tasks.python import BaseOptions, vision

                options = vision.FaceDetectorOptions(
                    base_options=BaseOptions(model_asset_buffer=model),
                    running_mode=vision.RunningMode.IMAGE,
                    min_detection_confidence=min_score,
                )
                self._detector = vision.FaceDetector.create_from_options(options)
                # The first detection logs a one-off native warning about buffer alignment.
                self._detector.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros((64, 64, 3), np.uint8)))
            except Exception as error:  # MediaPipe raises RuntimeError/ValueError with native detail
                failure = error
            else:
                failure = None
        if failure is not None:
            detail = "; ".join(native_lines[-3:])
            missing_library = "cannot open shared object file" in f"{failure} {detail}"
            hint = (
                "a system library MediaPipe needs is missing: sudo apt install libgles2 libegl1 libgl1 "
                "(scripts/install-system-packages.sh installs them)"
                if missing_library
                else "reinstall mediapipe (scripts/setup.sh)"
            )
            raise ModelError(f"MediaPipe could not load the face model {model_path}: {failure} {detail}".strip(), hint)
        self._mp = mp
        self.min_size = min_size
        _open_detectors.add(self)

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """Faces in an HxWx3 uint8 RGB frame of any size, largest first, in that frame's pixels.

        A frame longer than MAX_FRAME_SIDE is reduced first; one too thin to hold a face of
        ``min_size`` pixels (e.g. 32767 x 1) never reaches MediaPipe.
        """
        height, width = rgb.shape[:2]
        scale = min(1.0, MAX_FRAME_SIDE / max(height, width, 1))
        if min(height, width) < self.min_size or min(height, width) * scale < MIN_FRAME_SIDE:
            return []
        if scale < 1.0:
            rgb = cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = self._detector.detect(image)
        faces = [
            DetectedFace(
                x=float(d.bounding_box.origin_x) / scale,
                y=float(d.bounding_box.origin_y) / scale,
                width=float(d.bounding_box.width) / scale,
                height=float(d.bounding_box.height) / scale,
                score=float(d.categories[0].score),
            )
            for d in result.detections
        ]
        faces = [f for f in faces if min(f.width, f.height) >= self.min_size]
        return sorted(faces, key=lambda f: f.area, reverse=True)

    def close(self) -> None:
        detector, self._detector = getattr(self, "_detector", None), None
        if detector is not None:
            with captured_native_stderr():
                detector.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # nothing useful to do while being collected
            self.close()
