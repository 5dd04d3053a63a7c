"""Photos shared on the page: decoded and analysed off the event loop, two at most at a time, never stored."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from device.core.config import InferenceSettings
from device.core.errors import MoodkioskError
from device.core.images import decode_image
from device.core.memory import release_free_memory
from device.inference.analyzer import FrameAnalysis, FrameAnalyzer


class PhotoBusyError(MoodkioskError):
    """Other photos are being analysed right now (HTTP 429)."""


@dataclass(frozen=True)
class PhotoResult:
    """The faces in a photo, and the size (after any reduction) its boxes refer to."""

    analysis: FrameAnalysis
    width: int
    height: int


class PhotoAnalysis:
    """One worker thread decodes and analyses; one more photo may wait; beyond that: PhotoBusyError.

    Decoding is bounded by device.core.images (pixels, formats), so a photo costs tens of MB at most,
    and the memory is handed back to the system after each one.
    """

    def __init__(self, settings: InferenceSettings, at_once: int = 2) -> None:
        self.settings = settings
        self.at_once = at_once
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="moodkiosk-photo")
        self._analyzer: FrameAnalyzer | None = None
        self._busy = 0

    async def analyze(self, data: bytes) -> PhotoResult:
        """Raises ImageError (bad photo), PhotoBusyError, or ModelError (a model cannot be loaded)."""
        if self._busy >= self.at_once:
            raise PhotoBusyError("the kiosk is analysing other photos right now", "try again in a moment")
        self._busy += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, self._analyze, data, self.settings)
        finally:
            self._busy -= 1

    def configure(self, settings: InferenceSettings) -> None:
        """New inference settings: the next photo is analysed with a new analyzer."""
        if settings != self.settings:
            self.settings = settings
            self._thread.submit(self._drop_analyzer)

    def _analyze(self, data: bytes, settings: InferenceSettings) -> PhotoResult:
        try:
            rgb = decode_image(data)
            if self._analyzer is None or self._analyzer.settings != settings:
                self._drop_analyzer()
                self._analyzer = FrameAnalyzer(settings)
            height, width = rgb.shape[:2]
            return PhotoResult(self._analyzer.analyze(rgb), width, height)
        finally:
            del data
            release_free_memory()

    def _drop_analyzer(self) -> None:
        analyzer, self._analyzer = self._analyzer, None
        if analyzer is not None:
            analyzer.close()

    def close(self) -> None:
        self._thread.submit(self._drop_analyzer)
        self._thread.shutdown(wait=True)
