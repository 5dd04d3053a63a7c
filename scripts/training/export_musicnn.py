"""Rebuild musicnn's MSD tagger from its checkpoint in Keras, prove it equals the original graph, export TFLite.

Usage (the training venv; see models/MODEL_CARD.md, "Music"):

    python scripts/training/export_musicnn.py --wheel musicnn-0.1.0-py3-none-any.whl --out models/music_msd_musicnn.tflite

musicnn (Pons & Serra, ISC licence) ships TensorFlow 1 checkpoints whose ``checkpoint`` index
points at the author's home; the variables are read here by prefix. The network (a front end of
timbral and temporal convolutions over a 96-band log-mel patch of 3 s, a mid end of three
residual 1-D convolutions, max and mean pooling over time and two dense layers) is built again
with Keras layers, the weights copied by name, and the result compared with the original graph
(musicnn's own ``models.py``, run with tf.compat.v1) on the same inputs before anything is
written. The TFLite model takes [N, 187, 96] log-mel patches and gives the 50 MSD tag
probabilities.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_USE_LEGACY_KERAS"] = "1"  # musicnn's graph uses tf.compat.v1.layers, which need Keras 2 (tf-keras)

import numpy as np

FRAMES, MELS = 187, 96
EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization's


def read_weights(tf, prefix: str) -> dict[str, np.ndarray]:
    reader = tf.compat.v1.train.NewCheckpointReader(prefix)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map() if "Adam" not in name}


def build_keras(tf, weights: dict[str, np.ndarray]):
    layers = tf.keras.layers
    counters = {"bn": 0, "conv": 0, "dense": 0}

    def suffix(kind: str) -> str:
        index = counters[kind]
        counters[kind] += 1
        return "" if index == 0 else f"_{index}"

    def batch_norm(x):
        name = "batch_normalization" + suffix("bn")
        layer = layers.BatchNormalization(epsilon=EPSILON)
        out = layer(x)
        layer.set_weights([weights[f"{name}/{key}"] for key in ("gamma", "beta", "moving_mean", "moving_variance")])
        return out

    def conv(x, padding: str):
        name = "conv2d" + suffix("conv")
        kernel = weights[f"{name}/kernel"]
        layer = layers.Conv2D(kernel.shape[-1], kernel.shape[:2], padding=padding, activation="relu")
        out = layer(x)
        layer.set_weights([kernel, weights[f"{name}/bias"]])
        return out

    def dense(x, activation):
        name = "dense" + suffix("dense")
        kernel = weights[f"{name}/kernel"]
        layer = layers.Dense(kernel.shape[-1], activation=activation)
        out = layer(x)
        layer.set_weights([kernel, weights[f"{name}/bias"]])
        return out

    def max_over(axis: int):
        return layers.Lambda(lambda t: tf.reduce_max(t, axis=axis))

    def pad_time(x):
        return layers.ZeroPadding2D(((3, 3), (0, 0)))(x)

    inputs = layers.Input((FRAMES, MELS), name="log_mel_187x96")
    normalized = batch_norm(layers.Reshape((FRAMES, MELS, 1))(inputs))
    padded = pad_time(normalized)
    f74 = max_over(2)(batch_norm(conv(padded, "valid")))  # timbral, 7 x 38
    f77 = max_over(2)(batch_norm(conv(padded, "valid")))  # timbral, 7 x 67
    temporal = [max_over(2)(batch_norm(conv(normalized, "same"))) for _ in range(3)]  # 128, 64, 32 x 1
    front = layers.Concatenate(axis=2)([f74, f77, *temporal])  # [N, 187, 561]
    front4 = layers.Reshape((FRAMES, front.shape[-1], 1))(front)
    conv1 = layers.Permute((1, 3, 2))(batch_norm(conv(pad_time(front4), "valid")))  # [N, 187, 64, 1]
    conv2 = layers.Add()([layers.Permute((1, 3, 2))(batch_norm(conv(pad_time(conv1), "valid"))), conv1])
    conv3 = layers.Add()([layers.Permute((1, 3, 2))(batch_norm(conv(pad_time(conv2), "valid"))), conv2])
    mid = layers.Concatenate(axis=2)([front4, conv1, conv2, conv3])  # [N, 187, 753, 1]
    pooled_max = layers.Lambda(lambda t: tf.reduce_max(t, axis=1))(mid)
    pooled_mean = layers.Lambda(lambda t: tf.reduce_mean(t, axis=1))(mid)
    pooled = layers.Flatten()(layers.Concatenate(axis=2)([pooled_max, pooled_mean]))  # max, mean of each feature in turn
    hidden = batch_norm(dense(batch_norm(pooled), "relu"))
    logits = dense(hidden, None)
    return tf.keras.Model(inputs, layers.Activation("sigmoid", name="tag_probabilities")(logits))


def original_logits(tf, package: Path, prefix: str, batch: np.ndarray) -> np.ndarray:
    """musicnn's own graph (models.py, tf.compat.v1), restored from the checkpoint."""
    sys.path.insert(0, str(package.parent))
    spec = importlib.util.spec_from_file_location("musicnn.models", package / "models.py")
    models = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(models)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, FRAMES, MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        logits = models.define_model(x, is_training, "MSD_musicnn", 50)[0]
        with tf.compat.v1.Session(graph=graph) as session:
            tf.compat.v1.train.Saver().restore(session, prefix)
            return session.run(tf.sigmoid(logits), feed_dict={x: batch, is_training: False})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, required=True, help="musicnn-0.1.0-py3-none-any.whl (pip download musicnn)")
    parser.add_argument("--out", type=Path, default=Path("models/music_msd_musicnn.tflite"))
    args = parser.parse_args()

    import tensorflow as tf

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(args.wheel) as wheel:
            wheel.extractall(tmp)
        package = Path(tmp) / "musicnn"
        prefix = str(package / "MSD_musicnn") + "/"
        labels = importlib.util.spec_from_file_location("configuration", package / "configuration.py")
        configuration = importlib.util.module_from_spec(labels)
        labels.loader.exec_module(configuration)
        weights = read_weights(tf, prefix)
        batch = np.random.default_rng(0).uniform(0, 3, (4, FRAMES, MELS)).astype(np.float32)
        theirs = original_logits(tf, package, prefix, batch)  # first: a tf.compat.v1 graph made later would spoil the model
        model = build_keras(tf, weights)
        ours = model.predict(batch, verbose=0)
    gap = float(np.abs(ours - theirs).max())
    print(f"Keras copy vs musicnn's own graph: max probability difference {gap:.2e}")
    if gap > 1e-4:
        raise SystemExit("the Keras copy does not match the original network")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(converter.convert())
    args.out.with_suffix(".json").write_text(
        json.dumps({"model": args.out.name, "labels": list(configuration.MSD_LABELS), "frames": FRAMES, "mels": MELS,
                    "sample_rate": 16000, "n_fft": 512, "hop": 256, "source": "musicnn 0.1.0 MSD_musicnn (ISC)"}, indent=2)
        + "\n"
    )  # fmt: skip
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
