"""Audio in, the music tagger's input out: decoding (PyAV), and musicnn's log-mel front end in NumPy.

musicnn was trained on librosa's mel spectrogram of 16 kHz mono audio: a 512-point STFT with a
periodic Hann window every 256 samples, the signal padded by reflection at both ends (librosa's
``center=True`` as it was then), power spectrum, 96 Slaney mel bands from 0 to 8 kHz with
Slaney's area normalisation, stored as float16, then ``log10(10000 * x + 1)``. The same steps
are done here without librosa (a test compares the two), for the frames of the patches of 187
frames (3 s) the tagger hears.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187
MAX_SECONDS = 600.0  # only the first 10 minutes of a file are heard (a 10-hour recording costs no more)


class AudioError(Exception):
    """The file cannot be read as audio (missing, empty, corrupt, no audio stream)."""


def decode(path: Path, max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Mono float32 samples at 16 kHz, at most ``max_seconds`` of them."""
    import av

    limit = int(max_seconds * SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: no audio in it")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    samples = out.to_ndarray().reshape(-1)
                    chunks.append(samples)
                    total += len(samples)
                if total >= limit:
                    break
            else:
                for out in resampler.resample(None):
                    chunks.append(out.to_ndarray().reshape(-1))
    except AudioError:
        raise
    except (av.FFmpegError, OSError, ValueError) as error:
        raise AudioError(f"{path}: not audio that can be decoded ({error})") from error
    if not chunks:
        raise AudioError(f"{path}: no sound in it")
    return np.concatenate(chunks)[:limit].astype(np.float32)


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear up to 1 kHz, logarithmic above."""
    hz = np.asarray(hz, np.float64)
    mel = hz / (200.0 / 3)
    log_step = np.log(6.4) / 27.0
    above = hz >= 1000.0
    return np.where(above, 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / log_step, mel)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, np.float64)
    log_step = np.log(6.4) / 27.0
    return np.where(mel >= 15.0, 1000.0 * np.exp(log_step * (mel - 15.0)), mel * (200.0 / 3))


def mel_filters(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """[n_mels, 1 + n_fft // 2] triangular filters, area-normalised (librosa.filters.mel's defaults)."""
    fft_freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_freqs = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2))
    widths = np.diff(mel_freqs)
    ramps = mel_freqs[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    return (weights * (2.0 / (mel_freqs[2:] - mel_freqs[:-2]))[:, None]).astype(np.float32)


_FILTERS = mel_filters()
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann


def frame_count(samples: int) -> int:
    """Frames of the spectrogram of ``samples`` samples (centred frames, one every HOP)."""
    return 1 + samples // HOP


def log_mel(samples: np.ndarray, frames: np.ndarray | None = None) -> np.ndarray:
    """[frames, 96] log-compressed mel spectrogram of 16 kHz mono samples: every frame, or those asked for."""
    padded = np.pad(samples.astype(np.float32), N_FFT // 2, mode="reflect" if len(samples) > N_FFT // 2 else "constant")
    count = 1 + (len(padded) - N_FFT) // HOP
    windows = np.lib.stride_tricks.as_strided(
        padded, (count, N_FFT), (padded.strides[0] * HOP, padded.strides[0]), writeable=False
    )
    if frames is not None:
        windows = windows[frames]
    power = np.abs(np.fft.rfft(windows * _WINDOW, axis=1)) ** 2
    mel = (power.astype(np.float32) @ _FILTERS.T).astype(np.float16)
    return np.log10(10000 * mel.astype(np.float32) + 1).astype(np.float32)


def patch_frames(frames: int, most: int) -> np.ndarray:
    """[patches, PATCH_FRAMES] frame numbers of up to ``most`` patches spread evenly over ``frames`` frames
    (a track shorter than a patch is repeated to fill one)."""
    if frames < PATCH_FRAMES:
        return (np.arange(PATCH_FRAMES) % max(frames, 1))[None]
    count = min(most, 1 + (frames - PATCH_FRAMES) // PATCH_FRAMES)
    starts = np.linspace(0, frames - PATCH_FRAMES, num=count).round().astype(int)
    return starts[:, None] + np.arange(PATCH_FRAMES)[None]


def patches(samples: np.ndarray, most: int) -> np.ndarray:
    """[N, PATCH_FRAMES, 96] log-mel patches of the samples, spread over them; only those frames are computed
    (a ten-minute file's whole spectrogram would take ~150 MB on the way)."""
    chosen = patch_frames(frame_count(len(samples)), most)
    return log_mel(samples, chosen.reshape(-1)).reshape(*chosen.shape, N_MELS)
