"""``python -m device.inference.model_check WHAT MODEL``: load one model, run it once, print one JSON line.

WHAT is ``litert`` or ``mediapipe`` (a face detector backend on the face model) or ``emotion`` (the
emotion model) or ``music`` (the music tagger). ``moodkiosk doctor`` runs it in a child process, so that a library that aborts the
process on this CPU is reported with its own message instead of ending doctor.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np


def check(what: str, model: Path) -> dict[str, object]:
    started = time.perf_counter()
    if what == "emotion":
        from device.inference.emotion_classifier import EmotionClassifier

        classifier = EmotionClassifier(model)
        probabilities = classifier.predict(np.full((1, classifier.input_size, classifier.input_size), 128, np.uint8))
        return {"ok": bool(np.isfinite(probabilities).all()), "ms": round((time.perf_counter() - started) * 1000, 1)}
    if what == "music":
        from device.player.music_tagger import MusicTagger

        mood = MusicTagger(model).tag_samples(np.zeros(16_000 * 3, np.float32))
        return {"ok": bool(np.isfinite(mood.valence)), "ms": round((time.perf_counter() - started) * 1000, 1)}
    from device.inference.face_detector import open_face_detector

    detector = open_face_detector(model, what, 0.5, 20)
    try:
        faces = detector.detect(np.zeros((480, 640, 3), np.uint8))
    finally:
        detector.close()
    return {"ok": faces == [], "ms": round((time.perf_counter() - started) * 1000, 1)}


if __name__ == "__main__":
    from device.core.errors import MoodkioskError
    from device.core.native_logs import show_native_output

    show_native_output()
    try:
        print(json.dumps(check(sys.argv[1], Path(sys.argv[2]))))
    except MoodkioskError as error:
        print(json.dumps({"ok": False, "error": error.describe()}))
        sys.exit(1)
