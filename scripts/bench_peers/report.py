"""report.md and its plots (per-stage latency, memory, accuracy), all from results.json's figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

LABELS = {"moodkiosk": "moodkiosk", "fer-haar": "fer (Haar)", "fer-mtcnn": "fer (MTCNN)", "deepface": "deepface"}
STAGES = {"detection": "face detection", "emotion_per_face": "emotion per face", "end_to_end": "end to end"}
DPI = 100


def ran(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pipelines that produced measurements."""
    return {name: r for name, r in results["pipelines"].items() if "error" not in r}


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def ms(stage: dict[str, Any] | None, keys: tuple[str, ...] = ("median_ms",)) -> str:
    if not stage:
        return "-"
    return " / ".join(f"{stage[key]:.2f}" if stage[key] < 10 else f"{stage[key]:.1f}" for key in keys)


def versus(ours: dict[str, Any], peer: dict[str, Any]) -> str:
    """ "69.4 % vs 65.4 %, +4.0 points" from two dicts holding ``accuracy``."""
    points = 100 * (ours["accuracy"] - peer["accuracy"])
    return f"{pct(ours['accuracy'])} vs {pct(peer['accuracy'])}, {points:+.1f} points"


def times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table_rows(r: dict[str, Any]) -> dict[str, str]:
    """One pipeline's column of the main table."""
    stages, startup, clf, photos = r["stages"], r["startup"], r["classifier"], r["photos"]
    sustained = r.get("sustained", {})
    return {
        "import (s)": f"{startup['import_s']:.2f}",
        "model load (s)": f"{startup['load_s']:.2f}",
        "first frame (ms)": f"{startup['first_frame_ms']:.0f}",
        "face detection per frame, median / p95 (ms)": ms(stages["detection"], ("median_ms", "p95_ms")),
        "emotion per face, median / p95 (ms)": ms(stages.get("emotion_per_face"), ("median_ms", "p95_ms")),
        "**end to end per frame, min / median / p95 (ms)**": ms(stages["end_to_end"], ("min_ms", "median_ms", "p95_ms")),
        "frames per second, one core, video decoded too": f"{sustained['fps']:.1f}" if sustained else "-",
        "CPU at 4 frames/s (% of one core)": f"{r['paced']['cpu_percent_of_one_core']:.1f}",
        "RSS: before import / after load (MB)": f"{r['rss_baseline_mb']:.0f} / {r['rss_after_load_mb']:.0f}",
        "**peak RSS (MB)**": f"{r['peak_rss_mb']:.0f}",
        "**classifier accuracy, val.npz** (macro recall)": f"{pct(clf['val']['accuracy'])} ({pct(clf['val']['macro_recall'])})",
        "classifier time per face, eval (ms)": f"{clf['val']['ms_per_image']:.2f}",
        "face photos: face found": pct(photos["face_found"]),
        "**face photos: emotion right** (of all photos)": pct(photos["accuracy"]),
        "face photos: emotion right where a face was found": pct(photos["accuracy_where_found"]),
        "the same faces, classifier alone (48x48)": pct(clf["photo_subset"]["accuracy"]),
    }


def main_table(results: dict[str, Any]) -> list[str]:
    columns = ran(results)
    rows = {name: table_rows(r) for name, r in columns.items()}
    header = "| | " + " | ".join(LABELS[name] for name in columns) + " |"
    lines = [header, "|---" * (len(columns) + 1) + "|"]
    for key in next(iter(rows.values())):
        lines.append(f"| {key} | " + " | ".join(rows[name][key] for name in columns) + " |")
    return lines


def ratio_lines(results: dict[str, Any]) -> list[str]:
    """The headline: each peer against moodkiosk, measured in this run."""
    ours = results["pipelines"].get("moodkiosk", {})
    lines = []
    for name, ratio in results["ratios"].items():
        peer = results["pipelines"][name]
        lines.append(
            f"- **{LABELS[name]}** takes **{times(ratio['per_frame_time_peer_over_ours'])}** as long per frame as moodkiosk "
            f"(median end to end {ms(peer['stages']['end_to_end'])} ms vs {ms(ours['stages']['end_to_end'])} ms) and uses "
            f"**{times(ratio['peak_rss_peer_over_ours'])}** its peak memory ({peer['peak_rss_mb']:.0f} MB vs "
            f"{ours['peak_rss_mb']:.0f} MB). moodkiosk's accuracy is **{times(ratio['classifier_accuracy_ours_over_peer'])}** "
            f"fer's for the classifier on val.npz ({versus(ours['classifier']['val'], peer['classifier']['val'])}) and "
            f"**{times(ratio['pipeline_accuracy_ours_over_peer'])}** for the whole pipeline on the face photos "
            f"({versus(ours['photos'], peer['photos'])})."
        )
    for name, r in results["pipelines"].items():
        if "error" in r:
            lines.append(f"- **{LABELS[name]}**: not measured: {short_error(r['error'])} (details below)")
    return lines


