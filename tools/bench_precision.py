"""The measured effect of mixed precision and XLA on kerasgan train steps.

    python tools/bench_precision.py dcgan_digits wgan_gp_digits --markdown

For each entry: train-step images/s (in-memory random data of the net's shape,
the recipe's batch or `--batch-size`) under the float32, mixed_float16 (with
dynamic loss scaling on both optimizers) and mixed_bfloat16 policies, each with
XLA on and off, in one process, alternating the settings `--repeats` times and
keeping the best of each. Ratios to float32 + XLA in the same run are the
figure to read on a shared machine.

On a CPU without native float16 / bfloat16 arithmetic (this project's machine
has AVX2 + FMA only) mixed precision is expected to cost time: it is meant for
GPUs with tensor cores and TPUs, where nothing here could measure it.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import keras  # noqa: E402

from kerasgan import zoo  # noqa: E402
from benchmarks.benchmark import (  # noqa: E402
    build_kerasgan, random_image_dataset, train_step_images_per_second)

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def measure(name, batch_size, steps, warmup, repeats):
    config = zoo.get_entry(name).config
    batch = int(batch_size or config["training"]["batch_size"])
    dataset = random_image_dataset(config, batch)[0]
    best = {}
    for _ in range(repeats):
        for policy in POLICIES:
            for jit in (True, False):
                keras.mixed_precision.set_global_policy(policy)
                try:
                    gan = build_kerasgan(config, jit)
                    rate = train_step_images_per_second(gan, dataset, batch, steps, warmup)
                finally:
                    keras.mixed_precision.set_global_policy("float32")
                key = (policy, jit)
                best[key] = max(best.get(key, 0.0), rate)
                print(f"  {name} {policy} XLA={'on' if jit else 'off'}: {rate:.0f} images/s",
                      flush=True)
    return name, batch, best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = [measure(n, args.batch_size, args.steps, args.warmup, args.repeats) for n in args.names]
    if args.markdown:
        print("\n| entry | batch | " + " | ".join(
            f"{p} XLA {j}" for p in POLICIES for j in ("on", "off")) + " |")
        print("|---|---|" + "---|" * (2 * len(POLICIES)))
        for name, batch, best in rows:
            base = best[("float32", True)]
            cells = " | ".join(f"{best[(p, j)]:.0f} ({best[(p, j)] / base:.2f}×)"
                               for p in POLICIES for j in (True, False))
            print(f"| {name} | {batch} | {cells} |")


if __name__ == "__main__":
    main()
