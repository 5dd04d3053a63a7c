"""Interpolate a fine-tuned network with the one it started from (WiSE-FT), and score each mix on every domain.

Usage (training venv, from the repository root):

    python scripts/training/soup.py --base models/emotion_fer_int8.tflite --tuned build/train-v2/best.pt \
        --alpha 0.5 --alpha 0.7 --out build/soup

Fine-tuning on new faces (AffectNet-style, CK+) moves a network away from what it read well before
(FER-2013). The weights ``alpha * tuned + (1 - alpha) * base`` keep much of both (Wortsman et al.,
"Robust fine-tuning of zero-shot models", CVPR 2022): same architecture, same size, same cost. The
base is read from its int8 file (dequantized, BatchNorm as the identity, as ``--init-from`` starts
training). Each mix is scored in float, crop + mirror image, on the domains of scripts/domains.py and
saved as ``<out>/alpha-<alpha>.pt`` for export_fer.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import domains
from fer_net import STAGES, build_torch_net
from train_fer import evaluate, load_tflite_weights, to_tensor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="the .tflite model the training started from")
    parser.add_argument("--tuned", type=Path, required=True, help="the fine-tuned checkpoint (best.pt)")
    parser.add_argument("--alpha", type=float, action="append", required=True, help="share of the tuned weights")
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("build/soup"))
    args = parser.parse_args()

    torch.set_num_threads(2)
    base_net = build_torch_net(STAGES)
    load_tflite_weights(base_net, args.base)
    base = base_net.state_dict()
    tuned = torch.load(args.tuned, weights_only=False)["net"]
    basket = [domains.load(name, args.shared) for name in domains.DOMAINS]
    args.out.mkdir(parents=True, exist_ok=True)
    for alpha in sorted({0.0, 1.0, *args.alpha}):
        mixed = {k: alpha * tuned[k] + (1 - alpha) * base[k] if base[k].is_floating_point() else tuned[k] for k in base}
        net = build_torch_net(STAGES)
        net.load_state_dict(mixed)
        scores = {s.name: evaluate(net, to_tensor(s.x), torch.from_numpy(s.y), flip_tta=True)[0] for s in basket}
        print(json.dumps({"alpha": alpha, **{k: round(v, 4) for k, v in scores.items()},
                          "mean": round(float(np.mean(list(scores.values()))), 4)}), flush=True)  # fmt: skip
        torch.save({"net": mixed, "stages": [list(s) for s in STAGES], "alpha": alpha}, args.out / f"alpha-{alpha:.2f}.pt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
