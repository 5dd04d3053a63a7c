"""Emotion labels in FER-2013 order (the order of the model's outputs and of ``eval`` data)."""

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
