"""``python tests/audited_daemon.py ARGS``: ``moodkiosk ARGS`` with a Python audit hook (PEP 578) that
writes, one JSON line each, every file opened for writing and every socket bound or connected to,
to the file named by the AUDIT_LOG environment variable. The privacy test reads it."""

from __future__ import annotations

import json
import os
import sys

LOG = open(os.environ["AUDIT_LOG"], "a", buffering=1)  # noqa: SIM115 - open for the whole run, before the hook
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def hook(event: str, args: tuple) -> None:
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & WRITE_FLAGS)
        if writing and isinstance(path, str | bytes):
            LOG.write(json.dumps({"event": "write", "path": os.fsdecode(path)}) + "\n")
    elif event in {"socket.bind", "socket.connect"}:
        LOG.write(json.dumps({"event": event, "address": repr(args[1])}) + "\n")


sys.addaudithook(hook)
sys.argv = ["moodkiosk", *sys.argv[1:]]
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout, not tests/
from device.cli import main  # noqa: E402

sys.exit(main())
