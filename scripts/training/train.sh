#!/usr/bin/env bash
# Train, export and check the emotion model, in the background-friendly way:
#   scripts/training/train.sh                  (or: make train)
#   nohup scripts/training/train.sh > build/train/run.log 2>&1 &
# Re-running resumes from build/train/last.pt. Needs ../shared/data/fer2013 (or DATA=...).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data/fer2013}
WORK=${WORK:-build/train}
VENV=${TRAIN_VENV:-.venv-train}

if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet -r scripts/training/requirements.txt
"$VENV/bin/python" scripts/training/train_fer.py --data "$DATA" --workdir "$WORK" "$@"
"$VENV/bin/python" scripts/training/export_fer.py --checkpoint "$WORK/best.pt" --data "$DATA" \
    --out models/emotion_fer_int8.tflite --float-out "$WORK/emotion_fer_float32.tflite"
echo "next: scripts/setup.sh && .venv/bin/python scripts/calibrate_crop.py --data $DATA  (writes models/emotion_fer_int8.json)"
