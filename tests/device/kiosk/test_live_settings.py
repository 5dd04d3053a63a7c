"""Every setting either takes effect while the kiosk runs or is named as needing a restart.

The walk builds the real daemon's parts in-process (real camera source on a video, real
analyzer, real mpv with null outputs, real SQLite) and reloads the settings once per key of
``moodkiosk config keys``, as SIGHUP does.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
from pathlib import Path
from typing import Any

import aiohttp
import skimage.data

from device.cli.media_files import write_slideshow
from device.core.config import Settings, iter_setting_docs
from device.core.page_settings import get_value, with_values
from device.daemon import Kiosk
from device.kiosk.live_settings import READ_WHEN_USED, RESTART_ONLY
from tests.helpers import REPO, Daemon, client_session, png_bytes, signed_in

MODELS = REPO / "models"


def new_values(tmp_path: Path) -> dict[str, Any]:
    """A valid value other than the base's for every setting."""
    face, emotion = tmp_path / "models" / "face.tflite", tmp_path / "models" / "emotion.tflite"
    face.parent.mkdir(exist_ok=True)
    shutil.copy(MODELS / "face_detection_short_range.tflite", face)
    shutil.copy(MODELS / "emotion_fer_int8.tflite", emotion)
    shutil.copy(MODELS / "emotion_fer_int8.json", emotion.with_suffix(".json"))
    other_video = write_slideshow(tmp_path / "other.mp4", [(skimage.data.astronaut(), 30)], fps=5)
    return {
        "log_level": "debug",
        "inference.face_model": face, "inference.face_backend": "litert", "inference.emotion_model": emotion,
        "inference.min_face_score": 0.6, "inference.min_face_size": 30, "inference.crop_scale": 1.3, "inference.threads": 2,
        "mood.smoothing_seconds": 4.0, "mood.dwell_seconds": 5.0, "mood.first_dwell_seconds": 2.0, "mood.lead_margin": 0.2,
        "mood.min_confidence": 0.4, "mood.idle_seconds": 100,
        "camera.source": str(other_video), "camera.analysis_fps": 3.0, "camera.idle_fps": 1.0,
        "camera.idle_after_seconds": 20.0, "camera.loop": True, "camera.exit_when_source_ends": True,
        "camera.stall_seconds": 20.0, "camera.max_retry_seconds": 30.0, "camera.paused": True,
        "player.music_dir": tmp_path / "other-music", "player.audio_output": "alsa", "player.video_output": "auto",
        "player.volume": 50, "player.strategy": "lift", "player.mapping": {"sad": "calm"}, "player.languages": ["english"],
        "player.language": "hindi", "player.default_searches": True, "player.search_results": 10,
        "player.ytdl_path": tmp_path / "yt-dlp", "player.ytdl_format": "worstaudio", "player.remote_refresh_hours": 2.0,
        "player.cache_max_mb": 100, "player.cache_track_max_mb": 10, "player.tag_music": False,
        "player.skip_seconds": 10.0, "player.artist_share": 0.2,
        "player.fallback_playlist": "happy",
        "player.switch_at": "immediately", "player.strong_confidence": 0.7, "player.strong_seconds": 3.0,
        "player.min_switch_seconds": 20.0, "player.idle_action": "keep", "player.idle_playlist": "calm",
        "player.fade_seconds": 2.0,
        "storage.state_dir": tmp_path / "other-state", "storage.retention_days": 10, "storage.events_file": tmp_path / "ev",
        "web.enabled": False, "web.host": "127.0.0.2", "web.port": 8181, "web.self_signup": True,
        "web.metrics": "on", "web.display_remote": True, "web.hostnames": ["kiosk.home.arpa"],
        "mqtt.host": "127.0.0.1", "mqtt.port": 1884, "mqtt.tls": True, "mqtt.username": "kiosk", "mqtt.password": "pw",
        "mqtt.base_topic": "kiosk2", "mqtt.discovery_prefix": "ha",
        "llm.url": "http://127.0.0.1:9/v1", "llm.model": "qwen2.5", "llm.api_key": "secret", "llm.timeout_seconds": 5.0,
        "llm.queries": 2, "llm.cache_minutes": 5.0,
        "spotify.client_id": "kiosk", "spotify.client_secret": "s3cret", "spotify.api_base": "http://127.0.0.1:9/v1/",
        "spotify.token_url": "http://127.0.0.1:9/api/token",
        "player.output": "snapcast", "snapcast.fifo": tmp_path / "snapfifo", "snapcast.stream": "kiosk",
        "snapcast.host": "127.0.0.2", "snapcast.control_port": 1706,
        "privacy.mode": "no-emotion", "privacy.operator": "Café Asha", "privacy.contact": "asha@example.org",
    }  # fmt: skip


