"""Measure one pipeline in this process, in its own venv, and write one JSON object (run by scripts/bench.py).

    PYTHON scripts/bench_peers/runner.py PIPELINE --work DIR --result FILE [--mode full|startup]

The process is pinned to one CPU core first; the thread-count environment variables come from
scripts/bench.py. Phases, in order: import, model load, first frame; then (``full``) per-stage
latency on the benchmark frames, the sustained rate on a video, CPU at the kiosk's 4 fps, peak
memory; then accuracy (classifier alone on val.npz, the whole pipeline on the face photos).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_peers.measure import cpu_seconds, memory_mb, pin_to_core, stats, timed_ms
from bench_peers.pipelines import PIPELINES, Pipeline

PACED_FPS = 4.0  # the kiosk's default camera.analysis_fps


def startup(pipeline: Pipeline, frame: np.ndarray, timings: dict[str, float]) -> None:
    """Seconds to import the libraries and load the models, and milliseconds for the first frame.

    ``timings`` fills step by step, so a pipeline that fails still shows how far it got.
    """
    started = time.perf_counter()
    pipeline.import_libs()
    timings["import_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    pipeline.load()
    timings["load_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    pipeline.analyze(pipeline.prepare(frame))
    timings["first_frame_ms"] = round((time.perf_counter() - started) * 1000, 1)


def stage_latency(pipeline: Pipeline, frames: list[np.ndarray], count: int) -> dict[str, Any]:
    """Face detection, emotion per face and the whole pipeline, ``count`` calls each, interleaved.

    Round ``i`` times the three stages back to back (frame ``i`` for detection and the whole
    pipeline, the ``i``-th face found for the emotion), so a change in the machine's load
    touches every stage alike.
    """
    faces_per_frame = [pipeline.detect(frame) for frame in frames]  # also the warm-up
    for frame in frames:
        pipeline.analyze(frame)
    pairs = [(frame, face) for frame, faces in zip(frames, faces_per_frame, strict=True) for face in faces]
    calls: dict[str, tuple[Callable[[Any], object], list[Any]]] = {
        "detection": (pipeline.detect, frames),
        "end_to_end": (pipeline.analyze, frames),
    }
    if pairs:
        calls["emotion_per_face"] = (lambda pair: pipeline.emotion(*pair), pairs)
    samples: dict[str, list[float]] = {stage: [] for stage in calls}
    for i in range(count):
        for stage, (call, items) in calls.items():
            samples[stage].append(timed_ms(call, items[i % len(items)]))
    stages = {stage: stats(values) for stage, values in samples.items()}
    return {"stages": stages, "faces_found": [len(faces) for faces in faces_per_frame]}


def sustained_rate(pipeline: Pipeline, video: Path, seconds: float) -> dict[str, Any]:
    """Every frame of a video, decoded and analysed as fast as one core allows: frames per second."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    count, cpu0, started = 0, cpu_seconds(), time.perf_counter()
    while time.perf_counter() - started < seconds:
        ok, bgr = capture.read()
        if not ok:
            break
        pipeline.analyze(pipeline.prepare(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
        count += 1
    wall = time.perf_counter() - started
    capture.release()
    return {
        "video": video.name,
        "frames": count,
        "seconds": round(wall, 2),
        "fps": round(count / wall, 2),
        "cpu_percent_of_one_core": round(100 * (cpu_seconds() - cpu0) / wall, 1),
    }


def paced_cpu(pipeline: Pipeline, frames: list[np.ndarray], seconds: float) -> dict[str, Any]:
    """CPU while analysing one frame every 1/4 s, as the kiosk does by default."""
    period, count = 1.0 / PACED_FPS, 0
    cpu0, started = cpu_seconds(), time.perf_counter()
    while time.perf_counter() - started < seconds:
        pipeline.analyze(frames[count % len(frames)])
        count += 1
        time.sleep(max(0.0, started + count * period - time.perf_counter()))
    wall = time.perf_counter() - started
    return {"fps": PACED_FPS, "frames": count, "cpu_percent_of_one_core": round(100 * (cpu_seconds() - cpu0) / wall, 1)}


def classifier_accuracy(pipeline: Pipeline, x: np.ndarray, y: np.ndarray, subset: np.ndarray) -> dict[str, Any]:
    """device/inference/evaluation.py's evaluate() (``moodkiosk eval``) on the pipeline's classifier."""
    from device.inference.evaluation import evaluate

    def scored(images: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
        report = evaluate(classifier, images, labels)  # to_json() rounds to 4 places; the report rounds once, from 6
        return report.to_json() | {"accuracy": round(report.accuracy, 6), "macro_recall": round(report.macro_recall, 6)}

    classifier = pipeline.classifier()
    return {"val": scored(x, y), "photo_subset": scored(x[subset], y[subset])}


def photo_predictions(pipeline: Pipeline, photos: np.ndarray) -> list[int]:
    """The emotion of the largest face found in each grey photo, -1 where no face was found."""
    predictions = []
    for photo in photos:
        readings = pipeline.analyze(pipeline.prepare(np.repeat(photo[:, :, None], 3, axis=2)))
        predictions.append(readings[0][1] if readings else -1)
    return predictions


def readings(pipeline: Pipeline, frames: list[np.ndarray], names: list[str], wanted: list[str]) -> dict[str, Any]:
    """What the pipeline says about a few named frames: each face's box and emotion."""
    found = {}
    for name in wanted:
        if name in names:
            found[name] = [{"box": list(box), "emotion": emotion} for box, emotion in pipeline.analyze(frames[names.index(name)])]
    return found


def full_run(pipeline: Pipeline, inputs: Any, frames_rgb: list[np.ndarray], names: list[str], args: argparse.Namespace) -> dict:
    frames = [pipeline.prepare(frame) for frame in frames_rgb]
    result: dict[str, Any] = {"rss_after_load_mb": memory_mb()}
    result |= stage_latency(pipeline, frames, args.frames)
    if args.video:
        result["sustained"] = sustained_rate(pipeline, args.video, args.stream_seconds)
    result["paced"] = paced_cpu(pipeline, frames, args.paced_seconds)
    result["peak_rss_mb"] = memory_mb("VmHWM")
    result["readings"] = readings(pipeline, frames, names, ["astronaut", "camera", "coffee"])
    subset = inputs["photo_index"]
    result["classifier"] = classifier_accuracy(pipeline, inputs["val_x"], inputs["val_y"], subset)
    result["photo_predictions"] = photo_predictions(pipeline, inputs["photos"])
    return result


def describe_error(error: BaseException) -> str:
    """The error and its causes, one line each, innermost last."""
    lines, seen = [], error
    while seen is not None:
        lines.append(f"{type(seen).__name__}: {seen}".strip())
        seen = seen.__cause__ or seen.__context__
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pipeline", choices=sorted(PIPELINES))
    parser.add_argument("--work", type=Path, required=True, help="holds inputs.npz (made by scripts/bench.py)")
    parser.add_argument("--result", type=Path, required=True, help="the JSON file to write")
    parser.add_argument("--mode", choices=["full", "startup"], default="full")
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--frames", type=int, default=240, help="timed calls per stage")
    parser.add_argument("--video", type=Path, help="the video for the sustained rate")
    parser.add_argument("--stream-seconds", type=float, default=20.0)
    parser.add_argument("--paced-seconds", type=float, default=12.0)
    args = parser.parse_args()

    result: dict[str, Any] = {"pipeline": args.pipeline, "mode": args.mode, "cores": pin_to_core(args.core)}
    result["python"] = platform.python_version()
    inputs = np.load(args.work / "inputs.npz")
    names = [str(name) for name in inputs["frame_names"]]
    frames = [inputs[f"frame_{i:03d}"] for i in range(len(names))]
    result["rss_baseline_mb"] = memory_mb()  # Python, NumPy and the frames, before any library
    pipeline = PIPELINES[args.pipeline]()
    result["startup"] = {}
    try:
        startup(pipeline, frames[0], result["startup"])
        result["info"] = pipeline.info()
        if args.mode == "full":
            result |= full_run(pipeline, inputs, frames, names, args)
    except Exception as error:  # a peer that cannot run here: report why, as it said it
        result["error"] = describe_error(error)
        result["traceback"] = traceback.format_exc(limit=-6)
    args.result.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
