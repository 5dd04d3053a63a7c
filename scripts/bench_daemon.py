"""The running daemon's cost and reaction time on this machine.

    .venv/bin/python scripts/bench_daemon.py [--video FILE] [--json]

1. CPU and memory: `moodkiosk run` on a video at the default analysis rate (real mpv, null
   outputs), sampling the process every 0.5 s: CPU % of one core, RSS, peak RSS, threads.
2. Reaction time: made videos whose expression change is at a known frame: an empty scene
   then a face (arrival), the same after 20 s of nobody (the analysis then runs at its idle
   rate), and one face going from neutral to happy (a change of mood) built
   from FER-2013 PublicTest faces when ../shared is present. Reported: seconds from the first
   frame of the new expression to the mood event.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import cv2
import numpy as np
import skimage.data

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from device.cli.media_files import write_slideshow  # noqa: E402
from device.core.labels import EMOTIONS  # noqa: E402

VGA = {"fps": 25, "size": (640, 480)}
TICKS = os.sysconf("SC_CLK_TCK")


def make_music(root: Path) -> Path:
    for emotion in EMOTIONS:
        (root / emotion).mkdir(parents=True, exist_ok=True)
        with wave.open(str(root / emotion / "tone.wav"), "wb") as out:
            out.setnchannels(1), out.setsampwidth(2), out.setframerate(8000)
            out.writeframes((np.sin(np.arange(8000 * 60) / 8) * 3000).astype(np.int16).tobytes())
    return root


def fer_face(emotion: str) -> np.ndarray | None:
    """A clear FER-2013 PublicTest face of ``emotion``, upscaled and centred on a grey canvas."""
    val = SHARED / "data/fer2013/val.npz"
    if not val.exists():
        return None
    data = np.load(val)
    image = data["x"][np.flatnonzero(data["y"] == EMOTIONS.index(emotion))[3]]
    canvas = np.full((480, 640), int(image.mean()), np.uint8)
    canvas[48:432, 128:512] = cv2.resize(image, (384, 384), interpolation=cv2.INTER_CUBIC)
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2RGB)


def sample(pid: int) -> tuple[float, int, int]:
    """(CPU seconds, RSS bytes, threads) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    return cpu, rss, int(fields[17])


def run(video: Path, work: Path, extra: list[str] | None = None) -> dict:
    events = work / f"{video.stem}.jsonl"
    command = [
        str(ROOT / ".venv/bin/moodkiosk"), "run", "--camera", str(video), "--until-source-ends",
        "--audio-output", "null", "--video-output", "null", "--events", str(events),
        "--music-dir", str(make_music(work / "music")), "--state-dir", str(work / "state"), *(extra or []),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODKIOSK_")}
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    samples = []
    while process.poll() is None:
        try:
            samples.append((time.monotonic(), *sample(process.pid)))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.5)
    process.wait()
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    return {"samples": samples, "events": lines}


def steady_state(samples: list[tuple[float, float, int, int]], opened_after: float) -> dict:
    """CPU % and memory once the camera is open (start-up excluded)."""
    start = samples[0][0] + opened_after
    steady = [s for s in samples if s[0] >= start]
    (t0, cpu0, _, _), (t1, cpu1, _, _) = steady[0], steady[-1]
    return {
        "cpu_percent_of_one_core": round(100 * (cpu1 - cpu0) / (t1 - t0), 1),
        "rss_mb_median": round(float(np.median([s[2] for s in steady])) / 2**20, 1),
        "rss_mb_peak": round(max(s[2] for s in samples) / 2**20, 1),
        "threads": max(s[3] for s in steady),
        "seconds_measured": round(t1 - t0, 1),
    }


def reaction(result: dict, change_at: float, emotion: str | None = None) -> float | None:
    opened = next(e["t"] for e in result["events"] if e["type"] == "camera" and e["state"] == "open")
    for event in result["events"]:
        if event["type"] == "mood" and event["t"] >= opened + change_at and (emotion is None or event["emotion"] == emotion):
            return round(event["t"] - opened - change_at, 2)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path, default=SHARED / "media/video/WolfgangLanger_Pexels.mp4")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict = {"machine": f"{os.uname().machine}, {os.cpu_count()} cores"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        video = (
            args.video
            if args.video.exists()
            else write_slideshow(work / "astronaut.mp4", [(skimage.data.astronaut(), 30)], **VGA)
        )
        result = run(video, work)
        opened = next(e["t"] for e in result["events"] if e["type"] == "camera")
        report["cost"] = {"video": video.name, **steady_state(result["samples"], opened + 1.0)}
        arrival = write_slideshow(
            work / "arrival.mp4", [(skimage.data.coffee(), 5), (skimage.data.astronaut(), 10)], fps=25, size=(640, 480)
        )
        report["reaction_seconds"] = {"arrival (no face -> smiling face)": reaction(run(arrival, work), 5.0)}
        late = write_slideshow(  # nobody for longer than camera.idle_after_seconds: the analysis is at its idle rate
            work / "late-arrival.mp4", [(skimage.data.coffee(), 20), (skimage.data.astronaut(), 10)], fps=25, size=(640, 480)
        )
        report["reaction_seconds"]["arrival after 20 s of nobody (idle rate)"] = reaction(run(late, work), 20.0)
        neutral, happy = fer_face("neutral"), fer_face("happy")
        if neutral is not None and happy is not None:
            change = write_slideshow(work / "change.mp4", [(neutral, 10), (happy, 15)], **VGA)
            report["reaction_seconds"]["change (neutral face -> happy face)"] = reaction(run(change, work), 10.0, "happy")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        cost = report["cost"]
        print(f"{report['machine']}; daemon on {cost['video']} at the default analysis rate:")
        rss = f"RSS {cost['rss_mb_median']} MB (peak {cost['rss_mb_peak']} MB)"
        print(f"  CPU {cost['cpu_percent_of_one_core']}% of one core, {rss},")
        print(f"  {cost['threads']} threads, over {cost['seconds_measured']} s")
        for name, seconds in report["reaction_seconds"].items():
            print(f"  reaction, {name}: {seconds} s from the first frame to the mood event")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
