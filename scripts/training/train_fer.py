"""Train the moodkiosk FER model on FER-2013 (CPU, resumable).

Usage (from the repository root, in the training venv; see models/MODEL_CARD.md):

    python scripts/training/train_fer.py --data ../shared/data/fer2013 --workdir build/train

Trains on train.npz with FER+ crowd votes blended into the targets, augments on the fly
(optionally mixing pairs of images: mixup / CutMix), can distil one or more finished int8 models
(``--teacher``: their mirror-averaged probabilities on each augmented batch are blended into the
targets, as in "born-again" self-distillation), keeps an exponential moving average (EMA) of
the weights, and selects the best epoch (EMA or raw weights) by accuracy on val.npz. A fixed,
class-stratified slice of train.npz (``--holdout``, the same for every run) is kept out of
training for calibration (temperature, class bias, the "not sure" threshold). A checkpoint is
written after every epoch; running the same command again resumes from it. The best weights go
to <workdir>/best.pt for export_fer.py, their logits on the hold-out slice and val.npz to
<workdir>/logits.npz.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import domains
from fer_net import NUM_CLASSES, STAGES, build_torch_net, parse_stages

# FER+ vote columns -> FER-2013 class index (contempt, unknown and NF are dropped).
FERPLUS_TO_FER = {"anger": 0, "disgust": 1, "fear": 2, "happiness": 3, "sadness": 4, "surprise": 5, "neutral": 6}


def soft_targets(labels: np.ndarray, ferplus: Path | None, alpha: float, smoothing: float) -> np.ndarray:
    """Blend one-hot FER labels with the FER+ vote distribution (where the row has votes)."""
    onehot = np.eye(NUM_CLASSES, dtype=np.float32)[labels]
    votes_dist = onehot.copy()
    if ferplus is not None and ferplus.exists():
        data = np.load(ferplus)
        columns = [str(c) for c in data["vote_columns"]]
        votes = np.zeros((len(labels), NUM_CLASSES), np.float32)
        for name, fer_index in FERPLUS_TO_FER.items():
            votes[:, fer_index] = np.clip(data["votes"][:, columns.index(name)], 0, None)
        total = votes.sum(axis=1, keepdims=True)
        has_votes = total[:, 0] > 0
        votes_dist[has_votes] = votes[has_votes] / total[has_votes]
    targets = (1 - alpha) * onehot + alpha * votes_dist
    return (1 - smoothing) * targets + smoothing / NUM_CLASSES


class TfliteTeacher:
    """A finished TFLite model (e.g. the shipped int8 one) that gives soft targets, mirror-averaged as the kiosk runs it."""

    def __init__(self, path: Path, threads: int) -> None:
        import tensorflow as tf

        self.interpreter = tf.lite.Interpreter(model_path=str(path), num_threads=threads)
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self.batch = 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        both = torch.cat([x, torch.flip(x, dims=[3])]).permute(0, 2, 3, 1).numpy()  # NHWC in [0, 1]
        if len(both) != self.batch:
            self.interpreter.resize_tensor_input(self.input["index"], [len(both), *both.shape[1:]])
            self.interpreter.allocate_tensors()
            self.batch = len(both)
        scale, zero = self.input["quantization"]
        if self.input["dtype"] == np.int8:
            both = np.clip(np.round(both / scale + zero), -128, 127).astype(np.int8)
        self.interpreter.set_tensor(self.input["index"], both.astype(self.input["dtype"]))
        self.interpreter.invoke()
        probs = self.interpreter.get_tensor(self.output["index"]).astype(np.float32)
        scale, zero = self.output["quantization"]
        if self.output["dtype"] == np.int8:
            probs = (probs - zero) * scale
        probs = probs / probs.sum(axis=1, keepdims=True)
        half = len(probs) // 2
        return torch.from_numpy((probs[:half] + probs[half:]) / 2)


def load_tflite_weights(net: nn.Sequential, path: Path) -> None:
    """Start from a finished int8 model (e.g. the shipped one): its dequantized weights, BatchNorm as the identity.

    The model's BatchNorm was folded into its convolutions at export, so each BatchNorm here keeps
    running mean 0 and variance 1 - eps (the identity) and its shift holds the folded bias; train
    such a net with its BatchNorm statistics frozen (``freeze_batchnorm``).
    """
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    details = {d["index"]: d for d in interpreter.get_tensor_details()}

    def dequantized(index: int) -> np.ndarray:
        scales = details[index]["quantization_parameters"]["scales"]
        values = interpreter.get_tensor(index).astype(np.float32)
        return values * scales.reshape(-1, *([1] * (values.ndim - 1))) if len(scales) else values

    ops = [op for op in interpreter._get_ops_details() if op["op_name"] in ("CONV_2D", "FULLY_CONNECTED")]
    convs = [m for m in net if isinstance(m, nn.Conv2d)]
    norms = [m for m in net if isinstance(m, nn.BatchNorm2d)]
    linear = next(m for m in net if isinstance(m, nn.Linear))
    if len(ops) != len(convs) + 1:
        raise SystemExit(f"{path} has {len(ops)} conv/dense layers; this network has {len(convs) + 1}")
    with torch.no_grad():
        for op, conv, norm in zip(ops[:-1], convs, norms, strict=True):
            weight, bias = dequantized(op["inputs"][1]), dequantized(op["inputs"][2])
            conv.weight.copy_(torch.from_numpy(weight.transpose(0, 3, 1, 2)))  # OHWI -> OIHW
            norm.weight.fill_(1.0)
            norm.bias.copy_(torch.from_numpy(bias))
            norm.running_mean.zero_()
            norm.running_var.fill_(1.0 - norm.eps)
        linear.weight.copy_(torch.from_numpy(dequantized(ops[-1]["inputs"][1])))
        linear.bias.copy_(torch.from_numpy(dequantized(ops[-1]["inputs"][2])))


def freeze_batchnorm(net: nn.Module) -> None:
    """Keep BatchNorm's running statistics (use them, do not update them) while the rest trains."""
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()


