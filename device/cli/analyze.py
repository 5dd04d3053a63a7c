"""``moodkiosk analyze``: the full pipeline on photos and videos, reported per image or frame."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TextIO

import cv2

from device.cli.annotate import VideoAnnotator, annotated_path, draw_faces
from device.cli.media_files import UnreadableMediaError, expand_paths, is_video, read_frames
from device.inference.analyzer import FrameAnalysis, FrameAnalyzer


class AnalyzeCommand:
    """Runs the analyzer over files; writes results to ``out`` and problems to ``err``."""

    def __init__(self, analyzer: FrameAnalyzer, out: TextIO, err: TextIO, as_json: bool = False,
                 annotate_dir: Path | None = None, every: int = 1) -> None:  # fmt: skip
        self.analyzer = analyzer
        self.out, self.err = out, err
        self.as_json = as_json
        self.annotate_dir = annotate_dir
        self.every = every
        self._taken: set[Path] = set()

    def run(self, paths: list[Path]) -> int:
        """Analyse every file; return the number of files that could not be read."""
        if self.annotate_dir is not None:
            self.annotate_dir.mkdir(parents=True, exist_ok=True)
        failures = 0
        for path in expand_paths(paths):
            try:
                self.analyze_file(path)
            except UnreadableMediaError as error:
                failures += 1
                self.err.write(f"moodkiosk analyze: {error}\n")
            except OSError as error:
                failures += 1
                self.err.write(f"moodkiosk analyze: {path}: {error}\n")
        return failures

    def analyze_file(self, path: Path) -> None:
        annotator = None
        emotions: Counter[str] = Counter()
        frames = 0
        try:
            for frame in read_frames(path, self.every):
                analysis = self.analyzer.analyze(frame.rgb)
                frames += 1
                if analysis.faces:
                    emotions[analysis.faces[0].emotion] += 1
                self.report(path, frame.index, frame.fps, analysis)
                if self.annotate_dir is not None:
                    drawn = draw_faces(frame.rgb, analysis.faces)
                    if frame.index is None:
                        target = annotated_path(self.annotate_dir, path, False, self._taken)
                        if not cv2.imwrite(str(target), drawn):
                            raise OSError(f"cannot write {target}")
                    else:
                        if annotator is None:
                            annotator = VideoAnnotator(annotated_path(self.annotate_dir, path, True, self._taken), frame.fps)
                        annotator.write(drawn)
        finally:
            if annotator is not None:
                annotator.close()
        if is_video(path) and not self.as_json and frames:
            self.out.write(video_summary(path, frames, emotions) + "\n")

    def report(self, path: Path, index: int | None, fps: float | None, analysis: FrameAnalysis) -> None:
        if self.as_json:
            record: dict[str, object] = {"path": str(path)}
            if index is not None:
                record["frame"] = index
            record["faces"] = [face.to_json() for face in analysis.faces]
            record["ms"] = round(analysis.ms, 2)
            self.out.write(json.dumps(record) + "\n")
            return
        where = str(path) if index is None else f"{path} frame {index}" + (f" ({index / fps:.2f} s)" if fps else "")
        count = len(analysis.faces)
        lines = [f"{where}: {count or 'no'} face{'s' if count != 1 else ''} ({analysis.ms:.1f} ms)"]
        for number, face in enumerate(analysis.faces, 1):
            x, y, w, h = face.box
            runner_up = sorted(face.probabilities.items(), key=lambda kv: kv[1], reverse=True)[1]
            lines.append(
                f"  #{number} {face.emotion} {face.confidence:.0%} (then {runner_up[0]} {runner_up[1]:.0%})"
                f" at x={x} y={y} {w}x{h}, face score {face.score:.2f}"
            )
        self.out.write("\n".join(lines) + "\n")


def video_summary(path: Path, frames: int, emotions: Counter[str]) -> str:
    with_faces = sum(emotions.values())
    if not with_faces:
        return f"{path}: {frames} frames analysed, no face found"
    shares = ", ".join(f"{name} {count / with_faces:.0%}" for name, count in emotions.most_common())
    return f"{path}: {frames} frames analysed, a face in {with_faces}; the largest face read as {shares} of those frames"
