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
    echo "moodkiosk: installing moodkiosk$extras and its Python packages into $VENV (a few minutes the first time)"
    log="$(mktemp /tmp/moodkiosk-pip.XXXXXX.log)"  # pip's and setuptools' chatter stays here unless something fails
    if ! { "$VENV/bin/python" -m pip install --quiet --upgrade pip && "$VENV/bin/python" -m pip install --quiet -e ".$extras"; } \
        >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "moodkiosk: installing the Python packages failed; the whole log: $log" >&2
        exit 1
    fi
    rm -f "$log"
    echo "$wanted" > "$stamp"
fi
# YouTube changes often and only a recent yt-dlp keeps up: update it on every run (offline: keep the one there).
"$VENV/bin/python" -m pip install --quiet --upgrade yt-dlp \
    || echo "moodkiosk: could not update yt-dlp (offline?); keeping $("$VENV/bin/yt-dlp" --version 2>/dev/null || echo none)" >&2
"$VENV/bin/moodkiosk" models fetch
