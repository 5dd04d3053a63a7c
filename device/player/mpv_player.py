"""Playback through libmpv (python-mpv); mpv's events are handed to the asyncio loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from device.core.errors import MoodkioskError
from device.player.library import Track

log = logging.getLogger("moodkiosk.player")
FAILURE_GRACE_SECONDS = 0.3
FILE_COMPONENTS = {"ffmpeg", "stream", "ytdl_hook", "cplayer", "demux", "file", "lavf"}


class PlayerError(MoodkioskError):
    """libmpv is missing or mpv refused a command."""


@dataclass(frozen=True)
class PlayerEvent:
    """``started``: a track began; ``ended``: it played to its end; ``failed``: it could not be played."""

    kind: Literal["started", "ended", "failed"]
    track: Track
    detail: str = ""


WATCHED = ("pause", "volume", "time-pos", "duration", "media-title")  # read often by the loop: from events


class MpvPlayer:
    """One mpv instance playing one track at a time (the DJ chooses the next).

    Calls are made from the event loop; mpv reports from its own thread and every report is
    passed to ``on_event`` on the loop with ``call_soon_threadsafe``.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_event: Callable[[PlayerEvent], None],
        audio_output: str = "auto",
        video_output: str = "auto",
        volume: int = 80,
        ytdl_path: str | None = None,
        ytdl_format: str = "bestaudio/best",
        on_change: Callable[[], None] | None = None,
        audio: dict[str, Any] | None = None,
    ) -> None:
        """``ytdl_path``: the yt-dlp mpv's ytdl hook runs; every http(s) URL goes through it first. ``audio``:
        where the audio goes instead of ``audio_output`` (``ao`` and its options: Snapcast's pipe).
        ``on_change`` is called (on the loop) when pause or volume change, whoever changed them."""
        try:
            import mpv
        except (ImportError, OSError) as error:
            raise PlayerError(f"libmpv cannot be loaded: {error}", "sudo apt install mpv libmpv2") from error
        self._loop = loop
        self._on_event = on_event
        self._lock = threading.Lock()
        self._track: Track | None = None
        self._entry: int | None = None
        self._fading = False
        self._volume_before_fade = float(volume)
        self._last_error = ""  # mpv's last complaint about the current file, for the failure's detail
        self.history: list[Track] = []
        try:
            self._mpv = mpv.MPV(
                **(audio or {"ao": audio_output}),
                vo=video_output,
                volume=volume,
                audio_display="no",  # no cover-art window for audio files
                idle="yes",
                keep_open="no",
                ytdl=True,
                ytdl_format=ytdl_format,
                script_opts=f"ytdl_hook-try_ytdl_first=yes,ytdl_hook-ytdl_path={ytdl_path or 'yt-dlp'}",
                input_default_bindings=False,
                osd_level=1,
                log_handler=self._mpv_log,
                loglevel="warn",
            )
        except Exception as error:  # mpv.ShutdownError, AttributeError for bad option values
            raise PlayerError(f"mpv did not start: {error}", "check player.audio_output / player.video_output") from error
        self._mpv.register_event_callback(self._mpv_event)
        # What the loop reads comes from mpv's property events, not from its core: with the audio paced by a
        # filter (Snapcast's route), the core answers a read only between audio chunks.
        self._seen: dict[str, Any] = {}
        self._on_change = on_change
        for name in WATCHED:
            self._mpv.observe_property(name, self._saw)

    def _saw(self, name: str, value: object) -> None:
        """On mpv's thread: a watched property changed; pause or volume (not by a fade) is told to the loop."""
        self._seen[name] = value
        if self._on_change is not None and name in ("pause", "volume") and not self._fading:
            with contextlib.suppress(RuntimeError):  # the loop has closed: the kiosk is stopping
                self._loop.call_soon_threadsafe(self._on_change)

    def _get(self, name: str) -> Any:
        """A watched property as mpv last told it (read from the core before its first event)."""
        if name in self._seen:
            return self._seen[name]
        return getattr(self._mpv, name.replace("-", "_"))

    def _set(self, name: str, value: object) -> None:
        self._seen[name] = value
        setattr(self._mpv, name, value)

    @property
    def track(self) -> Track | None:
        return self._track

    @property
    def playing(self) -> bool:
        return self._track is not None

    def play(self, track: Track, location: str | None = None) -> None:
        """Play ``track`` (from ``location`` instead of its URI when given: an offline copy)."""
        with self._lock:
            self._track, self._entry, self._last_error = track, None, ""
        self.history.append(track)
        del self.history[:-50]
        if self._fading:  # a fade-out was under way: back to the volume before it
            self._fading = False
            self._set("volume", self._volume_before_fade)
        self._set("pause", False)
        self._seen.update({"time-pos": None, "duration": None, "media-title": None})  # the new file's come as events
        self._mpv.loadfile(location or track.uri, "replace")

    def previous(self) -> Track | None:
        """Play the track before the current one again (None when there is none)."""
        if len(self.history) < 2:
            return None
        track = self.history[-2]
        del self.history[-2:]
        self.play(track)
        return track

    def stop(self) -> None:
        with self._lock:
            self._track, self._entry = None, None
        self._mpv.command("stop")

    def pause(self) -> None:
        self._set("pause", True)

    def resume(self) -> None:
        self._set("pause", False)

    @property
    def paused(self) -> bool:
        return bool(self._get("pause"))

    @property
    def volume(self) -> int:
        """The volume people set (while a fade runs: the one before it, which comes back after)."""
        if self._fading:
            return round(self._volume_before_fade)
        return round(self._get("volume") or 0)

    @volume.setter
    def volume(self, value: int) -> None:
        self._set("volume", max(0, min(100, int(value))))

    @property
    def fading(self) -> bool:
        return self._fading

    @property
    def position(self) -> float | None:
        """Seconds into the playing track (None: nothing loaded yet)."""
        value = self._get("time-pos") if self._track is not None else None
        return None if value is None else max(0.0, float(value))

    @property
    def duration(self) -> float | None:
        """The playing track's length in seconds (None: unknown, e.g. a stream)."""
        value = self._get("duration") if self._track is not None else None
        return None if value is None else float(value)

    def seek(self, seconds: float) -> bool:
        """Jump to ``seconds`` into the playing track (mpv clamps to its length); False when mpv cannot seek
        now (the next track is still loading: mpv's "error running command")."""
        try:
            self._mpv.seek(max(0.0, seconds), "absolute")
        except SystemError:
            return False
        return True

    @property
    def ytdl_format(self) -> str:
        return str(self._mpv["ytdl-format"])

    @ytdl_format.setter
    def ytdl_format(self, value: str) -> None:
        """The yt-dlp format for remote tracks from the next one on (player.ytdl_format, changed live)."""
        self._mpv["ytdl-format"] = value

    async def fade_out(self, seconds: float) -> None:
        """Lower the volume to nothing over ``seconds``, stop, and restore the volume for later."""
        await self._fade(seconds, self.stop)

    async def fade_to_pause(self, seconds: float) -> None:
        """Lower the volume to nothing over ``seconds``, pause, and restore the volume (the sleep timer)."""
        await self._fade(seconds, self.pause)

    async def _fade(self, seconds: float, then: Callable[[], None]) -> None:
        self._volume_before_fade, self._fading = float(self._get("volume") or 0), True
        steps = max(1, int(seconds * 10))
        for step in range(steps):
            if not self._fading:
                return  # a new track started meanwhile
            self._set("volume", self._volume_before_fade * (1 - (step + 1) / steps))
            await asyncio.sleep(seconds / steps)
        if self._fading:
            then()
            self._set("volume", self._volume_before_fade)
            self._fading = False

    def show_note(self, text: str, seconds: float = 6.0) -> None:
        """An on-screen note on the kiosk's display (mpv OSD); nothing happens without a display."""
        self._mpv.command("show-text", text, int(seconds * 1000))

    @property
    def media_title(self) -> str | None:
        title = self._get("media-title")
        return str(title) if title else None

    def reroute(self, options: dict[str, Any]) -> None:
        """Send the audio elsewhere from now on (``ao`` and its options, e.g. device.player.snapcast's):
        mpv reopens its audio output; the track plays on. Blocks until it has (run it off the loop)."""
        for name, value in options.items():
            self._mpv[name.replace("_", "-")] = value
        self._mpv.command("ao-reload")

    def close(self) -> None:
        self._mpv.terminate()

    def _mpv_log(self, level: str, component: str, message: str) -> None:
        """mpv's own messages into our log. The first error about opening a file becomes the failure's
        detail (said once, with the track) and is logged here at debug level only; the rest as they are."""
        text = message.strip()
        if level in {"fatal", "error"} and component in FILE_COMPONENTS:
            self._last_error = self._last_error or f"{component}: {text.removeprefix('ERROR: ')}"[:300]  # the first says why
            log.debug("mpv %s: %s", component, text)
            return
        log.log(logging.ERROR if level in {"fatal", "error"} else logging.WARNING, "mpv %s: %s", component, text)

    def _mpv_event(self, event: Any) -> None:
        """On mpv's thread: turn start/end of file into PlayerEvents for the loop."""
        data = event.as_dict()
        name = data.get("event", b"").decode()
        with self._lock:
            track = self._track
            if name == "start-file" and track is not None and self._entry is None:
                self._entry = data.get("playlist_entry_id")
                return
            entry = data.get("playlist_entry_id", self._entry)  # file-loaded carries no id: the current file
            if track is None or entry != self._entry:
                return  # an older file's events, or a stop we asked for
            if name == "file-loaded":
                report = PlayerEvent("started", track)
            elif name == "end-file":
                reason = data.get("reason", b"").decode()
                if reason == "eof":
                    report = PlayerEvent("ended", track)
                elif reason == "error":
                    self._track = None
                    detail = explain_error(data.get("file_error", b"").decode())
                    # The ytdl hook's own complaint can come a moment after the end of the file: wait for it.
                    later = self._loop.call_later
                    self._loop.call_soon_threadsafe(later, FAILURE_GRACE_SECONDS, self._report_failure, track, detail)
                    return
                else:
                    return
                self._track = None
            else:
                return
        self._loop.call_soon_threadsafe(self._on_event, report)

    def _report_failure(self, track: Track, detail: str) -> None:
        with self._lock:
            why = self._last_error
        self._on_event(PlayerEvent("failed", track, f"{detail} ({why})" if why else detail))


def explain_error(error: str) -> str:
    """mpv's end-file error, with what to do where that is known."""
    if "audio output" in error:
        return f"{error}: check player.audio_output (--audio-output); `mpv --ao=help` lists the outputs"
    if "video output" in error:
        return f"{error}: check player.video_output (--video-output); `mpv --vo=help` lists the outputs"
    return error or "unknown error"
