#!/usr/bin/env bash
# Set up (if needed) and run the checks: ruff, then the test suite; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
bin="${VENV:-.venv}/bin"
"$bin/ruff" check .
"$bin/ruff" format --check .
exec "$bin/python" -m pytest "$@"
