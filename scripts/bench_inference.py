"""Per-stage inference timings on this machine: the figures quoted in models/MODEL_CARD.md.

    .venv/bin/python scripts/bench_inference.py [--threads 1] [--json]

Emotion model: one face crop per call (as the kiosk classifies each face), over FER-2013
PublicTest crops when ../shared is present, else crops of scikit-image's astronaut photo.
Face detector and the whole analyzer: on the astronaut photo resized to 640x480.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import skimage.data

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from device.core.config import InferenceSettings  # noqa: E402
from device.inference.analyzer import FrameAnalyzer  # noqa: E402
from device.inference.litert import interpreter_class  # noqa: E402


def timings(call: Callable[[Any], object], inputs: list[Any], warmup: int = 20) -> dict[str, float]:
    for item in inputs[:warmup]:
        call(item)
    samples = []
    for item in inputs:
        started = time.perf_counter()
        call(item)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "n": len(samples),
        "median_ms": round(float(np.median(samples)), 4),
        "p95_ms": round(float(np.percentile(samples, 95)), 4),
        "min_ms": round(float(np.min(samples)), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    analyzer = FrameAnalyzer(InferenceSettings(threads=args.threads))
    val = ROOT.parent / "shared/data/fer2013/val.npz"
    crops = np.load(val)["x"][:2000] if val.exists() else None
    frame = cv2.resize(skimage.data.astronaut(), (640, 480), interpolation=cv2.INTER_AREA)
    if crops is None:
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        crops = np.stack([cv2.resize(gray[40:240, 200:400], (48, 48))] * 2000)
    frames = [frame] * 300
    results = {
        "machine": f"{platform.machine()}, {platform.processor() or platform.platform()}",
        "interpreter": interpreter_class().__module__,
        "threads": args.threads,
        "emotion_per_face": timings(lambda c: analyzer.classifier.predict(c[None]), list(crops)),
        "face_detection_640x480": timings(analyzer.detector.detect, frames),
        "analyzer_640x480_one_face": timings(analyzer.analyze, frames),
    }
    analyzer.close()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{results['machine']}; {results['interpreter']}, {args.threads} thread(s)")
        for stage in ("emotion_per_face", "face_detection_640x480", "analyzer_640x480_one_face"):
            r = results[stage]
            print(f"{stage:<28} median {r['median_ms']:.3f} ms   p95 {r['p95_ms']:.3f} ms   (n={r['n']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
