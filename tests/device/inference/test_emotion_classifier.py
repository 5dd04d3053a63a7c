"""The emotion classifier's views of a crop (zoomed, mirrored) with the real int8 model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from device.core.config import InferenceSettings
from device.core.errors import ModelError
from device.inference.emotion_classifier import EmotionClassifier, Network, zoomed
from device.inference.model_files import EmotionModelInfo

EMOTION_MODEL = InferenceSettings().emotion_model


def crops(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 48, 48), dtype=np.uint8)


def test_zoomed_view_is_the_centre_resized_back() -> None:
    crop = np.zeros((1, 48, 48), np.uint8)
    crop[0, 12:36, 12:36] = 255  # a bright square over the centre half
    view = zoomed(crop, 0.5)
    assert view.shape == crop.shape and view.dtype == np.uint8
    assert view.min() == 255  # the centre half now fills the whole view
    bright = (zoomed(crop, 0.9) > 127).sum() / (crop > 127).sum()
    assert bright == pytest.approx((48 / 43) ** 2, rel=0.1)  # 0.9 of 48 px is 43 px, stretched back to 48


def test_prediction_averages_every_view_of_each_crop() -> None:
    shipped = EmotionModelInfo.for_model(EMOTION_MODEL)
    info = dataclasses.replace(shipped, zooms=(0.9,), flip_average=True, class_bias=(), temperature=1.0)
    classifier = EmotionClassifier(EMOTION_MODEL, info=info)
    batch = crops(3)
    network = Network(EMOTION_MODEL, 1, 48, 7)
    views = [batch, zoomed(batch, 0.9), batch[:, :, ::-1], zoomed(batch, 0.9)[:, :, ::-1]]
    expected = np.mean([network.invoke(np.ascontiguousarray(view)) for view in views], axis=0)
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(classifier.predict(batch), expected, atol=1e-5)
    # one face at a time gives the same as the whole batch (the views are batched per call)
    assert np.allclose(classifier.predict(batch[1:2]), classifier.predict(batch)[1:2], atol=1e-5)
    plain = EmotionClassifier(EMOTION_MODEL, info=dataclasses.replace(info, zooms=(), flip_average=False))
    assert not np.allclose(plain.predict(batch), expected, atol=1e-3)
    # the shipped description's calibration is applied to the averaged views
    calibrated = EmotionClassifier(EMOTION_MODEL, info=dataclasses.replace(shipped, zooms=(0.9,), flip_average=True))
    assert np.allclose(calibrated.predict(batch), calibrated.calibrate(expected), atol=1e-5)


@pytest.mark.parametrize("zooms", [[1.2], [0.3], ["tight"]])
def test_a_description_with_a_bad_zoom_is_refused(tmp_path: Path, zooms: list) -> None:
    model = tmp_path / "emotion.tflite"
    model.write_bytes(EMOTION_MODEL.read_bytes())
    description = json.loads(EMOTION_MODEL.with_suffix(".json").read_text())
    model.with_suffix(".json").write_text(json.dumps({**description, "zooms": zooms}))
    with pytest.raises(ModelError):
        EmotionModelInfo.for_model(model)