def effect(kiosk: Kiosk, key: str, settings: Settings) -> None:
    """Assert that the part owning ``key`` now works with ``settings``."""
    section, _, name = key.partition(".")
    if key == "log_level":
        assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    elif key in READ_WHEN_USED:
        assert get_value(kiosk.settings, key) == get_value(settings, key)
    elif section == "mood":
        assert kiosk.conductor.tracker.settings == settings.mood
    elif section == "player":
        assert kiosk.conductor.dj.settings == settings.player and kiosk.jukebox.settings == settings.player
        jukebox = kiosk.jukebox
        concrete = {  # what each key changes in the parts that play (issue 15: these changed nothing before)
            "ytdl_format": lambda: jukebox.player.ytdl_format == jukebox.cache.ytdl_format == "worstaudio",
            "remote_refresh_hours": lambda: jukebox.sources[0].refresh_seconds == 2 * 3600,
            "cache_max_mb": lambda: jukebox.cache.max_bytes == 100 * 2**20,
            "cache_track_max_mb": lambda: jukebox.cache.track_max_bytes == 10 * 2**20,
            "languages": lambda: jukebox.library.languages == {"english"},
            "language": lambda: kiosk.conductor.dj.language == "hindi",
        }
        assert concrete.get(name, lambda: True)(), key
    elif section == "camera":
        assert kiosk.watcher.camera == settings.camera
        worker = kiosk.watcher.worker
        if settings.camera.paused:
            assert worker is None
        else:
            assert worker is not None and str(worker.source) == settings.camera.source
            assert worker.period == 1 / settings.camera.analysis_fps and worker.stall_seconds == settings.camera.stall_seconds
    elif key == "privacy.mode":
        assert kiosk.recorder.hourly == (settings.privacy.mode == "public")
        reads_faces = settings.privacy.mode != "no-emotion"
        assert kiosk.watcher.reads_faces == reads_faces and (kiosk.watcher.worker is not None) == reads_faces
    elif section == "llm":
        assert kiosk.briefs.settings == settings.llm  # asked with these from the next mood on
    elif section == "inference":
        assert kiosk.watcher.inference == settings.inference and kiosk.photos.settings == settings.inference
        analyzer = kiosk.watcher.worker.analyzer if kiosk.watcher.worker else None
        assert analyzer is not None and analyzer.settings == settings.inference  # the running analyzer was replaced
        assert analyzer.detector.min_size == settings.inference.min_face_size
        assert analyzer.crop_scale == (settings.inference.crop_scale or analyzer.classifier.info.crop_scale)
    else:
        raise AssertionError(f"{key}: no part applies it and it is not listed as restart-only")


def test_every_setting_takes_effect_live_or_is_named_as_restart_only(tmp_path: Path) -> None:
    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 60)], fps=5)
    base = Settings(
        camera={"source": str(video)},
        player={"music_dir": tmp_path / "music", "audio_output": "null", "video_output": "null", "default_searches": False},
        storage={"state_dir": tmp_path / "state"},
    )
    values = new_values(tmp_path)
    keys = [key for key, _, _ in iter_setting_docs()]
    assert sorted(values) == sorted(keys), "a new setting needs a value here"
    current = {"settings": base}
    kiosk = Kiosk(base, reread=lambda: current["settings"])

    async def walk() -> None:
        await kiosk.store.open()
        kiosk.jukebox.start(asyncio.get_running_loop())
        await kiosk.watcher.start()
        try:
            for key in keys:
                changed = with_values(base, {key: values[key]}) if "." in key else base.model_copy(update={key: values[key]})
                current["settings"] = changed
                later = await kiosk.live.reload()
                assert later is not None, key
                if key in RESTART_ONLY:
                    assert later == [key], (key, later)
                else:
                    assert later == [], (key, later)
                    effect(kiosk, key, changed)
                current["settings"] = base
                assert await kiosk.live.reload() is not None
        finally:
            kiosk.watcher.stop()
            await kiosk.jukebox.close()
            kiosk.photos.close()
            await kiosk.store.close()
            logging.getLogger().setLevel(logging.WARNING)

    asyncio.run(walk())


def test_a_reload_of_the_face_settings_reaches_the_photo_analyzer_of_the_running_daemon(tmp_path: Path) -> None:
    """Issue 15, bug 1: `inference.min_face_size` changed by SIGHUP used to change nothing."""
    config = tmp_path / "config.toml"
    config.write_text("[inference]\nmin_face_size = 20\n")
    daemon = Daemon(tmp_path, config=config)

    async def faces(client: aiohttp.ClientSession, csrf: dict[str, str]) -> int:
        form = aiohttp.FormData()
        form.add_field("file", png_bytes(skimage.data.astronaut()), filename="a.png")
        return len((await (await client.post(daemon.base + "/api/analyze", data=form, headers=csrf)).json())["faces"])

    async def scenario() -> None:
        async with client_session() as client:
            csrf = await signed_in(client, daemon)
            assert await faces(client, csrf) == 1
            config.write_text("[inference]\nmin_face_size = 400\n")  # bigger than the astronaut's face (95 px)
            daemon.process.send_signal(signal.SIGHUP)
            await asyncio.sleep(1.5)
            assert await faces(client, csrf) == 0

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "config reloaded" in log and "next start" not in log


def test_restart_only_keys_are_real_settings() -> None:
    keys = {key for key, _, _ in iter_setting_docs()}
    assert set(RESTART_ONLY) <= keys and set(READ_WHEN_USED) <= keys and not set(RESTART_ONLY) & set(READ_WHEN_USED)
