"""The Stacked MNIST mode metric (Metz et al. 2017; VEEGAN, PacGAN).

A generator of `stacked_mnist` (`kerasgan.data.stacked`: three MNIST digits as
the R, G, B channels, 1,000 equally likely digit triples) is scored by
classifying each channel of each sample with an MNIST classifier, which gives
every sample its mode `100 * d_R + 10 * d_G + d_B`, and from the histogram q
of the modes:

* **modes** -- how many of the 1,000 modes have at least one sample;
* **kl** -- KL(q ‖ uniform) in nats, `sum q log(q * 1000)` over the modes with
  q > 0 (0 for a perfectly even histogram, log 1000 ≈ 6.91 when every sample
  falls on one mode).

PacGAN's protocol scores 26,000 samples (`DEFAULT_NUM_SAMPLES`). The
classifier is the `mnist-net` feature net's (`get_extractor("mnist-net")`);
any object or callable giving class probabilities `[N, 10]` of MNIST images
`[N, 28, 28, 1]` in `[-1, 1]` may stand in for it.

The floor: real triples are not perfect either -- even with an exact
classifier, N uniform samples over 1,000 modes give KL ≈ 999 / (2N) ≈ 0.019
at N = 26,000 (half a chi-square with 999 degrees of freedom over N), and a
real classifier's mistakes add to it. `stacked_mnist_floor` measures the
metric on real triples drawn by the dataset from MNIST's test split: with
mnist-net, 1,000 modes and KL ≈ 0.025 (seed 0; the same on `test[8000:]`,
the test images mnist-net was not trained on).

`kerasgan.metrics.evaluate_gan(gan, "stacked_mnist")` reports `modes` and
`kl` on 26,000 samples with this protocol (the dataset's protocol has
`"metrics": "stacked_mnist"`; the metric is registered in `METRICS` for that
metric set). The image-quality metrics (FID, KID, ...) are not computed for
stacked MNIST: the domain feature nets read one grey channel, and neither
InceptionV3 features of digit stacks nor per-channel mnist-net features of
three independent digits are an established protocol, so no such number
would be comparable with published ones.

Example:
>>> import numpy as np
>>> exact = lambda images: np.eye(10)[np.round((images[:, 0, 0, 0] + 1) * 4.5).astype(int)]
>>> digits = np.random.default_rng(0).integers(0, 10, (5000, 3))
>>> samples = np.zeros((5000, 28, 28, 3), np.float32)
>>> samples[:, 0, 0, :] = digits / 4.5 - 1
>>> result = stacked_mnist_modes(samples, exact)
>>> result["modes"], result["num_samples"], result["kl"] < 0.15
(991, 5000, True)
"""

import numpy as np

from kerasgan.core.images import range_violation
from kerasgan.core.validation import check_positive_int
from kerasgan.data import load
from kerasgan.data.stacked import NUM_MODES, STACKED_MNIST_PROTOCOL, triple_labels
from kerasgan.metrics.features import FeatureExtractor, get_extractor, iterate_batches
from kerasgan.metrics.quality import generated_batches
from kerasgan.metrics.registry import (
    MetricInputs,
    compute_metrics,
    metric_labels,
    register_metric,
)

__all__ = ["DEFAULT_NUM_SAMPLES", "METRIC_SET", "NUM_MODES", "digit_classifier_fn",
           "evaluate_stacked_mnist", "mode_statistics", "stacked_mnist_floor",
           "stacked_mnist_labels", "stacked_mnist_modes", "stacked_samples"]

#: Generated samples scored (PacGAN's protocol).
DEFAULT_NUM_SAMPLES = STACKED_MNIST_PROTOCOL["num_samples"]

#: The metric set of the stacked MNIST report (`METRICS` kind; the dataset protocol's `metrics`).
METRIC_SET = STACKED_MNIST_PROTOCOL["metrics"]

#: The classifier judging the channels by default (a feature extractor's classifier).
DEFAULT_CLASSIFIER = STACKED_MNIST_PROTOCOL["classifier"]


