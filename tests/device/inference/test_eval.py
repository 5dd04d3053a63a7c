"""``moodkiosk eval``: accuracy on labelled 48x48 crops, JSON shape, and clear data errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from device.core.labels import EMOTIONS
from device.inference.emotion_classifier import EmotionClassifier
from device.inference.evaluation import evaluate, format_report
from tests.helpers import require_shared, run_cli

JSON_KEYS = {"n", "accuracy", "macro_recall", "per_class_recall", "confusion", "ms_per_image"}


def save(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def test_eval_on_fer2013_public_test_meets_the_bar() -> None:
    result = run_cli("eval", require_shared("data/fer2013/val.npz"), "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert set(report) == JSON_KEYS
    assert report["n"] == 3589
    # the `fer` package's model: 65.4 % on the same file. This model is chosen on five domains (models/MODEL_CARD.md):
    # 69.9 % / 66.1 % here, which the rule allows down to 69.6 %, the previous model's interval (71.1 % +- 1.5)
    assert report["accuracy"] >= 0.696 and report["macro_recall"] >= 0.65
    assert set(report["per_class_recall"]) == set(EMOTIONS)
    confusion = np.array(report["confusion"])
    assert confusion.shape == (7, 7) and confusion.sum() == 3589
    assert report["accuracy"] == pytest.approx(np.trace(confusion) / 3589, abs=1e-4)
    recalls = [report["per_class_recall"][name] for name in EMOTIONS]
    assert report["macro_recall"] == pytest.approx(np.mean(recalls), abs=1e-3)


def test_evaluate_counts_right_and_wrong(analyzer) -> None:
    """Real FER-style crops of the astronaut (happy) labelled happy and, deliberately, sad."""
    classifier: EmotionClassifier = analyzer.classifier
    import skimage.data

    from device.inference.face_crop import face_crop

    rgb = skimage.data.astronaut()
    gray = np.ascontiguousarray(rgb[..., 1])
    face = analyzer.detector.detect(rgb)[0]
    crops = np.stack([face_crop(gray, face, analyzer.crop_scale * s, analyzer.crop_shift, 48) for s in (0.95, 1.0, 1.05)])
    x = np.concatenate([crops, crops])
    y = np.array([3, 3, 3, 4, 4, 4])
    report = evaluate(classifier, x, y)
    assert report.n == 6
    assert report.confusion[3][3] == 3  # happy read as happy
    assert report.confusion[4][3] == 3  # "sad" labels, predicted happy
    assert report.accuracy == pytest.approx(0.5)
    assert report.per_class_recall["happy"] == 1.0 and report.per_class_recall["sad"] == 0.0
    assert report.per_class_recall["angry"] is None  # no angry examples: left out of the macro mean
    assert report.macro_recall == pytest.approx(0.5)
    table = format_report(report)
    assert "accuracy      50.0%" in table and "happy" in table


def test_eval_human_readable_table(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = save(tmp_path / "d.npz", x=rng.integers(0, 256, (20, 48, 48), dtype=np.uint8), y=rng.integers(0, 7, 20))
    result = run_cli("eval", path)
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout and "true \\ predicted" in result.stdout


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": np.zeros((3, 48, 48), np.uint8)}, "missing key(s) y"),
        ({"x": np.zeros((3, 64, 64), np.uint8), "y": np.zeros(3, int)}, "x has shape (3, 64, 64), expected (N, 48, 48)"),
        ({"x": np.zeros((3, 48, 48), np.float32), "y": np.zeros(3, int)}, "x has dtype float32, expected uint8"),
        ({"x": np.zeros((3, 48, 48), np.uint8), "y": np.zeros(4, int)}, "y has shape (4,), expected (3,)"),
        (
            {"x": np.zeros((3, 48, 48), np.uint8), "y": np.array([0, 7, 1])},
            "1 label(s) out of range 0..6, first at row 1 (value 7)",
        ),
        ({"x": np.zeros((3, 48, 48), np.uint8), "y": np.array([0.0, 1.0, 2.0])}, "y has dtype float64, expected integers"),
        ({"x": np.zeros((0, 48, 48), np.uint8), "y": np.zeros(0, int)}, "holds no images"),
    ],
)
def test_eval_rejects_bad_data_with_exit_2(tmp_path: Path, arrays: dict[str, np.ndarray], message: str) -> None:
    result = run_cli("eval", save(tmp_path / "bad.npz", **arrays), "--json")
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_eval_rejects_missing_and_non_npz_files(tmp_path: Path) -> None:
    missing = run_cli("eval", tmp_path / "nothing.npz")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    text = tmp_path / "notes.npz"
    text.write_text("not numpy")
    garbage = run_cli("eval", text)
    assert garbage.returncode == 2 and "not a readable .npz file" in garbage.stderr
