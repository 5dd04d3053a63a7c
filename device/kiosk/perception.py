"""Capture and analysis off the event loop: a fresh frame when one is wanted, at a steady rate.

Two threads: the analysis thread wakes ``analysis_fps`` times a second and asks for a frame; the
capture thread reads one from the camera when asked (the camera is read no faster than frames
are analysed; a video file skips the frames it is past without converting them) and keeps only
the newest (a kiosk wants the present; nothing queues up). When nobody has been seen for
``idle_after`` seconds the analysis slows to ``idle_fps``, and it is back at full rate from the
first frame with a face. Results and camera status go to the event loop through
``call_soon_threadsafe``. A camera that fails to open, errors or stalls is reported and reopened
with growing pauses; the rest of the daemon never waits for it. Frames exist only in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from device.camera.source import Frame, FrameSource
from device.core.errors import MoodkioskError
from device.core.faults import fault, hang_forever
from device.core.labels import CameraState
from device.inference.analyzer import FrameAnalysis, FrameAnalyzer

log = logging.getLogger("moodkiosk.camera")


@dataclass(frozen=True)
class CameraStatus:
    """``opening``, ``open``, ``offline`` (with why and what to do), ``stalled`` or ``ended`` (a file ran out)."""

    state: str
    detail: str = ""


def describe_failure(error: Exception) -> str:
    """A camera problem in words: our own errors carry their fix; anything else is named as it is."""
    if isinstance(error, MoodkioskError):
        return error.describe()
    return f"the camera failed: {type(error).__name__}: {error}"


class PerceptionWorker:
    """Runs a camera and the analyzer in threads.

    A source whose read() hangs cannot be interrupted, so after ``stall_seconds`` without a frame
    it is abandoned (its thread closes it if the read ever returns) and ``source.fresh()``, a new
    object for the same camera, is opened instead.
    """

    def __init__(
        self,
        source: FrameSource,
        analyzer: FrameAnalyzer,
        loop: asyncio.AbstractEventLoop,
        on_analysis: Callable[[float, FrameAnalysis], None],
        on_status: Callable[[CameraStatus], None],
        analysis_fps: float = 4.0,
        stall_seconds: float = 10.0,
        max_retry_seconds: float = 60.0,
        idle_fps: float | None = None,
        idle_after: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.analyzer = analyzer
        self._loop = loop
        self._on_analysis, self._on_status = on_analysis, on_status
        self.period = 1.0 / analysis_fps
        self.idle_period = 1.0 / idle_fps if idle_fps else self.period
        self.idle_after = idle_after
        self._clock = clock
        self.last_face_at = clock()
        self.stall_seconds = stall_seconds
        self.max_retry_seconds = max_retry_seconds
        self._stop = threading.Event()
        self._new_frame = threading.Condition()  # guards the fields below
        self._newest: Frame | None = None
        self._sequence = 0  # frames stored so far, across sources
        self._ended = False
        self._reading = False  # a capture thread has the camera open
        self._wanted = False  # the analysis thread waits for a new frame
        self._wanted_at = time.monotonic()
        self._generation = 0  # capture threads of older generations were abandoned
        self._opening_since: float | None = None  # the current capture thread is in source.open() since then
        self._overdue_said = False  # an open that takes too long was reported
        self.last_progress_at = time.monotonic()  # for the watchdog: the analysis loop is alive
        self.analysed = 0
        self.finished = False  # the source ended: the analysis loop stopped on purpose
        self._hang_after = fault("hang-inference-after")
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._start_capture()
        self._spawn(self._analysis_loop, "moodkiosk-analysis")

    def stop(self, timeout: float = 3.0) -> None:
        """Stop both loops; waits at most ``timeout`` in all (a thread stuck in a driver is left behind)."""
        self._stop.set()
        with self._new_frame:
            self._new_frame.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _start_capture(self, announce: bool = True) -> None:
        self._spawn(self._capture_loop, "moodkiosk-capture", self.source, self._generation, announce)

    def _status(self, status: CameraStatus, generation: int | None = None) -> None:
        """Report ``status``, unless it comes from a capture thread that was abandoned (``generation`` is old)."""
        if generation is None or generation == self._generation:
            self._loop.call_soon_threadsafe(self._on_status, status)

    def opening_for(self) -> float | None:
        """Seconds the camera has been opening (None: it is not opening now)."""
        since = self._opening_since
        return None if since is None else time.monotonic() - since

    def _opening(self, generation: int, since: float | None) -> None:
        with self._new_frame:
            if generation == self._generation:
                self._opening_since, self._overdue_said = since, False

    def _current(self, generation: int) -> bool:
        return generation == self._generation and not self._stop.is_set()

    def _capture_loop(self, source: FrameSource, generation: int, announce: bool = True) -> None:
        """Never ends by an exception: any failure is reported as offline and retried.

        ``announce``: say "opening" first (a camera reopened after a stall stays "stalled" until it gives a frame).
        """
        failures = 0
        while self._current(generation):
            if announce and not failures:  # the first try (retries are announced by their "offline")
                self._status(CameraStatus(CameraState.OPENING, f"opening {source}"), generation)
            self._opening(generation, time.monotonic())
            try:
                source.open()
            except Exception as error:  # CameraError, and whatever a driver or OpenCV raises
                self._opening(generation, None)
                failures += 1
                self._status(CameraStatus(CameraState.OFFLINE, describe_failure(error)), generation)
                self._stop.wait(self._retry_delay(failures))
                continue
            self._opening(generation, None)
            with self._new_frame:
                self._reading, self._wanted_at = True, time.monotonic()  # the stall clock starts with the open camera
            announced = False  # "open" is said with the first frame: a camera that opens but gives none is not watching
            try:
                while self._current(generation):
                    if not self._wait_until_wanted(generation):
                        return
                    frame = source.read()
                    if not self._current(generation):
                        return  # abandoned while waiting for this frame
                    if frame is None:
                        self._finish()
                        return
                    if not announced:
                        self._status(CameraStatus(CameraState.OPEN), generation)
                        announced = True
                    failures = 0
                    with self._new_frame:
                        self._newest, self._sequence = frame, self._sequence + 1
                        self._wanted = False
                        self._new_frame.notify_all()
            except Exception as error:
                failures += 1
                self._status(CameraStatus(CameraState.OFFLINE, describe_failure(error)), generation)
                with self._new_frame:
                    self._reading = False
                self._stop.wait(self._retry_delay(failures))
            finally:
                with contextlib.suppress(Exception):
                    source.close()

    def _wait_until_wanted(self, generation: int) -> bool:
        """Block until the analysis asks for a frame (False: this capture thread is to end)."""
        with self._new_frame:
            while not self._wanted and self._current(generation):
                self._new_frame.wait(timeout=1.0)
            return self._current(generation)

    def _finish(self) -> None:
        with self._new_frame:
            self._ended = True
            self._new_frame.notify_all()

    def _retry_delay(self, failures: int) -> float:
        return min(self.max_retry_seconds, 2.0 ** min(failures - 1, 10))

    def _reopen_stalled(self) -> None:
        """Called with the lock held: give up on a source that stopped answering and open a new one."""
        self._status(CameraStatus(CameraState.STALLED, f"no frame for {self.stall_seconds:.0f} s; reopening the camera"))
        self._generation += 1
        self._reading, self._wanted_at = False, time.monotonic()
        self.source = self.source.fresh()
        self._start_capture(announce=False)

    def _report_overdue_open(self) -> None:
        """Called with the lock held: an open that has not returned in ``stall_seconds`` is said once.

        It cannot be interrupted, and another open of the same kind may wait for it (OpenCV's FFmpeg
        backend opens one source at a time in a process), so it is not retried here: the watcher
        counts it as no progress, and systemd's watchdog restarts the service."""
        opening = self.opening_for()
        if opening is not None and opening > self.stall_seconds and not self._overdue_said:
            self._overdue_said = True
            self._status(CameraStatus(CameraState.STALLED, f"opening {self.source} has not finished in {opening:.0f} s; "
                                      "restart moodkiosk if it stays so (under systemd its watchdog does)"))  # fmt: skip

    def _analysis_loop(self) -> None:
        analysed = failures = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            self.last_progress_at = time.monotonic()
            with self._new_frame:
                frame, sequence = self._newest, self._sequence
                if frame is None or sequence == analysed:
                    if self._ended:
                        self._status(CameraStatus(CameraState.ENDED, f"{self.source} has no more frames"))
                        self.finished = True
                        return
                    if not self._wanted:
                        self._wanted, self._wanted_at = True, time.monotonic()
                        self._new_frame.notify_all()
                    self._new_frame.wait(timeout=min(1.0, self.stall_seconds))
                    self._report_overdue_open()
                    if self._reading and self._wanted and time.monotonic() - self._wanted_at > self.stall_seconds:
                        self._reopen_stalled()
                    continue
            analysed = sequence
            if self._hang_after is not None and self.analysed >= self._hang_after:
                hang_forever()  # fault injection (tests): a wedged inference call
            try:
                analysis = self.analyzer.analyze(frame.rgb)
            except Exception as error:  # a frame the analyzer cannot take: say so, and go on with the next
                failures += 1
                if failures == 1:
                    log.exception("the analysis of a frame from %s failed", self.source)
                self._status(CameraStatus(CameraState.OFFLINE, f"frames from {self.source} cannot be analysed: {error}"))
                self._stop.wait(self._retry_delay(failures))
                continue
            if failures:
                failures = 0
                self._status(CameraStatus(CameraState.OPEN))
            self.analysed += 1
            self._loop.call_soon_threadsafe(self._on_analysis, frame.timestamp, analysis)
            period = self.current_period(bool(analysis.faces))
            next_at = max(next_at + period, time.monotonic() - period)
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def current_period(self, faces: bool) -> float:
        """Seconds to the next analysis: the full rate while someone has been seen lately, else the idle rate."""
        now = self._clock()
        if faces:
            self.last_face_at = now
        return self.period if now - self.last_face_at < self.idle_after else self.idle_period

    @property
    def alive(self) -> bool:
        """The analysis thread runs (False before start, after stop, or if it died)."""
        return any(thread.is_alive() and thread.name == "moodkiosk-analysis" for thread in self._threads)
