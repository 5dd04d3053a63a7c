"""The benchmark command runs end to end (a smoke test: moodkiosk's own pipeline, few frames)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import clean_env, require_shared, run_cli


def test_bench_quick_measures_moodkiosk_and_writes_the_report(tmp_path: Path) -> None:
    require_shared("data/fer2013/val.npz")
    result = run_cli("bench", "--quick", "--out", tmp_path, env=clean_env())
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert {"report.md", "results.json", "latency.png", "memory.png", "accuracy.png"} <= {p.name for p in tmp_path.iterdir()}
    ours = json.loads((tmp_path / "results.json").read_text())["pipelines"]["moodkiosk"]
    assert 0.6 < ours["classifier"]["val"]["accuracy"] < 0.8  # the model card's 69.4 %, measured again
    assert 100 < ours["peak_rss_mb"] < 1000
    assert "moodkiosk" in (tmp_path / "report.md").read_text()
