"""The capture and analysis threads: newest frame only, steady rate, failures reported and retried."""

from __future__ import annotations

import asyncio
import itertools
import threading
from pathlib import Path

import skimage.data

from device.camera.opencv_source import OpenCVSource
from device.camera.source import CameraError, Frame
from device.core.config import CameraSettings, InferenceSettings
from device.core.events import EventBus
from device.inference.analyzer import FrameAnalysis, FrameAnalyzer
from device.kiosk.perception import CameraStatus, PerceptionWorker
from device.kiosk.watcher import Watcher
from tests.helpers import photo_video


class FlakyCamera(OpenCVSource):
    """A real video file source with injected faults: it fails to open twice, and breaks once mid-way."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.opens = 0
        self.reads = 0

    def open(self) -> None:
        self.opens += 1
        if self.opens <= 2:
            raise CameraError("cannot open camera flaky (unplugged)", "plug it in")
        super().open()

    def read(self) -> Frame | None:
        self.reads += 1
        if self.reads == 10:
            raise CameraError("camera flaky stopped giving frames", "check the cable")
        return super().read()


class HangingCamera(OpenCVSource):
    """A real video source whose read() hangs for good after 5 frames, like a wedged driver."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.reads = 0
        self.released = threading.Event()

    def read(self) -> Frame | None:
        self.reads += 1
        if self.reads > 5:
            self.released.wait()  # until the test ends
        return super().read()

    def fresh(self) -> OpenCVSource:
        return OpenCVSource(str(self.target))  # the same camera, working again


