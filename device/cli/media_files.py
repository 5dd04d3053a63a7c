"""Reading user-given photos and videos as RGB frames (for ``moodkiosk analyze``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from device.core.native_logs import captured_native_stderr

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp"}


class UnreadableMediaError(Exception):
    """The file is missing or is neither an image nor a video OpenCV can decode."""


@dataclass(frozen=True)
class MediaFrame:
    rgb: np.ndarray
    index: int | None  # frame number for videos, None for still images
    fps: float | None = None


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a directory becomes the files under it (sorted, hidden ones skipped)."""
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            expanded += sorted(
                p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            expanded.append(path)
    return expanded


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def read_frames(path: Path, every: int = 1) -> Iterator[MediaFrame]:
    """Yield the frames of an image (one) or a video (every ``every``-th frame)."""
    if not path.exists():
        raise UnreadableMediaError(f"{path}: no such file")
    if not path.is_file():
        raise UnreadableMediaError(f"{path}: not a regular file")
    if not is_video(path):
        with captured_native_stderr():  # libjpeg/libpng complaints; our own message follows
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is not None:
            yield MediaFrame(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), None)
            return
    yield from read_video(path, every)


def read_video(path: Path, every: int) -> Iterator[MediaFrame]:
    undecodable = f"{path}: not an image or video that OpenCV can decode"
    with captured_native_stderr():  # FFmpeg's own complaints about a file that is not a video
        capture = cv2.VideoCapture(str(path))
        ok, frame = capture.read() if capture.isOpened() else (False, None)
    try:
        if not ok or frame is None:
            raise UnreadableMediaError(undecodable)
        fps = capture.get(cv2.CAP_PROP_FPS) or None
        index = 0
        while ok and frame is not None:
            if index % every == 0:
                yield MediaFrame(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), index, fps)
            index += 1
            ok, frame = capture.read()
    finally:
        capture.release()


def write_slideshow(
    path: Path, scenes: list[tuple[np.ndarray, float]], fps: int = 10, size: tuple[int, int] = (512, 512)
) -> Path:
    """An .mp4 of still RGB pictures, each shown for its number of seconds (demos, tests, benchmarks)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    try:
        for rgb, seconds in scenes:
            frame = cv2.cvtColor(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2BGR)
            for _ in range(round(seconds * fps)):
                writer.write(frame)
    finally:
        writer.release()
    return path
