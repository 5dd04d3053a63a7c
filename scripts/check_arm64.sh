#!/usr/bin/env bash
# Prove moodkiosk on 64-bit Raspberry Pi CPUs, emulated: debootstrap an arm64 Debian bookworm root,
# set the project up in it the way the README's setup does, then, once with a Raspberry Pi 4 CPU
# (Cortex-A72, ARMv8.0: no LSE atomics) and once with a Pi 5 CPU (Cortex-A76), run doctor, models
# verify, analyze (the astronaut: one happy face), the emotion model on 200 FER-2013 faces (each
# face's probabilities within int8 rounding of this machine's x86 ones), eval on 20 of them and a
# short `moodkiosk run` on a video (a mood, a track). On the Pi 4, the baseline CPU, it also runs
# the analyzer tests (6 minutes emulated; the Pi 5's kernels are covered by the probabilities, the
# astronaut and the run) and proves that the mediapipe wheel's abort is caught and named.
# Emulation proves correctness, never speed. Needs root, qemu-user-static with binfmt, debootstrap.
#   sudo scripts/check_arm64.sh [ROOT]    (ROOT given: kept for the next run, ~3 minutes then)
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE="$(pwd)"
SHARED="$(cd .. && pwd)/shared"
ROOT=${1:-$(mktemp -d /var/tmp/moodkiosk-arm64.XXXXXX)}
chmod 0755 "$ROOT"
KEEP_ROOT=${1:+yes}
HOST_PYTHON=${HOST_PYTHON:-.venv/bin/python}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$SECONDS

