#!/usr/bin/env bash
# Set up moodkiosk in this checkout: system packages, a venv in .venv, the package, the face model.
#   scripts/setup.sh          what the kiosk needs
#   scripts/setup.sh --test   also what the tests need
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
extras=""
[[ "${1:-}" == "--test" ]] && extras="[test]"

scripts/install-system-packages.sh "$@"

# --system-site-packages lets a Pi's apt-installed picamera2 (python3-picamera2) import in the venv.
if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv --system-site-packages "$VENV"
fi
stamp="$VENV/.installed$extras"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f $stamp || "$(cat "$stamp")" != "$wanted" ]]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".$extras"
    echo "$wanted" > "$stamp"
fi
# YouTube changes often and only a recent yt-dlp keeps up: update it on every run (offline: keep the one there).
"$VENV/bin/python" -m pip install --quiet --upgrade yt-dlp \
    || echo "moodkiosk: could not update yt-dlp (offline?); keeping $("$VENV/bin/yt-dlp" --version 2>/dev/null || echo none)" >&2
"$VENV/bin/moodkiosk" models fetch
