"""What this CPU can run, read from its hardware capabilities (never from a board name).

The mediapipe wheels for aarch64 are built for ARMv8.1 and later: their native library checks for
the LSE atomic instructions at load and aborts the whole process without them ("This binary was
compiled with lse enabled, but this feature is not available on this processor"). The Raspberry
Pi 3, 4 and Zero 2 W have ARMv8.0 cores (Cortex-A53, A72) without LSE; the Pi 5 (Cortex-A76) has them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
from pathlib import Path

AT_HWCAP = 16
HWCAP_ATOMICS = 1 << 8  # aarch64: LSE atomics (Linux's asm/hwcap.h)


def hwcap() -> int | None:
    """The kernel's AT_HWCAP word for this process (None where getauxval is missing)."""
    name = ctypes.util.find_library("c")
    getauxval = getattr(ctypes.CDLL(name), "getauxval", None) if name else None
    if getauxval is None:
        return None
    getauxval.restype = ctypes.c_ulong
    getauxval.argtypes = [ctypes.c_ulong]
    return int(getauxval(AT_HWCAP))


def cpu_features(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The ``Features`` (aarch64) or ``flags`` (x86) words of /proc/cpuinfo's first processor."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() in {"features", "flags"}:
                return set(value.split())
    except OSError:
        pass
    return set()


def mediapipe_unsupported(machine: str | None = None, capabilities: int | None = None) -> str | None:
    """Why the mediapipe wheel cannot run on this CPU, or None when it can (as far as is known)."""
    machine = machine or platform.machine()
    if machine in {"aarch64", "arm64"}:
        capabilities = hwcap() if capabilities is None else capabilities
        has_lse = bool(capabilities & HWCAP_ATOMICS) if capabilities is not None else "atomics" in cpu_features()
        if not has_lse:
            return "this CPU lacks the LSE atomic instructions (ARMv8.0, e.g. a Raspberry Pi 3 or 4) the mediapipe wheel needs"
        return None
    if machine.startswith("arm"):
        return f"there is no mediapipe wheel for 32-bit ARM ({machine}): use a 64-bit OS"
    return None
