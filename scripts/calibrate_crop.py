"""Calibrate the classifier crop against MediaPipe's face box, and write the model's JSON.

FER-2013 images are whole-face crops; MediaPipe's box is tighter. To feed the classifier what it
was trained on, this script shows MediaPipe the FER-2013 validation faces themselves (each
upscaled 4x and centred on a larger canvas of its mean grey), and measures where the detector's
box falls inside the known 48x48 frame: the frame's side over the box's mean side (``scale``) and
the frame centre's offset below the box centre in box heights (``shift``). The medians become
the crop used at run time. It then scores the whole pipeline (detector box -> crop -> model) on
the same faces for a range of scales, so the choice can be checked against accuracy.

Usage (main venv, after the model is exported):
    .venv/bin/python scripts/calibrate_crop.py --data ../shared/data/fer2013 [--flip-average]
Writes models/emotion_fer_int8.json and prints a Markdown summary for models/MODEL_CARD.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from device.core.config import InferenceSettings  # noqa: E402
from device.core.labels import EMOTIONS  # noqa: E402
from device.inference.emotion_classifier import EmotionClassifier  # noqa: E402
from device.inference.face_crop import face_crop  # noqa: E402
from device.inference.face_detector import DetectedFace, FaceDetector, open_face_detector  # noqa: E402
from device.inference.model_files import EmotionModelInfo, sha256_of  # noqa: E402

UPSCALE = 4
CANVAS = 96 * UPSCALE  # the 48 px face (192 px once upscaled) sits in the middle of a 384 px canvas


def place_on_canvas(face48: np.ndarray) -> tuple[np.ndarray, int]:
    """The upscaled face centred on a grey canvas (RGB), and the face's top-left offset."""
    side = 48 * UPSCALE
    big = cv2.resize(face48, (side, side), interpolation=cv2.INTER_CUBIC)
    offset = (CANVAS - side) // 2
    canvas = np.full((CANVAS, CANVAS), int(face48.mean()), np.uint8)
    canvas[offset : offset + side, offset : offset + side] = big
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2RGB), offset


def measure(detector: FaceDetector, images: np.ndarray) -> list[tuple[int, DetectedFace, float, float]]:
    """(row, box, scale, shift) for each image where one face is found inside the FER frame."""
    side = 48 * UPSCALE
    found = []
    for row, image in enumerate(images):
        canvas, offset = place_on_canvas(image)
        faces = detector.detect(canvas)
        if not faces:
            continue
        face = faces[0]
        centre_x, centre_y = face.x + face.width / 2, face.y + face.height / 2
        if not (offset < centre_x < offset + side and offset < centre_y < offset + side):
            continue
        scale = side / ((face.width + face.height) / 2)
        shift = (offset + side / 2 - centre_y) / face.height
        found.append((row, face, scale, shift))
    return found


def pipeline_accuracy(classifier, images, labels, found, scale: float, shift: float) -> float:
    crops = []
    for row, face, _, _ in found:
        canvas, _ = place_on_canvas(images[row])
        gray = cv2.cvtColor(canvas, cv2.COLOR_RGB2GRAY)
        crops.append(face_crop(gray, face, scale, shift, 48))
    predictions = np.concatenate([classifier.predict(np.stack(crops[i : i + 64])).argmax(1) for i in range(0, len(crops), 64)])
    truth = labels[[row for row, *_ in found]]
    return float((predictions == truth).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/fer2013")
    parser.add_argument("--model", type=Path, default=ROOT / "models/emotion_fer_int8.tflite")
    parser.add_argument("--face-model", type=Path, default=InferenceSettings().face_model)
    parser.add_argument("--flip-average", action="store_true", help="record that the model averages a mirrored crop")
    args = parser.parse_args()

    val = np.load(args.data / "val.npz")
    images, labels = val["x"], val["y"]
    detector = open_face_detector(args.face_model, "litert", min_score=0.5, min_size=20)
    found = measure(detector, images)
    detector.close()
    scales = np.array([s for *_, s, _ in found])
    shifts = np.array([s for *_, s in found])
    scale, shift = float(np.median(scales)), float(np.median(shifts))

    info = EmotionModelInfo(crop_scale=round(scale, 3), crop_shift=round(shift, 3), flip_average=args.flip_average)
    classifier = EmotionClassifier(args.model, info=info)
    direct = float(
        np.mean(np.concatenate([classifier.predict(images[i : i + 64]).argmax(1) for i in range(0, len(images), 64)]) == labels)
    )
    print(f"faces found by MediaPipe: {len(found)} of {len(images)} validation images")
    print(f"scale: median {scale:.3f} (quartiles {np.percentile(scales, 25):.3f} .. {np.percentile(scales, 75):.3f})")
    print(f"shift: median {shift:.3f} (quartiles {np.percentile(shifts, 25):.3f} .. {np.percentile(shifts, 75):.3f})")
    print(f"\nmodel on the original 48x48 images: {direct:.1%}\n")
    print("| crop scale | pipeline accuracy on the detected faces |\n| --- | --- |")
    for candidate in sorted({1.0, 1.2, 1.4, round(scale, 2), 1.6, 1.8, 2.0}):
        accuracy = pipeline_accuracy(classifier, images, labels, found, candidate, shift)
        print(f"| {candidate:.2f}{' (calibrated)' if candidate == round(scale, 2) else ''} | {accuracy:.1%} |")

    sidecar = args.model.with_suffix(".json")
    # keys this script does not own (views, calibration, "not sure", alignment) are kept
    kept = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    description = kept | {
        "model": args.model.name,
        "sha256": sha256_of(args.model),
        "labels": list(EMOTIONS),
        "input_size": 48,
        "input": "grayscale face crop, pixel / 255, quantized with the input tensor's own scale and zero point",
        "crop": {"scale": info.crop_scale, "shift": info.crop_shift, "calibrated_on": f"{len(found)} FER-2013 PublicTest faces"},
        "flip_average": args.flip_average,
    }
    sidecar.write_text(json.dumps(description, indent=2) + "\n")
    print(f"\nwrote {sidecar}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
