"""Multi-room playback through Snapcast (issue 29), measured with Debian's snapserver and two snapclients on
this machine (a benchmark; tests/device/kiosk/test_speakers.py proves the behaviour).

    .venv/bin/python scripts/bench_snapcast.py [--tracks 5] [--out docs/benchmarks/snapcast.json]

- From a track's start to its sound in each room: the kiosk is asked for the next track (a tone of its
  own pitch per track); the time from the kiosk's "track started" to the first of that pitch in each
  room's output (each snapclient writes what it plays, as it plays it, to a file watched every 5 ms).
- The spread between the two rooms: the difference of those two times, per track.
- What Snapcast adds on the kiosk: the daemon's CPU time over 30 s of playback and its memory, with
  player.output = local and = snapcast (snapserver's own process counted apart).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import Daemon, Snapclient, Snapserver, client_session, signed_in, tone  # noqa: E402

PITCHES = (330.0, 440.0, 550.0, 660.0, 770.0, 880.0)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_music(folder: Path) -> None:
    for number, pitch in enumerate(PITCHES):
        (folder / "music" / "neutral").mkdir(parents=True, exist_ok=True)
        tone(folder / "music" / "neutral" / f"t{number}.wav", seconds=60, frequency=pitch)


def heard(room: Snapclient, pitch: float) -> bool:
    found = room.pitch()
    return found is not None and abs(found - pitch) < 10


async def latencies(daemon: Daemon, rooms: list[Snapclient], tracks: int) -> list[tuple[float, float]]:
    """Per track: seconds from the kiosk's start of it to its pitch in each room."""
    found: list[tuple[float, float]] = []
    async with client_session() as asha:
        csrf = await signed_in(asha, daemon)
        last = None
        for _ in range(tracks):
            await asha.post(daemon.base + "/api/player/next", headers=csrf)
            while True:
                state = await (await asha.get(daemon.base + "/api/state")).json()
                track = state["track"]
                if track and track["uri"] != last and state["player"]["playing"]:
                    break
                await asyncio.sleep(0.005)
            started, last = track["since"], track["uri"]
            pitch = PITCHES[int(Path(last).stem[1:])]
            times: list[float | None] = [None, None]
            while None in times and time.time() - started < 15:
                for index, room in enumerate(rooms):
                    if times[index] is None and heard(room, pitch):
                        times[index] = time.time() - started
                await asyncio.sleep(0.005)
            if None not in times:
                found.append((times[0], times[1]))  # type: ignore[arg-type]
            await asyncio.sleep(2)
    return found


async def playing_cost(daemon: Daemon, seconds: float = 30.0) -> dict[str, float]:
    async with client_session() as asha:
        csrf = await signed_in(asha, daemon)
        await asha.post(daemon.base + "/api/player/next", headers=csrf)
        await asyncio.sleep(2)
        before = cpu_seconds(daemon.process.pid)
        await asyncio.sleep(seconds)
        return {"cpu_percent": round(100 * (cpu_seconds(daemon.process.pid) - before) / seconds, 1),
                "rss_mb": round(rss_mb(daemon.process.pid), 1)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracks", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "snapcast.json")
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="moodkiosk-snapcast-") as temporary:
        folder = Path(temporary)
        make_music(folder / "local")
        make_music(folder / "kiosk")
        local = Daemon(folder / "local", mood_folders=False)
        try:
            results["local"] = asyncio.run(playing_cost(local))
        finally:
            local.stop()
        server = Snapserver(folder)
        rooms = [Snapclient(folder, server, "kitchen"), Snapclient(folder, server, "studio")]
        daemon = Daemon(folder / "kiosk", mood_folders=False, **server.env())
        try:
            found = asyncio.run(latencies(daemon, rooms, args.tracks))
            results["snapcast"] = asyncio.run(playing_cost(daemon))
            assert server.process is not None
            results["snapserver"] = {"rss_mb": round(rss_mb(server.process.pid), 1)}
        finally:
            daemon.stop()
            for room in rooms:
                room.stop()
            server.stop()
    starts = [value for pair in found for value in pair]
    spreads = [abs(a - b) for a, b in found]
    results["tracks_measured"] = len(found)
    results["start_to_sound_s"] = {"median": round(statistics.median(starts), 3), "max": round(max(starts), 3)}
    results["spread_between_rooms_s"] = {"median": round(statistics.median(spreads), 3), "max": round(max(spreads), 3)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
