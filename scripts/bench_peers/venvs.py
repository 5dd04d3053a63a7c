"""The peers' virtualenvs, under build/peers/, made on request (``scripts/bench.py --setup-peers``).

Each peer gets its own venv so that its memory and imports are its own. The peers' code is
installed unmodified from PyPI; what had to be done to make them install and run here is in
``Peer.notes`` and is printed in the report.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TORCHVISION_STANDIN = HERE / "torchvision_standin/torchvision"
X86 = platform.machine() in {"x86_64", "AMD64"}
# fer asks for `tensorflow`; on x86_64 the CPU-only build is `tensorflow-cpu` (the same code, no
# CUDA), on aarch64 `tensorflow` itself is CPU-only (and 2.20.0 is the newest with aarch64 wheels).
TENSORFLOW = "tensorflow-cpu==2.21.0" if X86 else "tensorflow==2.20.0"
# fer's own dependencies (it is installed with --no-deps), torch for facenet-pytorch's MTCNN
FER_REQUIREMENTS = (TENSORFLOW, "torch==2.13.0", "torchvision==0.28.0", "opencv-contrib-python<5", "pandas", "requests")
FER_REQUIREMENTS += ("tqdm", "moviepy<2", "ffmpeg-python", "pillow", "matplotlib", "setuptools<81")


@dataclass(frozen=True)
class Peer:
    name: str
    pipelines: tuple[str, ...]
    requirements: tuple[str, ...]  # installed with their dependencies
    no_deps: tuple[str, ...] = ()  # installed without theirs (``requirements`` stand in for them)
    notes: tuple[str, ...] = field(default=(), compare=False)

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps([self.requirements, self.no_deps, sys.version]).encode()).hexdigest()[:16]


PEERS = {
    "fer": Peer(
        "fer",
        ("fer-haar", "fer-mtcnn"),
        FER_REQUIREMENTS,
        ("fer==25.10.3", "facenet-pytorch==2.6.0"),
        (
            f"fer 25.10.3 and facenet-pytorch 2.6.0 are installed with --no-deps and their dependencies listed by hand: "
            f"fer asks for `tensorflow` (here `{TENSORFLOW}`, the CPU-only build), facenet-pytorch pins torch<=2.3, "
            "torchvision<=0.18 and numpy<2 (here torch 2.13.0 CPU, numpy 2).",
            "opencv-contrib-python is kept below 5: OpenCV 5.0 no longer ships the Haar cascade files in cv2.data, "
            "where FER() looks for its default cascade (FER() then fails with `!empty() in function 'detectMultiScale'`).",
            "setuptools below 81: fer imports pkg_resources.",
        ),
    ),
    "deepface": Peer(
        "deepface",
        ("deepface",),
        ("deepface==0.0.103", "werkzeug"),
        (),
        (
            "werkzeug is added: deepface 0.0.103 imports it on `from deepface import DeepFace` but lists it only in "
            "its `api` extra.",
            "DEEPFACE_HOME is build/peers/deepface-home; any files in ~/.deepface/weights are linked into it, and "
            "OpenCV's Haar cascade is copied there from cv2.data (deepface would download the same file from GitHub).",
        ),
    ),
}
STANDIN_NOTE = (
    "torchvision: PyPI's x86_64 torchvision 0.28.0 (the build for torch 2.13) is a CUDA build whose operators need "
    "libtorch_cuda.so, which the CPU-only torch wheel lacks, and CPU builds of torchvision are not on PyPI. "
    "facenet-pytorch's MTCNN uses two torchvision functions, batched_nms and to_tensor; a NumPy stand-in for them "
    "(scripts/bench_peers/torchvision_standin) replaces torchvision in the fer venv. On aarch64 (a Pi) PyPI's "
    "torchvision is a CPU build and the real one is used."
)


def venv_dir(peers_dir: Path, peer: Peer) -> Path:
    return peers_dir / f"{peer.name}-venv"


def python_of(venv: Path) -> Path:
    return venv / "bin/python"


def is_ready(peers_dir: Path, peer: Peer) -> bool:
    stamp = venv_dir(peers_dir, peer) / ".bench-ready"
    return stamp.is_file() and stamp.read_text().strip() == peer.fingerprint()


def pip(python: Path, log: Path, *arguments: str) -> None:
    with log.open("a") as out:
        out.write(f"$ pip {' '.join(arguments)}\n")
        out.flush()
        subprocess.run([str(python), "-m", "pip", *arguments], stdout=out, stderr=subprocess.STDOUT, check=True)


def torchvision_works(python: Path) -> bool:
    check = "import torch, torchvision.ops; torchvision.ops.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)"
    return subprocess.run([str(python), "-c", check], capture_output=True, check=False).returncode == 0


def use_torchvision_standin(python: Path, log: Path) -> None:
    """Replace a torchvision whose C++ operators cannot load by the stand-in (see STANDIN_NOTE)."""
    pip(python, log, "uninstall", "--yes", "--quiet", "torchvision")
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([str(python), "-c", where], capture_output=True, text=True, check=True).stdout.strip()
    shutil.copytree(TORCHVISION_STANDIN, Path(site) / "torchvision", dirs_exist_ok=True)


def set_up(peers_dir: Path, peer: Peer) -> dict[str, object]:
    """Create or update one peer's venv; {"ok", "log", "error"?, "torchvision_standin"?}."""
    venv = venv_dir(peers_dir, peer)
    log = peers_dir / f"{peer.name}-setup.log"
    peers_dir.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    python = python_of(venv)
    result: dict[str, object] = {"ok": False, "log": str(log)}
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        pip(python, log, "install", "--quiet", *peer.requirements)
        if peer.no_deps:
            pip(python, log, "install", "--quiet", "--no-deps", *peer.no_deps)
        if "facenet-pytorch==2.6.0" in peer.no_deps and not torchvision_works(python):
            use_torchvision_standin(python, log)
            result["torchvision_standin"] = True
    except (subprocess.CalledProcessError, OSError) as error:
        tail = log.read_text().strip().splitlines()[-3:] if log.exists() else []
        result["error"] = f"{error}: {' | '.join(tail)}"
        return result
    (venv / ".bench-ready").write_text(peer.fingerprint())
    result["ok"] = True
    return result


def size_mb(folder: Path) -> float:
    """Disk used by the files under ``folder``."""
    files = (path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()) if folder.is_dir() else ()
    return round(sum(path.stat().st_size for path in files) / 2**20)


def link_deepface_weights(home: Path) -> list[str]:
    """Make weights already downloaded to ~/.deepface/weights visible in the benchmark's DEEPFACE_HOME."""
    target = home / ".deepface/weights"
    target.mkdir(parents=True, exist_ok=True)
    linked = []
    source = Path.home() / ".deepface/weights"
    for path in sorted(source.glob("*")) if source.is_dir() else []:
        if not (target / path.name).exists():
            (target / path.name).symlink_to(path)
            linked.append(path.name)
    return linked
