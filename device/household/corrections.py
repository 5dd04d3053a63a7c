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
The counts are kept as they change (a new correction never re-reads the others), and at most
MAX_STORED corrections are kept: the oldest go first.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from device.core.labels import EMOTIONS
from device.core.store import Store

STEP = 0.1
LIMIT = 0.6
MAX_STORED = 2000  # corrections kept; more would not move the bias further than LIMIT anyway


def class_counts(corrections: list[tuple[str, str, int]]) -> np.ndarray:
    """+1 for the corrected class, -1 for the predicted one, of each (predicted, corrected, how many)."""
    counts = np.zeros(len(EMOTIONS))
    for predicted, corrected, times in corrections:
        if predicted != corrected and predicted in EMOTIONS and corrected in EMOTIONS:
            counts[EMOTIONS.index(corrected)] += times
            counts[EMOTIONS.index(predicted)] -= times
    return counts


def class_bias(corrections: list[tuple[str, str]]) -> np.ndarray:
    """The bias per class (EMOTIONS order) that (predicted, corrected) pairs add to the log probabilities."""
    return bias_of(class_counts([(p, c, 1) for p, c in corrections]))


def bias_of(counts: np.ndarray) -> np.ndarray:
    return np.clip(STEP * counts, -LIMIT, LIMIT)


class Corrections:
    def __init__(self, store: Store, on_change: Callable[[np.ndarray], None] = lambda bias: None) -> None:
        self.store = store
        self.on_change = on_change  # the watcher's: use this bias from the next frame on
        self.count = 0  # corrections that teach something (they disagree with the kiosk)
        self.stored = 0
        self.counts = np.zeros(len(EMOTIONS))
        self.bias = np.zeros(len(EMOTIONS))

    async def load(self) -> None:
        """Read the stored corrections (at start, and after the purge) and apply their bias."""
        rows = await self.store.fetch("SELECT predicted, corrected, COUNT(*) FROM corrections GROUP BY predicted, corrected")
        self.stored = sum(int(n) for _, _, n in rows)
        self.count = sum(int(n) for p, c, n in rows if p != c)
        self.counts = class_counts([(str(p), str(c), int(n)) for p, c, n in rows])
        self._apply()

    async def add(self, predicted: str, corrected: str) -> None:
        """Store one correction and lean its way (one that agrees with the kiosk is kept but teaches nothing)."""
        await self.store.execute(
            "INSERT INTO corrections (at, predicted, corrected) VALUES (?, ?, ?)", (time.time(), predicted, corrected)
        )
        self.stored += 1
        if predicted != corrected:
            self.count += 1
            self.counts += class_counts([(predicted, corrected, 1)])
        if self.stored > MAX_STORED * 1.1:  # now and then, not at every tap: drop the oldest
            await self.store.execute(
                "DELETE FROM corrections WHERE id NOT IN (SELECT id FROM corrections ORDER BY at DESC LIMIT ?)", (MAX_STORED,)
            )
            await self.load()
            return
        self._apply()

    def _apply(self) -> None:
        self.bias = bias_of(self.counts)
        self.on_change(self.bias)

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
