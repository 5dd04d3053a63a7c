#!/usr/bin/env bash
# Install the Debian / Raspberry Pi OS packages moodkiosk needs (only those missing).
#   scripts/install-system-packages.sh          runtime: python3-venv, mpv, libmpv2, GL libraries
#   scripts/install-system-packages.sh --test   also what the tests need
set -euo pipefail

# libgles2, libegl1, libgl1: MediaPipe's and OpenCV's wheels load them (a Lite image may lack them).
packages=(python3-venv python3-pip mpv libmpv2 libgles2 libegl1 libgl1)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(chromium)  # the browser tests drive Debian's Chromium with Playwright
    packages+=(systemd)   # systemd-analyze verify checks the unit file
    packages+=(mosquitto) # the Home Assistant tests talk to a real MQTT broker
    packages+=(snapserver snapclient)  # the multi-room tests: a real snapserver and two rooms
    packages+=(fonts-lohit-deva)       # the Hindi pages' letters in the screenshots and browser checks
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# python3 -m venv may come from a Python that is not Debian's (pyenv, a container): then it works already.
if python3 -c 'import venv, ensurepip' 2>/dev/null; then
    missing=("${missing[@]/python3-venv}")
    missing=("${missing[@]/python3-pip}")
fi
read -r -a missing <<< "${missing[*]}"
if ((${#missing[@]} == 0)); then
    exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
echo "moodkiosk: installing system packages: ${missing[*]} (a few minutes the first time)"
log="$(mktemp /tmp/moodkiosk-apt.XXXXXX.log)"
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "moodkiosk: installing the system packages failed; the whole log: $log" >&2
    exit 1
fi
rm -f "$log"
