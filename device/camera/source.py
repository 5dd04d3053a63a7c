"""The frame-source interface every camera implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from device.core.errors import MoodkioskError


class CameraError(MoodkioskError):
    """The camera could not be opened or stopped giving frames."""


@dataclass(frozen=True)
class Frame:
    """One RGB frame (H x W x 3 uint8), its sequence number and capture time (monotonic seconds)."""

    rgb: np.ndarray
    index: int
    timestamp: float


class FrameSource(ABC):
    """A camera, video, picture or stream. Blocking calls: use it from one worker thread."""

    #: True for sources that end (a video file without looping): ``read`` then returns None.
    finite: bool = False

    def __init__(self, description: str) -> None:
        self.description = description

    @abstractmethod
    def open(self) -> None:
        """Start capturing; raises CameraError with a fix when the source is not there."""

    @abstractmethod
    def read(self) -> Frame | None:
        """The next frame (waits for it); None when a finite source has ended; CameraError on failure."""

    @abstractmethod
    def fresh(self) -> FrameSource:
        """A new, unopened source for the same camera (to replace one that hangs)."""

    @abstractmethod
    def close(self) -> None:
        """Release the device or file; safe to call twice."""

    def __str__(self) -> str:
        return self.description
