"""The data-parallel scaling model on paper: expected images/s on N devices from measured numbers.

    python tools/scaling_model.py dcgan_digits wgan_gp_digits sngan_resnet_cifar10 --markdown

For each zoo entry it measures here, in this process, the per-device train
step (random images of the net's shape in memory, the recipe's batch, XLA on;
`--step-ms` skips the measurement) and counts the gradient bytes all-reduced
per step (`kerasgan.distribute.gradient_bytes_per_step`). Then
`kerasgan.distribute.predicted_images_per_second` gives the throughput on N
devices for a few interconnects (ring all-reduce, no overlap of communication
with computation -- a conservative bound).

The interconnect bandwidths and latencies below are ASSUMED round figures for
orders of magnitude, not measurements: nothing but this CPU was available.
Replace them with your cluster's all-reduce bus bandwidth (e.g. from
nccl-tests) to get your own prediction.
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerasgan import distribute, zoo  # noqa: E402
from kerasgan.training import build_gan, compile_gan  # noqa: E402

#: (name, bus bandwidth bytes/s, per-hop latency s) -- assumed, see the module doc.
LINKS = (
    ("10 GbE", 1.0e9, 50e-6),
    ("100 Gb/s InfiniBand", 10e9, 5e-6),
    ("NVLink-class (GPUs in one host)", 100e9, 5e-6),
    ("TPU ICI (pod slice)", 100e9, 2e-6),
)
DEVICES = (1, 2, 8, 64)


def measure_step_seconds(config, steps=10, warmup=3):
    """Seconds per train step of the entry's recipe on this machine (XLA on)."""
    keras.utils.set_random_seed(0)
    gan = compile_gan(build_gan(config), config, jit_compile=True)
    batch = int(config["training"]["batch_size"])
    rng = np.random.default_rng(0)
    element = {"images": rng.uniform(-1, 1, (batch, *gan.data_shape)).astype(np.float32)}
    if gan.num_classes:
        element["labels"] = rng.integers(0, gan.num_classes, batch).astype(np.int32)
    ds = tf.data.Dataset.from_tensors(element).repeat()
    gan.fit(ds, steps_per_epoch=warmup, verbose=0)
    start = time.perf_counter()
    gan.fit(ds, steps_per_epoch=steps, verbose=0)
    return (time.perf_counter() - start) / steps, gan


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--step-ms", type=float, default=None,
                        help="use this per-device step time instead of measuring")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = []
    for name in args.names:
        config = zoo.get_entry(name).config
        if args.step_ms is None:
            step, gan = measure_step_seconds(config, args.steps)
        else:
            step, gan = args.step_ms / 1000, build_gan(config)
        batch = int(config["training"]["batch_size"])
        grad = distribute.gradient_bytes_per_step(gan)
        for link, bandwidth, latency in LINKS:
            rates = [distribute.predicted_images_per_second(step, batch, grad, n, bandwidth, latency)
                     for n in DEVICES]
            rows.append((name, batch, step, grad, link, rates))
        print(f"{name}: per-device step {step * 1000:.1f} ms at batch {batch}, "
              f"{grad / 1e6:.2f} MB of gradients all-reduced per step", flush=True)
    if args.markdown:
        header = " | ".join(f"N={n}" for n in DEVICES)
        print(f"\n| entry (per-device batch) | step here | all-reduce / step | interconnect (assumed) "
              f"| {header} | all-reduce time at N=64 | efficiency at N=64 |")
        print("|---|---|---|---|" + "---|" * len(DEVICES) + "---|---|")
        for name, batch, step, grad, link, rates in rows:
            cells = " | ".join(f"{r:,.0f}" for r in rates)
            efficiency = rates[-1] / (DEVICES[-1] * rates[0])
            comm = DEVICES[-1] * batch / rates[-1] - step
            print(f"| {name} ({batch}) | {step * 1000:.1f} ms | {grad / 1e6:.2f} MB | {link} | "
                  f"{cells} | {comm * 1000:.2f} ms | {efficiency:.0%} |")


if __name__ == "__main__":
    main()
