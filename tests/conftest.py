"""Shared fixtures: real photos from scikit-image, the shared data sets, the real analyzer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import skimage.data

from device.core.config import InferenceSettings
from device.inference.analyzer import FrameAnalyzer
from tests.helpers import write_rgb


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real photos shipped with scikit-image, as files: a smiling face and a scene with none."""
    folder = tmp_path_factory.mktemp("photos")
    return {
        "astronaut": write_rgb(folder / "astronaut.png", skimage.data.astronaut()),
        "coffee": write_rgb(folder / "coffee.png", skimage.data.coffee()),
    }


@pytest.fixture(scope="session")
def analyzer() -> Iterator[FrameAnalyzer]:
    instance = FrameAnalyzer(InferenceSettings())
    yield instance
    instance.close()
