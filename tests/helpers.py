"""What the tests share: paths, the real CLI and daemon in child processes, HTTP clients, media.

Every test module imports its helpers from here (never from another test module).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import wave
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import cv2
import numpy as np
import pytest
from playwright.sync_api import Page, expect

from device.cli.media_files import write_slideshow
from device.core.labels import EMOTIONS

REPO = Path(__file__).resolve().parent.parent
STAND_INS = REPO / "tests" / "stand_ins"  # modules that stand in for hardware: picamera2

SHARED = Path(os.environ.get("MOODKIOSK_TEST_SHARED", REPO.parent / "shared"))


def require_shared(relative: str) -> Path:
    """A file under ../shared; skipped on a bare clone, but a failure in CI, where it must exist."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI runs with ../shared beside the clone")
        pytest.skip(f"{path} not present (tests on the shared data sets run when ../shared exists)")
    return path


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any MOODKIOSK_* settings of the developer's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODKIOSK_")}
    env |= {"MOODKIOSK_WEB__HOST": "127.0.0.1", "MOODKIOSK_WEB__PORT": str(free_port())}
    env |= {"MOODKIOSK_PLAYER__DEFAULT_SEARCHES": "false"} | OFFLINE | extra
    return env


# Anything that would leave the machine (yt-dlp, mpv's network, aiohttp) meets a closed local port instead.
OFFLINE = {
    name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
} | {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def run_cli(
    *args: str | Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``moodkiosk`` command line in a child process (subprocess.TimeoutExpired after ``timeout``)."""
    return subprocess.run(
        [sys.executable, "-m", "device", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env or clean_env(),
        cwd=cwd or REPO,
        timeout=timeout,
        check=False,
    )


def read_events(path: Path, kind: str) -> list[dict]:
    """The events of one type from a daemon's ``--events`` file (none while it does not exist yet)."""
    lines = path.read_text().splitlines() if path.exists() else []
    return [event for line in lines if (event := json.loads(line))["type"] == kind]


def tone(path: Path, seconds: float = 30.0, frequency: float = 440.0) -> Path:
    """A real (if dull) audio file: a sine tone as 16-bit mono WAV."""
    rate = 8000
    samples = (0.2 * 32767 * np.sin(2 * np.pi * frequency * np.arange(int(rate * seconds)) / rate)).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def write_wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    """Float samples in [-1, 1] as a 16-bit mono WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


def synth_lively(seconds: float = 30.0, rate: int = 16_000) -> np.ndarray:
    """Fast major arpeggios (eight notes a second, bright harmonics) over a noise kick: energetic music."""
    rng = np.random.default_rng(0)
    t = np.arange(int(rate * 0.125)) / rate
    notes = []
    for frequency in [261.6, 329.6, 392.0, 523.3, 392.0, 329.6] * int(seconds + 1):
        tone = sum(np.sin(2 * np.pi * frequency * k * t) / k for k in range(1, 8)) * np.exp(-6 * t)
        kick = np.zeros_like(t)
        kick[:400] = rng.normal(0, 0.8, 400) * np.exp(-np.arange(400) / 80)
        notes.append(0.15 * tone + 0.3 * kick)
    return np.concatenate(notes)[: int(rate * seconds)]


def synth_sombre(seconds: float = 30.0, rate: int = 16_000) -> np.ndarray:
    """Slow minor chords fading out every two seconds: quiet, sad music."""
    t = np.arange(rate * 2) / rate
    chords = [(np.sin(2 * np.pi * f * t) + 0.5 * np.sin(2 * np.pi * 1.5 * f * t)) * np.exp(-0.8 * t) * 0.3
              for f in [220.0, 261.6, 329.6, 196.0] * int(seconds / 8 + 1)]  # fmt: skip
    return np.concatenate(chords)[: int(rate * seconds)]


def lively_and_sombre(folder: Path) -> tuple[Path, Path]:
    """Two tracks of obvious character: the shared Brahms Hungarian Dance No. 5 and Max McCracken's "Chimes
    They Fade" (a game's "lose" theme) when ../shared is there, else synthesised ones (copies, in ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    music = SHARED / "media" / "music"
    lively, sombre = music / "US_Army_Strings_-_Brahms_Hungarian_Dance_No5.ogg", music / "Max_McCracken_-_Chimes_They_Fade.ogg"
    if lively.exists() and sombre.exists():
        return (
            Path(shutil.copy(lively, folder / "Hungarian_Dance.ogg")),
            Path(shutil.copy(sombre, folder / "Chimes_They_Fade.ogg")),
        )
    if os.environ.get("CI"):
        pytest.fail(f"{music} is missing: CI runs with ../shared beside the clone")
    return write_wav(folder / "Hungarian_Dance.wav", synth_lively()), write_wav(folder / "Chimes_They_Fade.wav", synth_sombre())


def music_dir(root: Path) -> Path:
    """One folder per emotion with one track each, named after its folder."""
    for index, emotion in enumerate(EMOTIONS):
        (root / emotion).mkdir(parents=True)
        tone(root / emotion / f"{emotion}_tune.wav", frequency=300 + 50 * index)
    return root


def photo_video(path: Path, scenes: list[tuple[np.ndarray, float]], fps: int = 10) -> Path:
    """A video of still photos, each shown for its number of seconds."""
    return write_slideshow(path, scenes, fps)


PASSWORD = "a long enough password"


def client_from(address: str) -> aiohttp.ClientSession:
    """A client whose connections come from another loopback address (another machine on the LAN)."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True))


def client_session() -> aiohttp.ClientSession:
    """A client that keeps cookies from 127.0.0.1 (aiohttp's default jar ignores cookies from IP addresses),
    with at most 24 connections at once (the daemon takes 32 from one address)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=24), cookie_jar=aiohttp.CookieJar(unsafe=True))


class Daemon:
    """`moodkiosk run` in a child process with two accounts (asha, an admin, and ravi) and some music."""

    def __init__(
        self,
        tmp_path: Path,
        camera: str = "none",
        extra: tuple[str, ...] = (),
        music: tuple[str, ...] = (),
        config: Path | None = None,
        wrapper: tuple[str, ...] = (),
        mood_folders: bool = True,
        entry: tuple[str, ...] = ("-m", "device"),
        **env: str,
    ) -> None:
        """``music``: more tracks to make, as paths under the music folder (e.g. ``neutral/hindi/shant.wav``);
        ``wrapper``: a command the daemon runs under (e.g. ``prlimit --nofile=90:90 --``); ``mood_folders``:
        False leaves out the usual neutral/calm.wav and happy/sunny.wav; ``entry``: how Python starts the
        command line (e.g. a script that watches it)."""
        self.env = clean_env(**{"MOODKIOSK_STORAGE__STATE_DIR": str(tmp_path / "state"), **env})
        self.base = f"http://127.0.0.1:{self.env['MOODKIOSK_WEB__PORT']}"
        self.log = tmp_path / "daemon.log"
        self.music = tmp_path / "music"
        for relative in (*(("neutral/calm.wav", "happy/sunny.wav") if mood_folders else ()), *music):
            (self.music / relative).parent.mkdir(parents=True, exist_ok=True)
            tone(self.music / relative, seconds=120)
        for name, admin in (("asha", True), ("ravi", False)):
            if not (tmp_path / "state" / "moodkiosk.db").exists() or name not in run_cli("user", "list", env=self.env).stdout:
                created = run_cli(
                    "user", "add", name, *(["--admin"] if admin else []), "--password-stdin", env=self.env, stdin=PASSWORD
                )
                assert created.returncode == 0, created.stderr
        camera_flag = () if "MOODKIOSK_CAMERA__SOURCE" in env else ("--camera", camera)
        config_flag = ("--config", str(config)) if config else ()
        self.process = subprocess.Popen(
            [*wrapper, sys.executable, *entry, *config_flag, "run", *camera_flag,
             "--audio-output", "null", "--video-output", "null", "--music-dir", str(self.music), *extra],
            cwd=REPO, env=self.env, stderr=self.log.open("w"),  # a file: a pipe nobody reads could fill and block it
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/login", timeout=5).close()  # plain urllib: no event loop needed
                return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"the web page did not come up: {self.log.read_text()}")

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)
        log = self.log.read_text()
        assert self.process.returncode == 0, log
        return log