say "qemu-user-static and binfmt (the F flag: the interpreter is opened before the chroot)"
if ! command -v qemu-aarch64-static >/dev/null || ! command -v debootstrap >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support debootstrap >/dev/null
fi
[[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || update-binfmts --enable qemu-aarch64
grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64

if [[ ! -x $ROOT/usr/bin/apt-get ]]; then
    say "debootstrap bookworm (arm64) into $ROOT"
    debootstrap --arch=arm64 --variant=minbase --include=ca-certificates bookworm "$ROOT" http://deb.debian.org/debian >/dev/null
fi
echo "root ready after $((SECONDS - started)) s"

mounts=(proc sys dev root/shared opt/wheels opt/pypi opt/pypi-more)
cleanup() {
    umount "$ROOT/proc/cpuinfo" 2>/dev/null || true
    for mount in "${mounts[@]}"; do umount -l "$ROOT/$mount" 2>/dev/null || true; done
    [[ -n $KEEP_ROOT ]] || rm -rf "$ROOT"
}
trap cleanup EXIT
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys"
mount --rbind /dev "$ROOT/dev"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# This machine's way to the package indexes: CA certificates, pip's config files, local wheel folders.
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/host-ca-certificates.crt"
for config in /etc/pip.conf /root/.config/pip/pip.conf; do
    if [[ -f $config ]]; then mkdir -p "$ROOT$(dirname "$config")" && grep -v constraint "$config" > "$ROOT$config"; fi
done
for folder in /opt/wheels /opt/pypi /opt/pypi-more; do
    if [[ -d $folder ]]; then mkdir -p "$ROOT$folder" && mount --bind -o ro "$folder" "$ROOT$folder"; fi
done
if [[ -d $SHARED ]]; then mkdir -p "$ROOT/root/shared" && mount --bind -o ro "$SHARED" "$ROOT/root/shared"; fi

say "copy this checkout to /root/moodkiosk (a kept root keeps its .venv)"
mkdir -p "$ROOT/root/moodkiosk"
find "$ROOT/root/moodkiosk" -mindepth 1 -maxdepth 1 ! -name .venv -exec rm -rf {} +
tar -C "$SOURCE" --exclude=./.venv --exclude=./.venv-train --exclude=./.git --exclude=./build \
    --exclude=__pycache__ --exclude=.pytest_cache --exclude=.ruff_cache -cf - . | tar -C "$ROOT/root/moodkiosk" -xf -
mkdir -p "$ROOT/root/check"
"$HOST_PYTHON" - "$ROOT/root/check" "$SHARED" <<'PY'
import sys
from pathlib import Path

import cv2
import numpy as np
import skimage.data

from device.cli.media_files import write_slideshow

out, shared = Path(sys.argv[1]), Path(sys.argv[2])
cv2.imwrite(str(out / "astronaut.png"), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
write_slideshow(out / "visit.mp4", [(skimage.data.coffee(), 2), (skimage.data.astronaut(), 8)], fps=10)
val = np.load(shared / "data/fer2013/val.npz")
picks = np.random.default_rng(0).choice(len(val["y"]), 200, replace=False)
np.savez(out / "fer200.npz", x=val["x"][picks], y=val["y"][picks])
np.savez(out / "fer20.npz", x=val["x"][picks[:20]], y=val["y"][picks[:20]])
PY
# Each face's seven probabilities as the kiosk reads it (one face per call), run from a checkout.
cat > "$ROOT/root/check/probabilities.py" <<'PY'
import sys
from pathlib import Path

import numpy as np

from device.inference.emotion_classifier import EmotionClassifier

x = np.load(sys.argv[1])["x"]
classifier = EmotionClassifier(Path("models/emotion_fer_int8.tflite"))
np.save(sys.argv[2], np.concatenate([classifier.predict(x[i : i + 1]) for i in range(len(x))]))
PY
"$HOST_PYTHON" - "$ROOT/root/check/fer200.npz" "$ROOT/root/check/probs-x86.npy" < "$ROOT/root/check/probabilities.py"

# A clean environment, as on a fresh machine, plus this machine's pip settings and the emulated CPU.
# PIP_NO_COMPILE: pip byte-compiles ~8,000 files, minutes under emulation; imports compile what they use.
in_root() {
    chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 PIP_CERT=/etc/ssl/certs/host-ca-certificates.crt PIP_DEFAULT_TIMEOUT=180 \
        PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_COMPILE=1 QEMU_CPU="${QEMU_CPU:-cortex-a76}" "$@"
}
in_checkout() { in_root bash -c "cd /root/moodkiosk && $1"; }

say "set up as the README says (scripts/setup.sh), plus the test extras for the analyzer tests"
in_checkout "scripts/setup.sh >/dev/null && .venv/bin/pip install --quiet -e '.[test]'"
echo "set up after $((SECONDS - started)) s"

# qemu 7.2 shows the guest this machine's x86 /proc/cpuinfo, on which the cpuinfo library inside
# LiteRT and MediaPipe crashes: each profile gets a Pi's own cpuinfo.
pi_cpuinfo() {  # part features
    for core in 0 1 2 3; do
        printf 'processor\t: %s\nBogoMIPS\t: 108.00\nFeatures\t: %s\nCPU implementer\t: 0x41\nCPU architecture: 8\n' "$core" "$2"
        printf 'CPU variant\t: 0x%s\nCPU part\t: %s\nCPU revision\t: 1\n\n' "$3" "$1"
    done
}

check_profile() {  # name qemu_cpu part features variant [analyzer-tests]
    local name=$1
    say "$name ($2)"
    pi_cpuinfo "$3" "$4" "$5" > "$ROOT/root/check/cpuinfo-$name"
    mount --bind "$ROOT/root/check/cpuinfo-$name" "$ROOT/proc/cpuinfo"
    export QEMU_CPU=$2
    in_checkout ".venv/bin/moodkiosk doctor --offline --json > /root/check/doctor-$name.json || true"
    in_checkout ".venv/bin/moodkiosk models verify"
    in_checkout ".venv/bin/moodkiosk analyze --json /root/check/astronaut.png > /root/check/analyze-$name.json"
    in_checkout ".venv/bin/python - /root/check/fer200.npz /root/check/probs-$name.npy < /root/check/probabilities.py"
    in_checkout ".venv/bin/moodkiosk eval --json /root/check/fer20.npz > /root/check/eval-$name.json"
    in_checkout "MOODKIOSK_INFERENCE__FACE_BACKEND=mediapipe .venv/bin/moodkiosk doctor --offline --json \
        > /root/check/doctor-mediapipe-$name.json || true"
    in_checkout ".venv/bin/python -c 'from pathlib import Path; from device.inference.face_detector import \
        mediapipe_load_failure as probe; print(probe(Path(\"models/face_detection_short_range.tflite\")))' \
        > /root/check/probe-$name.txt"
    if [[ ${6:-} == analyzer-tests ]]; then
        in_checkout "MOODKIOSK_TEST_SHARED=/root/shared .venv/bin/python -m pytest -q -p no:cacheprovider tests/device/inference/test_analyzer.py"
    fi
    in_checkout "mkdir -p /root/check/music-$name/happy /root/check/music-$name/neutral && .venv/bin/python -c \"from tests.helpers import tone; from pathlib import Path; \
        [tone(Path('/root/check/music-$name') / p, 30) for p in ('happy/sunny.wav', 'neutral/calm.wav')]\" && \
        timeout 600 .venv/bin/moodkiosk run --camera /root/check/visit.mp4 --until-source-ends --audio-output null \
        --video-output null --music-dir /root/check/music-$name --state-dir /root/check/state-$name \
        --events /root/check/events-$name.jsonl"
    umount "$ROOT/proc/cpuinfo"
    "$HOST_PYTHON" - "$ROOT/root/check" "$name" <<'PY'
import json, sys
from pathlib import Path

import numpy as np

check, name = Path(sys.argv[1]), sys.argv[2]
doctor = {c["name"]: c for c in json.loads((check / f"doctor-{name}.json").read_text())["checks"]}
failed = {n: c["detail"] for n, c in doctor.items() if c["status"] == "fail"}
assert not failed, failed
assert "litert backend" in doctor["face model"]["detail"], doctor["face model"]
faces = json.loads((check / f"analyze-{name}.json").read_text())["faces"]
assert [f["emotion"] for f in faces] == ["happy"], faces
# int8 kernels differ between x86 and arm64 in their last bit, and the calibration sharpens: on
# 2026-12 runs the mean difference was 0.002 and the largest 0.07, so near-ties (top two within
# 0.02) could flip. A wrong crop, view or scaling moves probabilities by tenths.
labels = np.load(check / "fer200.npz")["y"]
ours, x86 = np.load(check / f"probs-{name}.npy"), np.load(check / "probs-x86.npy")
diff = np.abs(ours - x86)
assert ours.shape == x86.shape == (200, 7) and diff.mean() <= 0.01 and diff.max() <= 0.15, (diff.mean(), diff.max())
flips = int((ours.argmax(1) != x86.argmax(1)).sum())
accuracy, accuracy_x86 = (ours.argmax(1) == labels).mean(), (x86.argmax(1) == labels).mean()
evaluated = json.loads((check / f"eval-{name}.json").read_text())
assert evaluated["n"] == 20 and set(evaluated["per_class_recall"]) == {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"}, evaluated
events = [json.loads(line) for line in (check / f"events-{name}.jsonl").read_text().splitlines()]
moods = [e["emotion"] for e in events if e["type"] == "mood"]
tracks = [e["title"] for e in events if e["type"] == "track"]
assert moods and moods[0] == "happy" and tracks, (moods, tracks)
mediapipe = {c["name"]: c for c in json.loads((check / f"doctor-mediapipe-{name}.json").read_text())["checks"]}["face model"]
print(f"{name}: doctor ok, astronaut {faces[0]['emotion']} {faces[0]['scores']['happy']:.3f}, "
      f"200 faces: accuracy {accuracy:.3f} (x86 {accuracy_x86:.3f}), probabilities within {diff.max():.3f} "
      f"(mean {diff.mean():.4f}), {flips} near-tie(s) read otherwise; eval on 20: {evaluated['accuracy']:.2f}; "
      f"run: {moods[0]} -> '{tracks[0]}'; "
      f"face_backend = mediapipe: {mediapipe['status']}: {mediapipe['detail'][-160:]}")
probe = (check / f"probe-{name}.txt").read_text().strip()  # MediaPipe loaded in a child process, whatever the CPU
print(f"{name}: loading mediapipe in a child process: {probe}")
if name == "pi4":
    assert mediapipe["status"] == "warn" and "lse" in mediapipe["detail"].lower(), mediapipe
    assert "lse enabled" in probe, probe  # the wheel's own words, caught instead of ending the kiosk
else:
    assert mediapipe["status"] == "ok" and "mediapipe backend" in mediapipe["detail"], mediapipe
    assert probe == "None", probe
PY
}

PI4_FEATURES="fp asimd evtstrm crc32 cpuid"
PI5_FEATURES="fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp"
check_profile pi4 cortex-a72 0xd08 "$PI4_FEATURES" 0 analyzer-tests
check_profile pi5 cortex-a76 0xd0b "$PI5_FEATURES" 4
say "arm64 checks passed for the Pi 4 and Pi 5 profiles in $((SECONDS - started)) s"
