"""Choose, combine and calibrate the emotion networks the kiosk runs, on FER-2013 PublicTest (a benchmark
and the model's last build step). Runs in the main venv with LiteRT, as the kiosk does.

    .venv/bin/python scripts/calibrate_ensemble.py MODEL.tflite [MORE.tflite ...] [--flip] [--zoom Z ...]
        [--write] [--json FILE]

1. Every network alone and every combination (probabilities averaged), with and without the
   mirrored crop, alone and with each zoomed view (``--zoom 0.9``: the crop's centre 90 %, resized
   back, as the classifier's ``zooms`` make it): accuracy, macro recall, per-class recall, agreement with the FER+ majority
   labels, on all 3,589 PublicTest faces and without the 280 that duplicate Training images.
2. For the combination asked for (all of them, by default; ``--flip`` for the mirrored crop,
   ``--zoom`` for the zoomed views):
   a class bias (added to the log probabilities) that raises the recall of the weakest classes,
   then a temperature, both fitted on half of PublicTest (A, stratified, seed 0) and checked on
   the other half (B): accuracy, macro recall and expected calibration error (15 bins) before and
   after.
   Both are kept only when they help on B (accuracy + macro recall higher, and a lower ECE), and
   not at all with ``--no-calibration`` (when scripts/model_report.py finds they cost more on the
   other domains than they bring on this one).
3. The "not sure" threshold: the largest calibrated top probability (0.25 to 0.60, in steps of
   0.01) under which the faces of A are right at most 40 % of the time and which leaves at most
   15 % of them "not sure".

``--write`` puts the result into the first model's JSON (``ensemble``, ``flip_average``, ``zooms``,
``calibration``, ``unsure_below``) and copies the other networks beside it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from device.core.labels import EMOTIONS  # noqa: E402
from device.inference.emotion_classifier import Network, zoomed  # noqa: E402
from device.inference.model_files import sha256_of  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "fer2013"
UNSURE_RIGHT_AT_MOST = 0.40
UNSURE_SHARE_AT_MOST = 0.15  # and never more than about one face in seven "not sure"


def probabilities(model: Path, x: np.ndarray, zooms: list[float]) -> dict[tuple[float, bool], np.ndarray]:
    """One network's probabilities on all images for every view: (zoom, mirrored) -> [N, 7]; zoom 1 is the crop."""
    network = Network(model, 1, 48, len(EMOTIONS))
    views = {}
    for zoom in (1.0, *zooms):
        view = x if zoom == 1.0 else zoomed(x, zoom)
        for mirrored in (False, True):
            images = view[:, :, ::-1] if mirrored else view
            views[zoom, mirrored] = np.concatenate([network.invoke(images[i : i + 256]) for i in range(0, len(x), 256)])
    return views


def averaged(outputs: dict, members: list[Path], flip: bool, zooms: list[float]) -> np.ndarray:
    """The members' probabilities averaged over the views the classifier would take."""
    keys = [(zoom, mirrored) for zoom in (1.0, *zooms) for mirrored in ((False, True) if flip else (False,))]
    probs = np.mean([outputs[member][key] for member in members for key in keys], axis=0)
    return probs / probs.sum(axis=1, keepdims=True)


def scores(probs: np.ndarray, y: np.ndarray, ferplus: np.ndarray) -> dict:
    predicted = probs.argmax(1)
    recall = [float((predicted[y == c] == c).mean()) for c in range(len(EMOTIONS))]
    known = ferplus >= 0
    return {
        "accuracy": round(float((predicted == y).mean()), 4),
        "macro_recall": round(float(np.mean(recall)), 4),
        "ferplus_majority_accuracy": round(float((predicted[known] == ferplus[known]).mean()), 4),
        "per_class_recall": {e: round(r, 4) for e, r in zip(EMOTIONS, recall, strict=True)},
    }


