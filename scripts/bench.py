"""moodkiosk against its peers (`fer` with Haar and with MTCNN, `deepface`), on the same frames, in one run.

    .venv/bin/python scripts/bench.py [--setup-peers] [--out DIR] [--quick]     (also: moodkiosk bench ...)

For each pipeline, in its own process and venv, pinned to one CPU core with one inference
thread: import and model-load time, face detection, emotion per face and the whole pipeline
per frame (min / median / p95), the frames per second one core sustains on a video, CPU at the
kiosk's 4 fps, peak memory; classifier accuracy on FER-2013 PublicTest (val.npz) and
whole-pipeline accuracy on face photos made from it. For moodkiosk also the daemon itself
(scripts/bench_daemon.py's measurement, and its highest analysis rate). Writes results.json,
report.md and PNG plots into --out. --setup-peers creates the peers' venvs in build/peers/
(pip, PyPI); without it, peers whose venv is missing are reported as not set up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_peers import daemon, inputs, report, venvs  # noqa: E402
from bench_peers.measure import ONE_THREAD_ENV  # noqa: E402

RUNNER = ROOT / "scripts/bench_peers/runner.py"
PEERS_DIR = ROOT / "build/peers"
DEEPFACE_HOME = PEERS_DIR / "deepface-home"  # deepface keeps its weights in $DEEPFACE_HOME/.deepface/weights
PIPELINES = ("moodkiosk", "fer-haar", "fer-mtcnn", "deepface")
STARTUP_TIMEOUT, FULL_TIMEOUT = 300, 3600  # seconds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "build/bench", help="where the report goes (default build/bench)")
    parser.add_argument("--setup-peers", action="store_true", help="create or update the peers' venvs in build/peers first")
    parser.add_argument("--pipelines", default=",".join(PIPELINES), help=f"comma-separated subset of {', '.join(PIPELINES)}")
    parser.add_argument("--frames", type=int, default=300, help="timed calls per stage and pipeline (default 300)")
    parser.add_argument("--photos", type=int, default=600, help="face photos for the whole-pipeline accuracy (default 600)")
    parser.add_argument("--startups", type=int, default=3, help="fresh processes timing import and load (default 3)")
    parser.add_argument("--core", type=int, default=(os.cpu_count() or 1) - 1, help="the CPU core to pin to (default: the last)")
    parser.add_argument("--max-load", type=float, default=0.7, help="wait until the 1-minute load average is below this")
    parser.add_argument("--wait-minutes", type=float, default=20.0, help="... for at most this long (then run anyway)")
    parser.add_argument("--no-daemon", action="store_true", help="skip the runs of the moodkiosk daemon itself")
    parser.add_argument("--quick", action="store_true", help="a smoke test: few frames and photos, short runs, no daemon or wait")
    parser.add_argument("--from-results", type=Path, metavar="FILE", help="measure nothing: redraw the report of a results.json")
    args = parser.parse_args(argv)
    args.pipelines = [name for name in args.pipelines.split(",") if name]
    unknown = sorted(set(args.pipelines) - set(PIPELINES))
    if unknown:
        parser.error(f"unknown pipeline(s): {', '.join(unknown)}")
    if args.quick:
        args.frames, args.photos, args.startups, args.no_daemon, args.wait_minutes = 30, 60, 1, True, 0.0
    args.stream_seconds, args.paced_seconds = (4.0, 3.0) if args.quick else (20.0, 12.0)
    return args


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def wait_for_quiet(max_load: float, minutes: float) -> dict[str, Any]:
    """Poll every 30 s until the 1-minute load average is below ``max_load`` (or time runs out)."""
    started = time.monotonic()
    while load_average()[0] >= max_load and time.monotonic() - started < minutes * 60:
        print(f"bench: load average {load_average()[0]:.2f} >= {max_load}; waiting", file=sys.stderr)
        time.sleep(30)
    return {"threshold": max_load, "waited_s": round(time.monotonic() - started), "start": load_average()}


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith(("model name", "Model"))), "")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory = next((line.split()[1] for line in meminfo if line.startswith("MemTotal")), "0")
    return {
        "arch": platform.machine(),
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory) / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def prepare_peers(wanted: list[str], set_up: bool) -> dict[str, Any]:
    """Each peer's venv: created when asked, and whether it is ready."""
    status: dict[str, Any] = {}
    for peer in venvs.PEERS.values():
        if not set(peer.pipelines) & set(wanted):
            continue
        entry: dict[str, Any] = {"venv": str(venvs.venv_dir(PEERS_DIR, peer).relative_to(ROOT)), "notes": list(peer.notes)}
        if set_up and not venvs.is_ready(PEERS_DIR, peer):
            print(f"bench: setting up {peer.name} in {entry['venv']} (pip; a few minutes)", file=sys.stderr)
            entry["setup"] = venvs.set_up(PEERS_DIR, peer)
        entry["ready"] = venvs.is_ready(PEERS_DIR, peer)
        entry["venv_mb"] = venvs.size_mb(venvs.venv_dir(PEERS_DIR, peer))
        if peer.name == "deepface":
            entry["weights_linked_from_home"] = venvs.link_deepface_weights(DEEPFACE_HOME)
        status[peer.name] = entry
    return status


