"""The independent attack's costly requests, measured (a benchmark; the tests prove the behaviour).

    .venv/bin/python scripts/bench_attacks.py [--out FILE]

Against the real daemon (camera: a looping video, so frames are analysed meanwhile), on loopback:

- each photo upload alone: the daemon's peak resident memory above what it held before
  (VmHWM, reset through /proc/PID/clear_refs before each photo), and the answer;
- 20 uploads of an 11.6-megapixel PNG at once, while /api/state is asked every 20 ms: its
  latency (p50 / p95 / max) and the answers (200, 429 busy);
- 200 wrong passwords for one account at once: the answers (401, 429) and the seconds of CPU
  the daemon spent on them.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import numpy as np
import skimage.data
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_daemon import make_music  # noqa: E402
from bench_kiosk import PASSWORD, BenchKiosk  # noqa: E402

from device.cli.media_files import write_slideshow  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def photos() -> dict[str, bytes]:
    """What the attack sent, and what phones send."""
    astronaut = Image.fromarray(skimage.data.astronaut())
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 256, (3000, 4000, 3), dtype=np.uint8))
    return {
        "32767 x 1 PNG (the abort)": encoded(Image.new("L", (32767, 1)), "PNG", optimize=True),
        "6300 x 6300 lossless WebP, 1.6 KB (the memory bomb)": encoded(Image.new("RGB", (6300, 6300)), "WEBP", lossless=True),
        "3400 x 3400 PNG (allowed, 11.6 MP)": encoded(Image.linear_gradient("L").resize((3400, 3400)).convert("RGB"), "PNG"),
        "2200 x 2200 lossless WebP (allowed, 4.8 MP)": encoded(
            Image.linear_gradient("L").resize((2200, 2200)).convert("RGB"), "WEBP", lossless=True
        ),
        "4000 x 3000 JPEG of noise (a phone photo's size)": encoded(noise, "JPEG", quality=90),
        "8000 x 6000 JPEG (48 MP phone)": encoded(astronaut.resize((8000, 6000)), "JPEG", quality=85),
        "512 x 512 astronaut, MPO (phone)": encoded(astronaut, "MPO", save_all=True, append_images=[astronaut]),
    }


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def upload(session: aiohttp.ClientSession, base: str, csrf: dict, payload: bytes) -> int:
    form = aiohttp.FormData()
    form.add_field("file", payload, filename="photo", content_type="application/octet-stream")
    async with session.post(base + "/api/analyze", data=form, headers=csrf) as response:
        await response.read()
        return response.status


async def measure(base: str, pid: int) -> dict:
    report: dict = {}
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=24), cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as session:
        async with session.post(base + "/api/login", json={"username": "bench", "password": PASSWORD}) as response:
            csrf = {"X-CSRF-Token": (await response.json())["csrf"]}
        await upload(session, base, csrf, photos()["512 x 512 astronaut, MPO (phone)"])  # the photo analyzer is loaded
        report["uploads"] = []
        for name, payload in photos().items():
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := the RSS now
            before = status_kb(pid, "VmRSS")
            status = await upload(session, base, csrf, payload)
            peak = status_kb(pid, "VmHWM")
            report["uploads"].append({"photo": name, "bytes": len(payload), "status": status,
                                      "peak_above_before_mb": round((peak - before) / 1024, 1)})  # fmt: skip

        payload = photos()["3400 x 3400 PNG (allowed, 11.6 MP)"]
        latencies: list[float] = []
        uploads = [asyncio.ensure_future(upload(session, base, csrf, payload)) for _ in range(20)]
        while not all(task.done() for task in uploads):
            started = time.perf_counter()
            async with session.get(base + "/api/state") as response:
                await response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.02)
        answers = Counter(task.result() for task in uploads)
        report["state_while_20_uploads"] = {
            "requests": len(latencies),
            "p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "p95_ms": round(float(np.percentile(latencies, 95)), 1),
            "max_ms": round(max(latencies), 1),
            "upload_answers": dict(sorted(answers.items())),
        }

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=24)) as attacker:
        cpu_before, started = cpu_seconds(pid), time.monotonic()

        async def guess(n: int) -> int:
            async with attacker.post(base + "/api/login", json={"username": "bench", "password": f"guess {n}"}) as response:
                return response.status

        answers = Counter(await asyncio.gather(*(guess(n) for n in range(200))))
        report["200_parallel_wrong_passwords"] = {
            "answers": dict(sorted(answers.items())),
            "seconds": round(time.monotonic() - started, 2),
            "daemon_cpu_seconds": round(cpu_seconds(pid) - cpu_before, 2),
        }
    report["rss_after_mb"] = round(status_kb(pid, "VmRSS") / 1024, 1)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        video = write_slideshow(work / "faces.mp4", [(skimage.data.astronaut(), 20)], fps=25, size=(640, 480))
        with BenchKiosk(work, camera=str(video), music=make_music(work / "music")) as kiosk:
            time.sleep(3)
            report = {"machine": f"{os.uname().machine}, {os.cpu_count()} cores", **asyncio.run(measure(kiosk.base, kiosk.pid))}
            report["daemon_alive"] = kiosk.process.poll() is None
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
