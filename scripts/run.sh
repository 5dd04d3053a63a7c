#!/usr/bin/env bash
# Set up (if needed) and start moodkiosk in the foreground; extra arguments go to `moodkiosk run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec "${VENV:-.venv}/bin/moodkiosk" run "$@"
