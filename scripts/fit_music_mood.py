"""Fit and check the music tagger's valence/arousal map on the Emotify excerpts (main venv, LiteRT).

    .venv/bin/python scripts/fit_music_mood.py [--emotify ../shared/data/emotify] [--write] [--json FILE]

1. Every excerpt through the tagger (the 50 MSD tag probabilities, averaged over its patches;
   cached in build/emotify_tags.npz).
2. Targets: each excerpt's valence and arousal from its listeners' GEMS answers
   (``music_moods.gems_point``), scored after centring (the map is centred on these excerpts).
3. A ridge regression from the tags to valence and arousal, its strength chosen and its quality
   reported by leave-one-genre-out cross-validation (fit on three genres, score the fourth): the
   correlation with the targets, how often the quadrant (signs of both) is right, and the mood
   (nearest point) against the mood of the listeners' top GEMS category, per mood, on all 400
   and on the 0.1-margin subset where listeners agreed more.
4. ``--write``: the map fitted on all 400 goes into ``models/music_msd_musicnn.json``.

The Emotify data is only read here, never copied (see its SOURCES.md; cite Aljanaki et al. 2016).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from device.player import music_features, music_moods  # noqa: E402
from device.player.music_tagger import MODEL, MusicTagger  # noqa: E402

GEMS = list(music_moods.GEMS_POINTS)
ALPHAS = (0.01, 0.1, 0.3, 1.0, 3.0, 10.0)
# A ridge fit is shrunk towards the average excerpt: nearly everything would lie in "neutral". The
# shipped map is re-centred and stretched to this deviation on each axis (a linear rescaling: the
# correlations stay), so valence and arousal are relative to the average of these 400 excerpts.
SPREAD = 0.4


def read_labels(emotify: Path) -> list[dict[str, str]]:
    with (emotify / "labels.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def tag_all(tagger: MusicTagger, emotify: Path, rows: list[dict[str, str]], cache: Path) -> np.ndarray:
    if cache.exists():
        data = np.load(cache)
        if list(data["files"]) == [row["file"] for row in rows]:
            return data["tags"]
    tags = []
    for index, row in enumerate(rows):
        tags.append(tagger.tags_of(music_features.decode(emotify / row["file"])))
        if index % 50 == 0:
            print(f"  tagged {index + 1} of {len(rows)}", file=sys.stderr)
    array = np.asarray(tags, np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, files=np.array([row["file"] for row in rows]), tags=array)
    return array


def ridge(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Weights [targets, features] and bias [targets] of a ridge fit on standardized features."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    coef = np.linalg.solve(z.T @ z + alpha * len(z) * np.eye(z.shape[1]), z.T @ (y - y.mean(axis=0)))
    weights = (coef / scale[:, None]).T
    return weights, y.mean(axis=0) - weights @ mean


def spread(weights: np.ndarray, bias: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fit, re-centred and stretched so that its outputs on ``x`` have mean 0 and deviation SPREAD on each axis."""
    raw = x @ weights.T + bias
    scale = SPREAD / raw.std(axis=0)
    return weights * scale[:, None], (bias - raw.mean(axis=0)) * scale


def cross_validate(x: np.ndarray, y: np.ndarray, genres: np.ndarray, alpha: float, stretch: bool) -> np.ndarray:
    predicted = np.zeros_like(y)
    for genre in np.unique(genres):
        held = genres == genre
        weights, bias = ridge(x[~held], y[~held], alpha)
        if stretch:
            weights, bias = spread(weights, bias, x[~held])
        predicted[held] = x[held] @ weights.T + bias
    return np.clip(predicted, -1, 1)


def report(predicted: np.ndarray, target: np.ndarray, moods: list[str], keep: np.ndarray) -> dict[str, object]:
    guessed = [music_moods.nearest(float(v), float(a)) for v, a in predicted]
    per_mood = {}
    for mood in sorted(set(moods[i] for i in np.flatnonzero(keep))):
        rows = [i for i in np.flatnonzero(keep) if moods[i] == mood]
        per_mood[mood] = {"n": len(rows), "right": round(sum(guessed[i] == mood for i in rows) / len(rows), 3)}
    rows = np.flatnonzero(keep)
    majority = max(per_mood.values(), key=lambda entry: entry["n"])["n"] / len(rows)
    return {
        "n": len(rows),
        "valence_r": round(float(np.corrcoef(predicted[rows, 0], target[rows, 0])[0, 1]), 3),
        "arousal_r": round(float(np.corrcoef(predicted[rows, 1], target[rows, 1])[0, 1]), 3),
        "quadrant_right": round(float(np.mean(np.all(np.sign(predicted[rows]) == np.sign(target[rows]), axis=1))), 3),
        "mood_right": round(float(np.mean([guessed[i] == moods[i] for i in rows])), 3),
        "mood_right_by_always_the_commonest": round(majority, 3),
        "per_mood": per_mood,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emotify", type=Path, default=ROOT.parent / "shared" / "data" / "emotify")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "emotify_tags.npz")
    parser.add_argument("--write", action="store_true", help="store the map in the model's JSON")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args()

    rows = read_labels(args.emotify)
    tagger = MusicTagger(MODEL, tags_only=True)
    x = tag_all(tagger, args.emotify, rows, args.cache).astype(np.float64)
    target = np.array([music_moods.gems_point({g: float(row[g]) for g in GEMS}) for row in rows])
    genres = np.array([row["genre"] for row in rows])
    moods = [music_moods.GEMS_MOODS[row["label"]] for row in rows]
    agreed = np.array([float(row["margin"]) >= 0.1 for row in rows])

    errors = {alpha: float(np.mean((cross_validate(x, target, genres, alpha, False) - target) ** 2)) for alpha in ALPHAS}
    alpha = min(errors, key=errors.__getitem__)
    predicted = cross_validate(x, target, genres, alpha, True)
    centred = target - target.mean(axis=0)
    result = {
        "data": f"Emotify, {len(rows)} excerpts (first 30 s), leave-one-genre-out",
        "alpha": alpha,
        "spread": SPREAD,
        "cv_mean_squared_error": {str(a): round(e, 4) for a, e in errors.items()},
        "all": report(predicted, centred, moods, np.ones(len(rows), bool)),
        "margin_0.1": report(predicted, centred, moods, agreed),
        "unstretched": report(cross_validate(x, target, genres, alpha, False), target, moods, np.ones(len(rows), bool)),
        "by_genre": {genre: report(predicted, centred, moods, genres == genre)["mood_right"] for genre in np.unique(genres)},
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.write:
        weights, bias = spread(*ridge(x, target, alpha), x)
        info_path = MODEL.with_suffix(".json")
        info = json.loads(info_path.read_text())
        info["valence_arousal"] = {
            "weights": np.round(weights, 6).tolist(),
            "bias": np.round(bias, 6).tolist(),
            "fitted_on": f"Emotify ({len(rows)} excerpts), ridge alpha {alpha}, spread {SPREAD}, scripts/fit_music_mood.py",
        }
        info_path.write_text(json.dumps(info, indent=2) + "\n")
        print(f"wrote the map into {info_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
