"""Drawing face boxes and emotion labels on copies of analysed photos and videos."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from device.inference.analyzer import FaceReading

# BGR colours per emotion, chosen to read well on photos.
COLOURS = {
    "angry": (40, 40, 220),
    "disgust": (40, 140, 60),
    "fear": (160, 60, 160),
    "happy": (0, 200, 255),
    "sad": (200, 120, 40),
    "surprise": (0, 140, 255),
    "neutral": (200, 200, 200),
}


def draw_faces(rgb: np.ndarray, faces: list[FaceReading]) -> np.ndarray:
    """A BGR copy of the frame with each face's box and "emotion NN%" label."""
    image = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    thickness = max(1, round(min(image.shape[:2]) / 300))
    font_scale = max(0.4, min(image.shape[:2]) / 900)
    for face in faces:
        x, y, w, h = face.box
        colour = COLOURS.get(face.emotion, (255, 255, 255))
        cv2.rectangle(image, (x, y), (x + w, y + h), colour, thickness)
        label = f"{face.emotion} {face.confidence:.0%}"
        (tw, th), baseline = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
        top = y - th - baseline - 2 if y - th - baseline - 2 >= 0 else y + h
        cv2.rectangle(image, (x, top), (x + tw + 4, top + th + baseline + 2), colour, cv2.FILLED)
        cv2.putText(image, label, (x + 2, top + th), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 0, 0), thickness, cv2.LINE_AA)
    return image


def annotated_path(directory: Path, source: Path, video: bool, taken: set[Path]) -> Path:
    """A new file name in ``directory`` for the annotated copy of ``source``."""
    suffix = ".mp4" if video else (source.suffix.lower() if source.suffix.lower() in {".jpg", ".jpeg", ".png"} else ".png")
    candidate = directory / f"{source.stem}_annotated{suffix}"
    counter = 2
    while candidate in taken or candidate.exists():
        candidate = directory / f"{source.stem}_annotated_{counter}{suffix}"
        counter += 1
    taken.add(candidate)
    return candidate


class VideoAnnotator:
    """Writes annotated frames of one video to an .mp4 file."""

    def __init__(self, path: Path, fps: float | None) -> None:
        self.path = path
        self.fps = fps or 25.0
        self._writer: cv2.VideoWriter | None = None

    def write(self, bgr: np.ndarray) -> None:
        if self._writer is None:
            height, width = bgr.shape[:2]
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (width, height))
            if not self._writer.isOpened():
                raise OSError(f"cannot write video {self.path}")
        self._writer.write(bgr)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
