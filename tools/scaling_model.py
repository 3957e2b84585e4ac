"""The data-parallel scaling model on paper: expected images/s on N devices from measured numbers.

    python tools/scaling_model.py dcgan_digits wgan_gp_digits sngan_resnet_cifar10 --markdown

For each zoo entry it measures here, in this process, the per-device train
step (random images of the net's shape in memory, the recipe's batch, XLA on;
`--step-ms` skips the measurement) and counts the gradient bytes all-reduced
per step (`kerasgan.distribute.gradient_bytes_per_step`); the step time
is measured like `tools/bench.py` measures it (batch-end clock after a
warm-up). Then
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from kerasgan import distribute, zoo  # noqa: E402
from benchmarks.benchmark import (  # noqa: E402
    build_kerasgan, random_image_dataset, train_step_images_per_second)
from kerasgan.training import build_gan  # noqa: E402

#: (name, bus bandwidth bytes/s, per-hop latency s) -- assumed, see the module doc.
LINKS = (
    ("10 GbE", 1.0e9, 50e-6),
    ("100 Gb/s InfiniBand", 10e9, 5e-6),
    ("NVLink-class (GPUs in one host)", 100e9, 5e-6),
    ("TPU ICI (pod slice)", 100e9, 2e-6),
)
DEVICES = (1, 2, 8, 64)


def measure_step_seconds(config, steps=20, warmup=5):
    """Seconds per train step of the entry's recipe on this machine (XLA on; batch-end clock)."""
    batch = int(config["training"]["batch_size"])
    gan = build_kerasgan(config, jit_compile=True)
    dataset = random_image_dataset(config, batch)[0]
    return batch / train_step_images_per_second(gan, dataset, batch, steps, warmup), gan


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--steps", type=int, default=20)
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
            step, gan = args.step_ms / 1000, build_gan(config)  # an assumed device step
        batch = int(config["training"]["batch_size"])
        grad = distribute.gradient_bytes_per_step(gan)
        for link, bandwidth, latency in LINKS:
            # One all-reduce per optimizer update: d_steps for D, one for G.
            rates = [distribute.predicted_images_per_second(
                step, batch, grad, n, bandwidth, latency, all_reduces_per_step=gan.d_steps + 1)
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