def python_for(pipeline: str) -> Path | None:
    if pipeline == "moodkiosk":
        return Path(sys.executable)
    peer = next(p for p in venvs.PEERS.values() if pipeline in p.pipelines)
    return venvs.python_of(venvs.venv_dir(PEERS_DIR, peer)) if venvs.is_ready(PEERS_DIR, peer) else None


def runner_env() -> dict[str, str]:
    """This environment without moodkiosk's settings, with one thread asked of every library."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODKIOSK_")}
    quiet = {"TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONDONTWRITEBYTECODE": "1"}
    return env | ONE_THREAD_ENV | quiet | {"DEEPFACE_HOME": str(DEEPFACE_HOME)}


def run_runner(python: Path, pipeline: str, work: Path, args: argparse.Namespace, mode: str) -> dict[str, Any]:
    """One runner process; its JSON (or why it produced none). A start-up may take 5 minutes, a full run an hour."""
    result = work / f"{pipeline}-{mode}.json"
    result.unlink(missing_ok=True)
    command = [
        str(python), str(RUNNER), pipeline, "--work", str(work), "--result", str(result), "--mode", mode,
        "--core", str(args.core), "--frames", str(args.frames), "--video", str(args.video),
        "--stream-seconds", str(args.stream_seconds), "--paced-seconds", str(args.paced_seconds),
    ]  # fmt: skip
    limit = STARTUP_TIMEOUT if mode == "startup" else FULL_TIMEOUT
    with (work / f"{pipeline}.log").open("a") as log:
        try:
            subprocess.run(command, env=runner_env(), stdout=log, stderr=log, timeout=limit, check=False)
        except subprocess.TimeoutExpired:
            return {"error": f"TimeoutExpired: the {mode} run took more than {limit} s (a download that hangs?)"}
    if not result.exists():
        return {"error": f"the runner wrote no result; see {work / f'{pipeline}.log'}"}
    return json.loads(result.read_text())


def startup_medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    good = [run["startup"] for run in runs if "startup" in run]
    medians = {key: round(float(np.median([run[key] for run in good])), 3) for key in good[0]} if good else {}
    return medians | {"runs": good}


def measure(pipeline: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Startup in fresh processes (after one untimed warm-up of the disk cache), then the full run."""
    python = python_for(pipeline)
    if python is None:
        return {"error": "its venv is not set up: run scripts/bench.py --setup-peers"}
    print(f"bench: {pipeline}", file=sys.stderr)
    first = run_runner(python, pipeline, work, args, "startup")
    if "error" in first:
        return first  # it cannot start here: the reason, and how far it got
    startups = [run_runner(python, pipeline, work, args, "startup") for _ in range(args.startups)]
    result = run_runner(python, pipeline, work, args, "full")
    result["startup"] = startup_medians(startups) if "error" not in result else result.get("startup", {})
    return result