def digit_classifier_fn(classifier=None):
    """`(fn, name)`: `fn(images [B, 28, 28, 1] float32 in [-1, 1]) -> digits [B]`.

    Args:
        classifier: None or a name: that feature extractor's class
            probabilities (default `"mnist-net"`); a `FeatureExtractor`; or any
            callable (a `keras.Model`, a function) returning class scores
            `[B, 10]` (probabilities or logits; the argmax counts), or a tuple
            whose last element is (e.g. `(features, probs)`).

    Example:
    >>> exact = lambda images: np.eye(10)[np.zeros(len(images), int)]
    >>> fn, name = digit_classifier_fn(exact)
    >>> fn(np.zeros((2, 28, 28, 1), np.float32)).tolist(), name
    ([0, 0], '<lambda>')
    """
    if classifier is None or isinstance(classifier, str):
        classifier = get_extractor(classifier or DEFAULT_CLASSIFIER)
    if isinstance(classifier, FeatureExtractor):
        name = classifier.name
        def scores(images):
            return classifier(images)[1]
    elif callable(classifier):
        name = getattr(classifier, "name", None) or getattr(classifier, "__name__", None) \
            or type(classifier).__name__
        scores = classifier
    else:
        raise TypeError(
            f"classifier must be None, a feature extractor name, a FeatureExtractor or a callable "
            f"giving class probabilities [N, 10] of MNIST images; got "
            f"{type(classifier).__name__} {classifier!r}.")

    def classify(images):
        out = scores(images)
        if isinstance(out, (tuple, list)):
            out = out[-1]
        out = np.asarray(out)
        if out.ndim != 2 or out.shape != (len(images), 10):
            raise ValueError(
                f"The digit classifier {name!r} must give class scores [N, 10] for N MNIST "
                f"images; given {len(images)} images it returned shape {out.shape}.")
        return np.argmax(out, axis=1)

    return classify, str(name)


def _check_batch(batch):
    if batch.ndim != 4 or tuple(batch.shape[1:]) != (28, 28, 3):
        raise ValueError(
            f"Stacked MNIST samples are images [N, 28, 28, 3] (a digit per channel); got shape "
            f"{tuple(batch.shape)}.")
    if batch.dtype == np.uint8:
        return batch.astype(np.float32) / 127.5 - 1.0
    if not np.issubdtype(batch.dtype, np.floating):
        raise ValueError(
            f"Stacked MNIST samples are float images in [-1, 1] or uint8 in [0, 255]; got dtype "
            f"{batch.dtype.name}.")
    problem = range_violation(batch)
    if problem is not None:
        raise ValueError(
            f"Stacked MNIST samples are float images in [-1, 1] (kerasgan's model range); got "
            f"{problem}.")
    return batch.astype(np.float32)


def stacked_mnist_labels(samples, classifier=None, *, batch_size=1000):
    """The mode `100 * d_R + 10 * d_G + d_B` of each sample, its channels classified.

    Args:
        samples: images `[N, 28, 28, 3]` (float in `[-1, 1]` or uint8), or an
            iterable of such batches (e.g. `generated_batches(gan, ...)`).
        classifier: see `digit_classifier_fn` (default: mnist-net).
        batch_size: samples classified at a time (3 x that many channel images).

    Returns:
        int32 `[N]` in `[0, 1000)`.

    Example:
    >>> exact = lambda images: np.eye(10)[np.round((images[:, 0, 0, 0] + 1) * 4.5).astype(int)]
    >>> x = np.full((1, 28, 28, 3), -1.0, np.float32); x[0, 0, 0] = np.array([1, 2, 3]) / 4.5 - 1
    >>> stacked_mnist_labels(x, exact).tolist()
    [123]
    """
    classify, _ = classifier if isinstance(classifier, tuple) else digit_classifier_fn(classifier)
    batch_size = check_positive_int("batch_size", batch_size)
    out = []
    for batch in iterate_batches(samples, batch_size):
        batch = _check_batch(np.asarray(batch))
        size = len(batch)
        # [B, 28, 28, 3] -> [3B, 28, 28, 1]: the R channels, then the G, then the B.
        channels = np.ascontiguousarray(np.transpose(batch, (3, 0, 1, 2)))[..., None]
        digits = classify(channels.reshape(3 * size, 28, 28, 1)).reshape(3, size).T
        out.append(triple_labels(digits))
    if not out:
        raise ValueError("Stacked MNIST modes need samples; none were given.")
    return np.concatenate(out)


