"""Train a domain feature net of the zoo and write its card.

    python tools/train_feature_net.py digits-net
    python tools/train_feature_net.py mnist-net --source ../shared/data/mnist

Trains the classifier `zoo/feature_nets/NAME/config.json` describes on its
`train_split` (random shifts and rotations), measures its accuracy on the
held-out `eval_split`, and writes `model.weights.h5`, `results.json` (accuracy
overall and per class, the weights as `{"files": {"model": {"file", "sha256",
"bytes"}}}` (the zoo's one schema), protocol, wall time, software) and the
card `README.md`. The real-data floors (FID of real vs real held-out images in
this net's features) are added by `python tools/measure_floors.py NAME`.

`--source DIR` reads the TFDS dataset from a local folder of its IDX files
instead of TFDS (`kerasgan.data.sources`; this machine cannot download `mnist`
or `fashion_mnist`: ../shared/data/mnist and ../shared/data/fashion-mnist hold
their original archives, the same images as `tfds.load(...)`).
"""

import argparse
import datetime
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerasgan import zoo  # noqa: E402
from kerasgan.core.entries import MODEL_ROLE  # noqa: E402
from kerasgan.core.io import atomic_path, sha256_of, write_json, write_text  # noqa: E402
from kerasgan.data import load  # noqa: E402
from kerasgan.metrics.features import load_feature_net  # noqa: E402
from kerasgan.nets.classifier import FEATURE_LAYER  # noqa: E402
from kerasgan.training import build_feature_net, environment  # noqa: E402
from render_readme import render_feature_net_card  # noqa: E402


def load_arrays(dataset, split, source=None):
    """All images ([-1, 1] float32) and labels of a split, as numpy arrays."""
    ds = load(dataset, split=split, source=source, batch_size=1000, shuffle=False, repeat=False,
              drop_remainder=False, download=False)
    images, labels = [], []
    for batch in ds:
        images.append(batch["images"].numpy())
        labels.append(batch["labels"].numpy())
    return np.concatenate(images), np.concatenate(labels)


def augmenter(spec, seed):
    layers = []
    if spec.get("horizontal_flip"):
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed + 2))
    if spec.get("shift_pixels"):
        layers.append(keras.layers.RandomTranslation(
            spec["shift_pixels"] / 28, spec["shift_pixels"] / 28,
            fill_mode="constant", fill_value=-1.0, seed=seed))
    if spec.get("rotation_degrees"):
        layers.append(keras.layers.RandomRotation(
            spec["rotation_degrees"] / 360, fill_mode="constant", fill_value=-1.0,
            seed=seed + 1))
    return keras.Sequential(layers)


def feature_normalization(net, images):
    """Standardization of the features, fitted on the training images.

    The linear feature layer has an arbitrary scale; FID scales with its square
    and KID's cubic kernel (x.y/d + 1)^3 assumes features of order 1. So the
    extractor serves (f - mean) / scale, with the per-dimension mean and ONE
    scalar scale (the RMS of the centred features) of the training images:
    distances keep their geometry, only the unit changes.
    """
    head = keras.Model(net.input, net.get_layer(FEATURE_LAYER).output)
    features = head.predict(images, batch_size=500, verbose=0).astype(np.float64)
    mean = features.mean(axis=0)
    scale = float(np.sqrt(np.mean((features - mean) ** 2)))
    return {"mean": [float(v) for v in mean], "scale": scale,
            "fitted_on": "train split (training images, no augmentation)"}


def calibrate(name, data=None):
    """Refit the feature standardization of the shipped weights (no retraining)."""
    entry = zoo.get_entry(name, kind="feature_net")
    x_train, _ = load_arrays(entry.config["dataset"], entry.config["train_split"], data)
    extractor = load_feature_net(name, normalize=False)
    results = dict(entry.results)
    results["feature_normalization"] = feature_normalization(extractor.classifier, x_train)
    results.pop("floors", None)
    write_json(os.path.join(entry.path, "results.json"), results)
    write_card(name)
    print(f"{name}: feature scale {results['feature_normalization']['scale']:.4f}")


