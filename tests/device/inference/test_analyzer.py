"""The per-frame analyzer on real photos, with the real face detector and the real model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data

from device.core.labels import EMOTIONS
from device.inference.analyzer import FrameAnalyzer, clipped_box
from device.inference.face_crop import crop_box, eye_tilt, face_crop
from device.inference.face_detector import DetectedFace
from tests.helpers import require_shared


def test_astronaut_is_one_happy_face(analyzer: FrameAnalyzer) -> None:
    analysis = analyzer.analyze(skimage.data.astronaut())
    assert len(analysis.faces) == 1
    face = analysis.faces[0]
    assert face.emotion == "happy"
    assert face.probabilities["happy"] > 0.5
    x, y, w, h = face.box
    assert 150 < x < 200 and 60 < y < 110 and 70 < w < 130 and 70 < h < 130  # her face, not the flag
    assert set(face.probabilities) == set(EMOTIONS)
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert face.score > 0.5


def test_no_face_in_coffee(analyzer: FrameAnalyzer) -> None:
    assert analyzer.analyze(skimage.data.coffee()).faces == []


def test_mirrored_and_grey_photos_read_the_same(analyzer: FrameAnalyzer) -> None:
    astronaut = skimage.data.astronaut()
    grey = cv2.cvtColor(cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    for frame in (astronaut[:, ::-1], grey):
        faces = analyzer.analyze(np.ascontiguousarray(frame)).faces
        assert [f.emotion for f in faces] == ["happy"]


def test_largest_face_first(analyzer: FrameAnalyzer) -> None:
    head = skimage.data.astronaut()[30:250, 115:335]  # 220x220 around her face
    small = cv2.resize(head, (132, 132), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((220, 132 + 220, 3), np.uint8)
    canvas[:132, :132] = small  # the smaller copy on the left
    canvas[:, 132:] = head
    faces = analyzer.analyze(canvas).faces
    assert len(faces) == 2
    assert faces[0].box[2] * faces[0].box[3] > 2 * faces[1].box[2] * faces[1].box[3]
    assert faces[0].box[0] > 132 > faces[1].box[0]
    assert [f.emotion for f in faces] == ["happy", "happy"]


def test_face_cut_by_the_frame_edge_still_reads(analyzer: FrameAnalyzer) -> None:
    cut = np.ascontiguousarray(skimage.data.astronaut()[95:, 160:])  # forehead and left side cut away
    faces = analyzer.analyze(cut).faces
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert x >= 0 and y >= 0 and x + w <= cut.shape[1] and y + h <= cut.shape[0]


def test_crop_geometry() -> None:
    face = DetectedFace(x=100, y=50, width=40, height=40, score=1.0)
    assert crop_box(face, 1.0, 0.0) == (100, 50, 40)
    assert crop_box(face, 1.5, 0.0) == (90, 40, 60)
    assert crop_box(face, 1.0, -0.25) == (100, 40, 40)


def test_crop_past_the_edge_repeats_edge_pixels() -> None:
    gray = np.tile(np.arange(100, dtype=np.uint8), (100, 1))  # brightness grows left to right
    crop = face_crop(gray, DetectedFace(x=-20, y=10, width=40, height=40, score=1.0), 1.0, 0.0, 48)
    assert crop.shape == (48, 48)
    assert (crop[:, :20] == 0).all()  # the part left of the frame repeats column 0
    assert crop[0, -1] > 10


def test_clipped_box() -> None:
    assert clipped_box(-5.2, 10.4, 30, 30, 20, 100) == (0, 10, 20, 30)


def test_calibrated_crop_reproduces_fer_framing(analyzer: FrameAnalyzer) -> None:
    """On FER-2013 faces shown to MediaPipe, the calibrated crop gives back (nearly) the original."""
    val = np.load(require_shared("data/fer2013/val.npz"))
    images = val["x"][:300]
    candidates = {"calibrated": (analyzer.crop_scale, analyzer.crop_shift), "tight box": (1.0, 0.0)}
    candidates |= {"not shifted": (analyzer.crop_scale, 0.0), "much looser": (1.5, analyzer.crop_shift)}
    errors: dict[str, list[float]] = {name: [] for name in candidates}
    for image in images:
        big = cv2.resize(image, (192, 192), interpolation=cv2.INTER_CUBIC)
        canvas = np.full((384, 384), int(image.mean()), np.uint8)
        canvas[96:288, 96:288] = big
        faces = analyzer.detector.detect(cv2.cvtColor(canvas, cv2.COLOR_GRAY2RGB))
        if not faces:
            continue
        for name, (scale, shift) in candidates.items():
            crop = face_crop(canvas, faces[0], scale, shift, 48).astype(np.float32)
            errors[name].append(float(np.abs(crop - image.astype(np.float32)).mean()))
    assert len(errors["calibrated"]) > 250
    median = {name: np.median(values) for name, values in errors.items()}
    assert median["calibrated"] < 0.9 * min(v for name, v in median.items() if name != "calibrated"), median


def test_sad_then_laughing_video(analyzer: FrameAnalyzer) -> None:
    """WolfgangLanger_Pexels.mp4: sad and crying for about 10 s, then laughing."""
    capture = cv2.VideoCapture(str(require_shared("media/video/WolfgangLanger_Pexels.mp4")))
    fps = capture.get(cv2.CAP_PROP_FPS)
    readings: list[tuple[float, str]] = []
    index = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index % 5 == 0:
            faces = analyzer.analyze(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)).faces
            if faces:
                readings.append((index / fps, faces[0].emotion))
        index += 1
    capture.release()
    duration = index / fps
    first = [e for t, e in readings if t < duration * 0.4]
    last = [e for t, e in readings if t > duration * 0.6]
    negative = {"sad", "fear", "angry", "disgust"}
    assert sum(e in negative for e in first) > len(first) / 2, first
    assert sum(e == "happy" for e in last) > len(last) / 2, last


def test_a_tilted_head_is_turned_upright_before_cropping(analyzer: FrameAnalyzer) -> None:
    """The astronaut turned 20 degrees clockwise: with alignment its crop looks like the upright one again."""
    upright = skimage.data.astronaut()
    centre = (analyzer.detector.detect(upright)[0].x + 47, analyzer.detector.detect(upright)[0].y + 47)
    tilted = cv2.warpAffine(upright, cv2.getRotationMatrix2D(centre, -20, 1.0), (512, 512), borderMode=cv2.BORDER_REPLICATE)
    straight_face, tilted_face = analyzer.detector.detect(upright)[0], analyzer.detector.detect(tilted)[0]
    assert abs(eye_tilt(straight_face)) < 8 and 18 < eye_tilt(tilted_face) < 32  # she leans 5 degrees already
    crop = {}
    for name, frame, face, align in (("upright", upright, straight_face, True), ("aligned", tilted, tilted_face, True),
                                     ("plain", tilted, tilted_face, False)):  # fmt: skip
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        crop[name] = face_crop(gray, face, analyzer.crop_scale, analyzer.crop_shift, 48, align).astype(np.float32)
    likeness = {name: float(np.corrcoef(crop["upright"].ravel(), crop[name].ravel())[0, 1]) for name in ("aligned", "plain")}
    assert likeness["aligned"] > likeness["plain"] + 0.15, likeness  # the reference itself leans 5 degrees
