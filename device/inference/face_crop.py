"""The crop fed to the emotion model, shaped like a FER-2013 image.

FER-2013 images are loose, whole-face crops: forehead to chin with a margin on every side.
MediaPipe's box is tighter (brows to mouth). The classifier crop is therefore a square centred on
the box, ``scale`` times the box's size and moved down by ``shift`` box heights; both come from
the model's JSON, where scripts/calibrate_crop.py measured them (see models/MODEL_CARD.md).
Parts of the crop outside the frame are filled by repeating the edge pixels.

With ``align`` (set in the model's JSON), a tilted head is turned upright first: the crop is
rotated about its centre so that the detector's two eye keypoints are level (tilts under 8
degrees are left alone), and the downward shift follows the face's own axis.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from device.inference.face_detector import DetectedFace

MIN_TILT_DEGREES = 8.0  # FER-2013's own faces lean this much: smaller tilts are what the model knows
MAX_TILT_DEGREES = 45.0  # beyond this the keypoints are more likely wrong than the head that tilted


def eye_tilt(face: DetectedFace) -> float:
    """Degrees the line between the eyes turns clockwise on screen (0 without keypoints)."""
    if len(face.keypoints) < 2:
        return 0.0
    (right_x, right_y), (left_x, left_y) = face.keypoints[0], face.keypoints[1]  # the person's right eye first
    angle = math.degrees(math.atan2(left_y - right_y, left_x - right_x))
    return angle if abs(angle) <= MAX_TILT_DEGREES else 0.0


def crop_box(face: DetectedFace, scale: float, shift: float, tilt: float = 0.0) -> tuple[int, int, int]:
    """(left, top, side) of the square crop in frame pixels; the shift follows a head tilted by ``tilt`` degrees."""
    side = max(1, round(scale * (face.width + face.height) / 2))
    down = shift * face.height
    radians = math.radians(tilt)
    centre_x = face.x + face.width / 2 - down * math.sin(radians)
    centre_y = face.y + face.height / 2 + down * math.cos(radians)
    return round(centre_x - side / 2), round(centre_y - side / 2), side


def face_crop(gray: np.ndarray, face: DetectedFace, scale: float, shift: float, size: int, align: bool = False) -> np.ndarray:
    """A ``size`` x ``size`` uint8 crop of a grayscale frame around ``face`` (turned upright with ``align``)."""
    tilt = eye_tilt(face) if align else 0.0
    if abs(tilt) < MIN_TILT_DEGREES:
        return square_crop(gray, *crop_box(face, scale, shift), size)
    margin = 1.5  # a larger square first, so the corners of the rotated crop hold picture, not padding
    left, top, side = crop_box(face, scale * margin, shift, tilt)
    big = round(size * margin)
    region = square_crop(gray, left, top, side, big)
    rotation = cv2.getRotationMatrix2D((big / 2, big / 2), tilt, 1.0)
    upright = cv2.warpAffine(region, rotation, (big, big), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    start = (big - size) // 2
    return np.ascontiguousarray(upright[start : start + size, start : start + size])


def square_crop(gray: np.ndarray, left: int, top: int, side: int, size: int) -> np.ndarray:
    """The square (``left``, ``top``, ``side``) of a grayscale frame, resized to ``size``; edges repeated."""
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
