"""The watcher: opens the configured camera, runs the perception threads, reports the camera's state.

Owns the camera and the frame analysis (device/kiosk/perception.py's worker) for the daemon: starts
them, restarts them when the camera or inference settings change (or detection is paused), and
hands every analysed frame to ``on_analysis`` (the conductor). Frames never leave this part.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import numpy as np

from device.camera.spec import NO_CAMERA_SPEC, camera_from_spec
from device.core.config import CameraSettings, InferenceSettings
from device.core.errors import MoodkioskError
from device.core.events import CameraChanged, EventBus, Note
from device.core.labels import EMOTIONS, CameraState
from device.inference.analyzer import FrameAnalysis, FrameAnalyzer
from device.kiosk.perception import CameraStatus, PerceptionWorker

log = logging.getLogger("moodkiosk")
NO_CAMERA = "no Pi camera or webcam found; choose one under Camera on the admin page (or camera.source)"


NO_EMOTION = "emotion recognition is off here (privacy.mode = no-emotion): the camera is never opened"


class Watcher:
    def __init__(
        self,
        camera: CameraSettings,
        inference: InferenceSettings,
        bus: EventBus,
        on_analysis: Callable[[float, FrameAnalysis], None],
        on_source_end: Callable[[], None] = lambda: None,
        reads_faces: bool = True,
    ) -> None:
        """``reads_faces`` False (privacy.mode = "no-emotion"): the camera is never opened."""
        self.camera, self.inference = camera, inference
        self.reads_faces = reads_faces
        self.bus = bus
        self.on_analysis, self.on_source_end = on_analysis, on_source_end
        self.worker: PerceptionWorker | None = None
        self.fps: float | None = None  # frames analysed per second, measured by the health chore
        self._lock = asyncio.Lock()
        self._running = False
        self._generation = 0  # reports from workers of older generations are stale
        self.household_bias = np.zeros(len(EMOTIONS))

    async def start(self) -> None:
        self._running = True
        self.worker = self._start_worker(asyncio.get_running_loop())

    async def configure(self, camera: CameraSettings, inference: InferenceSettings) -> None:
        """New camera or inference settings: the camera is reopened with a new analyzer (when running)."""
        if (camera, inference) == (self.camera, self.inference):
            return
        self.camera, self.inference = camera, inference
        if self._running:
            await self._restart()

    async def read_faces(self, reads_faces: bool) -> None:
        """privacy.mode changed: the camera is closed for good (False, "no-emotion") or opened again."""
        if reads_faces == self.reads_faces:
            return
        self.reads_faces = reads_faces
        if self._running:
            await self._restart()

    async def _restart(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._stop_worker)
            self.worker = self._start_worker(loop)

    def stop(self) -> None:
        self._running = False
        self._stop_worker()

    def set_household_bias(self, bias: np.ndarray) -> None:
        """The household's corrections ("Was I right?"): for every face from the next frame on."""
        self.household_bias = bias
        worker = self.worker
        if worker is not None:
            worker.analyzer.household_bias = bias  # one reference swapped: the analysis thread reads it whole

    @property
    def analysed(self) -> int:
        return self.worker.analysed if self.worker else 0

    def stuck_for(self, watchdog: float) -> float | None:
        """How long the analysis loop has been silent, when that is longer than it may be (else None)."""
        worker = self.worker
        if worker is None or worker.finished:
            return None  # no camera (none, paused, failed): nothing to wait for
        opening = worker.opening_for()
        if opening is not None and opening > max(watchdog, worker.stall_seconds):
            return opening  # an open that never returns is no progress, however busy the analysis loop is
        silent = time.monotonic() - worker.last_progress_at
        if not worker.alive:
            return max(silent, watchdog)  # the analysis thread died: no progress will ever come
        return silent if silent > max(watchdog, 4 * max(worker.period, worker.idle_period), 2.0) else None

    def _stop_worker(self) -> None:
        worker, self.worker = self.worker, None
        self._generation += 1  # whatever the old camera says from now on (a hung open failing late) is stale
        if worker:
            worker.stop()
            worker.analyzer.close()

    def _start_worker(self, loop: asyncio.AbstractEventLoop) -> PerceptionWorker | None:
        camera = self.camera
        if not self.reads_faces:
            self._report(camera.source, CameraStatus(CameraState.OFF, NO_EMOTION))
            return None
        if camera.paused:
            self._report(camera.source, CameraStatus(CameraState.PAUSED, "detection is paused (privacy): the camera is closed"))
            return None
        try:
            source = camera_from_spec(camera.source, loop=camera.loop)
        except MoodkioskError as error:
            self._report(camera.source, CameraStatus(CameraState.OFFLINE, error.describe()))
            return None
        if source is None:
            self._report(camera.source, CameraStatus(CameraState.NONE, "" if camera.source == NO_CAMERA_SPEC else NO_CAMERA))
            return None
        try:
            analyzer = FrameAnalyzer(self.inference)
        except MoodkioskError as error:
            self.bus.publish(Note(f"emotion detection is off: {error.describe()}"))
            return None
        analyzer.household_bias = self.household_bias
        generation = self._generation
        log.info("faces are found by the %s backend", analyzer.backend)
        if analyzer.backend_note:
            self.bus.publish(Note(analyzer.backend_note))
        worker = PerceptionWorker(
            source, analyzer, loop, self.on_analysis, lambda status: self._report(str(source), status, generation),
            camera.analysis_fps, camera.stall_seconds, camera.max_retry_seconds,
            min(camera.idle_fps, camera.analysis_fps), camera.idle_after_seconds,
        )  # fmt: skip
        worker.start()
        return worker

    def _report(self, camera: str, status: CameraStatus, generation: int | None = None) -> None:
        """Publish a camera's state; a report from a camera that was since replaced (``generation``) is dropped."""
        if generation is not None and generation != self._generation:
            log.debug("ignoring a late report from camera %s: %s", camera, status.state)
            return
        self.bus.publish(CameraChanged(camera, status.state, status.detail))
        if status.state == CameraState.ENDED and self.camera.exit_when_source_ends:
            self.on_source_end()
