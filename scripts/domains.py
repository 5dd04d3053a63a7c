"""The labelled face sets a model is chosen on (one per domain), as 48x48 uint8 crops.

Read from ``../shared/data`` (never copied into the repository). Used by the training script
(extra training data, per-epoch selection) and by ``scripts/model_report.py`` (the table in the
model card). NumPy and OpenCV only, so both the kiosk's venv and the training venv can import it.

- ``publictest``: FER-2013 PublicTest with its FER-2013 labels.
- ``ferplus``: the same faces against their FER+ majority (faces without one left out).
- ``affectnet``: the AffectNet-style ``val`` split (faces cut out on black, as stored).
- ``ckplus``: CK+48, the subjects of half B only (half A may be trained on; split by subject).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

SIZE = 48
DOMAINS = ("publictest", "ferplus", "affectnet", "ckplus")


@dataclass(frozen=True)
class FaceSet:
    name: str
    x: np.ndarray  # N x 48 x 48 uint8
    y: np.ndarray  # N int64, FER-2013 order
    clusters: np.ndarray | None = None  # faces that belong together (a CK+ subject); None: each face alone

    def __len__(self) -> int:
        return len(self.y)


def decode_affectnet(data: np.lib.npyio.NpzFile, rows: np.ndarray) -> np.ndarray:
    """The 64x64 grayscale JPEGs of ``rows``, resized to 48x48 (area interpolation)."""
    jpeg, offsets = data["jpeg"], data["offsets"]
    out = np.empty((len(rows), SIZE, SIZE), np.uint8)
    for i, row in enumerate(rows):
        image = cv2.imdecode(jpeg[offsets[row] : offsets[row + 1]], cv2.IMREAD_GRAYSCALE)
        out[i] = cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return out


def black_background(images: np.ndarray, threshold: int = 14) -> np.ndarray:
    """Masks (N x 48 x 48 bool) of the near-black background that touches the border, grown by one pixel."""
    masks = np.zeros(images.shape, bool)
    kernel = np.ones((3, 3), np.uint8)
    for i, image in enumerate(images):
        dark = (image < threshold).astype(np.uint8)
        count, labels = cv2.connectedComponents(dark, connectivity=4)
        if count <= 1:
            continue
        border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        touching = np.isin(labels, border[border > 0])
        masks[i] = cv2.dilate(touching.astype(np.uint8), kernel) > 0
    return masks


def on_grey(face_set: FaceSet, seed: int = 0) -> FaceSet:
    """The same faces with their black cut-out background filled with a smooth random grey texture, as a
    camera crop has something behind the face (a check of what the black teaches, not a domain of its own)."""
    rng = np.random.default_rng(seed)
    masks = black_background(face_set.x)
    filled = face_set.x.copy()
    for i in range(len(filled)):
        coarse = rng.uniform(40, 210, (6, 6)).astype(np.float32)
        texture = cv2.resize(coarse, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
        filled[i][masks[i]] = np.clip(texture[masks[i]], 0, 255).astype(np.uint8)
    return FaceSet(f"{face_set.name}-grey", filled, face_set.y, face_set.clusters)


def affectnet(root: Path, split: str) -> FaceSet:
    with np.load(root / "affectnet7/affectnet7_64.npz") as data:
        rows = np.flatnonzero(data["split"] == split)
        return FaceSet(f"affectnet-{split}", decode_affectnet(data, rows), data["y"][rows].astype(np.int64))


def ckplus_half(root: Path, half: str) -> FaceSet:
    """CK+48 faces of half ``A`` or ``B`` of the subjects (sorted subject ids, alternating)."""
    with np.load(root / "ckplus48/ckplus48.npz") as data:
        subjects = np.array([str(s) for s in data["subject"]])
        ordered = sorted(set(subjects))
        chosen = set(ordered[0 if half == "A" else 1 :: 2])
        rows = np.flatnonzero([s in chosen for s in subjects])
        return FaceSet(f"ckplus-{half}", data["x"][rows], data["y"][rows].astype(np.int64), subjects[rows])


def load(name: str, root: Path) -> FaceSet:
    """One of ``DOMAINS`` from the shared data folder."""
    if name == "publictest":
        with np.load(root / "fer2013/val.npz") as val:
            return FaceSet(name, val["x"], val["y"].astype(np.int64))
    if name == "ferplus":
        with np.load(root / "fer2013/val.npz") as val, np.load(root / "fer2013/ferplus_val.npz") as plus:
            keep = plus["y"] >= 0
            return FaceSet(name, val["x"][keep], plus["y"][keep].astype(np.int64))
    if name == "affectnet":
        return affectnet(root, "val")
    if name == "ckplus":
        return ckplus_half(root, "B")
    raise ValueError(f"unknown domain {name!r}; known: {', '.join(DOMAINS)}")
