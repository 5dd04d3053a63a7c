"""The mood decision: dwell, hysteresis, several faces, no face. Pure logic on an injected clock."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from device.core.config import MoodSettings
from device.core.labels import EMOTIONS, UNSURE
from device.inference.mood import MoodTracker, combine_faces


@dataclass(frozen=True)
class Face:
    probabilities: dict[str, float]
    box: tuple[int, int, int, int] = (0, 0, 100, 100)
    score: float = 0.9
    extra: dict = field(default_factory=dict)
    unsure: bool = False  # the model's top probability was under its "not sure" threshold

    @property
    def emotion(self) -> str:
        return UNSURE if self.unsure else max(self.probabilities, key=self.probabilities.__getitem__)


def face(emotion: str, p: float = 0.8, size: int = 100, score: float = 0.9) -> Face:
    rest = (1 - p) / (len(EMOTIONS) - 1)
    return Face({e: (p if e == emotion else rest) for e in EMOTIONS}, (0, 0, size, size), score)


def feed(tracker: MoodTracker, start: float, seconds: float, faces: list[Face], fps: float = 5.0) -> list:
    """Feed the same faces at ``fps`` for ``seconds``; return (time, emotion) of each decision."""
    changes = []
    for i in range(round(seconds * fps)):
        now = start + i / fps
        mood = tracker.update(now, faces)
        if mood is not None:
            changes.append((round(now, 2), mood.emotion))
    return changes


SETTINGS = MoodSettings(
    smoothing_seconds=2.0, dwell_seconds=3.0, first_dwell_seconds=1.0, lead_margin=0.12, min_confidence=0.3, idle_seconds=60
)


def test_first_mood_waits_for_the_dwell_time() -> None:
    tracker = MoodTracker(SETTINGS)
    changes = feed(tracker, 0.0, 10, [face("happy")])
    assert changes == [(1.0, "happy")]  # first_dwell_seconds
    assert tracker.current.since == 1.0 and tracker.current.confidence > 0.7


def test_change_needs_dwell_and_the_old_mood_is_kept_meanwhile() -> None:
    tracker = MoodTracker(SETTINGS)
    feed(tracker, 0.0, 10, [face("happy")])
    changes = feed(tracker, 10.0, 10, [face("sad")])
    assert len(changes) == 1 and changes[0][1] == "sad"
    # sad must first overtake happy (smoothing), then lead for the dwell time
    assert 13.0 <= changes[0][0] <= 16.0


def test_flapping_readings_do_not_flap_the_mood() -> None:
    tracker = MoodTracker(SETTINGS)
    feed(tracker, 0.0, 10, [face("neutral")])
    changes = []
    for i in range(300):  # 60 s of happy / sad alternating every frame
        mood = tracker.update(10.0 + i / 5, [face("happy" if i % 2 else "sad")])
        if mood is not None:
            changes.append(mood.emotion)
    assert changes == []
    assert tracker.emotion == "neutral"


def test_brief_glimpses_do_not_change_the_mood() -> None:
    tracker = MoodTracker(SETTINGS)
    feed(tracker, 0.0, 10, [face("neutral")])
    for second in range(10, 70, 6):  # every 6 s, one second of surprise
        assert feed(tracker, second, 1, [face("surprise")]) == []
        assert feed(tracker, second + 1, 5, [face("neutral")]) == []


def test_a_close_race_keeps_the_current_mood() -> None:
    tracker = MoodTracker(SETTINGS)
    feed(tracker, 0.0, 10, [face("happy")])
    mixed = Face({**{e: 0.02 for e in EMOTIONS}, "happy": 0.42, "surprise": 0.48})
    assert feed(tracker, 10.0, 30, [mixed]) == []  # surprise leads by 0.06 < lead_margin


def test_weak_readings_decide_nothing() -> None:
    tracker = MoodTracker(SETTINGS)
    assert feed(tracker, 0.0, 20, [face("angry", p=0.25)]) == []
    assert tracker.current is None


def test_the_largest_face_counts_most() -> None:
    near, far = face("happy", size=200), face("sad", size=60)
    combined = combine_faces([near, far])
    assert combined[EMOTIONS.index("happy")] > 0.7
    assert combined.sum() == pytest.approx(1.0)
    tracker = MoodTracker(SETTINGS)
    assert feed(tracker, 0.0, 5, [far, near])[-1][1] == "happy"


def test_equal_faces_are_averaged_and_doubtful_detections_count_less() -> None:
    combined = combine_faces([face("happy"), face("sad")])
    assert combined[EMOTIONS.index("happy")] == pytest.approx(combined[EMOTIONS.index("sad")])
    combined = combine_faces([face("happy", score=0.9), face("sad", score=0.1)])
    assert combined[EMOTIONS.index("happy")] > 3 * combined[EMOTIONS.index("sad")]


def test_no_face_keeps_the_mood_then_goes_idle_then_starts_fresh() -> None:
    tracker = MoodTracker(SETTINGS)
    feed(tracker, 0.0, 10, [face("sad")])
    assert feed(tracker, 10.0, 59, []) == []
    assert tracker.emotion == "sad"
    assert feed(tracker, 69.0, 2, []) == [(69.8, None)]  # 60 s after the last face, seen at 9.8 s
    assert feed(tracker, 71.0, 5, []) == []  # idle is reported once
    changes = feed(tracker, 100.0, 5, [face("happy")])
    assert changes == [(101.0, "happy")]  # a fresh first mood: no trace of the old sad average


def test_analysis_rate_does_not_change_the_outcome() -> None:
    results = []
    for fps in (2.0, 10.0):
        tracker = MoodTracker(SETTINGS)
        feed(tracker, 0.0, 10, [face("happy")], fps)
        changes = feed(tracker, 10.0, 15, [face("sad")], fps)
        results.append(changes[0][0])
    assert abs(results[0] - results[1]) <= 0.6


def test_smoothed_probabilities_stay_a_distribution() -> None:
    tracker = MoodTracker(SETTINGS)
    rng = np.random.default_rng(1)
    for i in range(200):
        faces = [face(EMOTIONS[rng.integers(7)], p=float(rng.uniform(0.2, 1.0)), size=int(rng.integers(30, 300)))]
        tracker.update(i * 0.3, faces)
        assert tracker.smoothed.sum() == pytest.approx(1.0)
        assert (tracker.smoothed >= 0).all()


def test_faces_the_model_is_not_sure_about_are_no_evidence() -> None:
    """Unsure faces (their likeliest class: neutral) neither make nor change a mood, nor let the kiosk go idle."""
    tracker = MoodTracker(SETTINGS.model_copy(update={"idle_seconds": 5}))
    unsure_neutral = Face(face("neutral", 0.35).probabilities, unsure=True)
    assert feed(tracker, 0.0, 4.0, [unsure_neutral]) == []  # four seconds of nothing sure: no mood at all
    assert tracker.current is None
    assert feed(tracker, 4.0, 3.0, [face("happy")]) == [(5.0, "happy")]  # sure faces decide as usual
    assert feed(tracker, 7.0, 10.0, [unsure_neutral]) == []  # neither neutral nor idle: someone is there
    assert tracker.emotion == "happy" and tracker.smoothed is not None
    assert float(tracker.smoothed[EMOTIONS.index("happy")]) > 0.7  # the unsure frames moved nothing
    assert feed(tracker, 17.0, 6.0, []) == [(21.8, None)]  # idle 5 s after the last unsure face (16.8 s)
