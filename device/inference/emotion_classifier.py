"""Emotion classification of 48x48 grayscale face crops with the int8 FER model(s)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from device.core.errors import ModelError
from device.inference.litert import load_interpreter
from device.inference.model_files import EmotionModelInfo

PROBABILITY_FLOOR = 1e-4  # an int8 softmax says 0 below 1/256: never log(0)


class EmotionClassifier:
    """Turns face crops into probabilities over ``EMOTIONS`` (FER-2013 order).

    Input pixels are scaled to [0, 1] and quantized with the model's own input parameters, so
    a float model works too. The model's JSON may add, beside the model itself: more networks to
    average with it (``ensemble``), tighter views of each crop averaged in (``zooms``: 0.9 is
    the crop's centre 90 %, resized back), the mirrored crop (and mirrored views) averaged in
    (``flip_average``), and a calibration of the averaged probabilities (``calibration``: a bias
    per class on the log probabilities, then a temperature). ``predict`` gives what the kiosk uses.
    """

    def __init__(self, model_path: Path, threads: int = 1, info: EmotionModelInfo | None = None) -> None:
        self.info = info or EmotionModelInfo.for_model(model_path)
        paths = [model_path, *(model_path.parent / name for name, _ in self.info.members)]
        self._networks = [Network(path, threads, self.info.input_size, len(self.info.labels)) for path in paths]

    @property
    def input_size(self) -> int:
        return self.info.input_size

    def predict(self, crops: np.ndarray) -> np.ndarray:
        """Probabilities [N, 7] for uint8 crops [N, size, size]: each network on every view, averaged, calibrated."""
        if len(crops) == 0:
            return np.zeros((0, len(self.info.labels)), np.float32)
        views = self.views(crops)
        batch = np.concatenate(views)  # made once, one call per network for all views of all crops
        per_network = [network.invoke(batch).reshape(len(views), len(crops), -1).mean(axis=0) for network in self._networks]
        return self.calibrate(np.mean([p / np.maximum(p.sum(axis=1, keepdims=True), 1e-9) for p in per_network], axis=0))

    def views(self, crops: np.ndarray) -> list[np.ndarray]:
        """The crops, their zoomed views (``zooms``), and the mirror images of all of them (``flip_average``)."""
        views = [crops, *(zoomed(crops, zoom) for zoom in self.info.zooms)]
        return views + [view[:, :, ::-1] for view in views] if self.info.flip_average else views

    def calibrate(self, probs: np.ndarray) -> np.ndarray:
        if not self.info.class_bias and self.info.temperature == 1.0:
            return probs.astype(np.float32)
        logits = np.log(np.maximum(probs, PROBABILITY_FLOOR)) + np.asarray(self.info.class_bias or 0.0)
        logits = logits / self.info.temperature
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


def zoomed(crops: np.ndarray, zoom: float) -> np.ndarray:
    """The centre ``zoom`` share of each square crop, resized back to the crop's size (bilinear)."""
    size = crops.shape[1]
    side = round(size * zoom)
    start = (size - side) // 2
    centre = crops[:, start : start + side, start : start + side]
    return np.stack([cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR) for crop in centre])


class Network:
    """One int8 (or float) network: crops in, softmax probabilities out."""

    def __init__(self, path: Path, threads: int, size: int, classes: int) -> None:
        self._interpreter = load_interpreter(path, threads)
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        if tuple(self._input["shape"][1:]) != (size, size, 1) or self._output["shape"][-1] != classes:
            raise ModelError(
                f"{path} takes {tuple(self._input['shape'])} and gives {tuple(self._output['shape'])}; "
                f"expected (N, {size}, {size}, 1) -> (N, {classes})",
                "use a FER model exported by scripts/training/export_fer.py",
            )
        self._batch = int(self._input["shape"][0])

    def invoke(self, crops: np.ndarray) -> np.ndarray:
        if len(crops) != self._batch:
            self._interpreter.resize_tensor_input(self._input["index"], [len(crops), *self._input["shape"][1:]])
            self._interpreter.allocate_tensors()
            self._batch = len(crops)
        x = crops.astype(np.float32)[..., None] / 255.0
        scale, zero_point = self._input["quantization"]
        if self._input["dtype"] != np.float32:
            info = np.iinfo(self._input["dtype"])
            x = np.clip(np.round(x / scale + zero_point), info.min, info.max)
        self._interpreter.set_tensor(self._input["index"], x.astype(self._input["dtype"]))
        self._interpreter.invoke()
        y = self._interpreter.get_tensor(self._output["index"]).astype(np.float32)
        scale, zero_point = self._output["quantization"]
        if self._output["dtype"] != np.float32:
            y = (y - zero_point) * scale
        return y
