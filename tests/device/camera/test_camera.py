"""Frame sources: OpenCV on real video and photo files, the Pi camera through a stand-in picamera2."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from device.camera.opencv_source import OpenCVSource, PictureSource
from device.camera.picamera2_source import Picamera2Source
from device.camera.source import CameraError
from device.camera.spec import camera_from_spec, video_devices
from device.core.errors import ConfigError
from tests.helpers import STAND_INS, write_rgb


class FakeClock:
    """Time that moves only when the code under test sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)


def make_video(path: Path, frames: int = 20, fps: float = 10.0) -> Path:
    """A real video: the astronaut photo with the frame number drawn in."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (256, 256))
    photo = cv2.resize(cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR), (256, 256))
    for i in range(frames):
        frame = photo.copy()
        frame[:40, :40] = i * 12  # frame number as brightness, readable after compression
        writer.write(frame)
    writer.release()
    return path


def brightness_index(rgb: np.ndarray) -> int:
    return round(float(rgb[5:35, 5:35].mean()) / 12)


@pytest.fixture
def picamera2_stand_in() -> Iterator[type]:
    sys.path.insert(0, str(STAND_INS))
    import picamera2

    picamera2.Picamera2.fail_after = None
    picamera2.Picamera2.instances.clear()
    yield picamera2.Picamera2
    sys.path.remove(str(STAND_INS))
    sys.modules.pop("picamera2", None)


def test_video_file_plays_at_its_own_rate(tmp_path: Path) -> None:
    clock = FakeClock()
    source = OpenCVSource(str(make_video(tmp_path / "v.mp4", frames=20, fps=10)), clock=clock, sleep=clock.sleep)
    source.open()
    first, second = source.read(), source.read()
    assert (brightness_index(first.rgb), brightness_index(second.rgb)) == (0, 1)
    assert clock.now == pytest.approx(100.1)  # waited one frame period (0.1 s) for the second frame
    clock.now += 0.55  # the reader was busy for 5.5 frame periods: frames are skipped, not queued
    third = source.read()
    assert brightness_index(third.rgb) == 6
    frames = [third]
    while (frame := source.read()) is not None:
        frames.append(frame)
    assert brightness_index(frames[-1].rgb) == 19
    assert source.finite
    source.close()


def test_video_file_loops_when_asked(tmp_path: Path) -> None:
    clock = FakeClock()
    source = OpenCVSource(str(make_video(tmp_path / "v.mp4", frames=5, fps=10)), loop=True, clock=clock, sleep=clock.sleep)
    source.open()
    seen = [brightness_index(source.read().rgb) for _ in range(12)]
    assert seen == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]
    assert not source.finite


def test_unreadable_video_gives_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 1000)
    with pytest.raises(CameraError, match=r"cannot open camera .*broken\.mp4") as caught:
        OpenCVSource(str(broken)).open()
    assert "convert it" in caught.value.hint


def test_missing_webcam_gives_a_clear_error() -> None:
    with pytest.raises(CameraError, match="cannot open camera /dev/video57") as caught:
        OpenCVSource(57).open()
    assert "video` group" in caught.value.hint


def test_photo_folder_as_a_still_camera(tmp_path: Path) -> None:
    write_rgb(tmp_path / "a.png", skimage.data.astronaut())
    write_rgb(tmp_path / "b.png", skimage.data.coffee())
    (tmp_path / "notes.txt").write_text("not a photo")
    clock = FakeClock()
    source = PictureSource(tmp_path, seconds_each=1.0, frame_interval=0.25, clock=clock, sleep=clock.sleep)
    source.open()
    shapes = [source.read().rgb.shape for _ in range(8)]
    assert shapes[:4] == [(512, 512, 3)] * 4 and shapes[4:] == [(400, 600, 3)] * 4


def test_empty_photo_folder(tmp_path: Path) -> None:
    with pytest.raises(CameraError, match="no readable photo"):
        PictureSource(tmp_path).open()


def test_picamera2_frames_come_out_rgb(picamera2_stand_in: type) -> None:
    source = Picamera2Source(0, size=(320, 240))
    source.open()
    frame = source.read()
    expected = cv2.resize(skimage.data.astronaut(), (320, 240), interpolation=cv2.INTER_AREA)
    assert frame.rgb.shape == (240, 320, 3)
    assert np.array_equal(frame.rgb, expected)  # B,G,R memory order turned into RGB
    camera = picamera2_stand_in.instances[-1]
    assert camera.config["main"] == {"size": (320, 240), "format": "RGB888"}
    source.close()
    assert camera.closed and not camera.started


def test_picamera2_failure_and_missing_camera(picamera2_stand_in: type) -> None:
    picamera2_stand_in.fail_after = 2
    source = Picamera2Source(0)
    source.open()
    source.read(), source.read()
    with pytest.raises(CameraError, match="stopped giving frames"):
        source.read()
    with pytest.raises(CameraError, match="no Pi camera number 1 \\(found 1\\)"):
        Picamera2Source(1).open()


def test_without_picamera2_installed_the_pi_camera_explains() -> None:
    assert "picamera2" not in sys.modules
    with pytest.raises(CameraError, match="picamera2 is not installed") as caught:
        Picamera2Source(0).open()
    assert "python3-picamera2" in caught.value.hint


def test_camera_specs(tmp_path: Path, picamera2_stand_in: type) -> None:
    video = make_video(tmp_path / "v.mp4", frames=2)
    photo = write_rgb(tmp_path / "p.png", skimage.data.astronaut())
    assert camera_from_spec("none") is None
    assert isinstance(camera_from_spec("auto"), Picamera2Source)  # the stand-in reports one camera
    assert camera_from_spec("picamera2:1").number == 1
    assert camera_from_spec("usb:2").target == 2
    assert camera_from_spec("3").target == 3
    assert camera_from_spec("rtsp://127.0.0.1:8554/cam").target == "rtsp://127.0.0.1:8554/cam"
    assert camera_from_spec(str(video), loop=True).loop
    assert isinstance(camera_from_spec(str(photo)), PictureSource)
    assert isinstance(camera_from_spec(str(tmp_path)), PictureSource)
    with pytest.raises(ConfigError, match="no such device, file or URL"):
        camera_from_spec(str(tmp_path / "nope.mp4"))


def test_a_pipe_socket_or_other_device_is_refused_before_anything_opens_it(tmp_path: Path) -> None:
    """An open of a FIFO waits for a writer for good, and holds OpenCV's one-open-at-a-time lock (issue 26, finding 6)."""
    fifo = tmp_path / "camera.mp4"
    os.mkfifo(fifo)
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tmp_path / "camera.sock"))
        for path, kind in ((fifo, "a named pipe"), (tmp_path / "camera.sock", "a socket"), (Path("/dev/null"), "not a camera")):
            with pytest.raises(ConfigError, match=kind) as caught:
                camera_from_spec(str(path))
            assert "not a video file or a camera" in str(caught.value)


def test_auto_without_a_pi_camera_takes_the_first_webcam_or_none(tmp_path: Path) -> None:
    assert "picamera2" not in sys.modules
    assert camera_from_spec("auto", dev=tmp_path) is None
    (tmp_path / "video3").touch()
    (tmp_path / "video1").touch()
    assert camera_from_spec("auto", dev=tmp_path).target == str(tmp_path / "video1")


def test_video_devices_sort_numerically(tmp_path: Path) -> None:
    for name in ("video10", "video2", "video0", "videoX", "media0"):
        (tmp_path / name).touch()
    assert [p.name for p in video_devices(tmp_path)] == ["video0", "video2", "video10"]


def test_fresh_sources_are_new_unopened_objects_for_the_same_camera(tmp_path: Path, picamera2_stand_in: type) -> None:
    photo = write_rgb(tmp_path / "p.png", skimage.data.astronaut())
    for source in (OpenCVSource(3, loop=True), PictureSource(photo, seconds_each=2.0), Picamera2Source(0, size=(320, 240))):
        fresh = source.fresh()
        assert fresh is not source and type(fresh) is type(source) and str(fresh) == str(source)
    assert OpenCVSource(str(photo), loop=True).fresh().loop
