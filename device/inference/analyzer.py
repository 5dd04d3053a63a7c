"""The per-frame pipeline: RGB frame -> faces -> crops -> emotions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from device.core.config import InferenceSettings
from device.core.labels import EMOTIONS, UNSURE
from device.inference.emotion_classifier import EmotionClassifier
from device.inference.face_crop import face_crop
from device.inference.face_detector import choose_backend, open_face_detector


@dataclass(frozen=True)
class FaceReading:
    """One face: its box in frame pixels (clipped to the frame), detector score and emotion.

    ``emotion`` is UNSURE when the model's top probability is under its "not sure" threshold;
    ``likeliest`` is always the most probable of the seven.
    """

    box: tuple[int, int, int, int]
    score: float
    emotion: str
    probabilities: dict[str, float]

    @property
    def likeliest(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)

    @property
    def confidence(self) -> float:
        return self.probabilities[self.likeliest]

    def to_json(self) -> dict[str, Any]:
        return {
            "box": list(self.box),
            "score": round(self.score, 4),
            "emotion": self.emotion,
            "scores": {name: round(p, 4) for name, p in self.probabilities.items()},
        }


@dataclass(frozen=True)
class FrameAnalysis:
    """The faces in one frame, largest first, and how long the analysis took."""

    faces: list[FaceReading] = field(default_factory=list)
    ms: float = 0.0
    detect_ms: float = 0.0  # of which finding the faces


class FrameAnalyzer:
    """Owns a detector and a classifier; not thread-safe (use one per worker thread)."""

    def __init__(self, settings: InferenceSettings) -> None:
        self.settings = settings
        self.classifier = EmotionClassifier(settings.emotion_model, settings.threads)
        info = self.classifier.info
        self.crop_scale = settings.crop_scale if settings.crop_scale is not None else info.crop_scale
        self.crop_shift = info.crop_shift
        self.unsure_below = info.unsure_below
        self.align = info.align
        self.household_bias = np.zeros(len(EMOTIONS))  # "Was I right?" corrections (device.household.corrections)
        self.backend, self.backend_note = choose_backend(settings.face_backend, settings.face_model)
        self.detector = open_face_detector(
            settings.face_model, self.backend, settings.min_face_score, settings.min_face_size, settings.threads
        )

    def analyze(self, rgb: np.ndarray) -> FrameAnalysis:
        """Read the faces in an HxWx3 uint8 RGB frame."""
        started = time.perf_counter()
        faces = self.detector.detect(rgb)
        detected = time.perf_counter()
        readings: list[FaceReading] = []
        if faces:
            gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            size = self.classifier.input_size
            crops = np.stack([face_crop(gray, f, self.crop_scale, self.crop_shift, size, self.align) for f in faces])
            probabilities = apply_bias(self.classifier.predict(crops), self.household_bias)
            height, width = gray.shape
            for face, probs in zip(faces, probabilities, strict=True):
                readings.append(
                    FaceReading(
                        box=clipped_box(face.x, face.y, face.width, face.height, width, height),
                        score=face.score,
                        emotion=EMOTIONS[int(np.argmax(probs))] if probs.max() >= self.unsure_below else UNSURE,
                        probabilities={name: float(p) for name, p in zip(EMOTIONS, probs, strict=True)},
                    )
                )
        return FrameAnalysis(readings, (time.perf_counter() - started) * 1000, (detected - started) * 1000)

    def close(self) -> None:
        self.detector.close()


def apply_bias(probabilities: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """[N, 7] probabilities with ``bias`` (the household's corrections) added to their logarithms, normalized again."""
    if not bias.any():
        return probabilities
    logits = np.log(np.clip(probabilities, 1e-7, 1.0)) + bias
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (weights / weights.sum(axis=1, keepdims=True)).astype(probabilities.dtype)


def clipped_box(x: float, y: float, w: float, h: float, width: int, height: int) -> tuple[int, int, int, int]:
    """An (x, y, w, h) box rounded to pixels and clipped to a width x height frame."""
    x0, y0 = max(0, round(x)), max(0, round(y))
    x1, y1 = min(width, round(x + w)), min(height, round(y + h))
    return x0, y0, max(0, x1 - x0), max(0, y1 - y0)
