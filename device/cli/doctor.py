"""``moodkiosk doctor``: checks what the kiosk needs and says how to fix what is missing."""

from __future__ import annotations

import errno
import importlib.metadata
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from device.core.config import Settings
from device.core.errors import MoodkioskError
from device.core.store import database_path

Status = Literal["ok", "warn", "fail"]
PACKAGES = ("ai-edge-litert", "numpy", "opencv-python-headless", "python-mpv", "aiohttp", "yt-dlp", "mutagen")
MIN_FREE_MB, LOW_FREE_MB = 200, 1024
YT_DLP_MAX_AGE_DAYS = 60
FIRST_ADMIN = "create the first admin: moodkiosk user add NAME --admin"


def load_in_child(what: str, model: Path, timeout: float = 120.0) -> str | None:
    """Load and run a model in a child process (device.inference.model_check); why it failed, or None."""
    from device.inference.face_detector import native_failure

    command = [sys.executable, "-m", "device.inference.model_check", what, str(model)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"it did not load within {timeout:.0f} s"
    lines = result.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except ValueError:
        answer = {}
    if result.returncode == 0 and answer.get("ok"):
        return None
    return str(answer.get("error") or native_failure(result.stderr, result.returncode))


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


class Doctor:
    """Each ``check_*`` method returns one Check; ``run`` collects them and never raises."""

    def __init__(
        self, settings: Settings, config_path: Path | None, config_error: MoodkioskError | None = None, network: bool = True
    ) -> None:
        self.settings = settings
        self.config_path = config_path
        self.config_error = config_error
        self.network = network

    def run(self) -> list[Check]:
        checks: list[Callable[[], Check]] = [
            self.check_python,
            self.check_packages,
            self.check_config,
            self.check_face_model,
            self.check_emotion_model,
            self.check_music_model,
            self.check_camera,
            self.check_music,
            self.check_mpv,
            self.check_audio,
            self.check_yt_dlp,
            self.check_youtube,
            self.check_state_dir,
            self.check_accounts,
            self.check_web_port,
            self.check_mqtt,
            self.check_snapcast,
            self.check_display,
        ]
        results = []
        for check in checks:
            try:
                results.append(check())
            except Exception as error:  # a broken check is a finding, not a crash
                name = check.__name__.removeprefix("check_").replace("_", " ")
                results.append(Check(name, "fail", f"the check itself failed: {error!r}"))
        return results

    def check_python(self) -> Check:
        version = ".".join(map(str, sys.version_info[:3]))
        return Check("python", "ok", f"Python {version} ({sys.executable})")

    def check_packages(self) -> Check:
        found, missing = [], []
        for package in PACKAGES:
            try:
                found.append(f"{package} {importlib.metadata.version(package)}")
            except importlib.metadata.PackageNotFoundError:
                missing.append(package)
        if missing:
            return Check("packages", "fail", "missing: " + ", ".join(missing), "run scripts/setup.sh (or scripts/install.sh)")
        return Check("packages", "ok", ", ".join(found))

    def check_config(self) -> Check:
        where = str(self.config_path) if self.config_path else "no config file (defaults and MOODKIOSK_* variables)"
        if self.config_error:
            return Check("config", "fail", f"{where}: {self.config_error}", self.config_error.hint)
        return Check("config", "ok", where)

    def check_face_model(self) -> Check:
        """The file (SHA-256), then the backend that will run it, loaded in a child process."""
        from device.inference.face_detector import choose_backend
        from device.inference.model_files import read_face_model

        path = self.settings.inference.face_model
        try:
            read_face_model(path)
        except MoodkioskError as error:
            return Check("face model", "fail", str(error), error.hint)
        backend, note = choose_backend(self.settings.inference.face_backend, path)
        problem = load_in_child(backend, path)
        if problem:
            return Check("face model", "fail", f"{path}: the {backend} face detector does not load: {problem}",
                         "reinstall (scripts/setup.sh); the log above says which library failed")  # fmt: skip
        detail = f"{path} (SHA-256 verified), loaded and run by the {backend} backend"
        if note:
            return Check("face model", "warn", f"{detail}; {note}", 'set inference.face_backend = "litert" (or "auto")')
        return Check("face model", "ok", detail)

    def check_emotion_model(self) -> Check:
        from device.inference.model_files import verify_emotion_model

        path = self.settings.inference.emotion_model
        try:
            verify_emotion_model(path)
        except MoodkioskError as error:
            return Check("emotion model", "fail", str(error), error.hint)
        problem = load_in_child("emotion", path)
        if problem:
            return Check("emotion model", "fail", f"{path} does not load: {problem}", "restore it: git checkout models/")
        return Check("emotion model", "ok", f"{path} (SHA-256 verified, loaded and run)")

    def check_music_model(self) -> Check:
        from device.player.music_tagger import MODEL

        problem = load_in_child("music", MODEL)
        if problem:
            hint = "restore it: git checkout models/ (until then only the moods' folders say what music fits)"
            return Check("music model", "warn", f"{MODEL} does not load: {problem}", hint)
        return Check("music model", "ok", f"{MODEL} (loaded and run; tags the music outside the moods' folders)")

    def check_display(self) -> Check:
        autostart = sorted(Path("/home").glob("*/.config/autostart/moodkiosk-display.desktop"))
        if not autostart:
            return Check("display", "ok", "not set up (sudo scripts/install.sh --display shows /display on the kiosk's screen)")
        return Check("display", "ok", f"/display starts full screen when {autostart[0].parts[2]} logs in ({autostart[0]})")

    def check_mqtt(self) -> Check:
        mqtt = self.settings.mqtt
        if not mqtt.host:
            return Check("home assistant", "ok", "MQTT is off (set mqtt.host to the broker to appear in Home Assistant)")
        import asyncio

        import aiomqtt

        async def connect() -> None:
            async with aiomqtt.Client(mqtt.host or "", mqtt.port, username=mqtt.username, password=mqtt.password, timeout=5):
                pass

        try:
            asyncio.run(asyncio.wait_for(connect(), 8))
        except (aiomqtt.MqttError, OSError, TimeoutError) as error:
            hint = "check mqtt.host, mqtt.port and the broker's user name and password; the kiosk runs without it"
            return Check("home assistant", "fail", f"cannot connect to the MQTT broker {mqtt.host}:{mqtt.port}: {error}", hint)
        return Check("home assistant", "ok", f"the MQTT broker {mqtt.host}:{mqtt.port} accepts the kiosk")

    def check_snapcast(self) -> Check:
        """player.output = snapcast: snapserver's pipe is there and its control API answers (with its rooms)."""
        if self.settings.player.output != "snapcast":
            return Check("snapcast", "ok", "off: the music plays on this machine (scripts/install.sh --snapcast: every room)")
        import asyncio

        from device.player.snapcast import Snapcast

        settings = self.settings.snapcast
        if not settings.fifo.exists() or not settings.fifo.is_fifo():
            return Check("snapcast", "fail", f"snapserver's pipe {settings.fifo} is missing or not a pipe",
                         "sudo scripts/install.sh --snapcast (or set snapcast.fifo to snapserver's pipe source)")  # fmt: skip

        async def ask() -> list[str] | None:
            snapcast = Snapcast(settings)
            try:
                return (
                    [f"{room.name} ({'connected' if room.connected else 'away'})" for room in snapcast.rooms()]
                    if (await snapcast.check())
                    else None
                )
            finally:
                snapcast.close()

        rooms = asyncio.run(ask())
        if rooms is None:
            return Check("snapcast", "warn", f"snapserver does not answer at {settings.host}:{settings.control_port}: the music "
                         "plays on this machine until it does", "sudo systemctl restart snapserver")  # fmt: skip
        return Check("snapcast", "ok", f"snapserver answers; rooms: {', '.join(rooms) or 'none yet'}")

    def check_camera(self) -> Check:
        from device.camera.picamera2_source import picamera2_cameras, picamera2_import_error
        from device.camera.spec import NO_CAMERA_SPEC, camera_from_spec, video_devices

        broken = picamera2_import_error()
        if broken:
            fix = ("the Pi camera's library (apt's python3-picamera2) does not import in this venv; see "
                   "the documentation's Troubleshooting page (docs/troubleshooting.md)")  # fmt: skip
            return Check("camera", "fail", f"picamera2 is installed but does not import: {broken}", fix)
        source = self.settings.camera.source
        found = [f"picamera2:{i}" for i in range(len(picamera2_cameras()))] + [str(d) for d in video_devices()]
        listing = ", ".join(found) if found else "none (no Pi camera; no /dev/video*)"
        if source == NO_CAMERA_SPEC:
            return Check("camera", "ok", f"off (camera.source = none); cameras found: {listing}")
        if self.settings.camera.paused:
            return Check("camera", "ok", f"detection paused on the page; cameras found: {listing}")
        try:
            camera = camera_from_spec(source)
        except MoodkioskError as error:
            return Check("camera", "fail", f"camera.source = {source!r}: {error}", error.hint)
        if camera is None:
            fix = "connect a Pi camera or a USB webcam, or set camera.source (a video file works for trying it out)"
            return Check("camera", "warn", f"camera.source = {source!r} found no camera; found: {listing}", fix)
        try:
            camera.open()
            frame = camera.read()
        except MoodkioskError as error:
            return Check("camera", "fail", f"{camera} does not open: {error}", error.hint or "is the kiosk using it right now?")
        finally:
            camera.close()
        if frame is None:
            return Check("camera", "warn", f"{camera} opened but gave no frame", "check the cable, or the file")
        height, width = frame.rgb.shape[:2]
        return Check("camera", "ok", f"{camera}: {width}x{height}; cameras found: {listing}")

    def check_music(self) -> Check:
        """How many tracks each mood has (folders named after the moods, or playlists mapped to them)."""
        from device.core.labels import EMOTIONS
        from device.player.dj import STRATEGIES
        from device.player.library import MusicLibrary

        folder = self.settings.music_dir
        if not folder.is_dir():
            return Check("music", "warn", f"no music folder yet ({folder}); the kiosk makes it at its first start",
                         "put audio files in its folders happy/, sad/, neutral/, ... (or set player.music_dir)")  # fmt: skip
        library = MusicLibrary(folder, self.settings.player.languages)
        counts = {}
        for emotion in EMOTIONS:
            names = self.settings.player.playlists(emotion) or [STRATEGIES[self.settings.player.strategy][emotion]]
            counts[emotion] = sum(len(library.tracks(name)) for name in names)
        detail = f"{folder}: " + ", ".join(f"{emotion} {count}" for emotion, count in counts.items()) + " tracks"
        if not any(counts.values()):
            return Check("music", "warn", detail, f"put audio files in {folder}/happy/, sad/, neutral/, ... (a folder per mood)")
        empty = [emotion for emotion, count in counts.items() if not count]
        if empty:
            return Check("music", "warn", detail, f"no local music for {', '.join(empty)}: the fallback playlist plays then")
        return Check("music", "ok", detail)

    def check_mpv(self) -> Check:
        try:
            import mpv
        except (ImportError, OSError) as error:
            return Check("mpv", "fail", f"libmpv cannot be loaded: {error}", "sudo apt install mpv libmpv2")
        player = mpv.MPV(ao="null", vo="null", idle="yes")
        try:
            version = player.mpv_version
        finally:
            player.terminate()
        return Check("mpv", "ok", f"{version} (libmpv)")

    def check_audio(self) -> Check:
        output = self.settings.player.audio_output
        if output == "null":
            return Check(
                "audio", "warn", "player.audio_output = null: the kiosk plays silently", "set player.audio_output = 'auto'"
            )
        cards = Path("/proc/asound/cards")
        text = cards.read_text() if cards.exists() else ""
        names = [line.split(":", 1)[1].strip() for line in text.splitlines() if line[:3].strip().isdigit() and ":" in line]
        if not names:
            fix = "connect speakers (HDMI, the headphone jack or USB), check `aplay -l`, or set player.audio_output"
            return Check("audio", "warn", "no sound card found (/proc/asound/cards is empty or missing)", fix)
        return Check("audio", "ok", f"player.audio_output = {output!r}; sound cards: {'; '.join(names)}")

    def check_yt_dlp(self) -> Check:
        from device.player.sources import default_ytdl_path

        program = str(self.settings.player.ytdl_path or default_ytdl_path())
        try:
            result = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30, check=False)
        except OSError as error:
            return Check("yt-dlp", "fail", f"{program} cannot run: {error}", "run scripts/setup.sh, or set player.ytdl_path")
        version = result.stdout.strip()
        try:
            released = date(*map(int, version.split(".")[:3]))
        except (TypeError, ValueError):
            return Check("yt-dlp", "ok", f"{program} {version}")
        age = (date.today() - released).days
        if age > YT_DLP_MAX_AGE_DAYS:
            fix = "YouTube changes often: update it (scripts/setup.sh or scripts/install.sh does; or pip install -U yt-dlp)"
            return Check("yt-dlp", "warn", f"{program} {version} is {age} days old", fix)
        return Check("yt-dlp", "ok", f"{program} {version}")

    def check_youtube(self) -> Check:
        from device.player.sources import default_ytdl_path, explain_ytdl_error

        if not self.network:
            return Check("youtube", "ok", "not checked (--offline)")
        program = str(self.settings.player.ytdl_path or default_ytdl_path())
        command = [program, "-J", "--flat-playlist", "--playlist-end", "1", "--socket-timeout", "10", "ytsearch1:relaxing music"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return Check("youtube", "warn", f"no answer: {error}", "check the network; local music still plays")
        if result.returncode != 0:
            why = explain_ytdl_error(result.stderr)
            return Check("youtube", "warn", f"YouTube does not answer: {why}", "check the network; local music still plays")
        return Check("youtube", "ok", "YouTube answers a search")

    def check_state_dir(self) -> Check:
        folder = self.settings.storage.state_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
                pass
        except OSError as error:
            fix = "make storage.state_dir writable for the user running moodkiosk (sudo moodkiosk ... runs as that user)"
            return Check("state dir", "fail", f"{folder} is not writable: {error.strerror}", fix)
        free_mb = shutil.disk_usage(folder).free // 2**20
        detail = f"{folder}: writable, {free_mb} MB free"
        if free_mb < MIN_FREE_MB:
            return Check("state dir", "fail", detail, "free some disk space: history, favorites and offline copies live here")
        if free_mb < LOW_FREE_MB:
            return Check("state dir", "warn", detail, "disk space is low; offline copies of favorites need room")
        return Check("state dir", "ok", detail)

    def check_accounts(self) -> Check:
        import sqlite3

        from device.household.accounts import count_accounts

        database = database_path(self.settings)
        if not database.exists():
            return Check("accounts", "warn", f"no database yet ({database})", FIRST_ADMIN)
        try:
            users, admins = count_accounts(database)
        except sqlite3.Error as error:
            return Check("accounts", "fail", f"{database}: {error}", "check the file's permissions, or restore a backup")
        if not users:
            return Check("accounts", "warn", "no accounts yet", FIRST_ADMIN)
        if not admins:
            return Check("accounts", "warn", f"{users} account(s), no admin", "moodkiosk user add NAME --admin")
        return Check("accounts", "ok", f"{users} account(s), {admins} admin(s)")

    def check_web_port(self) -> Check:
        web = self.settings.web
        if not web.enabled:
            return Check("web page", "ok", "off (web.enabled = false)")
        with socket.socket(socket.AF_INET6 if ":" in web.host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((web.host, web.port))
                return Check("web page", "ok", f"{web.host}:{web.port} is free (the kiosk is not running)")
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    return Check(
                        "web page", "fail", f"cannot listen on {web.host}:{web.port}: {error.strerror}", "check web.host"
                    )
        if self._kiosk_answers(web.port):
            return Check("web page", "ok", f"the kiosk is serving http://{web.host}:{web.port}/")
        fix = "stop the other program, or set web.port to a free port"
        return Check("web page", "fail", f"port {web.port} is taken by another program", fix)

    @staticmethod
    def _kiosk_answers(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                return b"moodkiosk" in response.read(65536)
        except OSError:
            return False


def format_checks(checks: list[Check]) -> str:
    marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}
    lines = []
    for check in checks:
        lines.append(f"{marks[check.status]} {check.name}: {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"     fix: {check.fix}")
    failed = sum(check.status == "fail" for check in checks)
    warned = sum(check.status == "warn" for check in checks)
    lines.append(f"{len(checks)} checks: {failed} failed, {warned} warnings")
    return "\n".join(lines)


def checks_json(checks: list[Check]) -> dict:
    return {"ok": not any(check.status == "fail" for check in checks), "checks": [asdict(check) for check in checks]}
