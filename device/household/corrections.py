""" "Was I right?": the household says which mood the room is really in, and the kiosk leans that way.

Each correction is stored as a derived fact (time, the mood the kiosk showed, the one it should
have shown; never a picture) and kept for ``storage.retention_days`` like the other records.
The rule (:func:`class_bias`): every correction from P to C counts +1 for C and -1 for P; a
class's bias is ``STEP`` times its count, bounded to +-``LIMIT``; it is added to the log of the
emotion model's probabilities for every face on this kiosk
(``FrameAnalyzer.household_bias``). So ten corrections "it was neutral,
not sad" multiply neutral's odds against sad's by e^(2 x 0.6) = 3.3 at most; no number of taps
makes the kiosk blind to a class. A correction that agrees with the kiosk changes nothing.
The admin page shows how many corrections the bias comes from and can forget them all.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from device.labels import EMOTIONS
from device.store import Store

STEP = 0.1
LIMIT = 0.6


def class_bias(corrections: list[tuple[str, str]]) -> np.ndarray:
    """The bias per class (EMOTIONS order) that (predicted, corrected) pairs add to the log probabilities."""
    counts = np.zeros(len(EMOTIONS))
    for predicted, corrected in corrections:
        if predicted != corrected and predicted in EMOTIONS and corrected in EMOTIONS:
            counts[EMOTIONS.index(corrected)] += 1
            counts[EMOTIONS.index(predicted)] -= 1
    return np.clip(STEP * counts, -LIMIT, LIMIT)


class Corrections:
    def __init__(self, store: Store, on_change: Callable[[np.ndarray], None] = lambda bias: None) -> None:
        self.store = store
        self.on_change = on_change  # the watcher's: use this bias from the next frame on
        self.count = 0
        self.bias = np.zeros(len(EMOTIONS))

    async def load(self) -> None:
        """Read the stored corrections (at start, and after the purge) and apply their bias."""
        rows = await self.store.fetch("SELECT predicted, corrected FROM corrections WHERE predicted != corrected")
        self.count = len(rows)
        self.bias = class_bias([(str(p), str(c)) for p, c in rows])
        self.on_change(self.bias)

    async def add(self, predicted: str, corrected: str) -> None:
        await self.store.execute(
            "INSERT INTO corrections (at, predicted, corrected) VALUES (?, ?, ?)", (time.time(), predicted, corrected)
        )
        await self.load()

    async def forget(self) -> int:
        """Forget every correction (the admin page's reset); returns how many there were."""
        forgotten = await self.store.execute("DELETE FROM corrections")
        await self.load()
        return forgotten

    def summary(self) -> dict[str, object]:
        return {
            "learned_from": self.count,
            "bias": {name: round(float(value), 2) for name, value in zip(EMOTIONS, self.bias, strict=True)},
        }
