"""The second attack's costly requests (issue 26), measured before and after the fixes (a benchmark;
the tests in tests/web/test_hardening_two.py prove the behaviour).

    .venv/bin/python scripts/bench_attacks_two.py [--before TREE] [--out FILE]

Each against the real daemon on loopback, run from this checkout and, with ``--before``, from
another one (e.g. ``git worktree add /tmp/before 60eb0ba^``, the code before the fixes):

- the yt-dlp storm: 30 parallel YouTube searches from one member (yt-dlp is a stand-in that
  imports the real yt_dlp package, so each child costs what a real one does, then answers after
  2 s): the most yt-dlp children at once, the daemon's and its children's memory at their peak,
  the answers;
- an XSPF entity bomb in UTF-16LE without a byte-order mark: the daemon's peak memory above what
  it held, the answer, the seconds;
- a CSV of 800,000 refused rows: the longest wait of /api/state (asked every 20 ms) while it is
  read, the size of the answer, the daemon's peak memory above what it held;
- "Was I right?" with 300,000 corrections stored: 20 members' worth of taps at once for 5 s from
  one member: /api/state's p95 meanwhile, the answers;
- the start: a music folder holding an MP3 with 3,000 embedded pictures (30 MB of tag): seconds
  from the start to the page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import numpy as np
import skimage.data

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_daemon import make_music  # noqa: E402
from bench_kiosk import PASSWORD, BenchKiosk  # noqa: E402

from device.cli.media_files import write_slideshow  # noqa: E402

# The attack's entity bomb: under expat's amplification limit (x100), which counts input bytes, and UTF-16 doubles them.
BOMB = (
    '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE playlist [<!ENTITY a "' + "a" * 500 + '">]>\n'
    '<playlist xmlns="http://xspf.org/ns/0/"><trackList><track><title>'
    + "&a;" * 1_200_000
    + "</title></track></trackList></playlist>"
).encode("utf-16-le")  # 7.2 MB, no byte-order mark: 600 million characters once expanded


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def yt_dlp_stand_in(folder: Path) -> Path:
    script = folder / "yt-dlp"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, re, sys, time\n"
        "import yt_dlp  # what a real yt-dlp child holds in memory\n"
        "search = re.fullmatch(r'ytsearch(\\d+):(.*)', sys.argv[-1], re.S)\n"
        "time.sleep(2)\n"
        "entries = [{'_type': 'url', 'ie_key': 'Youtube', 'id': 'kXYiU_JCYtU', 'title': search.group(2), 'channel': 'x'}]\n"
        "print(json.dumps({'_type': 'playlist', 'entries': entries}))\n"
    )
    script.chmod(0o755)
    return script


async def signed_in(session: aiohttp.ClientSession, base: str) -> dict[str, str]:
    async with session.post(base + "/api/login", json={"username": "bench", "password": PASSWORD}) as response:
        return {"X-CSRF-Token": (await response.json())["csrf"]}


def client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64), cookie_jar=aiohttp.CookieJar(unsafe=True))


async def state_latencies(base: str, session: aiohttp.ClientSession, busy: Callable[[], bool]) -> list[float]:
    latencies: list[float] = []
    while busy():
        started = time.perf_counter()
        async with session.get(base + "/api/state") as response:
            await response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.02)
    return latencies


def summary(latencies: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(latencies, 50)), 1), "p95_ms": round(float(np.percentile(latencies, 95)), 1),
            "max_ms": round(max(latencies), 1), "requests": len(latencies)}  # fmt: skip


async def peak_during(pid: int, action: Awaitable) -> tuple[object, float]:
    """The action's result and the daemon's peak memory above what it held before (MB)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := the RSS now
    before = status_kb(pid, "VmRSS")
    result = await action
    return result, round((status_kb(pid, "VmHWM") - before) / 1024, 1)


async def upload(session: aiohttp.ClientSession, base: str, csrf: dict, name: str, data: bytes) -> tuple[int, int, float]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    started = time.monotonic()
    async with session.post(base + "/api/admin/playlists", params={"name": "list"}, data=form, headers=csrf) as response:
        body = await response.read()
        return response.status, len(body), round(time.monotonic() - started, 2)


async def storm(kiosk: BenchKiosk) -> dict:
    async with client() as session:
        csrf = await signed_in(session, kiosk.base)
        del csrf
        peak = {"children": 0, "rss_mb": 0.0}
        done = False

        async def watch() -> None:
            while not done:
                pids = [p for p in children(kiosk.pid) if b"yt-dlp" in command_line(p)]
                rss = sum(status_kb(p, "VmRSS") for p in [kiosk.pid, *pids]) / 1024
                peak["children"] = max(peak["children"], len(pids))
                peak["rss_mb"] = max(peak["rss_mb"], round(rss, 1))
                await asyncio.sleep(0.05)

        async def search(n: int) -> int:
            async with session.get(kiosk.base + "/api/search", params={"q": f"song {n}", "youtube": "1"}) as response:
                await response.read()
                return response.status

        watcher = asyncio.create_task(watch())
        started = time.monotonic()
        answers = Counter(await asyncio.gather(*(search(n) for n in range(30))))
        seconds = round(time.monotonic() - started, 2)
        done = True
        await watcher
    return {"most_yt_dlp_at_once": peak["children"], "peak_rss_daemon_and_children_mb": peak["rss_mb"],
            "answers": dict(sorted(answers.items())), "seconds": seconds}  # fmt: skip


