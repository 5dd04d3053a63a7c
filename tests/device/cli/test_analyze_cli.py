"""``moodkiosk analyze`` end to end: real photos and videos through the real pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import skimage.data

from device.core.labels import EMOTIONS
from tests.helpers import REPO, clean_env, require_shared, run_cli


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.strip().splitlines()]


def test_astronaut_happy_and_coffee_no_face(photos: dict[str, Path]) -> None:
    result = run_cli("analyze", "--json", photos["astronaut"], photos["coffee"])
    assert result.returncode == 0, result.stderr
    astronaut, coffee = json_lines(result.stdout)
    assert astronaut["path"] == str(photos["astronaut"])
    assert set(astronaut) == {"path", "faces", "ms"}
    assert len(astronaut["faces"]) == 1
    face = astronaut["faces"][0]
    assert face["emotion"] == "happy"
    assert set(face) == {"box", "score", "emotion", "scores"}
    assert list(face["scores"]) == list(EMOTIONS)
    assert len(face["box"]) == 4 and all(isinstance(v, int) for v in face["box"])
    assert coffee["faces"] == []


def test_readable_summary(photos: dict[str, Path]) -> None:
    result = run_cli("analyze", photos["astronaut"], photos["coffee"])
    assert result.returncode == 0
    assert "astronaut.png: 1 face" in result.stdout and "#1 happy" in result.stdout
    assert "coffee.png: no faces" in result.stdout


def test_unreadable_files_are_reported_and_the_rest_still_processed(tmp_path: Path, photos: dict[str, Path]) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg")
    result = run_cli("analyze", "--json", broken, tmp_path / "missing.png", photos["astronaut"])
    assert result.returncode == 1
    assert "broken.jpg: not an image or video that OpenCV can decode" in result.stderr
    assert "missing.png: no such file" in result.stderr
    (only,) = json_lines(result.stdout)
    assert only["faces"][0]["emotion"] == "happy"


def test_annotate_writes_copies_with_boxes(tmp_path: Path, photos: dict[str, Path]) -> None:
    out = tmp_path / "annotated"
    result = run_cli("analyze", "--annotate", out, photos["astronaut"], photos["coffee"])
    assert result.returncode == 0, result.stderr
    drawn = cv2.imread(str(out / "astronaut_annotated.png"))
    original = cv2.imread(str(photos["astronaut"]))
    assert drawn.shape == original.shape
    changed = np.any(drawn != original, axis=2)
    ys, xs = np.nonzero(changed)
    assert 150 < xs.min() < 200 and ys.max() < 250  # the box and label are around her face
    assert (out / "coffee_annotated.png").is_file()


def test_video_frame_by_frame(tmp_path: Path) -> None:
    """A short video made from the astronaut photo (moving across the frame), every 2nd frame."""
    video = tmp_path / "astronaut.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 512))
    photo = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    for shift in range(0, 128, 16):
        frame = np.zeros((512, 640, 3), np.uint8)
        frame[:, shift : shift + 512] = photo
        writer.write(frame)
    writer.release()
    result = run_cli("analyze", "--json", "--every", "2", "--annotate", tmp_path / "out", video)
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert [r["frame"] for r in records] == [0, 2, 4, 6]
    assert all([f["emotion"] for f in r["faces"]] == ["happy"] for r in records)
    xs = [r["faces"][0]["box"][0] for r in records]
    assert xs == sorted(xs) and xs[-1] - xs[0] > 60  # the box follows the face
    annotated = cv2.VideoCapture(str(tmp_path / "out" / "astronaut_annotated.mp4"))
    assert annotated.get(cv2.CAP_PROP_FRAME_COUNT) == 4


def test_folder_of_media_and_real_video(tmp_path: Path) -> None:
    video = require_shared("media/video/pyfeat_single_face.mp4")
    result = run_cli("analyze", "--every", "15", video)
    assert result.returncode == 0, result.stderr
    assert "frame 0" in result.stdout
    assert "frames analysed, a face in" in result.stdout.splitlines()[-1]


def test_directory_is_expanded(tmp_path: Path, photos: dict[str, Path]) -> None:
    folder = tmp_path / "album"
    folder.mkdir()
    (folder / "a.png").write_bytes(photos["astronaut"].read_bytes())
    (folder / "b.png").write_bytes(photos["coffee"].read_bytes())
    (folder / ".hidden.png").write_bytes(b"junk")
    result = run_cli("analyze", "--json", folder)
    assert result.returncode == 0, result.stderr
    assert [Path(r["path"]).name for r in json_lines(result.stdout)] == ["a.png", "b.png"]


def test_a_face_the_model_is_not_sure_about_says_so(photos: dict[str, Path], tmp_path: Path) -> None:
    """The model's own files with a "not sure" threshold above any answer: the face reads "unsure",
    its seven scores still given (the threshold itself is the model JSON's ``unsure_below``)."""
    models = REPO / "models"
    info = json.loads((models / "emotion_fer_int8.json").read_text())
    for name in [info["model"], *(member["model"] for member in info.get("ensemble", []))]:
        shutil.copy(models / name, tmp_path / name)
    (tmp_path / "emotion_fer_int8.json").write_text(json.dumps(info | {"unsure_below": 0.999}))
    env = clean_env(MOODKIOSK_INFERENCE__EMOTION_MODEL=str(tmp_path / info["model"]))
    result = run_cli("analyze", "--json", photos["astronaut"], env=env)
    assert result.returncode == 0, result.stderr
    (face,) = json_lines(result.stdout)[0]["faces"]
    assert face["emotion"] == "unsure" and list(face["scores"]) == list(EMOTIONS)
    assert max(face["scores"], key=face["scores"].get) == "happy"  # what it would have said, still there
    assert "#1 unsure" in run_cli("analyze", photos["astronaut"], env=env).stdout
