"""Score emotion models on every domain there is, with intervals, and apply the rule that chooses one.

    .venv/bin/python scripts/model_report.py [MODEL.tflite ...] [--readings] [--json FILE]

Each candidate is an int8 model read as its JSON says (views, calibration); ``--readings`` adds
the simpler readings of each (the crop alone, crop + mirror image, each without calibration).
The domains (``scripts/domains.py``, from ``../shared/data``): FER-2013 PublicTest, the same faces
against their FER+ majority, the AffectNet-style ``val`` split, CK+48 (half B of the subjects)
and the hand-labelled spans of the shared face videos (the whole pipeline: detector, crop, model).
Each gets its accuracy with a 95 % interval (percentile bootstrap over clusters: one face, one
CK+ subject, one second of video, so near-identical frames do not narrow it), per-class recall
and the candidate's cost (ms per face, one face at a time, one thread, the PublicTest loop).

The rule (models/MODEL_CARD.md): a candidate ships over the first model given only when its mean
accuracy over the domains is higher and no domain's accuracy is below the first model's interval.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import domains  # noqa: E402
from check_videos import span_crops  # noqa: E402

from device.core.labels import EMOTIONS  # noqa: E402
from device.inference.emotion_classifier import EmotionClassifier  # noqa: E402
from device.inference.evaluation import predict_each, score  # noqa: E402
from device.inference.model_files import EmotionModelInfo  # noqa: E402

NAMES = {
    "publictest": "FER-2013 PublicTest",
    "ferplus": "PublicTest, FER+ majority",
    "affectnet": "AffectNet-style val",
    "ckplus": "CK+48 (half B)",
    "videos": "video spans",
    "affectnet-grey": "AffectNet-style val on grey (not in the mean)",
}
CHECKS = {"affectnet-grey"}  # reported beside the domains, never part of the mean or the rule


@dataclasses.dataclass(frozen=True)
class Domain:
    name: str
    x: np.ndarray
    y: np.ndarray
    clusters: np.ndarray  # one id per face; faces of a cluster are resampled together


def interval(right: np.ndarray, clusters: np.ndarray, rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of the accuracy, resampling whole clusters."""
    _, cluster_of = np.unique(clusters, return_inverse=True)
    hits = np.bincount(cluster_of, weights=right.astype(float))
    sizes = np.bincount(cluster_of).astype(float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(sizes), (rounds, len(sizes)))
    accuracies = hits[picks].sum(axis=1) / sizes[picks].sum(axis=1)
    low, high = np.percentile(accuracies, [2.5, 97.5])
    return float(low), float(high)


def load_domains(shared: Path, model: Path) -> list[Domain]:
    out = []
    for name in domains.DOMAINS:
        face_set = domains.load(name, shared)
        clusters = np.arange(len(face_set)) if face_set.clusters is None else face_set.clusters
        out.append(Domain(name, face_set.x, face_set.y, clusters))
    wild = domains.load("affectnet", shared)
    out.append(Domain("affectnet-grey", domains.on_grey(wild).x, wild.y, np.arange(len(wild))))
    if (ROOT.parent / "shared/media/video").is_dir():
        crops, labels, clusters = span_crops(model)
        out.append(Domain("videos", crops, labels, clusters))
    return out


def readings(model: Path, simpler: bool) -> list[tuple[str, EmotionModelInfo]]:
    info = EmotionModelInfo.for_model(model)
    name = model.relative_to(ROOT) if model.is_relative_to(ROOT) else model
    found = [(f"{name}, as its JSON says", info)]
    if simpler:
        plain = dataclasses.replace(info, temperature=1.0, class_bias=())
        found += [
            (f"{name}, the views, no calibration", plain),
            (f"{name}, crop + mirror image", dataclasses.replace(plain, zooms=())),
            (f"{name}, the crop alone", dataclasses.replace(plain, zooms=(), flip_average=False)),
        ]
    return found


def score_candidate(model: Path, info: EmotionModelInfo, basket: list[Domain]) -> dict[str, object]:
    classifier = EmotionClassifier(model, threads=1, info=info)
    result: dict[str, object] = {"model": model.name, "bytes": model.stat().st_size, "domains": {}}
    for domain in basket:
        predictions, ms = predict_each(classifier, domain.x)
        report = score(predictions, domain.y, ms)
        low, high = interval(predictions == domain.y, domain.clusters)
        recalls = {k: v for k, v in report.per_class_recall.items() if v is not None}
        result["domains"][domain.name] = {"n": report.n, "accuracy": report.accuracy, "low": low, "high": high,
                                          "macro_recall": report.macro_recall, "recall": recalls}  # fmt: skip
        if domain.name == "publictest":
            result["ms_per_face"] = ms
    result["mean"] = float(np.mean([d["accuracy"] for name, d in result["domains"].items() if name not in CHECKS]))
    return result


def verdict(candidate: dict, baseline: dict) -> str:
    """'ships' when the mean rises and no domain falls below the baseline's interval, else why not."""
    below = [name for name, d in candidate["domains"].items()
             if name not in CHECKS and d["accuracy"] < baseline["domains"][name]["low"]]  # fmt: skip
    if below:
        return "not shipped: below the interval on " + ", ".join(NAMES[name] for name in below)
    if candidate["mean"] <= baseline["mean"]:
        return "not shipped: the mean does not rise"
    return "ships"


def markdown(results: list[dict]) -> str:
    names = list(results[0]["domains"])
    head = "| candidate | " + " | ".join(NAMES[n] for n in names) + " | mean | ms per face | verdict |"
    lines = [head, "|---" * (len(names) + 4) + "|"]
    for index, result in enumerate(results):
        cells = [f"{d['accuracy']:.1%} ({d['low']:.1%}-{d['high']:.1%})" for d in result["domains"].values()]
        judged = "baseline" if index == 0 else verdict(result, results[0])
        cells += [f"{result['mean']:.1%}", f"{result['ms_per_face']:.2f}", judged]
        lines.append(f"| {result['label']} | " + " | ".join(cells) + " |")
    lines += ["", "Per-class recall (n per domain in brackets):", ""]
    lines += ["| candidate | domain | " + " | ".join(EMOTIONS) + " |", "|---" * (len(EMOTIONS) + 2) + "|"]
    for result in results:
        for name, d in result["domains"].items():
            cells = [f"{d['recall'][e]:.2f}" if e in d["recall"] else "-" for e in EMOTIONS]
            lines.append(f"| {result['label']} | {NAMES[name]} ({d['n']}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", type=Path, default=[ROOT / "models/emotion_fer_int8.tflite"])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--readings", action="store_true", help="also score the simpler readings of each model")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    args.models = [model.resolve() for model in args.models]

    basket = load_domains(args.shared, args.models[0])
    print("domains: " + ", ".join(f"{NAMES[d.name]} {len(d.y)}" for d in basket), flush=True)
    results = []
    for model in args.models:
        for label, info in readings(model, args.readings):
            results.append({"label": label, **score_candidate(model, info, basket)})
            print(f"scored {label}: mean {results[-1]['mean']:.1%}", flush=True)
    print("\n" + markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
