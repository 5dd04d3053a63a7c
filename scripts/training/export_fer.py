"""Export the trained FER network to TFLite: float32 and full-integer int8.

Usage (training venv):

    python scripts/training/export_fer.py --checkpoint build/train/best.pt \
        --data ../shared/data/fer2013 --out models/emotion_fer_int8.tflite

The PyTorch weights (BatchNorm folded into the convolutions) are copied into the same network
built with Keras, checked to give the same outputs, and converted. int8 quantization is
calibrated on a class-balanced representative set of training images (input and output int8).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fer_net import NUM_CLASSES, STAGES, build_torch_net, folded_conv_weights


def build_keras_net(tf, stages=STAGES):
    layers = tf.keras.layers
    inputs = layers.Input((48, 48, 1), name="face_48x48_gray")
    x = inputs
    for index, (width, blocks) in enumerate(stages):
        for _ in range(blocks):
            x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        if index < len(stages) - 1:
            x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(NUM_CLASSES)(x)
    outputs = layers.Softmax(name="emotion_probabilities")(x)
    return tf.keras.Model(inputs, outputs)


def copy_weights(net: torch.nn.Sequential, keras_model) -> None:
    convs = [layer for layer in keras_model.layers if layer.__class__.__name__ == "Conv2D"]
    pairs = folded_conv_weights(net)
    assert len(convs) == len(pairs)
    for layer, (weight, bias) in zip(convs, pairs, strict=True):
        layer.set_weights([weight.permute(2, 3, 1, 0).numpy(), bias.numpy()])
    dense = next(layer for layer in keras_model.layers if layer.__class__.__name__ == "Dense")
    linear = net[-1]
    dense.set_weights([linear.weight.detach().numpy().T, linear.bias.detach().numpy()])


def representative_images(train_npz: Path, per_class: int, seed: int) -> np.ndarray:
    data = np.load(train_npz)
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(data["y"] == c), per_class, replace=False) for c in range(NUM_CLASSES)]
    order = rng.permutation(np.concatenate(picks))
    return data["x"][order].astype(np.float32)[..., None] / 255.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=Path("build/train/best.pt"))
    parser.add_argument("--data", type=Path, default=Path("../shared/data/fer2013"))
    parser.add_argument("--out", type=Path, default=Path("models/emotion_fer_int8.tflite"))
    parser.add_argument("--float-out", type=Path, default=Path("build/train/emotion_fer_float32.tflite"))
    parser.add_argument("--per-class", type=int, default=60, help="representative images per class (7 classes)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import tensorflow as tf

    saved = torch.load(args.checkpoint, weights_only=False)
    stages = tuple(tuple(stage) for stage in saved.get("stages", STAGES))
    if saved.get("equalize"):
        raise SystemExit("this network was trained on equalized images: the kiosk does not equalize crops")
    net = build_torch_net(stages)
    net.load_state_dict(saved["net"])
    net.eval()
    keras_model = build_keras_net(tf, stages)
    copy_weights(net, keras_model)

    calibration = representative_images(args.data / "train.npz", args.per_class, args.seed)
    with torch.no_grad():
        expected = torch.softmax(net(torch.from_numpy(calibration[:64]).permute(0, 3, 1, 2)), dim=1).numpy()
    got = keras_model.predict(calibration[:64], verbose=0)
    gap = float(np.abs(expected - got).max())
    print(f"PyTorch vs Keras max probability difference: {gap:.2e}")
    if gap > 1e-4:
        raise SystemExit("the Keras copy does not match the PyTorch network")

    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    args.float_out.parent.mkdir(parents=True, exist_ok=True)
    args.float_out.write_bytes(converter.convert())

    def representative():
        for image in calibration:
            yield [image[None]]

    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(converter.convert())
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) and {args.float_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
