"""Emotion classification of 48x48 grayscale face crops with the int8 FER model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from device.errors import ModelError
from device.inference.litert import load_interpreter
from device.inference.model_files import EmotionModelInfo


class EmotionClassifier:
    """Turns face crops into probabilities over ``EMOTIONS`` (FER-2013 order).

    Input pixels are scaled to [0, 1] and quantized with the model's own input parameters, so
    a float model works too. With ``flip_average`` (set in the model's JSON) each crop is also
    classified mirrored and the two results are averaged.
    """

    def __init__(self, model_path: Path, threads: int = 1, info: EmotionModelInfo | None = None) -> None:
        self.info = info or EmotionModelInfo.for_model(model_path)
        self._interpreter = load_interpreter(model_path, threads)
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        size = self.info.input_size
        if tuple(self._input["shape"][1:]) != (size, size, 1) or self._output["shape"][-1] != len(self.info.labels):
            raise ModelError(
                f"{model_path} takes {tuple(self._input['shape'])} and gives {tuple(self._output['shape'])}; "
                f"expected (N, {size}, {size}, 1) -> (N, {len(self.info.labels)})",
                "use a FER model exported by scripts/training/export_fer.py",
            )
        self._batch = int(self._input["shape"][0])

    @property
    def input_size(self) -> int:
        return self.info.input_size

    def predict(self, crops: np.ndarray) -> np.ndarray:
        """Probabilities [N, 7] for uint8 crops [N, size, size]."""
        if len(crops) == 0:
            return np.zeros((0, len(self.info.labels)), np.float32)
        batch = np.concatenate([crops, crops[:, :, ::-1]]) if self.info.flip_average else crops
        probs = self._invoke(batch)
        if self.info.flip_average:
            probs = (probs[: len(crops)] + probs[len(crops) :]) / 2
        return probs / np.maximum(probs.sum(axis=1, keepdims=True), 1e-9)

    def _invoke(self, crops: np.ndarray) -> np.ndarray:
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
