"""Benchmark the zoo's train steps: steps/s with and without XLA, and time to the card's metrics.

    python tools/bench.py                 # every 2-D entry
    python tools/bench.py '*_ring8' --steps 300 --markdown

For each entry it builds the GAN from its config, trains it for `--warmup`
steps to compile, then times `--steps` steps of `fit` (on the entry's data,
batch size from the recipe) with `jit_compile=True` and with `jit_compile=False`,
in the same process, alternating the two so that machine load affects both
alike. It prints steps/s for both, their ratio, and the card's recorded wall
time to reach its metrics next to the time the measured XLA speed predicts for
the recipe's step count. Ratios are the meaningful figure on a shared machine.
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
        card = (entry.results or {}).get("train_wall_time_s")
        rows.append((name, batch, best_xla, best_plain, best_xla / best_plain, total / best_xla, card))
        print(f"{name}: XLA {best_xla:.1f} steps/s, no XLA {best_plain:.1f} steps/s, "
              f"ratio {best_xla / best_plain:.2f}; {total} steps -> {total / best_xla:.0f} s "
              f"(card: {card} s)", flush=True)
    if args.markdown:
        print("\n| entry | batch | steps/s (XLA) | steps/s (no XLA) | XLA speed-up | predicted train time | card train time |")
        print("|---|---|---|---|---|---|---|")
        for name, batch, x, p, r, pred, card in rows:
            card_s = f"{card:.0f} s" if card else "—"
            print(f"| {name} | {batch} | {x:.1f} | {p:.1f} | {r:.2f}× | {pred:.0f} s | {card_s} |")


if __name__ == "__main__":
    main()
