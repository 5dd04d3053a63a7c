"""The music tagger: its front end against librosa's, the real model on music of obvious character,
and the mood map."""

from __future__ import annotations

import json
from pathlib import Path

import librosa
import numpy as np
import pytest

from device.core.labels import EMOTIONS
from device.player import music_features, music_moods
from device.player.music_tagger import MODEL, MusicTagger
from tests.helpers import lively_and_sombre, synth_lively, synth_sombre


@pytest.fixture(scope="module")
def tagger() -> MusicTagger:
    return MusicTagger()


def test_front_end_matches_the_one_musicnn_was_trained_with() -> None:
    """musicnn's extractor: librosa's mel spectrogram (reflect-padded, as librosa did then), float16, log10(10000 x + 1)."""
    samples = np.concatenate([synth_lively(4.0), synth_sombre(4.0)]).astype(np.float32)
    theirs = librosa.feature.melspectrogram(
        y=samples, sr=16000, hop_length=256, n_fft=512, n_mels=96, pad_mode="reflect"
    ).T.astype(np.float16)
    theirs = np.log10(10000 * theirs.astype(np.float32) + 1)
    ours = music_features.log_mel(samples)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() < 2e-3  # float16 rounding of the mel values, nothing more


def test_patches_are_spread_over_the_track_and_short_ones_repeat() -> None:
    samples = np.concatenate([synth_lively(30.0), synth_sombre(30.0)]).astype(np.float32)
    whole = music_features.log_mel(samples)
    assert len(whole) == music_features.frame_count(len(samples))
    patches = music_features.patches(samples, 3)
    assert patches.shape == (3, music_features.PATCH_FRAMES, 96)
    assert np.array_equal(patches[0], whole[: music_features.PATCH_FRAMES])  # the first frames ...
    assert np.array_equal(patches[-1], whole[-music_features.PATCH_FRAMES :])  # ... and the last are heard
    short = music_features.patches(samples[:8000], 10)  # half a second: repeated to fill one patch
    assert short.shape == (1, music_features.PATCH_FRAMES, 96)
    assert np.array_equal(short[0, :32], short[0, 32:64])


def test_lively_and_sombre_music_sound_so(tagger: MusicTagger, tmp_path: Path) -> None:
    lively, sombre = (tagger.tag_file(path) for path in lively_and_sombre(tmp_path))
    assert sombre.mood == "sad", sombre
    assert lively.mood in {"happy", "surprise"}, lively
    assert lively.valence > sombre.valence + 0.5 and lively.arousal > sombre.arousal + 0.3
    assert abs(sum(lively.scores.values()) - 1) < 0.01 and set(lively.scores) == set(EMOTIONS)


def test_silence_and_tiny_files_still_get_an_answer(tagger: MusicTagger) -> None:
    for samples in (np.zeros(16000 * 5, np.float32), np.zeros(100, np.float32)):
        mood = tagger.tag_samples(samples)
        assert mood.mood in EMOTIONS and -1 <= mood.valence <= 1 and -1 <= mood.arousal <= 1


def test_the_shipped_model_is_described() -> None:
    info = json.loads(MODEL.with_suffix(".json").read_text())
    assert len(info["labels"]) == 50 and {"happy", "sad", "Mellow", "party"} <= set(info["labels"])
    weights = np.asarray(info["valence_arousal"]["weights"])
    assert weights.shape == (2, 50) and np.isfinite(weights).all()


def test_each_mood_owns_its_point_and_shares_fall_off_with_distance() -> None:
    for mood, (valence, arousal) in music_moods.POINTS.items():
        assert music_moods.nearest(valence, arousal) == mood
        scores = music_moods.scores(valence, arousal)
        assert max(scores, key=scores.__getitem__) == mood
    far = music_moods.scores(5.0, 5.0)  # far from every point: still shares that sum to one
    assert abs(sum(far.values()) - 1) < 0.01


def test_listeners_answers_become_a_point() -> None:
    assert music_moods.gems_point({"joyful_activation": 1.0}) == music_moods.GEMS_POINTS["joyful_activation"]
    valence, arousal = music_moods.gems_point({"sadness": 0.5, "calmness": 0.5})
    assert valence < 0 < valence + 0.5 and arousal < -0.5
    assert music_moods.gems_point({}) == (0.0, 0.0)
