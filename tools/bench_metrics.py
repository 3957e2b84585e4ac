"""Benchmark of the sample-quality metrics: feature extraction and distances.

    python tools/bench_metrics.py [--num 10000] [--inception-num 500] [--markdown]

Measures, in one process on this machine:

* feature extraction throughput (images/s) of each extractor on `--num`
  MNIST-sized (28x28x1 uint8) images, whole-array `extract` with batches of 256;
  InceptionV3 (which resizes every image to 299x299) on `--inception-num`
  images (random weights: the speed is the same as with ImageNet's);
* the streaming `FrechetDistanceMetric` (update per batch of 256) against the
  one-shot `extract` + `frechet_distance`, as a ratio;
* the time of each distance on `--num` x `--num` features: FID (64-d and the
  Inception's 2048-d), KID (100 subsets of 1000), precision/recall (k=3),
  density/coverage (k=5), Inception score.

`--source DIR` uses real MNIST images from a local IDX folder (e.g. ../shared/data/mnist)
instead of random ones; the speed does not depend on the content.
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from kerasgan import metrics  # noqa: E402
from kerasgan.data import load_idx  # noqa: E402
from kerasgan.training import environment  # noqa: E402


def timed(fn, repeats=1):
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def images(num, data):
    if data:
        x, _ = load_idx(data, "test")
        return np.resize(x, (num, 28, 28, 1))
    return np.random.default_rng(0).integers(0, 256, (num, 28, 28, 1), dtype=np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=10_000)
    parser.add_argument("--inception-num", type=int, default=500)
    parser.add_argument("--source", dest="data",
                        help="local IDX folder of MNIST (real 28x28 images; test split)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    x = images(args.num, args.data)
    rows = []

    for name in ("digits-net", "mnist-net"):
        extractor = metrics.get_extractor(name)
        extractor.extract(x[:256])  # build / trace once
        seconds, out = timed(lambda: extractor.extract(x, batch_size=256), repeats=2)
        rows.append((f"extract features ({name}, {args.num} images)", seconds,
                     f"{args.num / seconds:,.0f} images/s"))
        # A reference of other images (the same ones mirrored), so the FID is not ~0.
        reference = metrics.FeatureStatistics.from_features(
            extractor.extract(x[:, :, ::-1], batch_size=256).features)

        def streaming():
            metric = metrics.FrechetDistanceMetric(extractor, reference)
            for start in range(0, args.num, 256):
                metric.update_state(x[start:start + 256])
            return float(metric.result())

        def one_shot():
            f = extractor.extract(x, batch_size=256).features
            return metrics.frechet_distance_from_statistics(
                *metrics.gaussian_statistics(f), reference.mean, reference.covariance)

        s_stream, v_stream = timed(streaming, repeats=2)
        s_once, v_once = timed(one_shot, repeats=2)
        rows.append((f"FID end to end, streaming metric ({name})", s_stream,
                     f"{args.num / s_stream:,.0f} images/s; {s_once / s_stream:.2f}x the "
                     f"one-shot path ({s_once:.2f} s); values agree to "
                     f"{abs(v_stream - v_once) / max(abs(v_once), 1e-12):.1e}"))
        features, probs = out

    inception = metrics.inception_v3(weights=None)
    xi = x[: args.inception_num]
    inception.extract(xi[:8])
    seconds, _ = timed(lambda: inception.extract(xi, batch_size=64))
    rows.append((f"extract features (inception-v3 at 299x299, random weights, {len(xi)} images)",
                 seconds,
                 f"{len(xi) / seconds:,.1f} images/s (10k images: "
                 f"{args.num / (len(xi) / seconds) / 60:.0f} min)"))

    rng = np.random.default_rng(1)
    other = features + rng.normal(0, 0.1, features.shape)
    wide_a = rng.normal(size=(args.num, 2048))
    wide_b = rng.normal(size=(args.num, 2048)) + 0.1
    for label, fn in [
        ("FID, 64-d", lambda: metrics.frechet_distance(features, other)),
        ("FID, 2048-d (Inception width)", lambda: metrics.frechet_distance(wide_a, wide_b)),
        ("KID, 64-d (100 subsets of 1000)", lambda: metrics.kernel_distance(features, other)),
        ("precision/recall, 64-d (k=3)", lambda: metrics.precision_recall(features, other)),
        ("density/coverage, 64-d (k=5)", lambda: metrics.density_coverage(features, other)),
        ("Inception score (10 classes, 10 splits)", lambda: metrics.inception_score(probs)),
    ]:
        seconds, _ = timed(fn)
        rows.append((f"{label}, {args.num} vs {args.num}", seconds, ""))

    env = environment()
    header = (f"{env.get('cpu_count')} CPU cores, TensorFlow {env.get('tensorflow')}, "
              f"Keras {env.get('keras')}")
    if args.markdown:
        command = "python tools/bench_metrics.py --markdown" + (
            f" --source {args.data}" if args.data else "")
        print(f"Measured with `{command}` ({header}):\n")
        print("| step | seconds | throughput / note |")
        print("|---|---|---|")
        for label, seconds, note in rows:
            print(f"| {label} | {seconds:.2f} | {note} |")
    else:
        print(header)
        for label, seconds, note in rows:
            print(f"{label:62s} {seconds:8.2f} s  {note}")


if __name__ == "__main__":
    main()
