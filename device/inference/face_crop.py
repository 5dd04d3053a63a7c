"""The crop fed to the emotion model, shaped like a FER-2013 image.

FER-2013 images are loose, whole-face crops: forehead to chin with a margin on every side.
MediaPipe's box is tighter (brows to mouth). The classifier crop is therefore a square centred on
the box, ``scale`` times the box's size and moved down by ``shift`` box heights; both come from
the model's JSON, where scripts/calibrate_crop.py measured them (see models/MODEL_CARD.md).
Parts of the crop outside the frame are filled by repeating the edge pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

from device.inference.face_detector import DetectedFace


def crop_box(face: DetectedFace, scale: float, shift: float) -> tuple[int, int, int]:
    """(left, top, side) of the square crop in frame pixels."""
    side = max(1, round(scale * (face.width + face.height) / 2))
    centre_x = face.x + face.width / 2
    centre_y = face.y + face.height / 2 + shift * face.height
    return round(centre_x - side / 2), round(centre_y - side / 2), side


def face_crop(gray: np.ndarray, face: DetectedFace, scale: float, shift: float, size: int) -> np.ndarray:
    """A ``size`` x ``size`` uint8 crop of a grayscale frame around ``face``."""
    left, top, side = crop_box(face, scale, shift)
    height, width = gray.shape
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + side, width), min(top + side, height)
    if x1 <= x0 or y1 <= y0:
        return np.full((size, size), int(gray.mean()) if gray.size else 0, np.uint8)
    region = gray[y0:y1, x0:x1]
    pads = (y0 - top, top + side - y1, x0 - left, left + side - x1)
    if any(pads):
        region = cv2.copyMakeBorder(region, *pads, cv2.BORDER_REPLICATE)
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(region, (size, size), interpolation=interpolation)
