"""The two face detector backends: LiteRT (ours) against MediaPipe's own task, on real photos and videos."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from device.cli.media_files import write_slideshow
from device.core.config import InferenceSettings
from device.inference.analyzer import FrameAnalyzer
from device.inference.blazeface import BlazeFaceLiteRT, blazeface_anchors, weighted_nms
from device.inference.cpu_features import HWCAP_ATOMICS, mediapipe_unsupported
from device.inference.face_detector import choose_backend
from device.inference.mediapipe_faces import MediaPipeFaces
from tests.helpers import REPO, Daemon, clean_env, client_session, require_shared, run_cli, signed_in, wait_for_state

FACE_MODEL = REPO / "models" / "face_detection_short_range.tflite"
ABORTING_MEDIAPIPE = REPO / "tests" / "stand_ins" / "lse_abort"  # the mediapipe wheel on a Pi 4's CPU
VIDEOS = ("WolfgangLanger_Pexels.mp4", "opendbm_subj01_timepoint01.mp4", "opendbm_subj02_timepoint01.mp4",
          "pyfeat_single_face.mp4", "pyfeat_face_noface.mov")  # fmt: skip


def video_frames(name: str, every: int = 15, limit: int = 40) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(require_shared(f"media/video/{name}")))
    frames, index = [], 0
    try:
        while len(frames) < limit:
            ok, bgr = capture.read()
            if not ok:
                break
            if index % every == 0:
                frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1
    finally:
        capture.release()
    return frames


@pytest.fixture(scope="module")
def detectors() -> tuple[BlazeFaceLiteRT, MediaPipeFaces]:
    return BlazeFaceLiteRT(FACE_MODEL), MediaPipeFaces(FACE_MODEL)


def test_the_anchors_are_mediapipes() -> None:
    anchors = blazeface_anchors()
    assert anchors.shape == (896, 2)  # 16 x 16 cells x 2, then 8 x 8 cells x 6
    assert np.allclose(anchors[0], anchors[1]) and np.allclose(anchors[0], [0.5 / 16, 0.5 / 16])
    assert np.allclose(anchors[511], [15.5 / 16, 15.5 / 16]) and np.allclose(anchors[512:518], [0.5 / 8, 0.5 / 8])
    assert np.allclose(anchors[-1], [7.5 / 8, 7.5 / 8])


def test_weighted_suppression_averages_overlapping_boxes_by_score() -> None:
    boxes = np.array([[0.1, 0.1, 0.3, 0.3], [0.12, 0.1, 0.32, 0.3], [0.6, 0.6, 0.8, 0.8]], np.float32)
    points = np.zeros((3, 6, 2), np.float32)
    points[1] += 0.3
    merged = weighted_nms(boxes, points, np.array([0.9, 0.6, 0.7], np.float32), 0.3)
    assert [round(score, 2) for _, _, score in merged] == [0.9, 0.7]  # the best score of each group
    assert np.allclose(merged[0][0], [0.1 + 0.02 * 0.4, 0.1, 0.3 + 0.02 * 0.4, 0.3])  # 0.6 / 1.5 of the second box
    assert np.allclose(merged[0][1], 0.3 * 0.4) and np.allclose(merged[1][0], boxes[2])


def test_both_backends_find_the_same_faces_on_real_photos_and_videos(detectors: tuple) -> None:
    litert, mediapipe = detectors
    frames = [skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea(), skimage.data.immunohistochemistry()]
    frames += [frame for name in VIDEOS for frame in video_frames(name, every=6, limit=60)]
    compared = 0
    for frame in frames:
        ours, theirs = litert.detect(frame), mediapipe.detect(frame)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):  # MediaPipe gives whole pixels (truncated)
            assert abs(a.x - b.x) <= 2 and abs(a.y - b.y) <= 2 and abs(a.width - b.width) <= 2 and abs(a.height - b.height) <= 2
            assert abs(a.score - b.score) < 0.005
            assert len(a.keypoints) == len(b.keypoints) == 6
            gaps = [abs(p - q) for pa, pb in zip(a.keypoints, b.keypoints, strict=True) for p, q in zip(pa, pb, strict=True)]
            assert max(gaps) <= 2
            compared += 1
    assert compared >= 100


def test_the_emotions_agree_with_either_backend() -> None:
    litert = FrameAnalyzer(InferenceSettings(face_backend="litert"))
    mediapipe = FrameAnalyzer(InferenceSettings(face_backend="mediapipe"))
    assert (litert.backend, mediapipe.backend) == ("litert", "mediapipe")
    agree = total = 0
    try:
        for name in VIDEOS:
            for frame in video_frames(name, every=10, limit=30):
                ours, theirs = litert.analyze(frame).faces, mediapipe.analyze(frame).faces
                assert len(ours) == len(theirs)
                for a, b in zip(ours, theirs, strict=True):
                    total += 1
                    agree += a.likeliest == b.likeliest  # (near the "not sure" line either may say unsure)
                    assert max(abs(a.probabilities[e] - b.probabilities[e]) for e in a.probabilities) < 0.15
    finally:
        litert.close()
        mediapipe.close()
    assert total >= 60 and agree / total >= 0.95, (agree, total)


def test_the_backend_is_chosen_by_setting_and_by_what_the_cpu_can_run(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_backend("auto", FACE_MODEL) == ("litert", None)
    assert choose_backend("mediapipe", FACE_MODEL) == ("mediapipe", None)  # this x86-64 CPU runs the wheel
    assert mediapipe_unsupported("aarch64", HWCAP_ATOMICS | 0xFF) is None  # a Pi 5: LSE atomics
    assert "LSE" in (mediapipe_unsupported("aarch64", 0xFF) or "")  # a Pi 4: ARMv8.0, no LSE
    assert "32-bit" in (mediapipe_unsupported("armv7l") or "")
    assert mediapipe_unsupported("x86_64") is None


def test_a_mediapipe_that_aborts_on_this_cpu_is_reported_and_litert_takes_over(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ABORTING_MEDIAPIPE), "MOODKIOSK_INFERENCE__FACE_BACKEND": "mediapipe"}
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    analyzed = run_cli("analyze", "--json", photo, env=clean_env(**env))
    assert analyzed.returncode == 0 and '"emotion": "happy"' in analyzed.stdout
    assert "lse enabled" in analyzed.stderr and "using litert" in analyzed.stderr
    doctor = run_cli("doctor", "--json", "--offline", env=clean_env(**env))
    face = next(c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "face model")
    assert face["status"] == "warn" and "lse enabled" in face["detail"] and "litert backend" in face["detail"]

    video = write_slideshow(tmp_path / "smile.mp4", [(skimage.data.astronaut(), 10)])
    daemon = Daemon(tmp_path, camera=str(video), extra=("--loop",), **env)

    async def scenario() -> None:
        async with client_session() as client:
            await signed_in(client, daemon)
            state = await wait_for_state(client, daemon, lambda s: bool(s["mood"]) and bool(s["notes"]))
            assert state["mood"]["emotion"] == "happy"
            assert any("lse enabled" in note["text"] for note in state["notes"]), state["notes"]

    try:
        asyncio.run(scenario())
    finally:
        log = daemon.stop()
    assert "faces are found by the litert backend" in log
