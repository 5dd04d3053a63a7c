"""The model report's rule and intervals (scripts/model_report.py) and the domains it reads (scripts/domains.py)."""

from __future__ import annotations

import sys

import numpy as np

from tests.helpers import REPO, require_shared

sys.path.insert(0, str(REPO / "scripts"))

import domains
from model_report import interval, verdict


def result(**accuracies: tuple[float, float]) -> dict:
    """A report entry from (accuracy, interval's low end) per domain."""
    entries = {name: {"accuracy": acc, "low": low} for name, (acc, low) in accuracies.items()}
    return {"domains": entries, "mean": float(np.mean([acc for acc, _ in accuracies.values()]))}


def test_a_candidate_ships_only_when_the_mean_rises_and_no_domain_falls_below_its_interval() -> None:
    baseline = result(publictest=(0.71, 0.696), affectnet=(0.49, 0.467))
    assert verdict(result(publictest=(0.70, 0.0), affectnet=(0.60, 0.0)), baseline) == "ships"  # within PublicTest's interval
    assert "below the interval on FER-2013 PublicTest" in verdict(result(publictest=(0.69, 0.0), affectnet=(0.7, 0.0)), baseline)
    assert verdict(result(publictest=(0.71, 0.0), affectnet=(0.48, 0.0)), baseline) == "not shipped: the mean does not rise"


def test_intervals_resample_whole_clusters() -> None:
    right = np.array([1, 1, 1, 1, 0, 0, 0, 0] * 25, bool)
    alone = interval(right, np.arange(len(right)))
    grouped = interval(right, np.repeat(np.arange(len(right) // 4), 4))  # four near-identical frames a cluster
    assert alone[0] < 0.5 < alone[1] and grouped[1] - grouped[0] > alone[1] - alone[0]


def test_the_black_cut_out_background_is_found_and_filled() -> None:
    face = np.zeros((1, 48, 48), np.uint8)
    face[0, 8:40, 10:38] = 120  # a face-like patch on black
    face[0, 20, 20] = 0  # a dark pixel inside the face stays face
    mask = domains.black_background(face)
    assert mask[0, 0, 0] and mask[0, 47, 47] and not mask[0, 20, 20] and not mask[0, 24, 24]
    grey = domains.on_grey(domains.FaceSet("x", face, np.array([3])))
    assert grey.x[0, 0, 0] > 0 and grey.x[0, 24, 24] == 120 and grey.x[0, 20, 20] == 0


def test_ck_plus_halves_share_no_subject() -> None:
    root = require_shared("data/ckplus48/ckplus48.npz").parent.parent
    a, b = domains.ckplus_half(root, "A"), domains.ckplus_half(root, "B")
    assert len(a) + len(b) == 927 and not set(a.clusters) & set(b.clusters)