async def login(client: aiohttp.ClientSession, base: str, name: str = "asha", password: str = PASSWORD) -> aiohttp.ClientResponse:
    return await client.post(base + "/api/login", json={"username": name, "password": password})


def png_bytes(rgb: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return encoded.tobytes()


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (a decompression bomb's calling card)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b"")


async def signed_in(client: aiohttp.ClientSession, daemon: Daemon, name: str = "asha") -> dict[str, str]:
    response = await login(client, daemon.base, name)
    assert response.status == 200
    return {"X-CSRF-Token": (await response.json())["csrf"]}


async def wait_for_state(client: aiohttp.ClientSession, daemon: Daemon, ready: Callable[[dict[str, Any]], bool]) -> dict:
    for _ in range(150):
        state = await (await client.get(daemon.base + "/api/state")).json()
        if ready(state):
            return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"state never got there: {state}\n{daemon.log.read_text()[-3000:]}")


async def change_settings(
    client: aiohttp.ClientSession, daemon: Daemon, csrf: dict[str, str], **settings: object
) -> aiohttp.ClientResponse:
    """PUT /api/admin/settings; ``camera__source=...`` stands for the key ``camera.source``."""
    body = {key.replace("__", "."): value for key, value in settings.items()}
    return await client.put(daemon.base + "/api/admin/settings", json=body, headers=csrf)


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A local TCP port that takes connections and never answers (a stream server that hangs): yields the port."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def playing(title: str) -> Callable[[dict[str, Any]], bool]:
    return lambda state: bool(state["track"]) and state["track"]["title"] == title and state["player"]["playing"]


CHROMIUM = "/usr/bin/chromium"

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


def show_tab(page: Page, view: str) -> None:
    """On a phone, open the page's tab for ``view`` (now, up-next, favorites, more: one view at a time, in any
    language); wider screens show every section."""
    tabs = page.locator("nav.tabbar")
    if tabs.is_visible():
        tabs.locator(f'a[data-view="{view}"]').click()


def sign_in(page: Page, base: str, name: str = "asha", password: str = PASSWORD) -> None:
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    form = page.locator("#login")  # the sign-up form, when it is on, has its own name and password fields
    form.get_by_label("User name").fill(name)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()


def rss_kb(pid: int) -> int:
    """A process's resident memory now, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def wait_listening(port: int, what: str, log: Path, also: Callable[[], bool] = lambda: True) -> None:
    """Wait up to 10 s until a program listens on ``port`` of loopback (and ``also`` holds); else fail with its log."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0 and also():
                return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not start: {log.read_text()}")


def end(process: subprocess.Popen | None) -> None:
    """Stop a program the test started (if it still runs)."""
    if process and process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


class Broker:
    """Debian's mosquitto on a free local port (anonymous, no persistence); stop() and start() again."""

    def __init__(self, tmp_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.config = tmp_path / "mosquitto.conf"
        self.config.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        self.log = tmp_path / "mosquitto.log"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.config)], stderr=self.log.open("a"))
        wait_listening(self.port, "mosquitto", self.log)

    def stop(self) -> None:
        end(self.process)


