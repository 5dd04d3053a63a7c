"""Where the daemon's memory goes, and what it costs when nobody is there (a benchmark).

    .venv/bin/python scripts/bench_memory.py [--minutes 10] [--out FILE]

1. Imports and models: each of the daemon's big imports and each model, loaded one after the
   other in a fresh process in the daemon's order; the resident (RSS) and anonymous memory each
   one adds (from /proc/self/smaps_rollup).
2. The daemon for ``--minutes`` at the default settings on a looping video (a face, then nobody,
   then a face), with music playing (real mpv, null outputs) and the page open (a member signed
   in, the live event stream open, the state read every few seconds): RSS and anonymous memory
   at the end and their peaks, sampled every 2 s from /proc/PID/smaps_rollup.
3. Nobody in view: the daemon on a video of an empty room for 60 s after its first 15 s: CPU %
   of one core and the frames analysed per second (the idle rate), with the face backend each time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import skimage.data

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_daemon import TICKS, make_music  # noqa: E402
from bench_kiosk import PASSWORD, BenchKiosk  # noqa: E402

from device.cli.media_files import write_slideshow  # noqa: E402

STEPS = [
    ("python", "pass"),
    ("numpy", "import numpy"),
    ("opencv (cv2)", "import cv2"),
    ("LiteRT", "import ai_edge_litert.interpreter"),
    ("aiohttp, jinja2, sessions", "import aiohttp.web, aiohttp_jinja2, aiohttp_session"),
    ("pydantic settings", "from device.core.config import Settings; settings = Settings()"),
    ("libmpv (python-mpv)", "import mpv"),
    ("the daemon's own code", "import device.daemon"),
    (
        "face model (LiteRT)",
        "from device.inference.blazeface import BlazeFaceLiteRT; d = BlazeFaceLiteRT(settings.inference.face_model)",
    ),
    (
        "emotion model",
        "from device.inference.emotion_classifier import EmotionClassifier as E; e = E(settings.inference.emotion_model)",
    ),
    ("one 640x480 frame analysed", "import numpy as np; d.detect(np.zeros((480, 640, 3), np.uint8))"),
    ("mpv player started", "m = mpv.MPV(ao='null', vo='null', ytdl=False)"),
]
MEDIAPIPE = ("mediapipe (not loaded by default)", "import mediapipe")


def rollup(pid: int | str = "self") -> dict[str, int]:
    """RSS, anonymous and peak memory (kB) of a process."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    status = Path(f"/proc/{pid}/status").read_text()
    fields["VmHWM"] = int(status.split("VmHWM:")[1].split()[0])
    return fields


def import_costs() -> list[dict]:
    """Run STEPS in one child process, reporting the memory after each."""
    program = ["import json, pathlib",
               "def _mem():\n    r = {}\n    for l in pathlib.Path('/proc/self/smaps_rollup').read_text().splitlines()[1:]:\n"
               "        k, v, *_ = l.split(); r[k.rstrip(':')] = int(v)\n    return r",
               "out = []"]  # fmt: skip
    for name, code in [*STEPS, MEDIAPIPE]:
        program.append(f"{code}\nout.append(({name!r}, _mem()))")
    program.append("print(json.dumps(out))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODKIOSK_")}
    result = subprocess.run([sys.executable, "-c", "\n".join(program)], capture_output=True, text=True, env=env, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"the import steps failed: {result.stderr[-2000:]}")
    steps = json.loads(result.stdout.strip().splitlines()[-1])
    rows, before = [], {"Rss": 0, "Anonymous": 0}
    for name, memory in steps:
        rows.append({"step": name, "rss_mb": round((memory["Rss"] - before["Rss"]) / 1024, 1),
                     "anonymous_mb": round((memory["Anonymous"] - before["Anonymous"]) / 1024, 1),
                     "total_rss_mb": round(memory["Rss"] / 1024, 1)})  # fmt: skip
        before = memory
    return rows


def start_daemon(work: Path, video: Path, **settings: str) -> BenchKiosk:
    """The daemon on ``video`` (looping), up; stop it with ``__exit__`` (or use it in a ``with``)."""
    return BenchKiosk(work, camera=str(video), music=make_music(work / "music"), **settings).__enter__()


async def household(base: str, until: float) -> None:
    """A member with the page open: the live stream, and the state read every few seconds."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await session.post(base + "/api/login", json={"username": "bench", "password": PASSWORD})
        async with session.get(base + "/api/events") as stream:
            while time.monotonic() < until:
                async with session.get(base + "/api/state") as response:
                    await response.read()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stream.content.read(65536), 5)


def long_run(work: Path, minutes: float) -> dict:
    video = write_slideshow(work / "visits.mp4", [(skimage.data.astronaut(), 40), (skimage.data.coffee(), 40)],
                            fps=25, size=(640, 480))  # fmt: skip
    kiosk = start_daemon(work / "long", video)
    process, base = kiosk.process, kiosk.base
    samples = []
    until = time.monotonic() + minutes * 60

    async def sampling() -> None:
        visitor = asyncio.ensure_future(household(base, until))
        while time.monotonic() < until:
            samples.append(rollup(process.pid))
            await asyncio.sleep(2)
        await visitor

    try:
        asyncio.run(sampling())
    finally:
        process.terminate()
        process.wait(timeout=30)
    last = samples[-1]
    return {
        "minutes": minutes,
        "rss_mb_end": round(last["Rss"] / 1024, 1),
        "anonymous_mb_end": round(last["Anonymous"] / 1024, 1),
        "rss_mb_peak": round(max(s["VmHWM"] for s in samples) / 1024, 1),
        "anonymous_mb_peak": round(max(s["Anonymous"] for s in samples) / 1024, 1),
    }


def idle_cost(work: Path, **settings: str) -> dict:
    video = write_slideshow(work / "empty.mp4", [(skimage.data.coffee(), 30)], fps=25, size=(640, 480))
    kiosk = start_daemon(work / f"idle{len(settings)}", video, **settings)
    process, base = kiosk.process, kiosk.base
    try:
        time.sleep(15)  # start-up, then nobody for longer than camera.idle_after_seconds
        cpu0, frames0, t0 = cpu_seconds(process.pid), frames(base), time.monotonic()
        time.sleep(60)
        cpu1, frames1, t1 = cpu_seconds(process.pid), frames(base), time.monotonic()
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"cpu_percent_of_one_core": round(100 * (cpu1 - cpu0) / (t1 - t0), 2),
            "frames_analysed_per_second": round((frames1 - frames0) / (t1 - t0), 2)}  # fmt: skip


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def frames(base: str) -> int:
    async def ask() -> int:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            await session.post(base + "/api/login", json={"username": "bench", "password": PASSWORD})
            async with session.get(base + "/api/state") as response:
                return int((await response.json())["analysis"]["frames"])

    return asyncio.run(ask())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report: dict = {"machine": f"{os.uname().machine}, {os.cpu_count()} cores"}
    report["imports_and_models"] = import_costs()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        report["idle"] = idle_cost(work)
        report["idle_without_the_idle_rate"] = idle_cost(work, MOODKIOSK_CAMERA__IDLE_FPS="4")
        report["run"] = long_run(work, args.minutes)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