async def imports(kiosk: BenchKiosk) -> dict:
    report: dict = {}
    async with client() as session, client() as reader:
        csrf = await signed_in(session, kiosk.base)
        await signed_in(reader, kiosk.base)
        sent = upload(session, kiosk.base, csrf, "bomb.xspf", BOMB)
        (status, size, seconds), peak = await peak_during(kiosk.pid, sent)
        report["xspf_utf16_entity_bomb"] = {"status": status, "seconds": seconds, "peak_above_before_mb": peak}
        rows = b"title,artist,url\n" + b",,ftp://a\n" * 800_000
        task = asyncio.ensure_future(peak_during(kiosk.pid, upload(session, kiosk.base, csrf, "many.csv", rows)))
        latencies = await state_latencies(kiosk.base, reader, lambda: not task.done())
        (status, size, seconds), peak = await task
        report["csv_800k_refused_rows"] = {"status": status, "answer_bytes": size, "seconds": seconds,
                                           "peak_above_before_mb": peak, "state_while_read": summary(latencies)}  # fmt: skip
    return report


async def corrections(kiosk: BenchKiosk) -> dict:
    async with client() as session, client() as reader:
        csrf = await signed_in(session, kiosk.base)
        await signed_in(reader, kiosk.base)
        for _ in range(300):  # a mood to correct
            async with reader.get(kiosk.base + "/api/state") as response:
                if (await response.json())["mood"]:
                    break
            await asyncio.sleep(0.1)
        quiet_until = time.monotonic() + 2
        quiet = await state_latencies(kiosk.base, reader, lambda: time.monotonic() < quiet_until)
        until = time.monotonic() + 5
        answers: Counter = Counter()

        async def tap() -> None:
            while time.monotonic() < until:
                async with session.post(kiosk.base + "/api/mood/correction", json={"emotion": "neutral"}, headers=csrf) as r:
                    await r.read()
                    answers[r.status] += 1

        flood = asyncio.gather(*(tap() for _ in range(20)))
        latencies = await state_latencies(kiosk.base, reader, lambda: time.monotonic() < until)
        await flood
    return {"state_before": summary(quiet), "state_during_flood": summary(latencies),
            "answers": dict(sorted(answers.items())), "taps_per_second": round(sum(answers.values()) / 5, 1)}  # fmt: skip


def store_corrections(work: Path, count: int) -> None:
    with sqlite3.connect(work / "state" / "moodkiosk.db") as db:
        now = time.time()
        db.executemany("INSERT INTO corrections (at, predicted, corrected) VALUES (?, 'happy', 'neutral')",
                       [(now - n * 0.001,) for n in range(count)])  # fmt: skip


def picture_flood(path: Path, pictures: int = 3000) -> Path:
    from mutagen.id3 import APIC, ID3, TIT2

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((bytes.fromhex("fffb9064") + bytes(413)) * 2000)  # 52 s of silent MPEG frames
    tag = ID3()
    for number in range(pictures):
        tag.add(APIC(encoding=3, mime="image/jpeg", type=3, desc=f"cover {number}", data=b"\xff\xd8\xff\xe0" + bytes(10_000)))
    tag.add(TIT2(encoding=3, text="Flood"))
    tag.save(path)
    return path


def run(tree: Path, work: Path, video: Path) -> dict:
    report: dict = {"tree": str(tree)}
    music = make_music(work / "music")
    with BenchKiosk(work / "storm", music=music, tree=tree, MOODKIOSK_PLAYER__YTDL_PATH=str(yt_dlp_stand_in(work))) as kiosk:
        report["yt_dlp_storm"] = asyncio.run(storm(kiosk))
    with BenchKiosk(work / "imports", music=music, tree=tree) as kiosk:
        report |= asyncio.run(imports(kiosk))
    with BenchKiosk(work / "corrections", camera=str(video), music=music, tree=tree, wait=False) as kiosk:
        kiosk.process.terminate()  # the accounts and the database exist now; store the corrections, start again
        kiosk.process.wait()
    store_corrections(work / "corrections", 300_000)
    with BenchKiosk(work / "corrections", camera=str(video), music=music, tree=tree) as kiosk:
        report["was_i_right_flood_300k_stored"] = asyncio.run(corrections(kiosk))
    flooded = make_music(work / "flooded")
    picture_flood(flooded / "happy" / "flood.mp3")
    with BenchKiosk(work / "start", music=flooded, tree=tree) as kiosk:
        report["start_with_3000_picture_mp3"] = {"seconds_to_page": round(time.monotonic() - kiosk.started_at, 1)}
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="a checkout of the code before the fixes")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    report: dict = {"machine": f"{os.uname().machine}, {os.cpu_count()} cores", "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        video = write_slideshow(work / "faces.mp4", [(skimage.data.astronaut(), 20)], fps=25, size=(640, 480))
        for name, tree in (("before", args.before), ("after", ROOT)):
            if tree is not None:
                (work / name).mkdir()
                report[name] = run(tree.resolve(), work / name, video)
                print(json.dumps({name: report[name]}, indent=2), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