def fill_background(x: torch.Tensor, masks: torch.Tensor, gen: torch.Generator, keep_black: float) -> torch.Tensor:
    """Replace the black cut-out background (``masks``) with what a camera crop might show behind a face.

    Per image, at random: a flat grey, a smooth random texture (a 6x6 grid of greys upsampled, plus
    fine noise), or (share ``keep_black``) the black as stored.
    """
    n = x.shape[0]
    has = masks.flatten(1).any(dim=1) & (torch.rand(n, generator=gen) >= keep_black)
    if not has.any():
        return x
    rows = torch.nonzero(has).flatten()
    k = len(rows)
    coarse = torch.rand(k, 1, 6, 6, generator=gen) * 0.8 + 0.1
    texture = F.interpolate(coarse, size=x.shape[-2:], mode="bilinear", align_corners=False)
    texture = (texture + 0.04 * torch.randn(texture.shape, generator=gen)).clamp(0, 1)
    flat = (0.1 + 0.8 * torch.rand(k, 1, 1, 1, generator=gen)).expand_as(texture)
    use_flat = (torch.rand(k, generator=gen) < 0.4)[:, None, None, None]
    fill = torch.where(use_flat, flat, texture)
    x = x.clone()
    x[rows] = torch.where(masks[rows], fill, x[rows])
    return x


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random flip, rotation, scale, shift, brightness/contrast and erasing on a [N,1,48,48] batch in [0,1]."""
    n = x.shape[0]

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    angle = uniform(-15, 15) * math.pi / 180
    scale = uniform(0.8, 1.2)  # >1 zooms out (looser crop), <1 zooms in (tighter crop)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1], theta[:, 0, 2] = cos * flip, -sin, uniform(-0.12, 0.12)
    theta[:, 1, 0], theta[:, 1, 1], theta[:, 1, 2] = sin * flip, cos, uniform(-0.12, 0.12)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    contrast = uniform(0.6, 1.4)[:, None, None, None]
    brightness = uniform(-0.15, 0.15)[:, None, None, None]
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - mean) * contrast + mean + brightness).clamp(0, 1)
    # random erasing: one grey rectangle on a quarter of the images
    erase = torch.rand(n, generator=gen) < 0.25
    for i in torch.nonzero(erase).flatten().tolist():
        h, w = torch.randint(8, 20, (2,), generator=gen).tolist()
        top, left = torch.randint(0, 48 - h, (1,), generator=gen).item(), torch.randint(0, 48 - w, (1,), generator=gen).item()
        x[i, :, top : top + h, left : left + w] = torch.rand(1, generator=gen).item()
    return x


@torch.no_grad()
def evaluate(net: nn.Module, x: torch.Tensor, y: torch.Tensor, flip_tta: bool = False) -> tuple[float, np.ndarray]:
    """Return (accuracy, class probabilities) on a held-out set."""
    net.eval()
    probs = []
    for start in range(0, len(x), 512):
        batch = x[start : start + 512]
        p = F.softmax(net(batch), dim=1)
        if flip_tta:
            p = (p + F.softmax(net(torch.flip(batch, dims=[3])), dim=1)) / 2
        probs.append(p)
    all_probs = torch.cat(probs).numpy()
    return float((all_probs.argmax(1) == y.numpy()).mean()), all_probs


@torch.no_grad()
def logits_of(net: nn.Module, x: torch.Tensor) -> np.ndarray:
    net.eval()
    if len(x) == 0:
        return np.zeros((0, NUM_CLASSES), np.float32)
    return torch.cat([net(x[start : start + 512]) for start in range(0, len(x), 512)]).numpy()


class Ema:
    """Exponential moving average of a model's parameters and buffers."""

    def __init__(self, net: nn.Module, decay: float, updates: int = 0) -> None:
        self.model = copy.deepcopy(net).eval()
        self.decay = decay
        self.updates = updates

    @torch.no_grad()
    def update(self, net: nn.Module) -> None:
        # Warm the decay up so the initial weights (and BatchNorm's initial variance of 1) fade fast.
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for ema_v, v in zip(self.model.state_dict().values(), net.state_dict().values(), strict=True):
            if ema_v.dtype.is_floating_point:
                ema_v.mul_(decay).add_(v.detach(), alpha=1 - decay)
            else:
                ema_v.copy_(v)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images.astype(np.float32) / 255.0)[:, None].contiguous(memory_format=torch.channels_last)


