"""MediaPipe's own FaceDetector task (BlazeFace short-range): the reference backend.

Optional (``pip install 'moodkiosk[mediapipe]'``): importing MediaPipe costs ~80 MB and 0.6 s,
and its aarch64 wheels abort on ARMv8.0 CPUs (Raspberry Pi 3 and 4). ``python -m
device.inference.mediapipe_faces MODEL`` loads it once and exits: the probe that
device.inference.face_detector runs in a child process before trusting it.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
import weakref
from pathlib import Path

import numpy as np

from device.core.errors import ModelError
from device.core.native_logs import captured_native_stderr
from device.inference.face_detector import DetectedFace, FaceDetector
from device.inference.model_files import read_face_model

# MediaPipe's detectors fail noisily when garbage-collected during interpreter shutdown, so the
# ones still open are closed at exit, while the runtime is intact.
_open_detectors: weakref.WeakSet[MediaPipeFaces] = weakref.WeakSet()
atexit.register(lambda: [detector.close() for detector in list(_open_detectors)])


class MediaPipeFaces(FaceDetector):
    """MediaPipe Tasks' FaceDetector; one instance per thread (MediaPipe graphs are not shared)."""

    backend = "mediapipe"

    def __init__(self, model_path: Path, min_score: float = 0.5, min_size: int = 20) -> None:
        super().__init__(min_size)
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
                else 'reinstall mediapipe, or set inference.face_backend = "litert"'
            )
            raise ModelError(f"MediaPipe could not load the face model {model_path}: {failure} {detail}".strip(), hint)
        self._mp = mp
        _open_detectors.add(self)

    def _detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        height, width = rgb.shape[:2]
        result = self._detector.detect(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb))
        return [
            DetectedFace(
                x=float(d.bounding_box.origin_x),
                y=float(d.bounding_box.origin_y),
                width=float(d.bounding_box.width),
                height=float(d.bounding_box.height),
                score=float(d.categories[0].score),
                keypoints=tuple((float(k.x) * width, float(k.y) * height) for k in d.keypoints or []),
            )
            for d in result.detections
        ]

    def close(self) -> None:
        detector, self._detector = getattr(self, "_detector", None), None
        if detector is not None:
            with captured_native_stderr():
                detector.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # nothing useful to do while being collected
            self.close()


if __name__ == "__main__":
    from device.core.native_logs import show_native_output

    show_native_output()
    MediaPipeFaces(Path(sys.argv[1])).close()
