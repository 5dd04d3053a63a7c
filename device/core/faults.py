"""Fault injection for tests of the daemon's defences (off unless ``MOODKIOSK_FAULTS`` is set).

``MOODKIOSK_FAULTS="hang-inference-after=20"`` makes the 21st emotion analysis hang forever, as a
wedged inference call would: the systemd watchdog must notice. Not a setting; never set it on a kiosk.
"""

from __future__ import annotations

import os
import threading

FAULTS_ENV = "MOODKIOSK_FAULTS"


def fault(name: str) -> int | None:
    """The number given for fault ``name`` (``name=N`` in ``$MOODKIOSK_FAULTS``), or None."""
    for item in os.environ.get(FAULTS_ENV, "").split(","):
        key, _, value = item.strip().partition("=")
        if key == name and value.isdigit():
            return int(value)
    return None


def hang_forever() -> None:
    threading.Event().wait()
