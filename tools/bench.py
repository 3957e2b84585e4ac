"""Benchmark the zoo's train steps: steps/s with and without XLA, and time to the card's metrics.

    python tools/bench.py                 # every 2-D entry
    python tools/bench.py '*_ring8' --steps 300 --markdown

For each entry it builds the GAN from its config, trains it for `--warmup`
steps to compile, then times `--steps` steps of `fit` (on the entry's data,
batch size from the recipe) with `jit_compile=True` and with `jit_compile=False`,
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

from kerasgan import data, zoo  # noqa: E402
from kerasgan.training import build_gan, compile_gan  # noqa: E402


def steps_per_second(config, jit, steps, warmup, dataset):
    keras.utils.set_random_seed(0)
    gan = compile_gan(build_gan(config), config, jit_compile=jit)
    gan.fit(dataset, steps_per_epoch=warmup, epochs=1, verbose=0)
    start = time.perf_counter()
    gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps / (time.perf_counter() - start)


def time_to_card_metrics(results):
    """Wall time of the first epoch whose mixture metrics reached the card's.

    Reached: every mode the card reports captured, and high quality within 1
    percentage point of the card's. Read from the run's per-epoch history and
    epoch-end times; falls back to the total training time when the card has
    no per-epoch record. Returns None for untrained entries.
    """
    if not results:
        return None
    history, times = results.get("history", {}), results.get("epoch_end_wall_time_s", [])
    metrics = results["metrics"]
    for i, t in enumerate(times):
        modes = history.get("modes_captured", [])[i]
        hq = history.get("high_quality", [])[i]
        if modes >= metrics["modes_captured"] and hq >= metrics["high_quality"] - 0.01:
            return t
    return results.get("train_wall_time_s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pattern", nargs="?", default="*")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    names = zoo.list_models(filter=args.pattern)
    rows = []
    for name in names:
        entry = zoo.get_entry(name)
        config = entry.config
        batch = config["training"]["batch_size"]
        ds = data.load(config["dataset"], "train", batch)
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
              f"{total / best_xla:.0f} s at this speed; card metrics reached after {card} s",
              flush=True)
    if args.markdown:
        print("\n| entry | batch | steps/s (XLA) | steps/s (no XLA) | XLA speed-up | recipe time at XLA speed | card metrics reached after |")
        print("|---|---|---|---|---|---|---|")
        for name, batch, x, p, r, pred, card in rows:
            card_s = f"{card:.0f} s" if card else "—"
            print(f"| {name} | {batch} | {x:.1f} | {p:.1f} | {r:.2f}× | {pred:.0f} s | {card_s} |")


if __name__ == "__main__":
    main()
