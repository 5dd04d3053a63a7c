"""Timing statistics, CPU time, memory and CPU pinning of the current process (stdlib and NumPy only)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Asked of every library that reads them, before it is imported (set by scripts/bench.py).
ONE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}


def stats(samples_ms: Sequence[float]) -> dict[str, float]:
    """n, min, median, p95 and mean of a list of milliseconds."""
    values = np.asarray(samples_ms, dtype=np.float64)
    return {
        "n": len(values),
        "min_ms": round(float(values.min()), 3),
        "median_ms": round(float(np.median(values)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "mean_ms": round(float(values.mean()), 3),
    }


def timed_ms(call: Callable[[Any], object], item: Any) -> float:
    """Milliseconds ``call(item)`` takes."""
    started = time.perf_counter()
    call(item)
    return (time.perf_counter() - started) * 1000


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads."""
    times = os.times()
    return times.user + times.system


def memory_mb(field: str = "VmRSS") -> float:
    """A memory figure of this process from /proc (VmRSS: now; VmHWM: peak so far), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise KeyError(field)


def pin_to_core(core: int) -> list[int]:
    """Run this process (and the threads it starts) on one CPU core only."""
    os.sched_setaffinity(0, {core})
    return sorted(os.sched_getaffinity(0))