def short_error(error: str) -> str:
    """The outermost error's first sentence and, when there is one, the innermost cause."""
    lines = error.splitlines()
    first = lines[0].split(". ")[0]
    return first if len(lines) == 1 else f"{first}; innermost cause: {lines[-1]}"


def daemon_lines(results: dict[str, Any]) -> list[str]:
    d = results.get("daemon") or {}
    if not d:
        return ["Not run (`--no-daemon` or `--quick`)."]
    default, top = d["default_rate"], d["max_rate"]
    return [
        "`moodkiosk run` on a video (real mpv with null audio and video outputs; the web page on at the default rate,"
        " off at the highest), not pinned to a core, as it runs on a kiosk:",
        "",
        "| analysis rate | frames analysed per second | CPU (% of one core) | RSS median / peak (MB) | threads |",
        "|---|---|---|---|---|",
        f"| default, `camera.analysis_fps = 4` | 4 | {default['cpu_percent_of_one_core']} | "
        f"{default['rss_mb_median']} / {default['rss_mb_peak']} | {default['threads']} |",
        f"| highest, `camera.analysis_fps = 30` | **{top['fps_median']}** (the video gives {top['video_fps']}) | "
        f"{top.get('cpu_percent_of_one_core', '-')} | {top.get('rss_mb_median', '-')} / {top.get('rss_mb_peak', '-')} | "
        f"{top.get('threads', '-')} |",
        "",
        f"Video: `{default['video']}`. A video file plays at its own frame rate, like a camera, so the daemon cannot"
        " analyse more frames than it gives; the rate measured is what the daemon sustains with the camera it has.",
    ]


