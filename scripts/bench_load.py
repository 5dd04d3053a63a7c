"""Load: many page and API clients on loopback while the daemon analyses a video (a benchmark).

    .venv/bin/python scripts/bench_load.py [--clients 40] [--streams 10] [--seconds 60] [--out FILE]

Each client signs in and then, without pause, loads the page and calls the read API (state,
favorites, history, recommendations) and now and then a control (volume); ``--streams`` more
clients hold the live event stream open. Reported: requests per second, latency p50 / p95 / p99
per kind, the error rate, and the frames the daemon analysed per second meanwhile against its
setting (camera.analysis_fps, 4).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import aiohttp
import numpy as np
import skimage.data

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_daemon import make_music  # noqa: E402
from bench_kiosk import PASSWORD, BenchKiosk, wait_until_up  # noqa: E402

from device.cli.media_files import write_slideshow  # noqa: E402

READS = ["/", "/api/state", "/api/favorites", "/api/history?hours=24", "/api/recommendations"]


async def member(base: str, name: str, until: float, latencies: dict, errors: dict) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(base + "/api/login", json={"username": name, "password": PASSWORD}) as response:
            csrf = {"X-CSRF-Token": (await response.json())["csrf"]}
        turn = 0
        while time.monotonic() < until:
            turn += 1
            path, method, body = READS[turn % len(READS)], "GET", None
            if turn % 10 == 0:
                path, method, body = "/api/player/volume", "PUT", {"volume": 40 + turn % 40}
            started = time.perf_counter()
            try:
                async with session.request(method, base + path, json=body, headers=csrf) as response:
                    await response.read()
                    ok = response.status < 400
            except aiohttp.ClientError:
                ok = False
            kind = path.split("?")[0]
            latencies[kind].append(time.perf_counter() - started)
            if not ok:
                errors[kind] += 1


async def listener(base: str, name: str, until: float, counts: list[int]) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await session.post(base + "/api/login", json={"username": name, "password": PASSWORD})
        async with session.get(base + "/api/events", timeout=aiohttp.ClientTimeout(total=None)) as stream:
            while time.monotonic() < until:
                try:
                    line = await asyncio.wait_for(stream.content.readline(), timeout=max(0.1, until - time.monotonic()))
                except TimeoutError:
                    break
                if line.startswith(b"event:"):
                    counts.append(1)


async def frames(base: str) -> int:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await session.post(base + "/api/login", json={"username": "load0", "password": PASSWORD})
        async with session.get(base + "/api/state") as response:
            return (await response.json())["analysis"]["frames"]


async def load(base: str, clients: int, streams: int, seconds: float) -> dict:
    await wait_until_up(base)
    await asyncio.sleep(3)  # the camera opens and the first frames are analysed
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    events: list[int] = []
    frames_before, started = await frames(base), time.monotonic()
    until = started + seconds
    await asyncio.gather(
        *(member(base, f"load{i}", until, latencies, errors) for i in range(clients)),
        *(listener(base, f"load{i % clients}", until, events) for i in range(streams)),
    )
    elapsed = time.monotonic() - started
    analysed = (await frames(base)) - frames_before
    everything = [value for values in latencies.values() for value in values]
    table = {
        kind: {
            "requests": len(values),
            "p50_ms": round(1000 * float(np.percentile(values, 50)), 1),
            "p95_ms": round(1000 * float(np.percentile(values, 95)), 1),
            "p99_ms": round(1000 * float(np.percentile(values, 99)), 1),
            "errors": errors[kind],
        }
        for kind, values in sorted(latencies.items())
    }
    return {
        "clients": clients,
        "streams": streams,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(len(everything) / elapsed, 1),
        "p95_ms_all": round(1000 * float(np.percentile(everything, 95)), 1),
        "error_rate": round(sum(errors.values()) / max(1, len(everything)), 4),
        "live_events_received": len(events),
        "frames_analysed_per_second": round(analysed / elapsed, 2),
        "by_kind": table,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        video = write_slideshow(work / "face.mp4", [(skimage.data.astronaut(), 30)], fps=25, size=(640, 480))
        users = tuple(f"load{index}" for index in range(args.clients))
        with BenchKiosk(work, camera=str(video), music=make_music(work / "music"), users=users) as kiosk:
            report = asyncio.run(load(kiosk.base, args.clients, args.streams, args.seconds))
    report = {"machine": f"{os.uname().machine}, {os.cpu_count()} cores", "analysis_fps_setting": 4.0, **report}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
