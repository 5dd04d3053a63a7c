"""The music tagger: an audio file in, its sound's valence, arousal and kiosk mood out.

musicnn's MSD network (``models/music_msd_musicnn.tflite``, run with LiteRT on one thread) gives
the probabilities of 50 Million Song Dataset tags for up to ``MAX_PATCHES`` 3-second patches
spread over the track; they are averaged. A linear map fitted on the Emotify excerpts
(``valence_arousal`` in the model's JSON, made by ``scripts/fit_music_mood.py``) turns the tags
into valence and arousal in [-1, 1], and :mod:`device.player.music_moods` names the mood.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from device.core.errors import ModelError
from device.inference.litert import load_interpreter
from device.player import music_features, music_moods

MODEL = Path(__file__).resolve().parents[2] / "models" / "music_msd_musicnn.tflite"
MAX_PATCHES = 10


@dataclass(frozen=True)
class TrackMood:
    """What the tagger heard in one file."""

    mood: str  # the kiosk mood (an emotion name) whose music it is
    scores: dict[str, float]  # every mood's share
    valence: float  # -1 (negative) .. 1 (positive), 0 neutral
    arousal: float  # -1 (calm) .. 1 (energetic)
    tags: dict[str, float] = field(default_factory=dict)  # the five strongest MSD tags
    seconds: float = 0.0  # audio heard

    def as_dict(self) -> dict[str, object]:
        return {
            "mood": self.mood,
            "scores": self.scores,
            "valence": self.valence,
            "arousal": self.arousal,
            "tags": self.tags,
            "seconds": self.seconds,
        }


class MusicTagger:
    """Tags audio files; thread-safe (one file at a time)."""

    def __init__(self, model_path: Path = MODEL, threads: int = 1, *, tags_only: bool = False) -> None:
        info_path = model_path.with_suffix(".json")
        try:
            info = json.loads(info_path.read_text())
            self.labels: list[str] = list(info["labels"])
            mapping = info.get("valence_arousal") if tags_only else info["valence_arousal"]
            self._weights = np.asarray(mapping["weights"] if mapping else np.zeros((2, len(self.labels))), np.float64)
            self._bias = np.asarray(mapping["bias"] if mapping else np.zeros(2), np.float64)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelError(f"music model description {info_path} is missing or broken: {error}",
                             "restore models/ from the repository") from error  # fmt: skip
        self._interpreter = load_interpreter(model_path, threads, what="music model")
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._lock = threading.Lock()

    def tag_probabilities(self, patches: np.ndarray) -> np.ndarray:
        """[N, 50] tag probabilities of [N, 187, 96] log-mel patches, one patch at a time (the front end's
        convolutions need ~9 MB of scratch memory per patch: a batch of ten would take ~90 MB)."""
        with self._lock:
            results = []
            for patch in patches.astype(np.float32):
                self._interpreter.set_tensor(self._input["index"], patch[None])
                self._interpreter.invoke()
                results.append(np.array(self._interpreter.get_tensor(self._output["index"])[0]))
            return np.stack(results)

    def tags_of(self, samples: np.ndarray) -> np.ndarray:
        """The 50 tag probabilities of 16 kHz mono samples, averaged over up to MAX_PATCHES patches."""
        return self.tag_probabilities(music_features.patches(samples, MAX_PATCHES)).mean(axis=0)

    def tag_samples(self, samples: np.ndarray) -> TrackMood:
        """The mood of 16 kHz mono samples."""
        return self.mood_of(self.tags_of(samples), len(samples) / music_features.SAMPLE_RATE)

    def tag_file(self, path: Path) -> TrackMood:
        """The mood of an audio file; AudioError if it cannot be decoded."""
        return self.tag_samples(music_features.decode(path))

    def mood_of(self, tags: np.ndarray, seconds: float = 0.0) -> TrackMood:
        valence, arousal = np.clip(self._weights @ tags + self._bias, -1.0, 1.0)
        scores = music_moods.scores(float(valence), float(arousal))
        strongest = np.argsort(tags)[::-1][:5]
        return TrackMood(
            mood=music_moods.nearest(float(valence), float(arousal)),
            scores=scores,
            valence=round(float(valence), 3),
            arousal=round(float(arousal), 3),
            tags={self.labels[i]: round(float(tags[i]), 3) for i in strongest},
            seconds=round(seconds, 1),
        )


def timed_tag(tagger: MusicTagger, path: Path) -> tuple[TrackMood, float]:
    """(mood, milliseconds) of one file."""
    started = time.perf_counter()
    mood = tagger.tag_file(path)
    return mood, (time.perf_counter() - started) * 1000