def readings_lines(results: dict[str, Any]) -> list[str]:
    columns = ran(results)
    emotions = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    lines = ["| photo | " + " | ".join(LABELS[n] for n in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    photos = {"astronaut": "astronaut (Eileen Collins, smiling)", "camera": "cameraman", "coffee": "coffee (no face)"}
    for key, title in photos.items():
        cells = []
        for r in columns.values():
            faces = r["readings"].get(key, [])
            cells.append(", ".join(f"{emotions[f['emotion']]} at {tuple(f['box'])}" for f in faces) or "no face")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return lines


def save_with_legend_below(fig: Any, ax: Any, path: Path) -> None:
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def latency_plot(results: dict[str, Any], path: Path) -> None:
    columns = ran(results)
    fig, ax = plt.subplots(figsize=(7.5, 4.0), dpi=DPI)
    width = 0.8 / len(STAGES)
    for i, (stage, title) in enumerate(STAGES.items()):
        medians = [r["stages"].get(stage, {}).get("median_ms", 0) for r in columns.values()]
        p95 = [r["stages"].get(stage, {}).get("p95_ms", 0) for r in columns.values()]
        positions = [k + (i - 1) * width for k in range(len(columns))]
        errors = [[0] * len(p95), [max(0.0, p - m) for p, m in zip(p95, medians, strict=True)]]
        ax.barh(positions, medians, height=width, xerr=errors, capsize=2, label=title)
    ax.set_yticks(range(len(columns)), [LABELS[n] for n in columns])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds, median (line: p95), log scale")
    ax.set_title("Per-stage latency, one core, same frames")
    save_with_legend_below(fig, ax, path)


def memory_plot(results: dict[str, Any], path: Path) -> None:
    columns = ran(results)
    names = [LABELS[n] for n in columns]
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=DPI)
    peak = [r["peak_rss_mb"] for r in columns.values()]
    loaded = [r["rss_after_load_mb"] for r in columns.values()]
    base = [r["rss_baseline_mb"] for r in columns.values()]
    ax.barh(names, peak, color="#c44e52", label="peak while analysing")
    ax.barh(names, loaded, color="#dd8452", label="after model load")
    ax.barh(names, base, color="#8c8c8c", label="before import (Python, NumPy, frames)")
    for y, value in enumerate(peak):
        ax.text(value, y, f" {value:.0f}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("resident memory (MB)")
    ax.set_title("Memory of each pipeline's process")
    save_with_legend_below(fig, ax, path)


def accuracy_plot(results: dict[str, Any], path: Path) -> None:
    columns = ran(results)
    series = {
        "classifier, val.npz": [r["classifier"]["val"]["accuracy"] for r in columns.values()],
        "face photos: face found": [r["photos"]["face_found"] for r in columns.values()],
        "face photos: emotion right": [r["photos"]["accuracy"] for r in columns.values()],
    }
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=DPI)
    width = 0.8 / len(series)
    for i, (title, values) in enumerate(series.items()):
        positions = [k + (i - 1) * width for k in range(len(columns))]
        bars = ax.bar(positions, [100 * v for v in values], width=width, label=title)
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    ax.set_xticks(range(len(columns)), [LABELS[n] for n in columns])
    ax.set_ylim(0, 110)
    ax.set_ylabel("%")
    ax.set_title("Accuracy on FER-2013 PublicTest")
    save_with_legend_below(fig, ax, path)


def header_lines(results: dict[str, Any]) -> list[str]:
    m, load, s = results["machine"], results["load_average"], results["settings"]
    waited = f", after waiting {load['waited_s']} s for it to drop below {load['threshold']}" if load["waited_s"] else ""
    return [
        "# moodkiosk against its peers",
        "",
        f"Generated {results['generated']} by `{results['command']}` ({results['seconds']} s). Every figure below comes"
        " from that one run; nothing is copied from elsewhere.",
        "",
        f"- **Machine:** {m['arch']}, {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, CPU only; {m['os']};"
        f" Python {m['python']}.",
        f"- **Load average** (1, 5, 15 min): {' '.join(map(str, load['start']))} at the start{waited};"
        f" {' '.join(map(str, load['end']))} at the end.",
        f"- **Fairness:** each pipeline runs in its own process and venv, pinned to CPU core {s['core']}"
        " (`sched_setaffinity`), with one inference thread: moodkiosk's `inference.threads = 1` (the default),"
        " `torch.set_num_threads(1)` for MTCNN, and " + ", ".join(f"`{k}=1`" for k in s["thread_env"]) + " in the"
        " environment. fer's TFLite interpreter takes no thread setting through fer's API; the pinning holds it to one core.",
        f"- **Repetitions:** {s['frames_per_stage']} timed calls per stage and pipeline (after a warm-up pass);"
        f" import and load: the median of {s['startups']} fresh process(es) (after one untimed run that warms the disk cache).",
    ]


def method_lines(results: dict[str, Any]) -> list[str]:
    i, s = results["inputs"], results["settings"]
    return [
        "## What was measured, on what",
        "",
        f"- **Frames** ({i['frames']}, sizes {', '.join(i['frame_sizes'])}): " + "; ".join(i["frame_sources"]) + "."
        " Videos' frames are scaled to 640 pixels wide. Every pipeline gets the same pixels (RGB for moodkiosk, the"
        " same frame as BGR for fer and deepface, converted before timing).",
        "- **Face detection:** moodkiosk `FaceDetector.detect` (MediaPipe's BlazeFace short-range model, run by LiteRT); "
        "fer `FER.find_faces`.",
        "- **Emotion per face:** from a face box found on these frames to its emotion. moodkiosk: grey conversion, the"
        " calibrated crop, the int8 model on the views the model's JSON asks for (as the analyzer does). fer:"
        " `FER.detect_emotions(frame, face_rectangles=[box])` (grey conversion, padding, crop, 64x64, its model).",
        "- **End to end:** `FrameAnalyzer.analyze(frame)`; `FER.detect_emotions(frame)`; `DeepFace.analyze(frame,"
        " actions=('emotion',))`.",
        f"- **Frames per second, one core:** every frame of `{i['rate_video']}` decoded with OpenCV and analysed, as fast"
        f" as the pinned core allows, for up to {s['sustained_seconds']:.0f} s. **CPU at 4 frames/s:** one frame analysed"
        f" every 0.25 s (the kiosk's default rate) for {s['paced_seconds']:.0f} s; CPU time of the process over wall time.",
        "- **Memory:** resident set of the runner process (`VmRSS`; peak = `VmHWM` after the latency, rate and CPU"
        " phases, before the accuracy phases). The baseline (Python, NumPy and the frames) is the same for all.",
        f"- **Classifier accuracy:** FER-2013 PublicTest, `{i['val']['path']}`, {i['val']['n']} faces of 48x48, scored"
        " by `device/inference/evaluation.py` (`moodkiosk eval`) for every classifier, one face at a time. fer's model"
        " gets fer's own preprocessing (resize to 64x64, scale to -1..1).",
        f"- **Whole pipeline on face photos:** no labelled photos of real scenes are available offline, so the"
        f' "photos" are {i["photos"]} faces drawn at random (seed 0) from the same PublicTest file, each upscaled 4x'
        " (192 px) and centred on a 384x384 canvas of its mean grey. Right = a face was found and the largest face's"
        " emotion is the label; a photo without a face found counts as wrong.",
        "- **Caveats:** moodkiosk's model was selected (best epoch) and its crop calibrated on this PublicTest file,"
        " which favours it here (the held-out PrivateTest split is not available), and 280 PublicTest images also"
        " appear in FER-2013 Training, its training set. fer's model was trained on FER-2013 too (fer credits"
        " oarriaga/face_classification); which rows it was trained and selected on is not stated in the fer package."
        " The photos are FER faces on grey canvases, not scenes. fer with MTCNN passes the BGR frame it is given to"
        " facenet-pytorch's MTCNN, which expects RGB (fer's code, run unmodified).",
    ]


def versions_lines(results: dict[str, Any]) -> list[str]:
    """What ran: each pipeline's package versions, models and detector."""
    lines = ["## What ran", ""]
    for name, r in ran(results).items():
        info = r.get("info", {})
        packages = ", ".join(f"{package} {version}" for package, version in info.get("versions", {}).items())
        parts = [packages, info.get("models", ""), info.get("detector", "")]
        if info.get("torchvision_standin"):
            parts.append("torchvision: the NumPy stand-in described below")
        lines.append(f"- **{LABELS[name]}**: " + "; ".join(part for part in parts if part) + ".")
    return lines


def peer_lines(results: dict[str, Any]) -> list[str]:
    lines = ["## The peers: how they were installed and run", ""]
    peers = results["peers"]
    for name, peer in peers.items():
        if not isinstance(peer, dict):
            continue
        lines.append(f"- **{name}** (`{peer['venv']}`, {peer['venv_mb'] / 1024:.1f} GB): " + " ".join(peer["notes"]))
        standin = any(
            r.get("info", {}).get("torchvision_standin") for n, r in results["pipelines"].items() if n.startswith("fer")
        )
        if name == "fer" and standin:
            lines.append(f"  {peers['torchvision_standin_note']}")
    for name, r in results["pipelines"].items():
        if "error" in r:
            lines += ["", f"**{LABELS[name]}** could not be measured here. What it said:", "", "```text", r["error"], "```"]
    return lines


def reproduce_lines(results: dict[str, Any]) -> list[str]:
    return [
        "## Reproduce",
        "",
        "```sh",
        "scripts/setup.sh --test                       # moodkiosk's venv with scikit-image",
        ".venv/bin/moodkiosk bench --setup-peers --out docs/benchmarks",
        "# or: .venv/bin/python scripts/bench.py --setup-peers --out docs/benchmarks   (--help for the options)",
        "```",
        "",
        "The first `--setup-peers` creates `build/peers/fer-venv` and `build/peers/deepface-venv` with pip (sizes above;"
        " the fer venv holds TensorFlow and PyTorch). On a Raspberry Pi the same command runs; a peer that does not"
        " install there is reported as not set up (pip's log is in build/peers/), and the rest is measured.",
    ]


def write(results: dict[str, Any], out: Path) -> None:
    """report.md, latency.png, memory.png and accuracy.png in ``out``."""
    measured = ran(results)
    lines = [*header_lines(results), "", "## Headline: moodkiosk against each peer, this run", "", *ratio_lines(results)]
    if measured:
        latency_plot(results, out / "latency.png")
        memory_plot(results, out / "memory.png")
        accuracy_plot(results, out / "accuracy.png")
        lines += ["", "## All figures", "", *main_table(results)]
        lines += ["", "![per-stage latency](latency.png)", "", "![memory](memory.png)", "", "![accuracy](accuracy.png)"]
        lines += ["", "## What each pipeline reads in the photos", "", *readings_lines(results)]
    lines += ["", "## The moodkiosk daemon", "", *daemon_lines(results)]
    lines += ["", *method_lines(results), "", *versions_lines(results), "", *peer_lines(results), "", *reproduce_lines(results)]
    (out / "report.md").write_text("\n".join(lines) + "\n")


def summary(results: dict[str, Any]) -> str:
    """A few lines for the terminal."""
    lines = []
    for name, r in results["pipelines"].items():
        if "error" in r:
            lines.append(f"{LABELS[name]:<12} not measured: {r['error'].splitlines()[0]}")
            continue
        lines.append(
            f"{LABELS[name]:<12} end to end {ms(r['stages']['end_to_end'])} ms, peak RSS {r['peak_rss_mb']:.0f} MB, "
            f"classifier {pct(r['classifier']['val']['accuracy'])}, face photos {pct(r['photos']['accuracy'])}"
        )
    return "\n".join(lines)
