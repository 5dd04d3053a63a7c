#!/usr/bin/env bash
# Check that moodkiosk's requirements resolve to wheels for a 64-bit Raspberry Pi (aarch64) on
# Python 3.11 (bookworm) and 3.13 (trixie), so a release never needs a compiler on the Pi.
# Resolves only (pip's --dry-run reads the wheels' metadata), so it takes seconds. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
requirements="$(mktemp)"
trap 'rm -rf "$requirements" "$requirements.target"' EXIT
# The kiosk's requirements and the optional MediaPipe backend (it installs on a Pi; it runs on a Pi 5).
"$PYTHON" -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(p["dependencies"] + p["optional-dependencies"]["mediapipe"]))' > "$requirements"

platforms=()
for minor in $(seq 17 36); do  # pip does not widen a manylinux tag: name every glibc from 2.17 to 2.36
    platforms+=(--platform "manylinux_2_${minor}_aarch64")
done
platforms+=(--platform manylinux2014_aarch64 --platform linux_aarch64)

for version in 3.11 3.13; do
    report="$requirements.$version.json"
    if ! "$PYTHON" -m pip install --quiet --dry-run --ignore-installed --only-binary=:all: "${platforms[@]}" \
        --python-version "$version" --implementation cp --target "$requirements.target" --report "$report" \
        -r "$requirements" 2>"$report.err"; then
        grep -v "is ignored: it is neither a file nor a directory" "$report.err" >&2 || true
        echo "check_pi_wheels: the requirements do not resolve to aarch64 wheels for Python $version (above)" >&2
        exit 1
    fi
    "$PYTHON" - "$report" "$version" <<'PY'
import json, sys
report, version = json.load(open(sys.argv[1])), sys.argv[2]
names = sorted(f"{item['metadata']['name']} {item['metadata']['version']}" for item in report["install"])
sources = [item["download_info"]["url"] for item in report["install"] if not item["download_info"]["url"].endswith(".whl")]
assert not sources, f"not wheels: {sources}"
print(f"aarch64, Python {version}: {len(names)} wheels, e.g. " + ", ".join(n for n in names if n.split()[0] in
      {"mediapipe", "ai-edge-litert", "numpy", "opencv-python-headless", "yt-dlp"}))
PY
    rm -f "$report" "$report.err"
done
