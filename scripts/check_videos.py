"""Cross-dataset check: the whole pipeline (detector, crop, emotion model) on the hand-labelled spans of
the face videos in ../shared/media/video (models/checks/video_labels.json says how they were labelled).

    .venv/bin/python scripts/check_videos.py [EMOTION_MODEL.tflite ...] [--json FILE]

Every frame inside a labelled span is read (the largest face), as the kiosk reads it: right when the
emotion equals the span's label; "not sure" readings are counted apart (neither right nor wrong).
With several models (e.g. the shipped one and an older one), each is scored on the same frames.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from device.core.config import InferenceSettings  # noqa: E402
from device.core.labels import EMOTIONS, UNSURE  # noqa: E402
from device.inference.analyzer import FrameAnalyzer  # noqa: E402
from device.inference.face_crop import face_crop  # noqa: E402

LABELS = ROOT / "models" / "checks" / "video_labels.json"
VIDEOS = ROOT.parent / "shared" / "media" / "video"


def labelled_frames() -> list[tuple[str, int, dict, float, np.ndarray]]:
    """(video, span number, span, time in s, RGB frame) of every frame inside a labelled span, in the videos' order."""
    out = []
    for video, entry in json.loads(LABELS.read_text())["videos"].items():
        capture = cv2.VideoCapture(str(VIDEOS / video))
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            for number, span in enumerate(entry["spans"]):
                if span["from"] <= index / fps < span["to"]:
                    out.append((video, number, span, index / fps, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
            index += 1
        capture.release()
    return out


def span_crops(model: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kiosk's crop of the first face in each labelled frame (the detector and the crop of ``model``'s JSON).

    Returns (crops, labels, clusters): a cluster is one second of one video, for intervals that
    respect how alike neighbouring frames are. Frames without a face are left out.
    """
    analyzer = FrameAnalyzer(InferenceSettings(emotion_model=model, face_backend="litert"))
    crops, labels, clusters = [], [], []
    try:
        for video, _, span, seconds, rgb in labelled_frames():
            faces = analyzer.detector.detect(rgb)
            if not faces:
                continue
            gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            size = analyzer.classifier.input_size
            crops.append(face_crop(gray, faces[0], analyzer.crop_scale, analyzer.crop_shift, size, analyzer.align))
            labels.append(EMOTIONS.index(span["label"]))
            clusters.append(f"{video}@{int(seconds)}")
    finally:
        analyzer.close()
    return np.stack(crops), np.array(labels, np.int64), np.array(clusters)


def score(model: Path) -> dict[str, object]:
    analyzer = FrameAnalyzer(InferenceSettings(emotion_model=model, face_backend="litert"))
    totals = {"frames": 0, "right": 0, "unsure": 0, "no_face": 0}
    spans: dict[tuple[str, int], dict] = {}
    for video, entry in json.loads(LABELS.read_text())["videos"].items():  # every span, in the labels' order
        for number, span in enumerate(entry["spans"]):
            spans[video, number] = {"video": video, "from": span["from"], "to": span["to"], "label": span["label"],
                                    "frames": 0, "right": 0, "unsure": 0, "no_face": 0, "answers": {}}  # fmt: skip
    for video, number, span, _, rgb in labelled_frames():
        counts = spans[video, number]
        counts["frames"] += 1
        faces = analyzer.analyze(rgb).faces
        if not faces:
            counts["no_face"] += 1
            continue
        emotion = faces[0].emotion
        counts["answers"][emotion] = counts["answers"].get(emotion, 0) + 1
        counts["unsure"] += emotion == UNSURE
        counts["right"] += emotion == span["label"]
    analyzer.close()
    for counts in spans.values():
        for key in totals:
            totals[key] += counts[key]
    read = totals["frames"] - totals["no_face"] - totals["unsure"]
    result = {"model": model.name, "spans": list(spans.values()), **totals}
    return result | {"right_of_sure": round(totals["right"] / max(read, 1), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", type=Path, default=[ROOT / "models" / "emotion_fer_int8.tflite"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = [score(model) for model in args.models]
    for result in results:
        print(f"{result['model']}: {result['right']} of {result['frames']} frames right, {result['unsure']} not sure, "
              f"{result['no_face']} without a face; right of the sure answers {result['right_of_sure']:.1%}")  # fmt: skip
        for span in result["spans"]:
            print(f"  {span['video']} {span['from']}-{span['to']} s {span['label']}: {span['right']}/{span['frames']} "
                  f"{span['answers']}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