def mode_statistics(labels, *, histogram=False):
    """`modes` and `kl` of the mode labels `[N]` (ints in `[0, 1000)`).

    Returns:
        dict: `modes` (modes with at least one sample), `kl` (KL(q ‖ uniform)
        in nats, `sum q log(q * 1000)` over q > 0), `num_samples`; with
        `histogram`, also `histogram` (1,000 counts).

    Example:
    >>> mode_statistics(np.arange(1000))
    {'modes': 1000, 'kl': 0.0, 'num_samples': 1000}
    >>> bool(np.isclose(mode_statistics(np.zeros(10, int))["kl"], np.log(1000)))
    True
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer) \
            or labels.min() < 0 or labels.max() >= NUM_MODES:
        raise ValueError(
            f"Mode labels must be a non-empty vector of ints in [0, {NUM_MODES}); got "
            f"{labels.dtype.name} of shape {labels.shape}"
            + (f" in [{labels.min()}, {labels.max()}]." if labels.size else "."))
    counts = np.bincount(labels, minlength=NUM_MODES)
    q = counts[counts > 0] / labels.size
    kl = float(np.sum(q * np.log(q * NUM_MODES)))
    result = {"modes": int(np.count_nonzero(counts)), "kl": max(kl, 0.0),
              "num_samples": int(labels.size)}
    if histogram:
        result["histogram"] = [int(c) for c in counts]
    return result


def stacked_mnist_modes(samples, classifier=None, *, batch_size=1000, histogram=False):
    """Modes covered and KL from uniform of stacked MNIST samples.

    Each channel of each sample is classified by `classifier`; the digit
    triples' histogram over the 1,000 modes gives the metrics
    (`mode_statistics`).

    Args:
        samples: generated images `[N, 28, 28, 3]` in `[-1, 1]` (or uint8), or
            an iterable of batches; PacGAN's protocol uses N = 26,000.
        classifier: the MNIST classifier: None (the `mnist-net` extractor's),
            an extractor name, a `FeatureExtractor`, or any callable giving
            class probabilities `[B, 10]` of `[B, 28, 28, 1]` images in `[-1, 1]`.
        batch_size: samples classified at a time (memory stays bounded).
        histogram: also return the 1,000 mode counts.

    Returns:
        dict: `modes` (int, of 1,000), `kl` (nats), `num_samples`, and
        `histogram` if asked.

    Raises:
        ValueError: samples not `[N, 28, 28, 3]`, float values outside
            `[-1, 1]` (or NaN), or a classifier not giving `[B, 10]` scores.

    Example:
    >>> result = stacked_mnist_modes(gan.generate(26_000, seed=0))  # doctest: +SKIP
    >>> result["modes"], result["kl"]                               # doctest: +SKIP
    (1000, 0.07)
    """
    labels = stacked_mnist_labels(samples, classifier, batch_size=batch_size)
    return mode_statistics(labels, histogram=histogram)


@register_metric("modes", label="modes (of 1,000)", kinds=(METRIC_SET,),
                 labels={"modes": "modes (of 1,000)", "kl": "KL"}, better="higher")
def stacked_mnist_mode_metric(inputs):
    """Report metric of the stacked MNIST metric set: `inputs.fake` the samples' mode labels.

    Example:
    >>> stacked_mnist_mode_metric(MetricInputs(METRIC_SET, None, np.arange(1000)))
    {'modes': 1000, 'kl': 0.0}
    """
    statistics = inputs.memo("stacked_modes", lambda: mode_statistics(inputs.fake))
    return {"modes": statistics["modes"], "kl": statistics["kl"]}


def stacked_samples(gan, num_samples, seed, batch_size=1000):
    """The samples `gan.generate(num_samples, seed=seed)`, as batches where the GAN allows it.

    A kerasgan GAN (with `latent_dim`) is sampled batch by batch from the same
    latents (`kerasgan.metrics.quality.generated_batches`), so memory stays
    bounded; any other object is asked once, `gan.generate(num_samples, seed=seed)`.

    Example:
    >>> class Fake:
    ...     def generate(self, n, seed=None):
    ...         return np.zeros((n, 28, 28, 3), np.float32)
    >>> [b.shape for b in stacked_samples(Fake(), 3, seed=0)]
    [(3, 28, 28, 3)]
    """
    num_samples = check_positive_int("num_samples", num_samples)
    if getattr(gan, "latent_dim", None) is not None:
        return generated_batches(gan, num_samples, seed, batch_size)
    return [np.asarray(gan.generate(num_samples, seed=seed))]


def stacked_mnist_floor(num_samples=DEFAULT_NUM_SAMPLES, *, split=None, seed=0, source=None,
                        classifier=None, data_dir=None, download=False, batch_size=1000,
                        histogram=False):
    """The mode metric on real triples: what a perfect generator would score (the floor).

    `num_samples` real triples are drawn by the dataset
    (`kerasgan.data.load("stacked_mnist", split, source=source, seed=seed)`,
    fresh triples past the first epoch) and scored like generated ones.

    Args:
        num_samples: triples scored (default 26,000, the generators' count).
        split: the MNIST split stacked (default: the protocol's, `"test"`).
        seed: seed of the triples.
        source: the MNIST data (default `"mnist"`; an IDX directory works).
        classifier, batch_size, histogram: as in `stacked_mnist_modes`.
        data_dir, download: as in `kerasgan.data.load` (for the source).

    Returns:
        dict of `stacked_mnist_modes`, plus `split` and `source`.

    Example:
    >>> floor = stacked_mnist_floor(source="/data/mnist")  # doctest: +SKIP
    >>> floor["modes"], round(floor["kl"], 3)              # doctest: +SKIP
    (1000, 0.03)
    """
    num_samples = check_positive_int("num_samples", num_samples)
    split = split or STACKED_MNIST_PROTOCOL["split"]
    batch = min(batch_size, num_samples)
    ds = load("stacked_mnist", split, batch_size=batch, shuffle=False, repeat=True, seed=seed,
              drop_remainder=False, source=source, data_dir=data_dir, download=download)

    def images():
        left = num_samples
        for batch_ in ds:
            x = batch_["images"].numpy()[:left]
            left -= len(x)
            yield x
            if left <= 0:
                return

    result = stacked_mnist_modes(images(), classifier, batch_size=batch_size,
                                 histogram=histogram)
    return {**result, "split": split, "source": "mnist" if source is None else str(source)}


def evaluate_stacked_mnist(gan, dataset="stacked_mnist", num_samples=None, seed=12345, *,
                           classifier=None, batch_size=1000):
    """The evaluation report of a stacked MNIST generator (what `evaluate_gan` returns for it).

    Args:
        gan: an object with `generate(num, seed=...)` returning `[num, 28, 28, 3]`
            images in `[-1, 1]` (a kerasgan GAN is sampled batch by batch,
            `stacked_samples`).
        dataset: the dataset name (for the protocol record).
        num_samples: generated samples (default: the protocol's 26,000).
        seed: the seed passed to `generate`.
        classifier: the channel classifier (default: the protocol's,
            `mnist-net`); see `stacked_mnist_modes`.
        batch_size: samples classified at a time.

    Returns:
        dict: `modes`, `kl` (and any metric registered for the metric set),
        `num_samples`, `labels` (`{"modes": "modes (of 1,000)", "kl": "KL"}`)
        and `protocol` (`num_samples`, `seed`, `classifier`, `dataset`,
        `metrics`, `sampler`).

    Example:
    >>> report = evaluate_stacked_mnist(gan)            # doctest: +SKIP
    >>> report["modes"], report["protocol"]["classifier"]  # doctest: +SKIP
    (1000, 'mnist-net')
    """
    num_samples = num_samples or DEFAULT_NUM_SAMPLES
    classify = digit_classifier_fn(classifier)
    labels = stacked_mnist_labels(stacked_samples(gan, num_samples, seed, batch_size), classify,
                                  batch_size=batch_size)
    metrics = compute_metrics(MetricInputs(METRIC_SET, None, labels, {"seed": seed},
                                           extractor=classify))
    metrics["num_samples"] = int(len(labels))
    metrics["labels"] = metric_labels(METRIC_SET)
    metrics["protocol"] = {
        "num_samples": num_samples, "seed": seed, "classifier": classify[1],
        "dataset": str(dataset), "metrics": METRIC_SET,
        "sampler": "ema" if getattr(gan, "ema_generator", None) is not None else "generator",
    }
    return metrics

