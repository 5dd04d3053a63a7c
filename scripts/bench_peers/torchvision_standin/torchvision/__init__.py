"""A stand-in for the two torchvision functions facenet-pytorch's MTCNN imports (moodkiosk's benchmark only).

Installed into the fer peer's venv by scripts/bench.py only where the real torchvision cannot run:
PyPI's x86_64 torchvision is a CUDA build whose C++ operators need libtorch_cuda.so, which the
CPU-only torch wheel lacks (CPU builds of torchvision are not on PyPI). On aarch64 (a Pi) PyPI's
torchvision is a CPU build and the real one is used.
"""

from torchvision import ops, transforms

__version__ = "0.0.0+moodkiosk-bench-standin"
STANDIN = True
__all__ = ["ops", "transforms"]
