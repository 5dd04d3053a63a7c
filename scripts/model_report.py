"""The accuracy tables of models/MODEL_CARD.md, for the float and the int8 model.

    .venv/bin/python scripts/model_report.py [--float build/train/emotion_fer_float32.tflite]

The float model is scored too when that file exists (it is a training output, not committed).

Scores on FER-2013 PublicTest (val.npz) with the same code as `moodkiosk eval`, plus the same
figures without the PublicTest images that also appear, pixel for pixel, in Training.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from device.inference.emotion_classifier import EmotionClassifier  # noqa: E402
from device.inference.evaluation import EvalReport, evaluate  # noqa: E402
from device.inference.model_files import EmotionModelInfo  # noqa: E402
from device.labels import EMOTIONS  # noqa: E402


def leaked_rows(train_x: np.ndarray, val_x: np.ndarray) -> np.ndarray:
    """Indices of validation images that are byte-identical to some training image."""
    seen = {hashlib.sha1(image.tobytes()).digest() for image in train_x}
    return np.array([i for i, image in enumerate(val_x) if hashlib.sha1(image.tobytes()).digest() in seen], int)


def markdown(name: str, report: EvalReport) -> str:
    recalls = " | ".join(f"{report.per_class_recall[e]:.1%}" for e in EMOTIONS)
    return f"| {name} | {report.n} | {report.accuracy:.1%} | {report.macro_recall:.1%} | {recalls} |"


def confusion_table(report: EvalReport) -> str:
    lines = ["| true \\ predicted | " + " | ".join(EMOTIONS) + " |", "|---" * (len(EMOTIONS) + 1) + "|"]
    lines += [
        f"| {name} | " + " | ".join(str(c) for c in row) + " |" for name, row in zip(EMOTIONS, report.confusion, strict=True)
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/fer2013")
    parser.add_argument("--int8", type=Path, default=ROOT / "models/emotion_fer_int8.tflite")
    parser.add_argument("--float", type=Path, default=ROOT / "build/train/emotion_fer_float32.tflite")
    args = parser.parse_args()

    val, train = np.load(args.data / "val.npz"), np.load(args.data / "train.npz")
    x, y = val["x"], val["y"].astype(np.int64)
    leaked = leaked_rows(train["x"], x)
    clean = np.setdiff1d(np.arange(len(x)), leaked)
    info = EmotionModelInfo.for_model(args.int8)
    views = f"flip_average={info.flip_average}, zooms={list(info.zooms)}"
    print(f"{len(leaked)} of {len(x)} PublicTest images also appear in Training; {views}\n")
    print("| model | images | accuracy | macro recall | " + " | ".join(EMOTIONS) + " |")
    print("|---" * (4 + len(EMOTIONS)) + "|")
    reports = {}
    models = (("float32", args.float), ("int8", args.int8)) if args.float.is_file() else (("int8", args.int8),)
    for name, path in models:
        classifier = EmotionClassifier(path, threads=1, info=info)
        reports[name] = evaluate(classifier, x, y)
        print(markdown(f"{name}, PublicTest", reports[name]))
        print(markdown(f"{name}, PublicTest without Training duplicates", evaluate(classifier, x[clean], y[clean])))
    for name, report in reports.items():
        print(f"\nConfusion matrix, {name} (rows: true label, columns: predicted):\n\n{confusion_table(report)}")
    times = ", ".join(f"{name} {report.ms_per_image:.3f} ms" for name, report in reports.items())
    print(f"\ntime per face in this run: {times}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
