"""Emotion labels in FER-2013 order (the order of the model's outputs and of ``eval`` data)."""

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

# What a face reads as when the model's top probability is below the model's "not sure" threshold
# (``unsure_below`` in its JSON): the seven probabilities are still given, the mood ignores the face.
UNSURE = "unsure"
