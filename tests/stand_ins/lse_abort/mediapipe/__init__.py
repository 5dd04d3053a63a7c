"""A stand-in for mediapipe's aarch64 wheel on a CPU without LSE atomics (a Raspberry Pi 3 or 4).

The real wheel's native library checks the CPU when it loads and stops the whole process with
this message and SIGILL (exit 132); that CPU cannot exist here, so importing this does the same.
"""

import os
import signal

os.write(2, b"FATAL ERROR: This binary was compiled with lse enabled, but this feature is not available on this processor\n")
os.kill(os.getpid(), signal.SIGILL)
