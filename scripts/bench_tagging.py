"""What tagging music costs on this machine, and whether the kiosk notices it.

    .venv/bin/python scripts/bench_tagging.py [--tracks 1000] [--json FILE]

1. CPU per minute of audio: every track in ../shared/media/music and 40 Emotify excerpts through
   the tagger in this process (one thread), split into decoding, the mel front end and the
   network, as CPU seconds per minute of audio (the network hears at most 10 patches of 3 s per
   file, so a long track costs less per minute than these 0.5-2 minute files).
2. Memory: peak RSS of a fresh process that loads the tagger and tags one track, against one
   that only imports NumPy (what a tagging child adds while it runs).
3. The kiosk while tagging: the real daemon on a looping video at its default analysis rate,
   once with tagging off and once with ``--tracks`` unsorted files (hard links of the Emotify
   excerpts: different paths, so each is heard) to tag in the background. The analysis rate is
   sampled every second from /api/state; reported: the mean and the slowest 5-second window, and
   how many files were tagged in that time.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import skimage.data

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from device.cli.media_files import write_slideshow  # noqa: E402
from device.player import music_features  # noqa: E402
from device.player.music_tagger import MAX_PATCHES, MusicTagger  # noqa: E402

PEAK_RSS = "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"  # kB, since exec


def cpu_per_minute(files: list[Path]) -> dict[str, float]:
    tagger = MusicTagger(threads=1)
    spent = {"decode": 0.0, "mel": 0.0, "network": 0.0}
    minutes = 0.0
    for path in files:
        started = time.process_time()
        samples = music_features.decode(path)
        decoded = time.process_time()
        patches = music_features.patches(samples, MAX_PATCHES)
        mel = time.process_time()
        tagger.tag_probabilities(patches)
        spent["decode"] += decoded - started
        spent["mel"] += mel - decoded
        spent["network"] += time.process_time() - mel
        minutes += len(samples) / music_features.SAMPLE_RATE / 60
    per_minute = {part: round(seconds / minutes, 3) for part, seconds in spent.items()}
    return {"files": len(files), "minutes_of_audio": round(minutes, 1), **per_minute,
            "total": round(sum(spent.values()) / minutes, 3),
            "seconds_per_file": round(sum(spent.values()) / len(files), 3)}  # fmt: skip


def peak_rss_mb(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return round(int(out.strip().splitlines()[-1]) / 1024, 1)


def kiosk_while_tagging(work: Path, excerpts: list[Path], tracks: int, seconds_off: float) -> dict[str, object]:
    video = write_slideshow(work / "face.mp4", [(skimage.data.astronaut(), 30)], fps=10)
    results: dict[str, object] = {}
    for label, count in (("tagging off", 0), (f"tagging {tracks} files", tracks)):
        music = work / label.replace(" ", "-") / "music"
        (music / "neutral").mkdir(parents=True)
        os.link(excerpts[0], music / "neutral" / excerpts[0].name)
        unsorted = music / "unsorted"
        unsorted.mkdir()
        for index in range(count):
            os.link(excerpts[index % len(excerpts)], unsorted / f"{index:04d}{excerpts[0].suffix}")
        port = 18_000 + count % 1000
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOODKIOSK_")} | {
            "MOODKIOSK_STORAGE__STATE_DIR": str(music.parent / "state"), "MOODKIOSK_WEB__PORT": str(port),
            "MOODKIOSK_WEB__HOST": "127.0.0.1", "MOODKIOSK_PLAYER__DEFAULT_SEARCHES": "false",
            "MOODKIOSK_CAMERA__LOOP": "true",
        }  # fmt: skip
        subprocess.run([sys.executable, "-m", "device", "user", "add", "bench", "--admin", "--password-stdin"],
                       input="a long enough password", text=True, env=env, cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        log = (music.parent / "daemon.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "device", "run", "--camera", str(video), "--music-dir", str(music),
             "--audio-output", "null", "--video-output", "null"], cwd=ROOT, env=env, stderr=log,
        )  # fmt: skip
        samples: list[tuple[float, int]] = []
        database = music.parent / "state" / "moodkiosk.db"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(120):
                time.sleep(0.5)
                try:
                    login = {"username": "bench", "password": "a long enough password"}
                    opener.open(urllib.request.Request(base + "/api/login", json.dumps(login).encode(),
                                                       {"Content-Type": "application/json"}), timeout=5).close()  # fmt: skip
                    break
                except OSError:
                    continue
            deadline = time.monotonic() + (seconds_off if count == 0 else 3600)
            while time.monotonic() < deadline:
                time.sleep(1.0)
                try:
                    with opener.open(base + "/api/state", timeout=5) as answer:
                        state = json.load(answer)
                except (OSError, ValueError):
                    continue
                frames = state["analysis"]["frames"]
                if frames is not None:
                    samples.append((time.monotonic(), int(frames)))
                if count and len(samples) > 10 and f"tagged {count} music files" in (music.parent / "daemon.log").read_text():
                    break
        finally:
            process.terminate()
            process.wait(timeout=30)
        tagged = sqlite3.connect(database).execute("SELECT count(*) FROM sound_moods").fetchone()[0] if count else 0
        times, frames = np.array([t for t, _ in samples]), np.array([f for _, f in samples])
        rates = np.diff(frames) / np.diff(times)
        windows = [float(np.mean(rates[i : i + 5])) for i in range(0, max(len(rates) - 4, 1))]
        results[label] = {
            "seconds": round(float(times[-1] - times[0]), 1), "mean_fps": round(float(np.mean(rates)), 2),
            "slowest_5s_fps": round(min(windows), 2), "files_tagged": tagged,
        }  # fmt: skip
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=1000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    excerpts = sorted((SHARED / "data" / "emotify" / "audio").rglob("*.ogg"))
    if not excerpts:
        raise SystemExit("needs ../shared/data/emotify")
    music = sorted((SHARED / "media" / "music").glob("*.ogg"))
    result: dict[str, object] = {
        "machine": f"{os.cpu_count()} cores; {os.uname().machine}",
        "cpu_seconds_per_minute_of_audio": cpu_per_minute(music + excerpts[::10]),
        "peak_rss_mb": {
            "numpy only": peak_rss_mb("import numpy\n" + PEAK_RSS),
            "tagger, one track": peak_rss_mb(
                "from pathlib import Path\nfrom device.player.music_tagger import MusicTagger\n"
                f"MusicTagger().tag_file(Path({str(excerpts[0])!r}))\n" + PEAK_RSS
            ),
        },
    }
    print(json.dumps(result, indent=2), flush=True)
    with tempfile.TemporaryDirectory() as work:
        result["kiosk_while_tagging"] = kiosk_while_tagging(Path(work), excerpts, args.tracks, 60)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
