"""Accuracy of the emotion classifier on a labelled set of 48x48 face crops (``moodkiosk eval``)."""

from __future__ import annotations

import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from device.core.errors import InputDataError
from device.core.labels import EMOTIONS
from device.inference.emotion_classifier import EmotionClassifier


@dataclass(frozen=True)
class EvalReport:
    n: int
    accuracy: float
    macro_recall: float
    per_class_recall: dict[str, float | None]
    confusion: list[list[int]]  # rows: true label, columns: predicted label
    ms_per_image: float

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_recall": round(self.macro_recall, 4),
            "per_class_recall": {k: None if v is None else round(v, 4) for k, v in self.per_class_recall.items()},
            "confusion": self.confusion,
            "ms_per_image": round(self.ms_per_image, 4),
        }


def load_eval_data(path: Path, size: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (N x size x size uint8) and ``y`` (N labels in 0..6) from an .npz file, checked."""
    if not path.is_file():
        raise InputDataError(f"{path}: no such file", "give the path of an .npz file holding x and y")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in ("x", "y") if key not in data.files]
            if missing:
                raise InputDataError(
                    f"{path}: missing key(s) {', '.join(missing)} (found: {', '.join(data.files) or 'none'})",
                    f"save x (N x {size} x {size} uint8 images) and y (N labels, 0 angry .. 6 neutral) with numpy.savez",
                )
            x, y = data["x"], data["y"]
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise InputDataError(
            f"{path}: not a readable .npz file ({error})", "create it with numpy.savez(path, x=..., y=...)"
        ) from error
    if x.ndim != 3 or x.shape[1:] != (size, size):
        raise InputDataError(
            f"{path}: x has shape {x.shape}, expected (N, {size}, {size})", f"resize the images to {size}x{size} grayscale"
        )
    if x.dtype != np.uint8:
        raise InputDataError(f"{path}: x has dtype {x.dtype}, expected uint8", "store pixels as uint8 in 0..255")
    if y.ndim != 1 or len(y) != len(x):
        raise InputDataError(
            f"{path}: y has shape {y.shape}, expected ({len(x)},), one label per image", "give one label per image"
        )
    if len(x) == 0:
        raise InputDataError(f"{path}: holds no images", "add at least one image")
    if not np.issubdtype(y.dtype, np.integer):
        raise InputDataError(f"{path}: y has dtype {y.dtype}, expected integers", "store labels as integers 0..6")
    bad = np.flatnonzero((y < 0) | (y >= len(EMOTIONS)))
    if len(bad):
        raise InputDataError(
            f"{path}: {len(bad)} label(s) out of range 0..{len(EMOTIONS) - 1}, first at row {bad[0]} (value {y[bad[0]]})",
            "labels are 0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral",
        )
    return x, y.astype(np.int64)


def predict_each(classifier: EmotionClassifier, x: np.ndarray) -> tuple[np.ndarray, float]:
    """The likeliest class of every image, classified one at a time (as the kiosk does per face), and ms per image."""
    predictions = np.empty(len(x), np.int64)
    started = time.perf_counter()
    for i in range(len(x)):
        predictions[i] = int(np.argmax(classifier.predict(x[i : i + 1])[0]))
    return predictions, (time.perf_counter() - started) * 1000 / max(len(x), 1)


def evaluate(classifier: EmotionClassifier, x: np.ndarray, y: np.ndarray) -> EvalReport:
    """Classify every image one at a time and score the result."""
    predictions, ms_per_image = predict_each(classifier, x)
    return score(predictions, y, ms_per_image)


def score(predictions: np.ndarray, y: np.ndarray, ms_per_image: float = 0.0) -> EvalReport:
    """Accuracy, per-class recall and the confusion matrix of ``predictions`` against ``y``."""
    classes = len(EMOTIONS)
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (y, predictions), 1)
    support = confusion.sum(axis=1)
    recalls = {name: (float(confusion[i, i] / support[i]) if support[i] else None) for i, name in enumerate(EMOTIONS)}
    present = [r for r in recalls.values() if r is not None]
    return EvalReport(
        n=len(y),
        accuracy=float(np.trace(confusion) / len(y)),
        macro_recall=float(np.mean(present)),
        per_class_recall=recalls,
        confusion=confusion.tolist(),
        ms_per_image=ms_per_image,
    )


def format_report(report: EvalReport) -> str:
    """A readable table: totals, per-class recall and the confusion matrix."""
    lines = [
        f"images        {report.n}",
        f"accuracy      {report.accuracy:.1%}",
        f"macro recall  {report.macro_recall:.1%}",
        f"time          {report.ms_per_image:.3f} ms per image",
        "",
        "true \\ predicted " + " ".join(f"{name[:8]:>8}" for name in EMOTIONS) + "   recall",
    ]
    for name, row in zip(EMOTIONS, report.confusion, strict=True):
        recall = report.per_class_recall[name]
        shown = "     -" if recall is None else f"{recall:6.1%}"
        lines.append(f"{name:<16} " + " ".join(f"{count:>8}" for count in row) + f"   {shown}")
    return "\n".join(lines)