def per_class_accuracy(net, images, labels):
    predictions = np.argmax(net.predict(images, batch_size=500, verbose=0), axis=1)
    overall = float(np.mean(predictions == labels))
    per_class = [float(np.mean(predictions[labels == c] == c)) for c in range(10)]
    return overall, per_class


def train(name, data=None):
    entry = zoo.get_entry(name, kind="feature_net")
    config = entry.config
    recipe = config["training"]
    keras.utils.set_random_seed(recipe["seed"])
    x_train, y_train = load_arrays(config["dataset"], config["train_split"], data)
    x_eval, y_eval = load_arrays(config["dataset"], config["eval_split"], data)
    print(f"{name}: train {len(x_train)} images ({config['train_split']}), "
          f"held out {len(x_eval)} ({config['eval_split']})", flush=True)

    net = build_feature_net(config)
    steps = recipe["epochs"] * int(np.ceil(len(x_train) / recipe["batch_size"]))
    net.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(recipe["learning_rate"], steps, alpha=0.01)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    augment = augmenter(recipe.get("augment", {}), recipe["seed"])
    ds = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
          .shuffle(len(x_train), seed=recipe["seed"])
          .batch(recipe["batch_size"])
          .map(lambda x, y: (augment(x, training=True), y))
          .prefetch(tf.data.AUTOTUNE))
    start = time.time()
    history = net.fit(ds, epochs=recipe["epochs"], validation_data=(x_eval, y_eval), verbose=2)
    wall = time.time() - start

    accuracy, per_class = per_class_accuracy(net, x_eval, y_eval)
    train_accuracy, _ = per_class_accuracy(net, x_train, y_train)
    weights = os.path.join(entry.path, "model.weights.h5")
    with atomic_path(weights) as tmp:
        net.save_weights(tmp)
    results = {
        "accuracy": {"held_out": accuracy, "per_class": per_class, "train": train_accuracy},
        "protocol": {"dataset": config["dataset"], "train_split": config["train_split"],
                     "eval_split": config["eval_split"], "n_train": int(len(x_train)),
                     "n_eval": int(len(x_eval)),
                     "source": f"local IDX files ({data})" if data else "tfds"},
        "feature_normalization": feature_normalization(net, x_train),
        "history": {"val_accuracy": [float(v) for v in history.history["val_accuracy"]]},
        "train_wall_time_s": wall,
        "weights": {"files": {MODEL_ROLE: {"file": "model.weights.h5",
                                           "sha256": sha256_of(weights),
                                           "bytes": os.path.getsize(weights)}}},
        "env": environment(),
        "command": f"python tools/train_feature_net.py {name}"
                   + (f" --source {data}" if data else ""),
        "trained_on": datetime.date.today().isoformat(),
    }
    write_json(os.path.join(entry.path, "results.json"), results)
    write_card(name)
    print(f"{name}: held-out accuracy {accuracy:.4f} ({wall:.0f} s)", flush=True)


def write_card(name):
    zoo.refresh()
    entry = zoo.get_entry(name, kind="feature_net")
    write_text(os.path.join(entry.path, "README.md"), render_feature_net_card(entry))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=zoo.list_models(kind="feature_net"))
    parser.add_argument("--source", dest="data", help="local source of the dataset: a directory of its IDX files "
                        "(read instead of TFDS, which cannot download here)")
    parser.add_argument("--calibrate-only", action="store_true",
                        help="refit the feature standardization of the shipped weights")
    parser.add_argument("--threads", type=int, default=0, help="TF intra/inter-op threads (0: all)")
    args = parser.parse_args()
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    if args.calibrate_only:
        calibrate(args.name, args.data)
    else:
        train(args.name, args.data)


if __name__ == "__main__":
    main()
