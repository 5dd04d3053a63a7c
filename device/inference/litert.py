"""The LiteRT interpreter: ``ai_edge_litert`` when installed, else ``tflite_runtime``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from device.core.errors import ModelError
from device.core.native_logs import captured_native_stderr


def interpreter_class() -> type:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError as error:
            raise ModelError(
                "no TFLite interpreter is installed (neither ai-edge-litert nor tflite-runtime)",
                "pip install ai-edge-litert (or tflite-runtime on Python 3.11 with numpy < 2)",
            ) from error
    return Interpreter


def load_interpreter(path: Path, threads: int = 1, what: str = "emotion model") -> Any:
    """An allocated interpreter for the .tflite at ``path``; ModelError if it is missing or unreadable."""
    if not path.is_file():
        raise ModelError(f"{what} not found at {path}", "restore models/ from the repository, or set inference.emotion_model")
    try:
        with captured_native_stderr():  # "Created TensorFlow Lite XNNPACK delegate" on every load
            interpreter = interpreter_class()(model_path=str(path), num_threads=threads)
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as error:
        hint = "restore it from the repository (git checkout models/)"
        raise ModelError(f"{what} {path} cannot be loaded: {error}", hint) from error
    return interpreter