def score_photos(predictions: list[int], truth: np.ndarray) -> dict[str, Any]:
    """Face found, and emotion right, on the face photos."""
    predicted = np.asarray(predictions)
    found = predicted >= 0
    right = predicted == truth
    return {
        "n": len(predicted),
        "face_found": round(float(found.mean()), 6),
        "accuracy": round(float(right.mean()), 6),
        "accuracy_where_found": round(float(right[found].mean()), 6) if found.any() else None,
    }


def ratio(peer: float | None, ours: float | None) -> float | None:
    return round(peer / ours, 2) if peer and ours else None


def end_to_end(result: dict[str, Any]) -> float:
    return result["stages"]["end_to_end"]["median_ms"]


def val_accuracy(result: dict[str, Any]) -> float:
    return result["classifier"]["val"]["accuracy"]


def ratios(pipelines: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """moodkiosk vs each peer: the peer's time and memory as multiples of moodkiosk's; accuracy as ours / theirs."""
    ours = pipelines.get("moodkiosk", {})
    if "error" in ours or not ours:
        return {}
    found: dict[str, dict[str, float | None]] = {}
    for name, peer in pipelines.items():
        if name == "moodkiosk" or "error" in peer:
            continue
        found[name] = {
            "per_frame_time_peer_over_ours": ratio(end_to_end(peer), end_to_end(ours)),
            "peak_rss_peer_over_ours": ratio(peer["peak_rss_mb"], ours["peak_rss_mb"]),
            "classifier_accuracy_ours_over_peer": ratio(val_accuracy(ours), val_accuracy(peer)),
            "pipeline_accuracy_ours_over_peer": ratio(ours["photos"]["accuracy"], peer["photos"]["accuracy"]),
            "sustained_fps_ours_over_peer": ratio(ours.get("sustained", {}).get("fps"), peer.get("sustained", {}).get("fps")),
        }
    return found


def daemon_runs(work: Path, video: Path) -> dict[str, Any]:
    print("bench: the moodkiosk daemon", file=sys.stderr)
    return {"default_rate": daemon.at_default_rate(video, work), "max_rate": daemon.at_max_rate(video, work, 30.0)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_results:
        args.out.mkdir(parents=True, exist_ok=True)
        report.write(json.loads(args.from_results.read_text()), args.out)
        return 0
    command = "scripts/bench.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    peers = prepare_peers(args.pipelines, args.setup_peers)
    load = wait_for_quiet(args.max_load, args.wait_minutes)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="moodkiosk-bench-") as tmp:
        work = Path(tmp)
        described = inputs.build(work, per_video=8, photos=args.photos)
        args.video = inputs.rate_video(work)
        photo_truth = np.load(work / "inputs.npz")["photo_y"]
        pipelines = {name: measure(name, work, args) for name in args.pipelines}
        for result in pipelines.values():
            if "photo_predictions" in result:
                result["photos"] = score_photos(result.pop("photo_predictions"), photo_truth)
        daemon_result = {} if args.no_daemon else daemon_runs(work, args.video)
    load["end"] = load_average()
    results = {
        "generated": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now(UTC) - started).total_seconds()),
        "command": command,
        "machine": machine(),
        "load_average": load,
        "settings": {
            "core": args.core,
            "frames_per_stage": args.frames,
            "sustained_seconds": args.stream_seconds,
            "paced_seconds": args.paced_seconds,
            "startups": args.startups,
            "thread_env": ONE_THREAD_ENV,
        },
        "inputs": described | {"rate_video": args.video.name},
        "peers": peers | {"torchvision_standin_note": venvs.STANDIN_NOTE},
        "pipelines": pipelines,
        "daemon": daemon_result,
        "ratios": ratios(pipelines),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    report.write(results, args.out)
    print(report.summary(results))
    print(f"bench: wrote {args.out / 'report.md'}, results.json and plots", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
