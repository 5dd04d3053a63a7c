"""The pipelines under test behind one interface, each calling its library's own public entry points.

Every pipeline gets the same RGB frames; ``prepare`` turns one into the pipeline's own input
(RGB for moodkiosk, BGR for fer and deepface, as their documentation asks) before any timing.
Libraries are imported in ``import_libs`` only, so that the import can be timed and each
module can be imported in any of the venvs.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # FER-2013 order, as all three use
Box = tuple[int, int, int, int]  # x, y, width, height in pixels


def versions(*packages: str) -> dict[str, str]:
    """Installed versions of ``packages`` (missing ones left out)."""
    found = {}
    for package in packages:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def largest_first(readings: list[tuple[Box, int]]) -> list[tuple[Box, int]]:
    return sorted(readings, key=lambda reading: reading[0][2] * reading[0][3], reverse=True)


class Pipeline:
    """Face detection and emotion classification; subclasses fill in each step."""

    name = ""
    label = ""

    def import_libs(self) -> None:
        raise NotImplementedError

    def load(self) -> None:
        raise NotImplementedError

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        """The frame as this pipeline takes it (done before timing)."""
        return np.ascontiguousarray(rgb[:, :, ::-1])

    def detect(self, frame: np.ndarray) -> list[Any]:
        """The faces found (the library's own objects, for ``emotion``)."""
        raise NotImplementedError

    def box(self, face: Any) -> Box:
        return tuple(int(v) for v in face)  # type: ignore[return-value]

    def emotion(self, frame: np.ndarray, face: Any) -> int:
        """The emotion (index into EMOTIONS) of one detected face: crop, classify."""
        raise NotImplementedError

    def analyze(self, frame: np.ndarray) -> list[tuple[Box, int]]:
        """The whole pipeline on one frame: (box, emotion) per face, largest first."""
        raise NotImplementedError

    def classifier(self) -> Any:
        """An object whose ``predict(uint8 crops [N, 48, 48])`` gives probabilities [N, 7]."""
        raise NotImplementedError

    def info(self) -> dict[str, Any]:
        """Versions and settings worth reporting."""
        return {}


class Moodkiosk(Pipeline):
    """device.inference.analyzer.FrameAnalyzer with device.core.config's defaults (one inference thread)."""

    name, label = "moodkiosk", "moodkiosk"

    def import_libs(self) -> None:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        import cv2

        from device.core.config import InferenceSettings
        from device.inference.analyzer import FrameAnalyzer
        from device.inference.face_crop import face_crop
        from device.inference.litert import interpreter_class

        interpreter_class()  # ai_edge_litert, imported on first use (the face model runs on it too, by default)
        self._cv2, self._settings, self._analyzer_class, self._face_crop = cv2, InferenceSettings, FrameAnalyzer, face_crop

    def load(self) -> None:
        self.settings = self._settings()
        self.analyzer = self._analyzer_class(self.settings)

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        return rgb

    def detect(self, frame: np.ndarray) -> list[Any]:
        return self.analyzer.detector.detect(frame)

    def box(self, face: Any) -> Box:
        return round(face.x), round(face.y), round(face.width), round(face.height)

    def emotion(self, frame: np.ndarray, face: Any) -> int:
        """The analyzer's per-face steps (device/inference/analyzer.py) for one face."""
        analyzer = self.analyzer
        gray = self._cv2.cvtColor(frame, self._cv2.COLOR_RGB2GRAY)
        crop = self._face_crop(gray, face, analyzer.crop_scale, analyzer.crop_shift, analyzer.classifier.input_size)
        return int(np.argmax(analyzer.classifier.predict(crop[None])[0]))

    def analyze(self, frame: np.ndarray) -> list[tuple[Box, int]]:
        return [(reading.box, EMOTIONS.index(reading.likeliest)) for reading in self.analyzer.analyze(frame).faces]

    def classifier(self) -> Any:
        return self.analyzer.classifier

    def info(self) -> dict[str, Any]:
        return {
            "versions": versions("ai-edge-litert", "opencv-python-headless", "numpy"),
            "face_backend": getattr(getattr(self, "analyzer", None), "backend", None),
            "settings": "device.core.config.InferenceSettings() defaults: threads=1, min_face_score=0.5, min_face_size=20, "
            "the model's calibrated crop, its views (flip_average, zooms) from the model's JSON",
            "models": "MediaPipe BlazeFace short-range (face, run by LiteRT), models/emotion_fer_int8.tflite (int8, 48x48)",
        }


class FerClassifier:
    """fer's emotion model on 48x48 crops, with fer's own preprocessing (FER.detect_emotions)."""

    def __init__(self, fer: Any, cv2: Any, size: tuple[int, int]) -> None:
        self.fer, self.cv2, self.size = fer, cv2, size

    def predict(self, crops: np.ndarray) -> np.ndarray:
        faces = np.array([self.cv2.resize(crop, self.size) for crop in crops], dtype="float32")
        faces = (faces / 255.0 - 0.5) * 2.0
        return np.asarray(self.fer._classify_emotions(faces), dtype=np.float32)


class Fer(Pipeline):
    """The ``fer`` package: FER(mtcnn=...) with its defaults (its int8 TFLite emotion model)."""

    def __init__(self, mtcnn: bool) -> None:
        self.mtcnn = mtcnn
        self.name = "fer-mtcnn" if mtcnn else "fer-haar"
        self.label = "fer (MTCNN)" if mtcnn else "fer (Haar)"

    def import_libs(self) -> None:
        import cv2
        from fer.fer import FER

        if self.mtcnn:
            import facenet_pytorch  # noqa: F401  (imported by FER(mtcnn=True); counted here)
            import torch

            torch.set_num_threads(1)
        self._cv2, self._fer_class = cv2, FER

    def load(self) -> None:
        self.fer = self._fer_class(mtcnn=self.mtcnn)

    def detect(self, frame: np.ndarray) -> list[Any]:
        return list(self.fer.find_faces(frame, bgr=True))

    def emotion(self, frame: np.ndarray, face: Any) -> int:
        (result,) = self.fer.detect_emotions(frame, face_rectangles=[self.box(face)])
        return top_emotion(result["emotions"])

    def analyze(self, frame: np.ndarray) -> list[tuple[Box, int]]:
        readings = [(self.box(r["box"]), top_emotion(r["emotions"])) for r in self.fer.detect_emotions(frame)]
        return largest_first(readings)

    def classifier(self) -> Any:
        return FerClassifier(self.fer, self._cv2, (64, 64))

    def info(self) -> dict[str, Any]:
        packages = ("fer", "tensorflow-cpu", "tensorflow", "opencv-contrib-python", "numpy")
        found = versions(*packages, *(("torch", "facenet-pytorch", "torchvision") if self.mtcnn else ()))
        model = "fer/data/emotion_model_quantized.tflite (64x64; int8 weights, float32 activations)"
        info: dict[str, Any] = {"versions": found, "models": model}
        if self.mtcnn:
            import torchvision

            info["torchvision_standin"] = bool(getattr(torchvision, "STANDIN", False))
            info["detector"] = "facenet-pytorch MTCNN (weights in its wheel); torch.set_num_threads(1)"
        else:
            info["detector"] = "OpenCV Haar cascade haarcascade_frontalface_default.xml (cv2.data)"
        return info


def top_emotion(scores: dict[str, float]) -> int:
    """Index of the highest score (fer rounds scores to 2 decimals; ties go to the first label)."""
    return int(np.argmax([scores[name] for name in EMOTIONS]))


class DeepfaceClassifier:
    def __init__(self, model: Any, cv2: Any) -> None:
        self.model, self.cv2 = model, cv2

    def predict(self, crops: np.ndarray) -> np.ndarray:
        bgr = [self.cv2.cvtColor(crop, self.cv2.COLOR_GRAY2BGR) for crop in crops]
        return np.asarray(self.model.predict(bgr if len(bgr) > 1 else bgr[0]), dtype=np.float32).reshape(len(crops), -1)


class Deepface(Pipeline):
    """``deepface``: DeepFace.analyze(actions=("emotion",)) with its default OpenCV detector.

    deepface downloads every file it needs on first use into $DEEPFACE_HOME/.deepface/weights,
    even OpenCV's Haar cascade. Offline, the cascade is copied there from OpenCV's own data
    folder (the same file); the emotion model has no local source.
    """

    name, label = "deepface", "deepface"
    detector_backend = "opencv"

    def import_libs(self) -> None:
        import cv2
        from deepface import DeepFace

        self._cv2, self.deepface = cv2, DeepFace

    def load(self) -> None:
        self._seed_cascade()
        self.emotion_model = self.deepface.build_model(task="facial_attribute", model_name="Emotion")
        self.deepface.build_model(task="face_detector", model_name=self.detector_backend)

    def _seed_cascade(self) -> None:
        from deepface.commons import folder_utils

        weights = Path(folder_utils.get_deepface_home()) / ".deepface/weights"
        target = weights / "haarcascade_frontalface_default.xml"
        source = Path(self._cv2.data.haarcascades) / target.name
        if not target.exists() and source.exists():
            weights.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)

    def detect(self, frame: np.ndarray) -> list[Any]:
        faces = self.deepface.extract_faces(frame, detector_backend=self.detector_backend, enforce_detection=False)
        return [face["facial_area"] for face in faces if face["confidence"] > 0]

    def box(self, face: Any) -> Box:
        return int(face["x"]), int(face["y"]), int(face["w"]), int(face["h"])

    def emotion(self, frame: np.ndarray, face: Any) -> int:
        x, y, w, h = self.box(face)
        (result,) = self.deepface.analyze(frame[y : y + h, x : x + w], actions=("emotion",), detector_backend="skip", silent=True)
        return EMOTIONS.index(result["dominant_emotion"])

    def analyze(self, frame: np.ndarray) -> list[tuple[Box, int]]:
        results = self.deepface.analyze(
            frame, actions=("emotion",), detector_backend=self.detector_backend, enforce_detection=False, silent=True
        )
        readings = [(self.box(r["region"]), EMOTIONS.index(r["dominant_emotion"])) for r in results if r["face_confidence"] > 0]
        return largest_first(readings)

    def classifier(self) -> Any:
        return DeepfaceClassifier(self.emotion_model, self._cv2)

    def info(self) -> dict[str, Any]:
        return {"versions": versions("deepface", "onnxruntime", "opencv-contrib-python-headless", "numpy")}


PIPELINES: dict[str, Callable[[], Pipeline]] = {
    "moodkiosk": Moodkiosk,
    "fer-haar": lambda: Fer(mtcnn=False),
    "fer-mtcnn": lambda: Fer(mtcnn=True),
    "deepface": Deepface,
}
