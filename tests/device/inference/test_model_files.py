"""The face model's fetch and verification, and clear errors for missing or corrupt models."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from device.core.config import InferenceSettings
from device.core.errors import ModelError
from device.core.labels import EMOTIONS
from device.inference.analyzer import FrameAnalyzer
from device.inference.model_files import FACE_MODEL_MEMBER, fetch_face_model, read_face_model, sha256_of
from tests.helpers import clean_env, run_cli

FACE_MODEL = InferenceSettings().face_model
EMOTION_MODEL = InferenceSettings().emotion_model


def make_wheel(path: Path, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(FACE_MODEL_MEMBER, payload)
    return path


def test_installed_face_model_verifies() -> None:
    assert len(read_face_model(FACE_MODEL)) == 229_714


def test_missing_face_model_says_how_to_fetch(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        read_face_model(tmp_path / "face.tflite")
    assert "not found" in str(caught.value)
    assert "moodkiosk models fetch" in caught.value.hint


def test_corrupt_face_model_is_refused(tmp_path: Path) -> None:
    corrupt = tmp_path / "face.tflite"
    corrupt.write_bytes(FACE_MODEL.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelError, match="corrupt or the wrong file"):
        read_face_model(corrupt)


def test_fetch_from_a_local_wheel(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "mediapipe-0.10.21-py3-none-any.whl", FACE_MODEL.read_bytes())
    target = fetch_face_model(tmp_path / "models" / "face.tflite", wheel)
    assert sha256_of(target) == sha256_of(FACE_MODEL)


def test_fetch_refuses_a_wheel_with_another_model(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "mediapipe.whl", b"not the model")
    with pytest.raises(ModelError, match="expected bbff11ce"):
        fetch_face_model(tmp_path / "face.tflite", wheel)
    assert not (tmp_path / "face.tflite").exists()


def test_analyzer_with_missing_emotion_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="emotion model not found"):
        FrameAnalyzer(InferenceSettings(emotion_model=tmp_path / "missing.tflite"))


def test_analyzer_with_corrupt_emotion_model(tmp_path: Path) -> None:
    corrupt = tmp_path / "emotion.tflite"
    corrupt.write_bytes(b"\x00" * 1000)
    with pytest.raises(ModelError, match="cannot be loaded"):
        FrameAnalyzer(InferenceSettings(emotion_model=corrupt))


def test_cli_with_missing_face_model_exits_2_with_the_fix(tmp_path: Path, photos: dict[str, Path]) -> None:
    env = clean_env(MOODKIOSK_INFERENCE__FACE_MODEL=str(tmp_path / "none.tflite"))
    result = run_cli("analyze", photos["astronaut"], env=env)
    assert result.returncode == 2
    assert "face model not found" in result.stderr
    assert "moodkiosk models fetch" in result.stderr


def test_models_verify_and_fetch_when_present() -> None:
    verify = run_cli("models", "verify")
    assert verify.returncode == 0, verify.stderr
    assert "emotion model ok" in verify.stdout
    fetch = run_cli("models", "fetch")
    assert fetch.returncode == 0
    assert "already present and verified" in fetch.stdout


def test_emotion_model_matches_its_description() -> None:
    description = json.loads(EMOTION_MODEL.with_suffix(".json").read_text())
    assert description["sha256"] == sha256_of(EMOTION_MODEL)
    assert EMOTION_MODEL.stat().st_size <= 1_000_000


def test_labels_file_matches_the_model_description() -> None:
    labels = (EMOTION_MODEL.parent / "labels.txt").read_text().split()
    assert tuple(labels) == EMOTIONS
    assert tuple(json.loads(EMOTION_MODEL.with_suffix(".json").read_text())["labels"]) == EMOTIONS


def test_models_verify_notices_a_replaced_emotion_model(tmp_path: Path) -> None:
    model = tmp_path / "emotion.tflite"
    model.write_bytes(EMOTION_MODEL.read_bytes())
    description = json.loads(EMOTION_MODEL.with_suffix(".json").read_text())
    model.with_suffix(".json").write_text(json.dumps(description))
    env = clean_env(MOODKIOSK_INFERENCE__EMOTION_MODEL=str(model))
    assert run_cli("models", "verify", env=env).returncode == 0
    model.with_suffix(".json").write_text(json.dumps({**description, "sha256": "0" * 64}))
    result = run_cli("models", "verify", env=env)
    assert result.returncode == 2 and "SHA-256 differs" in result.stderr
