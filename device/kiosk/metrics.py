"""The kiosk's figures for Prometheus (``GET /metrics``): counters from the event bus, latencies from
the analysed frames, gauges read at each scrape. Base units, ``_total`` counters, and no label that
names a person or a track (sources and moods only).
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, ProcessCollector, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from device import __version__
from device.core.events import CameraChanged, Event, Idle, MoodChanged, TrackFailed, TrackStarted
from device.core.labels import EMOTIONS, CameraState, TrackSource
from device.inference.analyzer import FrameAnalysis

CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class Metrics:
    """Subscribe it to the event bus and hand it every analysed frame; ``render()`` answers a scrape."""

    def __init__(self, fps: Callable[[], float | None], sources: Callable[[], list[str]]) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # process_resident_memory_bytes, CPU seconds, open fds
        r = self.registry
        Info("moodkiosk_build", "the running moodkiosk", registry=r).info({"version": __version__})
        self.frames = Counter("moodkiosk_frames_analysed", "frames the emotion analysis has read", registry=r)
        self.latency = Histogram(
            "moodkiosk_frame_analysis_seconds", "time to analyse one frame, by stage", ["stage"],
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.faces = Gauge("moodkiosk_faces", "faces in the last analysed frame", registry=r)
        self.moods = Counter("moodkiosk_mood_changes", "moods decided, by mood (nobody: no one there)", ["mood"], registry=r)
        self.played = Counter("moodkiosk_tracks_played", "tracks started, by source", ["source"], registry=r)
        self.failed = Counter("moodkiosk_tracks_failed", "tracks that would not play, by source", ["source"], registry=r)
        self.reconnects = Counter("moodkiosk_camera_reconnects", "times the camera opened again after a problem", registry=r)
        fps_gauge = Gauge("moodkiosk_analysis_fps", "frames analysed per second (recent)", registry=r)
        fps_gauge.set_function(lambda: fps() or 0.0)
        self.remote = Gauge("moodkiosk_remote_sources", "remote playlists by state", ["state"], registry=r)
        self._sources = sources
        for mood in (*EMOTIONS, "nobody"):
            self.moods.labels(mood)
        for source in ("local", "remote"):
            self.played.labels(source), self.failed.labels(source)
        self._camera_was: str | None = None

    def frame(self, analysis: FrameAnalysis) -> None:
        """One analysed frame (from the analysis thread: the client library is thread-safe)."""
        self.frames.inc()
        self.faces.set(len(analysis.faces))
        self.latency.labels("detect").observe(analysis.detect_ms / 1000)
        self.latency.labels("classify").observe(max(0.0, analysis.ms - analysis.detect_ms) / 1000)
        self.latency.labels("total").observe(analysis.ms / 1000)

    def __call__(self, event: Event) -> None:
        if isinstance(event, MoodChanged):
            self.moods.labels(event.emotion).inc()
        elif isinstance(event, Idle):
            self.moods.labels("nobody").inc()
        elif isinstance(event, TrackStarted):
            self.played.labels("local" if event.source == TrackSource.LOCAL else "remote").inc()
        elif isinstance(event, TrackFailed):
            self.failed.labels("local" if event.source == TrackSource.LOCAL else "remote").inc()
        elif isinstance(event, CameraChanged):
            quiet = (None, CameraState.OPENING, CameraState.OPEN, CameraState.PAUSED, CameraState.NONE)
            if event.state == CameraState.OPEN and self._camera_was not in quiet:
                self.reconnects.inc()
            if event.state != CameraState.OPENING:
                self._camera_was = event.state

    def render(self) -> bytes:
        states: dict[str, int] = {"ok": 0, "listing": 0, "failing": 0}
        for state in self._sources():
            states[state] = states.get(state, 0) + 1
        for state, count in states.items():
            self.remote.labels(state).set(count)
        return generate_latest(self.registry)
