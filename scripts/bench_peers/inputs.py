"""The benchmark's inputs, written once to ``inputs.npz`` so every pipeline reads the very same pixels.

- Frames (latency, memory, readings): scikit-image's astronaut and cameraman photos and its
  coffee photo (no face), and evenly spaced frames of every video in ../shared/media/video,
  each scaled to at most 640 pixels wide (the kiosk's camera size).
- Classifier accuracy: FER-2013 PublicTest (``val.npz``), 3,589 48x48 grey faces.
- Whole-pipeline accuracy ("face photos"): a fixed random sample of those faces, each upscaled
  4x and centred on a 384x384 canvas of its mean grey (as scripts/calibrate_crop.py does),
  because no labelled photos of real scenes are available offline.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
VAL = SHARED / "data/fer2013/val.npz"
VIDEO_DIR = SHARED / "media/video"
RATE_VIDEO = "WolfgangLanger_Pexels.mp4"  # 19.7 s, 640x360, 24 fps, a face in every frame
MAX_WIDTH = 640
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def fit_width(rgb: np.ndarray, width: int = MAX_WIDTH) -> np.ndarray:
    """The frame scaled down to ``width`` pixels wide (aspect kept); smaller frames unchanged."""
    height, current = rgb.shape[:2]
    if current <= width:
        return np.ascontiguousarray(rgb)
    return cv2.resize(rgb, (width, round(height * width / current)), interpolation=cv2.INTER_AREA)


def photo_frames() -> dict[str, np.ndarray]:
    """scikit-image's photos of people (and one without), RGB."""
    try:
        import skimage.data
    except ImportError as error:
        raise SystemExit("scikit-image is needed for the photos: pip install scikit-image (scripts/setup.sh --test)") from error
    camera = cv2.cvtColor(skimage.data.camera(), cv2.COLOR_GRAY2RGB)
    return {"astronaut": skimage.data.astronaut(), "camera": camera, "coffee": skimage.data.coffee()}


def video_frames(path: Path, count: int) -> dict[str, np.ndarray]:
    """``count`` evenly spaced frames of a video, RGB, named ``<stem>@<frame number>``."""
    capture = cv2.VideoCapture(str(path))
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    frames = {}
    for index in np.linspace(0, max(total - 1, 0), count).astype(int):
        capture.set(cv2.CAP_PROP_POS_FRAMES, int(index))
        ok, bgr = capture.read()
        if ok:
            frames[f"{path.stem}@{index}"] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    capture.release()
    return frames


def face_photos(x: np.ndarray, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed random sample of val.npz (its row numbers) as 384x384 grey "photos"."""
    from calibrate_crop import place_on_canvas

    index = np.sort(np.random.default_rng(seed).choice(len(x), size=min(count, len(x)), replace=False))
    photos = np.stack([place_on_canvas(x[i])[0][:, :, 0] for i in index])
    return index, photos


def build(work: Path, per_video: int, photos: int) -> dict[str, Any]:
    """Write ``work/inputs.npz``; return a description of what is in it."""
    if not VAL.is_file():
        raise SystemExit(f"{VAL} is missing: the accuracy measurements need FER-2013 PublicTest (see ../shared)")
    frames = photo_frames()
    videos = sorted(p for p in VIDEO_DIR.glob("*") if p.suffix in {".mp4", ".mov"}) if VIDEO_DIR.is_dir() else []
    for video in videos:
        frames |= video_frames(video, per_video)
    frames = {name: fit_width(rgb) for name, rgb in frames.items()}
    arrays: dict[str, np.ndarray] = {f"frame_{i:03d}": rgb for i, rgb in enumerate(frames.values())}
    arrays["frame_names"] = np.array(list(frames))
    description: dict[str, Any] = {
        "frames": len(frames),
        "frame_sources": ["scikit-image: astronaut, camera (cameraman), coffee (no face)"]
        + [f"{v.name}: {per_video} evenly spaced frames" for v in videos],
        "frame_sizes": sorted({f"{rgb.shape[1]}x{rgb.shape[0]}" for rgb in frames.values()}),
    }
    with np.load(VAL) as data:
        x, y = data["x"], data["y"].astype(np.int64)
    index, canvases = face_photos(x, photos)
    arrays |= {"val_x": x, "val_y": y, "photo_index": index, "photos": canvases, "photo_y": y[index]}
    description |= {"val": {"path": "../shared/data/fer2013/val.npz", "n": len(x)}, "photos": len(index)}
    work.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(work / "inputs.npz", **arrays)
    return description


def rate_video(work: Path) -> Path:
    """The video for the sustained-rate measurement; a made one (astronaut, 20 s) without ../shared."""
    video = VIDEO_DIR / RATE_VIDEO
    if video.is_file():
        return video
    import skimage.data

    from device.cli.media_files import write_slideshow

    return write_slideshow(work / "astronaut.mp4", [(skimage.data.astronaut(), 20)], fps=24, size=(640, 480))
