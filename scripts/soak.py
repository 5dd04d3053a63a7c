"""Soak: the daemon on a looped video for a long time, watched for growth (a benchmark, not a test).

    .venv/bin/python scripts/soak.py [--minutes 20] [--video FILE] [--out docs/reliability/soak.json]

Runs `moodkiosk run` (real mpv with null outputs) on a looping video whose moods change (the
shared crying-then-laughing video when ../shared is there, else a made one), while a client
signs in, reads the state, likes and skips tracks every 20 s. Every 10 s it samples the daemon's
RSS, open file descriptors, threads and CPU time. Reported: first / last / peak values after a
2-minute warm-up, and the trend (least-squares slope per hour) of each; a leak shows as a
steady positive slope.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import numpy as np
import skimage.data

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_daemon import make_music, sample  # noqa: E402
from bench_kiosk import PASSWORD, BenchKiosk  # noqa: E402

from device.cli.media_files import write_slideshow  # noqa: E402

WARM_UP_SECONDS = 120


def process_sample(pid: int) -> dict[str, float]:
    """RSS (MB), open file descriptors, threads and CPU seconds of a process."""
    cpu, rss, threads = sample(pid)
    return {"rss_mb": rss / 2**20, "fds": len(os.listdir(f"/proc/{pid}/fd")), "threads": threads, "cpu_seconds": cpu}


class Household:
    """One member using the page: sign in, read, like, skip (plain urllib, cookies kept)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.csrf = ""

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "X-CSRF-Token": self.csrf}
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=10) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return {"status": error.code}

    def visit(self) -> None:
        if not self.csrf:
            self.csrf = self.call("POST", "/api/login", {"username": "soak", "password": PASSWORD}).get("csrf", "")
        self.call("GET", "/api/state")
        self.call("POST", "/api/favorites")
        self.call("POST", "/api/player/next")
        self.call("GET", "/api/history?hours=1")


def trend_per_hour(times: list[float], values: list[float]) -> float:
    if len(times) < 3:
        return 0.0
    slope = np.polyfit(np.array(times) / 3600, np.array(values), 1)[0]
    return round(float(slope), 2)


def summarize(samples: list[dict]) -> dict:
    steady = [s for s in samples if s["t"] >= WARM_UP_SECONDS] or samples
    times = [s["t"] for s in steady]
    summary = {}
    for key in ("rss_mb", "fds", "threads"):
        values = [s[key] for s in steady]
        summary[key] = {
            "first": round(values[0], 1),
            "last": round(values[-1], 1),
            "peak": round(max(values), 1),
            "trend_per_hour": trend_per_hour(times, values),
        }
    cpu = (steady[-1]["cpu_seconds"] - steady[0]["cpu_seconds"]) / max(1.0, steady[-1]["t"] - steady[0]["t"])
    summary["cpu_percent_of_one_core"] = round(100 * cpu, 1)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--video", type=Path, default=SHARED / "media/video/WolfgangLanger_Pexels.mp4")
    parser.add_argument("--out", type=Path, help="write the samples and the summary as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        video = args.video if args.video.exists() else write_slideshow(
            work / "faces.mp4", [(skimage.data.astronaut(), 20), (skimage.data.coffee(), 10)], fps=25, size=(640, 480)
        )  # fmt: skip
        samples: list[dict] = []
        with BenchKiosk(work, camera=str(video), music=make_music(work / "music"), users=("soak",), wait=False) as kiosk:
            household = Household(kiosk.base)
            started = kiosk.started_at
            while time.monotonic() - started < args.minutes * 60:
                time.sleep(10)
                if kiosk.process.poll() is not None:
                    raise SystemExit(f"the daemon stopped: {kiosk.log.read_text()[-2000:]}")
                samples.append({"t": round(time.monotonic() - started, 1), **process_sample(kiosk.pid)})
                if len(samples) % 2 == 0:
                    household.visit()
        report = {
            "machine": f"{os.uname().machine}, {os.cpu_count()} cores",
            "video": video.name,
            "minutes": args.minutes,
            "summary": summarize(samples),
            "samples": samples,
        }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k != "samples"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
