"""Benchmark the zoo's train steps: steps/s with and without XLA, and time to the card's metrics.

    python tools/bench.py                 # every entry
    python tools/bench.py '*_ring8' --steps 300 --markdown
    python tools/bench.py '*digits' '*mnist' --markdown   # image entries: images/s

Image entries train on random images of the net's shape (with labels for the
conditional ones) held in memory, so the figure is the train step's images/s
(batch x steps/s; one step = `d_steps` discriminator updates on the same real
batch + one generator update), timed over `--image-steps` steps.

For each entry it builds the GAN from its config and runs one `fit` of
`--warmup` + `--steps` steps, timing the last `--steps` (from batch-end
timestamps, so compilation and fit's set-up are left out) (on 100k samples of the
entry's mixture held in memory, so the timing is the train step's, not the
input pipeline's warm-up; batch size from the recipe) with `jit_compile=True` and with `jit_compile=False`,
in the same process, alternating the two so that machine load affects both
alike. It prints steps/s for both, their ratio, the time the measured XLA speed
gives for the recipe's step count, and the wall time at which the recorded
training run first reached the card's metrics (all modes, high quality within
1 point; from the card's per-epoch record). Ratios are the meaningful figure on
a shared machine.
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerasgan import data, zoo  # noqa: E402
from kerasgan.training import build_gan, compile_gan  # noqa: E402


class _StepClock(keras.callbacks.Callback):
    """Times the steps after the first `warmup` ones, inside one `fit` call.

    Timing inside the epoch (batch-end timestamps) leaves out `fit`'s set-up and
    tear-down, which on this machine can cost seconds and would swamp the step.
    """

    def __init__(self, warmup):
        super().__init__()
        self.warmup = warmup
        self.start = self.end = None

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.warmup - 1:
            self.start = time.perf_counter()
        self.end = time.perf_counter()


def steps_per_second(config, jit, steps, warmup, dataset):
    keras.utils.set_random_seed(0)
    gan = compile_gan(build_gan(config), config, jit_compile=jit)
    clock = _StepClock(warmup)
    gan.fit(dataset, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[clock])
    return steps / (clock.end - clock.start)


def time_to_card_metrics(results):
    """Wall time of the first epoch whose mixture metrics reached the card's.

    Reached: every mode the card reports captured, and high quality within 1
    percentage point of the card's. Read from the run's per-epoch history and
    epoch-end times; falls back to the total training time when the card has
    no per-epoch record. Returns a string such as `"52 s"` or
    `"≤ 325 s (whole run)"`, or None for untrained entries.
    """
    if not results:
        return None
    history, times = results.get("history", {}), results.get("epoch_end_wall_time_s", [])
    metrics = results["metrics"]
    for i, t in enumerate(times):
        modes = history.get("modes_captured", [])[i]
        hq = history.get("high_quality", [])[i]
        if modes >= metrics["modes_captured"] and hq >= metrics["high_quality"] - 0.01:
            return f"{t:.0f} s"
    return f"≤ {results.get('train_wall_time_s'):.0f} s (whole run)"


def bench_image_entry(name, config, args):
    """Train-step images/s of an image entry, with and without XLA."""
    import numpy as np

    batch = config["training"]["batch_size"]
    shape = tuple(config["generator"]["args"]["image_shape"])
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8 * batch, *shape)).astype(np.float32)
    element = {"images": images}
    if config.get("variant_args", {}).get("num_classes"):
        element["labels"] = rng.integers(0, config["variant_args"]["num_classes"],
                                         len(images)).astype(np.int32)
    ds = (tf.data.Dataset.from_tensor_slices(element).repeat()
          .batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    warmup = 5
    xla, plain = [], []
    for _ in range(args.repeats):
        xla.append(batch * steps_per_second(config, True, args.image_steps, warmup, ds))
        plain.append(batch * steps_per_second(config, False, args.image_steps, warmup, ds))
    d_steps = build_gan(config).d_steps
    total = config["training"]["epochs"] * config["training"]["steps_per_epoch"]
    print(f"{name}: XLA {max(xla):.0f} images/s, no XLA {max(plain):.0f} images/s "
          f"(batch {batch}, {d_steps} D steps per G step)", flush=True)
    return name, batch, d_steps, max(xla), max(plain), total


def bench_translation(name, steps, warmup=3):
    """Train-step images/s of a translation entry (pix2pix / CycleGAN) on digit_pairs in memory."""
    import numpy as np

    entry = zoo.get_translation_entry(name)
    batch = entry.config["training"]["batch_size"]
    shape = tuple(next(iter(entry.config["nets"].values()))["args"]["image_shape"])
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (8 * batch, *shape)).astype(np.float32)
    ds = (tf.data.Dataset.from_tensor_slices({"x": x, "y": x[::-1].copy()}).repeat()
          .batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    keras.utils.set_random_seed(0)
    model = zoo.create_translation(name)
    clock = _StepClock(warmup)
    model.fit(ds, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[clock])
    rate = batch * steps / (clock.end - clock.start)
    print(f"{name}: {rate:.0f} images/s per domain (batch {batch})", flush=True)
    return name, batch, rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", default=["*"])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--image-steps", type=int, default=40)
    parser.add_argument("--translation", nargs="*", default=None,
                        help="benchmark these translation entries (e.g. cyclegan_digits)")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if args.translation:
        rows = [bench_translation(n, args.image_steps) for n in args.translation]
        if args.markdown:
            print("\n| translation entry | batch | train-step images/s (per domain) |")
            print("|---|---|---|")
            for name, batch, rate in rows:
                print(f"| {name} | {batch} | {rate:.0f} |")
        return
    names = []
    for pattern in args.patterns:
        names += [n for n in zoo.list_models(filter=pattern) if n not in names]
    rows, image_rows = [], []
    for name in names:
        entry = zoo.get_entry(name)
        config = entry.config
        batch = config["training"]["batch_size"]
        if not config["dataset"].startswith("gaussian_mixture"):
            image_rows.append(bench_image_entry(name, config, args))
            continue
        points = data.get_mixture(config["dataset"]).sample(100_000, seed=0)
        ds = (tf.data.Dataset.from_tensor_slices({"images": points}).repeat()
              .batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
        xla, plain = [], []
        for _ in range(args.repeats):
            xla.append(steps_per_second(config, True, args.steps, args.warmup, ds))
            plain.append(steps_per_second(config, False, args.steps, args.warmup, ds))
        best_xla, best_plain = max(xla), max(plain)
        total = config["training"]["epochs"] * config["training"]["steps_per_epoch"]
        card = time_to_card_metrics(entry.results or {})
        rows.append((name, batch, best_xla, best_plain, best_xla / best_plain, total / best_xla, card))
        print(f"{name}: XLA {best_xla:.1f} steps/s, no XLA {best_plain:.1f} steps/s, "
              f"ratio {best_xla / best_plain:.2f}; recipe {total} steps -> "
              f"{total / best_xla:.0f} s at this speed; card metrics reached after {card}",
              flush=True)
    if args.markdown and image_rows:
        print("\n| image entry | batch | D steps | images/s (XLA) | images/s (no XLA) | XLA speed-up | recipe: G steps, time at XLA speed |")
        print("|---|---|---|---|---|---|---|")
        for name, batch, d_steps, x, p, total in image_rows:
            print(f"| {name} | {batch} | {d_steps} | {x:.0f} | {p:.0f} | {x / p:.2f}× | "
                  f"{total}, {total * batch / x / 60:.0f} min |")
    if args.markdown and rows:
        print("\n| entry | batch | steps/s (XLA) | steps/s (no XLA) | XLA speed-up | recipe time at XLA speed | card metrics reached after |")
        print("|---|---|---|---|---|---|---|")
        for name, batch, x, p, r, pred, card in rows:
            card_s = card or "—"
            print(f"| {name} | {batch} | {x:.1f} | {p:.1f} | {r:.2f}× | {pred:.0f} s | {card_s} |")


if __name__ == "__main__":
    main()