def calibrated(probs: np.ndarray, bias: np.ndarray, temperature: float) -> np.ndarray:
    logits = (np.log(np.maximum(probs, 1e-4)) + bias) / temperature
    exp = np.exp(logits - logits.max(1, keepdims=True))
    return exp / exp.sum(1, keepdims=True)


def ece(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    top, predicted = probs.max(1), probs.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (top > low) & (top <= high)
        if inside.any():
            total += inside.mean() * abs((predicted[inside] == y[inside]).mean() - top[inside].mean())
    return round(float(total), 4)


def fit_bias(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Coordinate ascent on accuracy + macro recall (steps of 0.05 in log probability)."""

    def objective(bias: np.ndarray) -> float:
        predicted = (np.log(np.maximum(probs, 1e-4)) + bias).argmax(1)
        recall = np.mean([(predicted[y == c] == c).mean() for c in range(len(EMOTIONS))])
        return float((predicted == y).mean() + recall)

    bias = np.zeros(len(EMOTIONS))
    best = objective(bias)
    for _ in range(20):
        improved = False
        for c in range(len(EMOTIONS)):
            for step in (0.05, -0.05):
                trial = bias.copy()
                trial[c] += step
                if (value := objective(trial)) > best + 1e-9:
                    bias, best, improved = trial, value, True
        if not improved:
            break
    return bias - bias.mean()


def fit_temperature(probs: np.ndarray, y: np.ndarray, bias: np.ndarray) -> float:
    grid = np.arange(0.3, 3.01, 0.01)
    losses = [-np.log(np.maximum(calibrated(probs, bias, t)[np.arange(len(y)), y], 1e-12)).mean() for t in grid]
    return round(float(grid[int(np.argmin(losses))]), 2)


def unsure_threshold(probs: np.ndarray, y: np.ndarray) -> float:
    top, right = probs.max(1), probs.argmax(1) == y
    chosen = 0.0
    for threshold in np.arange(0.25, 0.601, 0.01):
        below = top < threshold
        if below.any() and right[below].mean() <= UNSURE_RIGHT_AT_MOST and below.mean() <= UNSURE_SHARE_AT_MOST:
            chosen = round(float(threshold), 2)
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--flip", action="store_true", help="also average each network's mirrored crop")
    parser.add_argument("--zoom", type=float, action="append", default=[], help="also average this zoomed view (repeatable)")
    parser.add_argument("--write", action="store_true", help="write the result into the first model's JSON")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument(
        "--no-calibration",
        action="store_true",
        help="fit, report, but do not keep the calibration (the multi-domain "
        "report found it does not earn its cost): the threshold is then chosen on the plain probabilities",
    )
    args = parser.parse_args()

    val, ferplus = np.load(args.data / "val.npz"), np.load(args.data / "ferplus_val.npz")
    train = np.load(args.data / "train.npz")
    x, y, fp = val["x"], val["y"], ferplus["y"]
    duplicates = {hash(image.tobytes()) for image in train["x"]}
    unique = np.array([hash(image.tobytes()) not in duplicates for image in x])
    outputs = {model: probabilities(model, x, args.zoom) for model in args.models}
    report: dict = {"combinations": []}
    for size in range(1, len(args.models) + 1):
        for members in itertools.combinations(args.models, size):
            for flip, zooms in itertools.product((False, True), [[], *([z] for z in args.zoom)]):
                probs = averaged(outputs, list(members), flip, zooms)
                row = {"members": [m.name for m in members], "flip": flip, "zooms": zooms, **scores(probs, y, fp)}
                row["without_training_duplicates"] = scores(probs[unique], y[unique], fp[unique])["accuracy"]
                report["combinations"].append(row)
                print(f"{'+'.join(m.stem for m in members):50s} flip={flip!s:5s} zooms={zooms!s:6s} "
                      f"acc {row['accuracy']:.4f} macro {row['macro_recall']:.4f} "
                      f"fer+ {row['ferplus_majority_accuracy']:.4f} unique {row['without_training_duplicates']:.4f}")  # fmt: skip

    probs = averaged(outputs, args.models, args.flip, args.zoom)
    rng = np.random.default_rng(0)
    half_a = np.zeros(len(y), bool)
    for c in range(len(EMOTIONS)):
        rows = np.flatnonzero(y == c)
        half_a[rng.choice(rows, len(rows) // 2, replace=False)] = True
    half_b = ~half_a
    bias = fit_bias(probs[half_a], y[half_a])
    temperature = fit_temperature(probs[half_a], y[half_a], bias)
    fitted = calibrated(probs, bias, temperature)
    b_before, b_after = scores(probs[half_b], y[half_b], fp[half_b]), scores(fitted[half_b], y[half_b], fp[half_b])
    helps = (b_after["accuracy"] + b_after["macro_recall"] > b_before["accuracy"] + b_before["macro_recall"]
             and ece(fitted[half_b], y[half_b]) < ece(probs[half_b], y[half_b]))  # fmt: skip
    if not helps:  # kept only when it helps on the half it was not fitted on
        print(f"calibration (bias {np.round(bias, 3).tolist()}, temperature {temperature}) does not help on half B: not kept")
    elif args.no_calibration:
        print(f"calibration (bias {np.round(bias, 3).tolist()}, temperature {temperature}) helps on half B; not kept (asked)")
        helps = False
    if not helps:
        bias, temperature = np.zeros(len(EMOTIONS)), 1.0
    final = calibrated(probs, bias, temperature)
    threshold = unsure_threshold(final[half_a], y[half_a])
    sure = final.max(1) >= threshold
    report["chosen"] = {
        "members": [m.name for m in args.models],
        "flip": args.flip,
        "zooms": args.zoom,
        "class_bias": [round(float(b), 3) for b in bias],
        "temperature": temperature,
        "unsure_below": threshold,
        "calibration_kept": bool(helps),
        "fitted_but_not_kept": None if helps else {"ece_B": ece(fitted[half_b], y[half_b]), "B": b_after},
        "before_calibration": {"all": scores(probs, y, fp), "B": scores(probs[half_b], y[half_b], fp[half_b]),
                               "ece_B": ece(probs[half_b], y[half_b])},
        "after_calibration": {"all": scores(final, y, fp), "B": scores(final[half_b], y[half_b], fp[half_b]),
                              "ece_B": ece(final[half_b], y[half_b]),
                              "all_without_training_duplicates": scores(final[unique], y[unique], fp[unique])},
        "unsure": {"share_of_faces": round(float((~sure).mean()), 4),
                   "accuracy_of_the_rest": round(float((final[sure].argmax(1) == y[sure]).mean()), 4),
                   "accuracy_of_the_unsure": round(float((final[~sure].argmax(1) == y[~sure]).mean()), 4)},
        "confusion": np.bincount(y * len(EMOTIONS) + final.argmax(1), minlength=49).reshape(7, 7).tolist(),
    }  # fmt: skip
    print(json.dumps({k: v for k, v in report["chosen"].items() if k != "confusion"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    if args.write:
        primary = args.models[0]
        sidecar = primary.with_suffix(".json")
        raw = json.loads(sidecar.read_text())
        members = []
        for model in args.models[1:]:
            target = primary.parent / model.name
            if model.resolve() != target.resolve():
                shutil.copy(model, target)
            members.append({"model": target.name, "sha256": sha256_of(target)})
        raw |= {"model": primary.name, "sha256": sha256_of(primary), "ensemble": members}
        raw |= {"flip_average": args.flip, "zooms": args.zoom, "unsure_below": threshold}
        raw.pop("calibration", None)
        if not args.zoom:
            raw.pop("zooms")
        if helps:
            raw["calibration"] = {"class_bias": report["chosen"]["class_bias"], "temperature": temperature,
                                  "fitted_on": "half of FER-2013 PublicTest (stratified, seed 0)"}  # fmt: skip
        if not members:
            raw.pop("ensemble")
        sidecar.write_text(json.dumps(raw, indent=2) + "\n")
        print(f"wrote {sidecar}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