class HangingOpen(OpenCVSource):
    """A real video source whose open() waits until the test lets it go, like a driver that hangs."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.released = threading.Event()

    def open(self) -> None:
        self.released.wait()
        super().open()


class HangingThenFailing(HangingCamera):
    """Its hung read raises when let go: what an abandoned camera says late."""

    def read(self) -> Frame | None:
        frame = super().read()
        if self.reads > 5:
            raise CameraError("camera gone stopped giving frames", "check the cable")
        return frame


def run_worker(
    source: OpenCVSource, analyzer: FrameAnalyzer, fps: float, stall_seconds: float = 10.0
) -> tuple[list[str], list[FrameAnalysis]]:
    statuses: list[str] = []
    analyses: list[FrameAnalysis] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        ended = asyncio.Event()

        def on_status(status: CameraStatus) -> None:
            statuses.append(status.state)
            if status.state == "ended":
                ended.set()

        worker = PerceptionWorker(
            source, analyzer, loop, lambda at, a: analyses.append(a), on_status, fps, stall_seconds, max_retry_seconds=0.2
        )
        worker.start()
        await asyncio.wait_for(ended.wait(), 60)
        worker.stop()

    asyncio.run(scenario())
    return statuses, analyses


def test_failures_are_reported_and_retried(tmp_path: Path, analyzer: FrameAnalyzer) -> None:
    video = photo_video(tmp_path / "v.mp4", [(skimage.data.astronaut(), 3)], fps=10)
    source = FlakyCamera(video)
    statuses, analyses = run_worker(source, analyzer, fps=5)
    assert statuses[:4] == ["opening", "offline", "offline", "open"]
    assert "offline" in statuses[4:] and statuses[-2:] == ["open", "ended"]
    assert source.opens == 4
    assert analyses and all([f.emotion for f in a.faces] == ["happy"] for a in analyses)


def test_analysis_rate_takes_the_newest_frame_only(tmp_path: Path, analyzer: FrameAnalyzer) -> None:
    """A 25 fps video for 4 s analysed at 2 per second: at most 2 a second (fewer on a slow machine), never
    the 100 frames queued up."""
    video = photo_video(tmp_path / "v.mp4", [(skimage.data.astronaut(), 4)], fps=25)
    statuses, analyses = run_worker(OpenCVSource(str(video)), analyzer, fps=2)
    assert statuses == ["opening", "open", "ended"]
    assert 2 <= len(analyses) <= 2 * 4 + 1


def test_a_hanging_camera_is_abandoned_and_reopened(tmp_path: Path, analyzer: FrameAnalyzer) -> None:
    video = photo_video(tmp_path / "v.mp4", [(skimage.data.astronaut(), 3)], fps=10)
    source = HangingCamera(video)
    try:
        statuses, analyses = run_worker(source, analyzer, fps=5, stall_seconds=1.0)
    finally:
        source.released.set()
    assert statuses == ["opening", "open", "stalled", "open", "ended"]
    assert len(analyses) > 5  # frames came again from the fresh source


def test_the_analysis_slows_down_without_faces_and_is_back_with_the_first_face(tmp_path: Path, analyzer: FrameAnalyzer) -> None:
    """Nobody for 8 s (a photo of a coffee cup), then a face: 4 analyses a second, 1 after 3 s of nobody, 4 again."""
    video = photo_video(tmp_path / "v.mp4", [(skimage.data.coffee(), 8), (skimage.data.astronaut(), 3)], fps=10)
    moments: list[tuple[float, int]] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        ended = asyncio.Event()
        worker = PerceptionWorker(
            OpenCVSource(str(video)), analyzer, loop, lambda at, a: moments.append((at, len(a.faces))),
            lambda status: ended.set() if status.state == "ended" else None, 4.0, idle_fps=1.0, idle_after=3.0,
        )  # fmt: skip
        worker.start()
        await asyncio.wait_for(ended.wait(), 60)
        worker.stop()

    asyncio.run(scenario())
    first = moments[0][0]
    nobody = [at - first for at, faces in moments if not faces]
    gaps_early = [b - a for a, b in itertools.pairwise(nobody) if b < 2.5]
    gaps_idle = [b - a for a, b in itertools.pairwise(nobody) if a > 4.0]
    assert gaps_early and max(gaps_early) < 0.4  # the full rate while someone may still be there
    assert gaps_idle and min(gaps_idle) > 0.8  # then the idle rate
    seen = next(index for index, (_, faces) in enumerate(moments) if faces)
    assert moments[seen][0] - first - 8.0 < 1.1  # the face is seen within one idle interval
    assert moments[seen + 1][0] - moments[seen][0] < 0.4  # and the next frame comes at the full rate again


def test_an_open_that_does_not_return_is_reported_and_counts_as_no_progress(tmp_path: Path, analyzer: FrameAnalyzer) -> None:
    """Issue 26, finding 6: a hung open was "opening" for good while the watchdog kept pinging."""
    video = photo_video(tmp_path / "v.mp4", [(skimage.data.astronaut(), 2)], fps=10)
    source = HangingOpen(video)
    watcher = Watcher(CameraSettings(), InferenceSettings(), EventBus(), lambda at, a: None)
    reports: list[CameraStatus] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        ended = asyncio.Event()

        def on_status(status: CameraStatus) -> None:
            reports.append(status)
            if status.state == "ended":
                ended.set()

        worker = PerceptionWorker(source, analyzer, loop, lambda at, a: None, on_status, 5.0, stall_seconds=1.0)
        watcher.worker = worker
        worker.start()
        await asyncio.sleep(2.5)
        assert [r.state for r in reports] == ["opening", "stalled"]
        assert "has not finished" in reports[1].detail
        assert worker.opening_for() > 2.0 and watcher.stuck_for(watchdog=1.0) > 2.0  # the watchdog pings stop
        source.released.set()  # the open returns after all: frames, and progress again
        await asyncio.wait_for(ended.wait(), 30)
        assert worker.opening_for() is None and watcher.stuck_for(watchdog=1.0) is None
        worker.stop()

    try:
        asyncio.run(scenario())
    finally:
        source.released.set()
    assert [r.state for r in reports] == ["opening", "stalled", "open", "ended"]


def test_an_abandoned_cameras_late_failure_is_not_reported(tmp_path: Path, analyzer: FrameAnalyzer) -> None:
    """The camera abandoned after a stall fails when its read returns: the working one's state stays."""
    video = photo_video(tmp_path / "v.mp4", [(skimage.data.astronaut(), 4)], fps=10)
    source = HangingThenFailing(video)
    statuses: list[str] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        ended = asyncio.Event()

        def on_status(status: CameraStatus) -> None:
            statuses.append(status.state)
            if statuses[-2:] == ["stalled", "open"]:
                source.released.set()  # the old read returns now, and raises
            ended.set() if status.state == "ended" else None

        worker = PerceptionWorker(source, analyzer, loop, lambda at, a: None, on_status, 5.0, stall_seconds=1.0)
        worker.start()
        await asyncio.wait_for(ended.wait(), 60)
        worker.stop()

    try:
        asyncio.run(scenario())
    finally:
        source.released.set()
    assert statuses == ["opening", "open", "stalled", "open", "ended"]
