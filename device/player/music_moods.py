"""Which music fits which of the kiosk's moods, on the valence/arousal plane. The one place that says so.

A tagged track belongs to the mood whose point below lies nearest its (valence, arousal); the
shares in ``scores`` fall off with the distance (a Gaussian of width ``WIDTH``). Each mood's
playlist is then that mood's folder plus the tracks tagged with it. Which mood's music plays for
a face is the strategy's choice (:data:`device.player.dj.STRATEGIES`): ``match`` plays the
face's own mood (an angry face: tense, aggressive music), ``lift`` plays another one's (an angry
face: neutral, calm music; a sad one: happy music).

The points follow Russell's circumplex of affect, as music emotion research places these words:

| mood | valence | arousal | music that lands there |
| --- | --- | --- | --- |
| happy | 0.70 | 0.45 | joyful, upbeat, danceable |
| surprise | 0.40 | 0.85 | exciting, fast, bright |
| neutral | 0.30 | -0.45 | calm, mellow, easy listening |
| sad | -0.60 | -0.45 | sad, slow, dark |
| angry | -0.55 | 0.75 | aggressive, loud, heavy |
| fear | -0.70 | 0.35 | tense, uneasy |
| disgust | -0.75 | 0.00 | harsh, bitter |

The nine GEMS categories of the Emotify data are placed on the same plane (``GEMS_POINTS``) to
turn listeners' answers into valence and arousal for fitting and checking the tagger, and each
has the kiosk mood it is scored against (``GEMS_MOODS``).
"""

from __future__ import annotations

import math

from device.core.labels import EMOTIONS

POINTS: dict[str, tuple[float, float]] = {
    "happy": (0.70, 0.45),
    "surprise": (0.40, 0.85),
    "neutral": (0.30, -0.45),
    "sad": (-0.60, -0.45),
    "angry": (-0.55, 0.75),
    "fear": (-0.70, 0.35),
    "disgust": (-0.75, 0.00),
}
WIDTH = 0.35

GEMS_POINTS: dict[str, tuple[float, float]] = {
    "amazement": (0.55, 0.65),
    "solemnity": (0.00, -0.25),
    "tenderness": (0.60, -0.45),
    "nostalgia": (-0.20, -0.40),
    "calmness": (0.40, -0.70),
    "power": (0.25, 0.80),
    "joyful_activation": (0.80, 0.55),
    "tension": (-0.60, 0.60),
    "sadness": (-0.75, -0.45),
}
GEMS_MOODS: dict[str, str] = {
    "amazement": "surprise",
    "solemnity": "neutral",
    "tenderness": "neutral",
    "nostalgia": "sad",
    "calmness": "neutral",
    "power": "happy",
    "joyful_activation": "happy",
    "tension": "fear",
    "sadness": "sad",
}
assert set(POINTS) == set(EMOTIONS) and set(GEMS_MOODS.values()) <= set(EMOTIONS)


def scores(valence: float, arousal: float) -> dict[str, float]:
    """Each mood's share (summing to 1) for a sound at (valence, arousal)."""
    squared = {mood: (valence - v) ** 2 + (arousal - a) ** 2 for mood, (v, a) in POINTS.items()}
    closest = min(squared.values())
    weights = {mood: math.exp(-(distance - closest) / (2 * WIDTH**2)) for mood, distance in squared.items()}
    total = sum(weights.values())
    return {mood: round(weight / total, 3) for mood, weight in weights.items()}


def nearest(valence: float, arousal: float) -> str:
    """The mood whose point is nearest."""
    return min(POINTS, key=lambda mood: (valence - POINTS[mood][0]) ** 2 + (arousal - POINTS[mood][1]) ** 2)


def gems_point(shares: dict[str, float]) -> tuple[float, float]:
    """Valence and arousal of listeners' GEMS answers: the share-weighted mean of the categories' points."""
    total = sum(shares.values())
    if total <= 0:
        return 0.0, 0.0
    valence = sum(GEMS_POINTS[name][0] * share for name, share in shares.items()) / total
    arousal = sum(GEMS_POINTS[name][1] * share for name, share in shares.items()) / total
    return valence, arousal