class Snapserver:
    """Debian's snapserver on free local ports: the kiosk's pipe source (``stream``) and a quiet one, its TCP
    control API on loopback (HTTP off); stop() and start() again on the same ports."""

    def __init__(self, tmp_path: Path, stream: str = "moodkiosk") -> None:
        self.fifo, self.stream = tmp_path / "snapfifo", stream
        self.stream_port, self.control_port = free_port(), free_port()
        (tmp_path / "snapdata").mkdir(exist_ok=True)
        self.config = tmp_path / "snapserver.conf"
        self.config.write_text(
            f"[server]\ndatadir = {tmp_path / 'snapdata'}\n[http]\nenabled = false\n"
            f"[tcp]\nbind_to_address = 127.0.0.1\nport = {self.control_port}\n"
            f"[stream]\nbind_to_address = 127.0.0.1\nport = {self.stream_port}\n"
            f"source = pipe://{self.fifo}?name={stream}&sampleformat=48000:16:2&mode=create\n"
            f"source = pipe://{tmp_path / 'quietfifo'}?name=quiet&mode=create\n[logging]\n"
        )
        self.log = tmp_path / "snapserver.log"
        self.process: subprocess.Popen | None = None
        self.start()

    def env(self) -> dict[str, str]:
        """The daemon's settings for this snapserver (player.output = snapcast)."""
        return {
            "MOODKIOSK_PLAYER__OUTPUT": "snapcast", "MOODKIOSK_SNAPCAST__FIFO": str(self.fifo),
            "MOODKIOSK_SNAPCAST__STREAM": self.stream, "MOODKIOSK_SNAPCAST__CONTROL_PORT": str(self.control_port),
        }  # fmt: skip

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["snapserver", "-c", str(self.config)], stdout=self.log.open("a"), stderr=subprocess.STDOUT
        )
        wait_listening(self.control_port, "snapserver", self.log, also=self.fifo.exists)

    def stop(self) -> None:
        end(self.process)

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """One call of the control API (JSON-RPC over TCP, a line each): its result."""
        with socket.create_connection(("127.0.0.1", self.control_port), timeout=5) as connection:
            request = {"id": 1, "jsonrpc": "2.0", "method": method, **({"params": params} if params else {})}
            connection.sendall(json.dumps(request).encode() + b"\r\n")
            reader = connection.makefile("rb")
            while True:
                answer = json.loads(reader.readline())
                if answer.get("id") == 1:
                    return answer["result"]

    def status(self) -> dict[str, Any]:
        """Server.GetStatus's server."""
        return self.call("Server.GetStatus")["server"]

    def client(self, host_id: str) -> dict[str, Any]:
        """A snapclient's status, with its group's ``stream_id``."""
        for group in self.status()["groups"]:
            for client in group["clients"]:
                if client["id"] == host_id:
                    return {**client, "stream_id": group["stream_id"]}
        raise AssertionError(f"no snapclient {host_id}")