def holdout_indices(labels: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """A fixed class-stratified slice of ``count`` training rows (same seed: same slice in every run)."""
    rng = np.random.default_rng(seed)
    picks = []
    for c in range(NUM_CLASSES):
        rows = np.flatnonzero(labels == c)
        picks.append(rng.choice(rows, round(count * len(rows) / len(labels)), replace=False))
    return np.sort(np.concatenate(picks))


def equalized(images: np.ndarray) -> np.ndarray:
    """Histogram equalization per image (OpenCV's, as the kiosk applies it to each crop)."""
    import cv2

    return np.stack([cv2.equalizeHist(image) for image in images])


def mix(x: torch.Tensor, t: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Mixup (Beta(0.4)) or CutMix (Beta(1)), chosen at random, with the targets mixed in proportion."""
    n = x.shape[0]
    partner = torch.randperm(n, generator=gen)
    if torch.rand(1, generator=gen).item() < 0.5:
        lam = float(torch.distributions.Beta(0.4, 0.4).sample())
        return lam * x + (1 - lam) * x[partner], lam * t + (1 - lam) * t[partner]
    lam = float(torch.rand(1, generator=gen))
    side = int(48 * math.sqrt(1 - lam))
    top, left = torch.randint(0, 48 - side + 1, (2,), generator=gen).tolist()
    x = x.clone()
    x[:, :, top : top + side, left : left + side] = x[partner, :, top : top + side, left : left + side]
    kept = 1 - side * side / (48 * 48)
    return x, kept * t + (1 - kept) * t[partner]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/fer2013"))
    parser.add_argument("--workdir", type=Path, default=Path("build/train"))
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.08)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--ferplus-alpha", type=float, default=0.25, help="weight of FER+ votes in the targets")
    parser.add_argument("--smoothing", type=float, default=0.05)
    parser.add_argument("--ema", type=float, default=0.998)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--mix", type=float, default=0.0, help="share of batches mixed (mixup or CutMix)")
    parser.add_argument("--equalize", action="store_true", help="histogram-equalize every image (and crop at run time)")
    parser.add_argument("--holdout", type=int, default=2000, help="training rows kept out for calibration")
    parser.add_argument("--stages", type=parse_stages, default=STAGES, help="e.g. 32x2,64x2,128x2,192x2")
    parser.add_argument("--init-from", type=Path, help="fine-tune a finished .tflite model (BatchNorm frozen)")
    parser.add_argument("--teacher", type=Path, action="append", default=[], help="a .tflite model to distil (repeatable)")
    parser.add_argument("--teacher-weight", type=float, default=0.5, help="share of the teachers' probabilities in the targets")
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"), help="the shared data folder (other domains)")
    parser.add_argument("--affectnet", action="store_true", help="also train on the AffectNet-style train split")
    parser.add_argument("--keep-black", type=float, default=0.15, help="share of AffectNet faces left on black")
    parser.add_argument("--ckplus-repeat", type=int, default=0, help="also train on CK+48 half A, this many copies")
    parser.add_argument(
        "--select", choices=("publictest", "domains"), default="publictest", help="best epoch by PublicTest or the domain mean"
    )
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    args.workdir.mkdir(parents=True, exist_ok=True)
    train, val = np.load(args.data / "train.npz"), np.load(args.data / "val.npz")
    images_train, images_val = (equalized(train["x"]), equalized(val["x"])) if args.equalize else (train["x"], val["x"])
    all_targets = soft_targets(train["y"].astype(np.int64), args.data / "ferplus_train.npz", args.ferplus_alpha, args.smoothing)
    teachers = [TfliteTeacher(path, args.threads) for path in args.teacher]
    held = holdout_indices(train["y"], args.holdout)
    kept = np.setdiff1d(np.arange(len(train["y"])), held)
    extra_x, extra_y, extra_masks = [], [], []
    if args.affectnet:
        wild = domains.affectnet(args.shared, "train")
        extra_x.append(wild.x), extra_y.append(wild.y), extra_masks.append(domains.black_background(wild.x))
    if args.ckplus_repeat:
        posed = domains.ckplus_half(args.shared, "A")
        for _ in range(args.ckplus_repeat):
            extra_x.append(posed.x), extra_y.append(posed.y), extra_masks.append(np.zeros(posed.x.shape, bool))
    x_train = to_tensor(np.concatenate([images_train[kept], *extra_x]))
    if extra_y:
        extra_targets = np.eye(NUM_CLASSES, dtype=np.float32)[np.concatenate(extra_y)]
        extra_targets = (1 - args.smoothing) * extra_targets + args.smoothing / NUM_CLASSES
        targets = torch.from_numpy(np.concatenate([all_targets[kept], extra_targets]))
    else:
        targets = torch.from_numpy(all_targets[kept])
    masks = torch.from_numpy(np.concatenate([np.zeros((len(kept), 48, 48), bool), *extra_masks]))[:, None]
    from_fer = torch.arange(len(x_train)) < len(kept)  # the teachers were trained on FER-2013: they teach there only
    basket = [domains.load(name, args.shared) for name in domains.DOMAINS] if args.select == "domains" else []
    basket_x = [to_tensor(face_set.x) for face_set in basket]
    basket_y = [torch.from_numpy(face_set.y) for face_set in basket]
    print(f"training on {len(x_train)} faces ({len(kept)} FER-2013)", flush=True)
    x_held, y_held = to_tensor(images_train[held]), torch.from_numpy(train["y"][held].astype(np.int64))
    x_val, y_val = to_tensor(images_val), torch.from_numpy(val["y"].astype(np.int64))
    config = {"stages": [list(s) for s in args.stages], "equalize": args.equalize, "holdout": args.holdout}
    (args.workdir / "config.json").write_text(json.dumps({**config, "args": {k: str(v) for k, v in vars(args).items()}}))

    torch.manual_seed(args.seed)
    net = build_torch_net(args.stages)
    if args.init_from:
        load_tflite_weights(net, args.init_from)
    net = net.to(memory_format=torch.channels_last)
    ema = Ema(net, args.ema)
    optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    steps_per_epoch = len(x_train) // args.batch
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch, pct_start=0.15
    )
    gen = torch.Generator().manual_seed(args.seed)
    state = {"epoch": 0, "best_acc": 0.0, "history": []}

    checkpoint = args.workdir / "last.pt"
    if checkpoint.exists():
        saved = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(saved["net"])
        ema.model.load_state_dict(saved["ema"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        gen.set_state(saved["generator"])
        state = saved["state"]
        ema.updates = state["epoch"] * steps_per_epoch
        print(f"resumed from {checkpoint} after epoch {state['epoch']}", flush=True)

    for epoch in range(state["epoch"], args.epochs):
        started = time.time()
        net.train()
        if args.init_from:
            freeze_batchnorm(net)
        order = torch.randperm(len(x_train), generator=gen)
        running = 0.0
        for step in range(steps_per_epoch):
            idx = order[step * args.batch : (step + 1) * args.batch]
            batch = x_train[idx]
            if extra_masks:
                batch = fill_background(batch, masks[idx], gen, args.keep_black)
            batch, batch_targets = augment(batch, gen), targets[idx]
            if args.mix and torch.rand(1, generator=gen).item() < args.mix:
                batch, batch_targets = mix(batch, batch_targets, gen)
            if teachers:
                taught = torch.stack([teacher(batch) for teacher in teachers]).mean(dim=0)
                weight = args.teacher_weight * from_fer[idx].float()[:, None]
                batch_targets = (1 - weight) * batch_targets + weight * taught
            logits = net(batch.contiguous(memory_format=torch.channels_last))
            loss = torch.sum(-batch_targets * F.log_softmax(logits, dim=1), dim=1).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            ema.update(net)
            running += loss.item()
        acc, _ = evaluate(net, x_val, y_val)
        ema_acc, _ = evaluate(ema.model, x_val, y_val)
        record = {
            "epoch": epoch + 1,
            "loss": round(running / steps_per_epoch, 4),
            "val_acc": round(acc, 4),
            "ema_val_acc": round(ema_acc, 4),
        }
        if basket:  # choose by the mean accuracy over every domain instead of PublicTest's alone
            for label, model in (("raw", net), ("ema", ema.model)):
                scores = {s.name: evaluate(model, bx, by)[0] for s, bx, by in zip(basket, basket_x, basket_y, strict=True)}
                record[label] = {k: round(v, 4) for k, v in scores.items()}
            acc, ema_acc = (float(np.mean(list(record[label].values()))) for label in ("raw", "ema"))
            record["mean"], record["ema_mean"] = round(acc, 4), round(ema_acc, 4)
        record["seconds"] = round(time.time() - started, 1)
        state["history"].append(record)
        state["epoch"] = epoch + 1
        # Early on, while the learning rate is high, the EMA weights can lag far behind: take
        # whichever of the two is better on val.npz.
        best_acc, best_net, source = max((ema_acc, ema.model, "ema"), (acc, net, "raw"), key=lambda c: c[0])
        if best_acc > state["best_acc"]:
            state["best_acc"] = best_acc
            torch.save(
                {"net": best_net.state_dict(), "epoch": epoch + 1, "val_acc": best_acc, "weights": source, **config},
                args.workdir / "best.pt",
            )
        torch.save(
            {
                "net": net.state_dict(),
                "ema": ema.model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "generator": gen.get_state(),
                "state": state,
            },
            args.workdir / "last.tmp",
        )
        (args.workdir / "last.tmp").replace(checkpoint)
        print(json.dumps(record), flush=True)

    best = torch.load(args.workdir / "best.pt", weights_only=False)
    net.load_state_dict(best["net"])
    plain, _ = evaluate(net, x_val, y_val)
    flipped, _ = evaluate(net, x_val, y_val, flip_tta=True)
    np.savez(
        args.workdir / "logits.npz",
        val=logits_of(net, x_val),
        val_flip=logits_of(net, torch.flip(x_val, dims=[3])),
        holdout=logits_of(net, x_held),
        holdout_flip=logits_of(net, torch.flip(x_held, dims=[3])),
        holdout_rows=held,
        holdout_y=y_held.numpy(),
    )
    summary = {"best_epoch": best["epoch"], "val_acc": plain, "val_acc_flip_tta": flipped, "history": state["history"]}
    (args.workdir / "summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: v for k, v in summary.items() if k != "history"}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
