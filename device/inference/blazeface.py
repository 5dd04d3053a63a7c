"""MediaPipe's BlazeFace short-range model run through LiteRT, decoded the way MediaPipe's graph does.

MediaPipe's own wheel is the reference, but it does not run everywhere (on ARMv8.0 CPUs such as
the Raspberry Pi 3 and 4 its native library aborts at load) and costs ~120 MB to import. This
runs the same ``face_detection_short_range.tflite`` with the LiteRT interpreter the emotion model
already uses, and reproduces the steps of MediaPipe's FaceDetectorGraph:

1. the frame is letterboxed into the model's 128 x 128 input (keep the aspect ratio, black border;
   a perspective warp with bilinear sampling, as MediaPipe's OpenCV image-to-tensor converter),
   pixels scaled to [-1, 1];
2. 896 SSD anchors (strides 8, 16, 16, 16; fixed size) decode the 16 regressor values of each
   box: centre, size and six keypoints, in 1/128 units; scores are sigmoids of the clipped logits;
3. boxes above ``min_score`` are merged by *weighted* non-maximum suppression (IoU > 0.3: the
   box and keypoints become the score-weighted mean of the overlapping ones, the score stays the
   best one's);
4. boxes are projected from the letterboxed square back into frame pixels.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from device.inference.face_detector import DetectedFace, FaceDetector
from device.inference.litert import load_interpreter
from device.inference.model_files import read_face_model

INPUT_SIZE = 128
STRIDES = (8, 16, 16, 16)
NUM_KEYPOINTS = 6
SCORE_CLIP = 100.0
SUPPRESSION_IOU = 0.3


def blazeface_anchors(size: int = INPUT_SIZE, strides: tuple[int, ...] = STRIDES) -> np.ndarray:
    """Anchor centres [N, 2] (x, y in 0..1), in the order of the model's outputs (SsdAnchorsCalculator's).

    Each layer has two anchors per cell (aspect ratio 1 and the interpolated scale); layers that
    share a stride share the grid, their anchors listed cell by cell. Sizes are fixed (1 x 1).
    """
    centres: list[tuple[float, float]] = []
    layer = 0
    while layer < len(strides):
        same = layer
        while same < len(strides) and strides[same] == strides[layer]:
            same += 1
        per_cell = 2 * (same - layer)
        cells = math.ceil(size / strides[layer])
        for y in range(cells):
            for x in range(cells):
                centres += [((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell
        layer = same
    return np.asarray(centres, np.float32)


class BlazeFaceLiteRT(FaceDetector):
    """The BlazeFace short-range model through LiteRT (no MediaPipe needed)."""

    backend = "litert"

    def __init__(self, model_path: Path, min_score: float = 0.5, min_size: int = 20, threads: int = 1) -> None:
        super().__init__(min_size)
        read_face_model(model_path)  # present and the expected file (SHA-256)
        self._interpreter = load_interpreter(model_path, threads, what="face model")
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = {tuple(o["shape"][1:]): o["index"] for o in self._interpreter.get_output_details()}
        self._boxes, self._scores = outputs[(896, 16)], outputs[(896, 1)]
        self._anchors = blazeface_anchors()
        self.min_score = min_score

    def _detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        height, width = rgb.shape[:2]
        side = float(max(height, width))
        left, top = width / 2 - side / 2, height / 2 - side / 2
        corners = np.float32([[left, top + side], [left, top], [left + side, top], [left + side, top + side]])
        square = np.float32([[0, INPUT_SIZE], [0, 0], [INPUT_SIZE, 0], [INPUT_SIZE, INPUT_SIZE]])
        warp = cv2.getPerspectiveTransform(corners, square)
        tensor = cv2.warpPerspective(rgb, warp, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # fmt: skip
        self._interpreter.set_tensor(self._input, (tensor.astype(np.float32) * (2.0 / 255.0) - 1.0)[None])
        self._interpreter.invoke()
        raw = self._interpreter.get_tensor(self._boxes)[0]
        logits = np.clip(self._interpreter.get_tensor(self._scores)[0, :, 0], -SCORE_CLIP, SCORE_CLIP)
        with np.errstate(over="ignore"):  # exp(100) is inf in float32: the score is then simply 0
            scores = 1.0 / (1.0 + np.exp(-logits))
        kept = np.flatnonzero(scores >= self.min_score)
        if not len(kept):
            return []
        raw, scores, anchors = raw[kept], scores[kept], self._anchors[kept]
        centre = raw[:, 0:2] / INPUT_SIZE + anchors
        size = raw[:, 2:4] / INPUT_SIZE
        boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)  # xmin, ymin, xmax, ymax (0..1)
        points = raw[:, 4 : 4 + 2 * NUM_KEYPOINTS].reshape(-1, NUM_KEYPOINTS, 2) / INPUT_SIZE + anchors[:, None, :]
        faces = []
        for box, keypoints, score in weighted_nms(boxes, points, scores, SUPPRESSION_IOU):
            x0, y0, x1, y1 = box * side + (left, top, left, top)  # the letterboxed square back in frame pixels
            points = tuple((float(left + x * side), float(top + y * side)) for x, y in keypoints)
            faces.append(DetectedFace(float(x0), float(y0), float(x1 - x0), float(y1 - y0), float(score), points))
        return faces

    def close(self) -> None:
        self._interpreter = None


def weighted_nms(
    boxes: np.ndarray, points: np.ndarray, scores: np.ndarray, threshold: float
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's weighted non-maximum suppression: (box, keypoints, score) per face, best first.

    The best remaining box takes every remaining box overlapping it by IoU > ``threshold``
    (itself included) and becomes their score-weighted mean; its own score is kept.
    """
    order = np.argsort(-scores, kind="stable")
    merged = []
    while len(order):
        best = boxes[order[0]]
        rest = boxes[order]
        inter_w = np.clip(np.minimum(rest[:, 2], best[2]) - np.maximum(rest[:, 0], best[0]), 0, None)
        inter_h = np.clip(np.minimum(rest[:, 3], best[3]) - np.maximum(rest[:, 1], best[1]), 0, None)
        intersection = inter_w * inter_h
        areas = (rest[:, 2] - rest[:, 0]) * (rest[:, 3] - rest[:, 1])
        union = areas + (best[2] - best[0]) * (best[3] - best[1]) - intersection
        iou = np.where(union > 0, intersection / np.where(union > 0, union, 1), 0.0)
        together = order[iou > threshold]
        weights = scores[together][:, None]
        if len(together):
            box = (boxes[together] * weights).sum(axis=0) / weights.sum()
            keypoints = (points[together] * weights[:, :, None]).sum(axis=0) / weights.sum()
        else:  # cannot happen for a box of positive area (it overlaps itself), but a degenerate one may
            box, keypoints = best, points[order[0]]
        merged.append((box, keypoints, float(scores[order[0]])))
        left = order[iou <= threshold]
        if len(left) == len(order):
            break
        order = left
    return merged
