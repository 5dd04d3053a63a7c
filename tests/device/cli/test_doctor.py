"""`moodkiosk doctor`, `config check` and `config show`, run as the admin would run them."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import skimage.data

from device.cli.media_files import write_slideshow
from device.core.store import Store
from tests.helpers import REPO, Daemon, clean_env, free_port, run_cli, tone


def doctor(env: dict[str, str], *flags: str) -> tuple[int, dict[str, dict]]:
    result = run_cli("doctor", "--json", *flags, env=env)
    report = json.loads(result.stdout)
    assert report["ok"] == (result.returncode == 0), result.stdout
    return result.returncode, {check["name"]: check for check in report["checks"]}


def sound_cards() -> bool:
    cards = Path("/proc/asound/cards")
    return cards.exists() and any(line[:3].strip().isdigit() for line in cards.read_text().splitlines())


def test_doctor_reports_this_machine_truthfully(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "face.mp4", [(skimage.data.astronaut(), 3)])
    env = clean_env(MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path / "state"), MOODKIOSK_CAMERA__SOURCE=str(video))
    code, checks = doctor(env, "--offline")
    assert code == 0
    assert checks["python"]["status"] == "ok" and checks["packages"]["status"] == "ok"
    assert checks["face model"]["status"] == checks["emotion model"]["status"] == "ok"
    assert checks["camera"]["status"] == "ok" and "512x512" in checks["camera"]["detail"]
    assert checks["mpv"]["status"] == "ok" and "mpv 0." in checks["mpv"]["detail"]
    assert checks["audio"]["status"] == ("ok" if sound_cards() else "warn")
    assert checks["youtube"]["detail"] == "not checked (--offline)"
    assert checks["accounts"]["status"] == "warn" and "user add" in checks["accounts"]["fix"]
    assert checks["state dir"]["status"] == "ok" and "MB free" in checks["state dir"]["detail"]
    assert checks["web page"]["status"] == "ok" and "is free" in checks["web page"]["detail"]

    _, checks = doctor(env)  # with the network checks: here YouTube meets a closed port
    assert checks["youtube"]["status"] == "warn" and checks["youtube"]["detail"].startswith("YouTube does not answer")

    human = run_cli("doctor", "--offline", env=env).stdout
    assert "WARN accounts: no database yet" in human and "fix: create the first admin" in human


def test_doctor_fails_with_fixes_for_what_is_broken(tmp_path: Path) -> None:
    env = clean_env(
        MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path / "state"),
        MOODKIOSK_CAMERA__SOURCE=str(tmp_path / "no-such-camera.mp4"),
        MOODKIOSK_INFERENCE__FACE_MODEL=str(tmp_path / "missing.tflite"),
        MOODKIOSK_MQTT__HOST="127.0.0.1",
        MOODKIOSK_MQTT__PORT=str(free_port()),  # no broker there
    )
    with socket.socket() as other_program:  # someone else holds the web port
        other_program.bind(("127.0.0.1", int(env["MOODKIOSK_WEB__PORT"])))
        other_program.listen()
        code, checks = doctor(env, "--offline")
    assert code == 1
    assert checks["camera"]["status"] == "fail" and "no such device, file or URL" in checks["camera"]["detail"]
    assert checks["face model"]["status"] == "fail" and "models fetch" in checks["face model"]["fix"]
    assert checks["web page"]["status"] == "fail" and "taken by another program" in checks["web page"]["detail"]
    assert (
        checks["home assistant"]["status"] == "fail" and "cannot connect to the MQTT broker" in checks["home assistant"]["detail"]
    )

    broken = tmp_path / "broken.toml"
    broken.write_text("[camera]\nsorce = 'auto'\n")
    result = run_cli("--config", broken, "doctor", "--json", "--offline", env=clean_env())
    checks = {check["name"]: check for check in json.loads(result.stdout)["checks"]}
    assert result.returncode == 1 and checks["config"]["status"] == "fail" and "camera.sorce" in checks["config"]["detail"]
    assert checks["mpv"]["status"] == "ok"  # the other checks still ran, with the defaults


def test_doctor_sees_the_running_kiosk(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path)
    try:
        _, checks = doctor(daemon.env, "--offline")
    finally:
        daemon.stop()
    assert checks["web page"]["status"] == "ok" and "the kiosk is serving" in checks["web page"]["detail"]
    assert checks["accounts"] == {**checks["accounts"], "status": "ok", "detail": "2 account(s), 1 admin(s)"}


def test_config_check_and_show(tmp_path: Path) -> None:
    example = REPO / "systemd" / "config.example.toml"
    checked = run_cli("config", "check", example, env=clean_env(MOODKIOSK_CAMERA__SORCE="x"))  # the environment does not count
    assert checked.returncode == 0 and checked.stdout.strip() == f"{example}: valid"
    broken = tmp_path / "broken.toml"
    broken.write_text("[player]\nvolume = 300\n")
    refused = run_cli("config", "check", broken)
    assert refused.returncode == 2 and "player.volume" in refused.stderr

    state = tmp_path / "state"

    async def change_on_the_page() -> None:
        store = Store(state / "moodkiosk.db")
        await store.open()
        await store.save_page_settings({"player.strategy": '"lift"'}, "asha")
        await store.close()

    asyncio.run(change_on_the_page())
    shown = run_cli("config", "show", env=clean_env(MOODKIOSK_STORAGE__STATE_DIR=str(state)))
    assert shown.returncode == 0 and json.loads(shown.stdout)["player"]["strategy"] == "lift"
    assert "changed on the admin page (these win over the file): player.strategy" in shown.stderr


def test_doctor_names_a_pi_camera_library_that_does_not_import(tmp_path: Path) -> None:
    broken = tmp_path / "site" / "picamera2"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('numpy.core.multiarray failed to import')\n")
    env = clean_env(MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path / "state"), PYTHONPATH=str(tmp_path / "site"))
    code, checks = doctor(env, "--offline")
    assert code == 1 and checks["camera"]["status"] == "fail"
    assert "numpy.core.multiarray failed to import" in checks["camera"]["detail"]
    assert "troubleshooting.md" in checks["camera"]["fix"]


def test_doctor_counts_the_music_of_each_mood(tmp_path: Path) -> None:
    music = tmp_path / "music"
    env = clean_env(MOODKIOSK_STORAGE__STATE_DIR=str(tmp_path / "state"), MOODKIOSK_PLAYER__MUSIC_DIR=str(music),
                    MOODKIOSK_CAMERA__SOURCE="none")  # fmt: skip
    _, checks = doctor(env, "--offline")
    assert checks["music"]["status"] == "warn" and "no music folder yet" in checks["music"]["detail"]
    for relative in ("happy/a.wav", "happy/b.wav", "neutral/c.wav"):
        (music / relative).parent.mkdir(parents=True, exist_ok=True)
        tone(music / relative, seconds=1)
    _, checks = doctor(env, "--offline")
    assert checks["music"]["status"] == "warn" and "happy 2, sad 0" in checks["music"]["detail"]
    assert "neutral 1" in checks["music"]["detail"] and "no local music for angry, disgust, fear, sad" in checks["music"]["fix"]
