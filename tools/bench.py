"""Benchmark the zoo's train steps: steps/s with and without XLA, and time to the card's metrics.

    python tools/bench.py                 # every entry
    python tools/bench.py '*_ring8' --steps 300 --markdown
    python tools/bench.py '*digits' '*mnist' --markdown   # image entries (benchmarks/benchmark.py)
    python tools/bench.py dcgan_digits --batch-size 256 --markdown
    python tools/bench.py --translation pix2pix_digits cyclegan_digits --markdown

Image entries (every GAN entry whose dataset is not of kind "points") go through
`tools/benchmarks/benchmark.py`: train-step images/s of the
kerasgan step with and without XLA against the keras-io tutorial's plain Keras
step (with and without XLA) and the same nets in eager PyTorch, on the same
nets and batch in the same run (settings alternating, best of `--repeats`,
default 2; `--image-steps` timed steps after `--image-warmup`); peak memory;
achieved FLOP/s against the float32 matmul peak measured in the run; sampling
images/s from the exported SavedModel; input-pipeline waiting (the entry's real
pipeline against one cached batch; `--source DIR` for the MNIST entries); the
targets; and a per-phase profile of the entries that miss one. See
`tools/benchmarks/benchmark.py` for the definitions; `--no-torch` skips PyTorch.

Mixture entries: for each entry it builds the GAN from its config and runs one
`fit` of `--warmup` + `--steps` steps, timing the last `--steps` (from
batch-end timestamps, so compilation and fit's set-up are left out) (on 100k
samples of the entry's mixture held in memory, so the timing is the train
step's, not the input pipeline's warm-up; batch size from the recipe or
`--batch-size`) with `jit_compile=True` and with `jit_compile=False`, in the
same process, alternating the two so that machine load affects both alike
(`--repeats`, default 1). It prints steps/s for both, their ratio, the time the
measured XLA speed gives for the recipe's step count, and the wall time at
which the recorded training run first reached the card's metrics (all modes,
high quality within 1 point; from the card's per-epoch record). Ratios are the
meaningful figure on a shared machine.
"""


import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks import benchmark  # noqa: E402
from kerasgan import data, zoo  # noqa: E402
from kerasgan.training import build_gan, compile_gan  # noqa: E402


def steps_per_second(config, jit, steps, warmup, dataset):
    keras.utils.set_random_seed(0)
    gan = compile_gan(build_gan(config), config, jit_compile=jit)
    clock = benchmark.StepClock(warmup)
    gan.fit(dataset, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[clock],
            shuffle=False)
    return 1.0 / clock.seconds_per_step(steps)


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
    rates = {}
    for _ in range(2):  # alternate XLA on / off, best of two each
        for jit in (True, False):
            keras.utils.set_random_seed(0)
            model = zoo.create_translation(name, compile=False)
            model.compile(jit_compile=jit)
            clock = benchmark.StepClock(warmup)
            model.fit(ds, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[clock],
                      shuffle=False)
            rates[jit] = max(rates.get(jit, 0.0), batch * steps / (clock.end - clock.start))
    rate = (rates[True], rates[False])
    print(f"{name}: {rates[True]:.0f} images/s per domain with XLA, {rates[False]:.0f} without "
          f"(batch {batch})", flush=True)
    return name, batch, rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", default=["*"])
    parser.add_argument("--steps", type=int, default=500, help="timed steps (mixture entries)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed steps (mixture entries)")
    parser.add_argument("--image-steps", type=int, default=20,
                        help="timed steps per measurement (image and translation entries)")
    parser.add_argument("--image-warmup", type=int, default=5,
                        help="untimed steps before the clock (image entries)")
    parser.add_argument("--translation", nargs="*", default=None,
                        help="benchmark these translation entries (e.g. cyclegan_digits)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="alternations, best kept (default: 1 for mixtures, 2 for images)")
    parser.add_argument("--markdown", action="store_true")
    benchmark.add_arguments(parser, exclude=("patterns", "steps", "warmup", "repeats", "markdown"))
    args = parser.parse_args()
    if args.translation:
        rows = [bench_translation(n, args.image_steps) for n in args.translation]
        if args.markdown:
            print("\n| translation entry | batch | images/s per domain, XLA | no XLA (the default) |")
            print("|---|---|---|---|")
            for name, batch, (xla, plain) in rows:
                print(f"| {name} | {batch} | {xla:.0f} | {plain:.0f} |")
        return
    names = benchmark.names_for_patterns(args.patterns)
    image_names = [n for n in names
                   if data.dataset_info(zoo.get_entry(n).config["dataset"]).kind != "points"]
    rows = []
    for name in names:
        if name in image_names:
            continue
        entry = zoo.get_entry(name)
        config = entry.config
        batch = args.batch_size or config["training"]["batch_size"]
        points = data.get_mixture(config["dataset"]).sample(100_000, seed=0)
        ds = (tf.data.Dataset.from_tensor_slices({"images": points}).repeat()
              .batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
        xla, plain = [], []
        for _ in range(args.repeats or 1):
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
    image_rows = []
    if image_names:
        image_rows = benchmark.run(
            image_names, batch_size=args.batch_size, steps=args.image_steps,
            warmup=args.image_warmup, repeats=args.repeats or 2, torch=args.torch,
            data_path=args.data, sampling_batch=args.sampling_batch, profile=args.profile,
            log=lambda text: print(text, flush=True))
        for row in image_rows:
            print(benchmark.format_text(row), flush=True)
        if args.json:
            import json

            with open(args.json, "w") as f:
                json.dump(image_rows, f, indent=1, default=float)
    if args.markdown and image_rows:
        print("\n" + benchmark.format_markdown(image_rows))
    if args.markdown and rows:
        print("\n| entry | batch | steps/s (XLA) | steps/s (no XLA) | XLA speed-up | recipe time at XLA speed | card metrics reached after |")
        print("|---|---|---|---|---|---|---|")
        for name, batch, x, p, r, pred, card in rows:
            card_s = card or "—"
            print(f"| {name} | {batch} | {x:.1f} | {p:.1f} | {r:.2f}× | {pred:.0f} s | {card_s} |")


if __name__ == "__main__":
    main()
