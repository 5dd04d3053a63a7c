"""What a track's likes and quick skips for a mood weigh in that mood's shuffle (one rule, one place).

Each like doubles a track's weight for the mood it was liked in, each skip halves it, bounded to
1/4 .. 4; :class:`~device.player.library.ShuffleQueue` turns weights into a weighted order within
each round (every track still plays once per round). The household records them in
:mod:`device.household.track_votes`.
"""

from __future__ import annotations

Votes = dict[tuple[str, str], tuple[int, int]]  # (track uri, emotion) -> (likes, skips)


def weight(likes: int, skips: int) -> float:
    """How strongly the shuffle prefers a track for a mood."""
    return float(2.0 ** max(-2, min(2, likes - skips)))