class Snapclient:
    """Debian's snapclient, a room: what it plays goes into a raw file (48000:16:2)."""

    def __init__(self, tmp_path: Path, server: Snapserver, host_id: str) -> None:
        self.host_id, self.output = host_id, tmp_path / f"{host_id}.raw"
        self.log = tmp_path / f"{host_id}.log"
        self.process = subprocess.Popen(
            ["snapclient", "-h", "127.0.0.1", "-p", str(server.stream_port), "--hostID", host_id,
             "--player", f"file:filename={self.output}"],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def recent(self, seconds: float = 0.25) -> np.ndarray:
        """The last ``seconds`` it played, one channel."""
        size = int(48000 * seconds) * 4
        data = self.output.read_bytes()[-size:] if self.output.exists() else b""
        return np.frombuffer(data[: len(data) // 4 * 4], dtype="<i2")[::2]

    def pitch(self) -> float | None:
        """The strongest frequency of what it plays now (None: silence)."""
        samples = self.recent().astype(np.float64)
        if samples.size < 4800 or np.abs(samples).max() < 500:
            return None
        spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
        return float(np.fft.rfftfreq(samples.size, 1 / 48000)[int(spectrum.argmax())])

    def stop(self) -> None:
        end(self.process)


def youtube_search_stand_in(folder: Path, answers: dict[str, list[str]], seconds: float = 0.0) -> tuple[Path, Path]:
    """A stand-in for yt-dlp's YouTube search (YouTube cannot be reached here): ``ytsearchN:<query>`` lists
    the video ids ``answers`` has for the query (none: yt-dlp's error) after ``seconds``; every search is
    logged in the file returned with the script. Anything else is handed to the real yt-dlp."""
    calls = folder / "searches.log"
    script = folder / "yt-dlp-stand-in"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, re, sys\n"
        f"answers = {json.dumps(answers)}\n"
        "search = re.fullmatch(r'ytsearch(\\d+):(.*)', sys.argv[-1], re.S)\n"
        "if not search:\n"
        f"    os.execv({sys.executable!r}, [{sys.executable!r}, '-m', 'yt_dlp', *sys.argv[1:]])\n"
        "count, query = int(search.group(1)), search.group(2)\n"
        f"open({str(calls)!r}, 'a').write(query + '\\n')\n"
        f"__import__('time').sleep({seconds})\n"
        "if query not in answers:\n"
        "    sys.exit('ERROR: [youtube:search] no results')\n"
        "entries = [{'_type': 'url', 'ie_key': 'Youtube', 'id': video, 'title': f'{query} #{n}', 'channel': 'Stand-in'}\n"
        "           for n, video in enumerate(answers[query][:count], 1)]\n"
        "print(json.dumps({'_type': 'playlist', 'entries': entries}))\n"
    )
    script.chmod(0o755)
    return script, calls


def yt_dlp_children(pid: int) -> int:
    """How many yt-dlp processes the daemon runs right now."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and b"yt-dlp" in (entry / "cmdline").read_bytes():
                count += 1
    return count
