"""From noisy per-frame face readings to a calm mood decision. Pure logic, clock injected.

The rule, step by step, for each analysed frame:

1. **Several faces** are combined into one probability vector, each face weighted by its box
   area times its detector score: the people nearest the kiosk count most, and a doubtful
   detection little.
2. **Smoothing**: an exponential moving average over time with time constant
   ``smoothing_seconds`` (weights follow the real time between frames, so a slower analysis
   rate does not change the behaviour). After a long gap without faces the average restarts.
3. **Hysteresis and dwell**: the mood with the highest smoothed probability (the leader)
   replaces the current mood only when its probability is at least ``min_confidence``, it leads
   the current mood by at least ``lead_margin``, and both have held for ``dwell_seconds``.
   The first mood (nobody was there, or the kiosk was idle) needs only ``first_dwell_seconds``:
   someone walking up gets music quickly, while an established mood changes calmly.
4. **No face**: the decided mood stays; after ``idle_seconds`` without a face the tracker
   reports idle (``emotion=None``), and the next face starts a fresh decision.
5. **Not sure**: a face the model is not sure about (``emotion`` UNSURE) is no evidence: it
   keeps the kiosk from going idle (someone is there) but changes no probability.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from device.core.config import MoodSettings
from device.core.labels import EMOTIONS, UNSURE


class FaceLike(Protocol):
    box: tuple[int, int, int, int]
    score: float
    emotion: str
    probabilities: dict[str, float]


@dataclass(frozen=True)
class Mood:
    """A decided mood: ``emotion`` None means idle (nobody seen for ``idle_seconds``)."""

    emotion: str | None
    confidence: float
    since: float
    faces: int = 0


def combine_faces(faces: Sequence[FaceLike]) -> np.ndarray:
    """One probability vector for the frame: faces weighted by box area x detector score."""
    weights = np.array([max(f.box[2] * f.box[3], 1) * max(f.score, 1e-3) for f in faces], np.float64)
    probabilities = np.array([[f.probabilities[e] for e in EMOTIONS] for f in faces], np.float64)
    combined = weights @ probabilities / weights.sum()
    return combined / combined.sum()


class MoodTracker:
    """Feed it every analysed frame with :meth:`update`; it returns a Mood when the decision changes."""

    def __init__(self, settings: MoodSettings) -> None:
        self.settings = settings
        self.current: Mood | None = None
        self.smoothed: np.ndarray | None = None
        self._last_face_at: float | None = None  # someone was seen (for idle)
        self._last_evidence_at: float | None = None  # a face the model was sure of (for the smoothing)
        self._challenger: str | None = None
        self._challenger_since = 0.0

    @property
    def emotion(self) -> str | None:
        return self.current.emotion if self.current else None

    def update(self, now: float, faces: Sequence[FaceLike]) -> Mood | None:
        """Take one frame's faces (possibly none) seen at time ``now`` (seconds)."""
        if not faces:
            return self._no_face(now)
        sure = [face for face in faces if face.emotion != UNSURE]
        if not sure:  # someone is there, but says nothing the model is sure of
            self._last_face_at = now
            return None
        faces = sure
        frame = combine_faces(faces)
        gap = math.inf if self._last_evidence_at is None else now - self._last_evidence_at
        if self.smoothed is None or gap > self.settings.idle_seconds:
            self.smoothed = frame
        else:
            alpha = 1.0 - math.exp(-max(gap, 0.0) / self.settings.smoothing_seconds)
            self.smoothed = (1 - alpha) * self.smoothed + alpha * frame
        self._last_face_at = self._last_evidence_at = now
        return self._decide(now, len(faces))

    def _decide(self, now: float, face_count: int) -> Mood | None:
        assert self.smoothed is not None
        leader_index = int(np.argmax(self.smoothed))
        leader, confidence = EMOTIONS[leader_index], float(self.smoothed[leader_index])
        if leader == self.emotion:
            self._challenger = None
            self.current = Mood(leader, confidence, self.current.since if self.current else now, face_count)
            return None
        incumbent = 0.0 if self.emotion is None else float(self.smoothed[EMOTIONS.index(self.emotion)])
        if confidence < self.settings.min_confidence or confidence - incumbent < self.settings.lead_margin:
            self._challenger = None
            return None
        if self._challenger != leader:
            self._challenger, self._challenger_since = leader, now
        dwell = self.settings.dwell_seconds if self.emotion is not None else self.settings.first_dwell_seconds
        if now - self._challenger_since < dwell:
            return None
        self._challenger = None
        self.current = Mood(leader, confidence, now, face_count)
        return self.current

    def _no_face(self, now: float) -> Mood | None:
        if self.current is None or self.current.emotion is None or self._last_face_at is None:
            return None
        if now - self._last_face_at < self.settings.idle_seconds:
            return None
        self.current = Mood(None, 0.0, now, 0)
        self.smoothed = None
        self._challenger = None
        return self.current
