"""`evaluate_gan`: the evaluation report of a GAN on its dataset, dispatched by the dataset's kind.

The dataset registry says what a dataset is (`kerasgan.data.dataset_info`)
and how it is judged (its protocol); the metric registry says what is
computed (`kerasgan.metrics.METRICS`): every registered metric whose `kinds`
include the dataset's kind is in the report.

* `"points"` (2-D mixtures): modes captured, high-quality fraction, reverse
  KL, spread (and any metric registered for points) on `num_samples`
  (default 2500) samples drawn with `seed`, with the `protocol`.
* `"images"`: FID, KID, precision/recall, density/coverage, the Inception-score
  analogue (and any metric registered for images) in the features of the
  dataset's extractor against its reference split, with `labels`
  ("FID (digits-net)", ...), the `protocol`, the class histogram (`classes`)
  and, for a conditional GAN whose classes are the extractor's,
  `conditional_accuracy`, intra-class FID and the Classification Accuracy
  Score (`kerasgan.metrics.conditional`).
* image datasets whose protocol names another metric set (`"metrics"`):
  `stacked_mnist` is judged by its modes (of 1,000 digit triples) and the KL
  of their histogram from uniform on 26,000 samples, each channel classified
  by mnist-net (`kerasgan.metrics.stacked`); no FID & co.

Example:
>>> from kerasgan.data import get_mixture
>>> class Mixture:  # any object with generate(n, seed=...) and ema_generator
...     ema_generator = None
...     def generate(self, n, seed=None):
...         return get_mixture("ring8").sample(n, seed=seed)
>>> report = evaluate_gan(Mixture(), "gaussian_mixture/ring8", num_samples=500)
>>> report["modes_captured"], report["protocol"]["num_samples"]
(8, 500)
"""

import numpy as np

from kerasgan.data import dataset_info, get_mixture, load
from kerasgan.metrics.classes import conditional_accuracy
from kerasgan.metrics.conditional import check_conditional_options, conditional_metrics
from kerasgan.metrics.features import get_extractor
from kerasgan.metrics.mixture import DEFAULT_THRESHOLD
from kerasgan.metrics.quality import evaluate_generator_quality
from kerasgan.metrics.registry import MetricInputs, compute_metrics
from kerasgan.metrics.stacked import METRIC_SET as STACKED_METRIC_SET
from kerasgan.metrics.stacked import evaluate_stacked_mnist

__all__ = ["default_protocol_extractor", "evaluate_gan"]


def evaluate_gan(gan, dataset, num_samples=None, seed=12345, *, split=None, data_dir=None,
                 download=False, preprocessing=None, classifier=None, conditional=None):
    """Measure `gan` on `dataset`; returns a dict of metrics with their protocol.

    * Point datasets (2-D mixtures): `modes_captured`, `high_quality`,
      `high_quality_percent`, `reverse_kl`, `spread` (see
      `kerasgan.metrics.mixture_metrics`), `num_samples`, and `protocol`
      (`num_samples`, `seed`, `threshold_sigma`, `dataset`, `sampler`), on
      `num_samples` (default: the dataset's protocol, 2500) samples drawn with `seed`.
    * Image datasets: FID, KID, precision/recall, density/coverage and the
      Inception-score analogue in the features of the dataset's extractor,
      against its held-out split (`kerasgan.metrics.evaluate_generator_quality`;
      defaults from `kerasgan.metrics.default_protocol`). The dict also holds
      `labels` ("FID (digits-net)", ...) and the `protocol`
      (n_real, n_fake, split, extractor, seed). `preprocessing` (`image_size`,
      `center_crop`) prepares the real images as the training data was.
    * Stacked MNIST (`"stacked_mnist"`, whose protocol's metric set is
      `"stacked_mnist"`): `modes` (digit triples of 1,000 with a sample) and
      `kl` (KL of their histogram from uniform, nats) on `num_samples`
      (default 26,000) samples, each channel classified by `classifier`
      (default: the protocol's, mnist-net; any callable giving class
      probabilities of `[N, 28, 28, 1]` images), with `labels` and `protocol`
      (`kerasgan.metrics.evaluate_stacked_mnist`). FID & co. are not
      computed: no feature net reads digit stacks (see `kerasgan.metrics.stacked`).
      No real images are read (`split`, `data_dir`, `download` and
      `preprocessing` do not apply; `kerasgan.metrics.stacked_mnist_floor`
      measures real triples).

    Every other metric registered for the dataset's kind
    (`kerasgan.metrics.register_metric`) is computed and reported too.

    A conditional GAN whose classes are the extractor's also gets
    `conditional_accuracy` and (`kerasgan.metrics.conditional.conditional_metrics`)
    `intra_fid`, `intra_fid_per_class` (against the real images of each class
    of the train split), `cas`, `cas_real`, `cas_per_class`,
    `cas_real_per_class` (classifiers trained on generated / real train
    images, tested on `split`) and their `conditional_protocol`.
    `conditional` is a dict of that function's options (`samples_per_class`,
    `train_per_class`, `steps`, `classifier`, ...), or False to skip intra-class
    FID and CAS (about 40 s on 2 CPU cores for 28x28 digits with the defaults).

    Raises:
        ValueError: a dataset of image pairs (translation models are measured
            by `kerasgan.training.evaluate_translation`); `classifier` given for
            a dataset not judged by a classifier.

    Example:
    >>> evaluate_gan(gan, "gaussian_mixture/ring8")["modes_captured"]  # doctest: +SKIP
    8
    >>> evaluate_gan(gan, "digits/28x28")["protocol"]["extractor"]      # doctest: +SKIP
    'digits-net'
    """
    info = dataset_info(dataset)
    if classifier is not None and "classifier" not in info.protocol:
        raise ValueError(
            f"classifier= is for datasets judged by a classifier (stacked_mnist); {dataset!r} is "
            f"judged by {info.protocol.get('extractor') or 'its kind'}; got {classifier!r}.")
    if info.protocol.get("metrics") == STACKED_METRIC_SET:
        return evaluate_stacked_mnist(gan, dataset, num_samples, seed, classifier=classifier)
    if info.kind == "points":
        return _evaluate_points(gan, dataset, info, num_samples, seed)
    if info.kind != "images":
        raise ValueError(
            f"evaluate_gan measures GANs on point and image datasets; {dataset!r} is a dataset "
            f"of {info.kind.replace('_', ' ')}.")
    extractor = get_extractor(info.protocol["extractor"])
    measure_classes = gan.num_classes is not None and gan.num_classes == extractor.num_classes
    if measure_classes and conditional is not False:  # bad options fail before any work
        conditional = check_conditional_options(gan, extractor, conditional)
        try:  # and so does a train split that cannot be read (unprepared, no local source)
            load(dataset, conditional["train_split"], batch_size=1, shuffle=False, repeat=False,
                 cache=False, data_dir=data_dir, download=download)
        except (ValueError, FileNotFoundError) as error:
            raise ValueError(
                f"Intra-class FID and CAS need the labelled {conditional['train_split']!r} split "
                f"of {dataset}: {error} (evaluate_gan(..., conditional=False) or `kerasgan "
                "evaluate --noconditional` skips them).") from None
    report = evaluate_generator_quality(
        gan, dataset, split=split, num_samples=num_samples, seed=seed, data_dir=data_dir,
        download=download, extractor=extractor, preprocessing=preprocessing)
    result = {**report["metrics"], "labels": report["labels"], "protocol": report["protocol"]}
    if "classes" in report:
        result["classes"] = report["classes"]
    if measure_classes:
        result["conditional_accuracy"] = conditional_accuracy(gan, extractor, seed=seed)
        if conditional is not False:
            result.update(conditional_metrics(
                gan, dataset, extractor, test_split=result["protocol"]["split"], seed=seed,
                data_dir=data_dir, download=download, preprocessing=preprocessing,
                **conditional))
    return result


def _evaluate_points(gan, dataset, info, num_samples, seed):
    num_samples = num_samples or info.protocol.get("num_samples") or 2500
    threshold = info.protocol.get("threshold_sigma", DEFAULT_THRESHOLD)
    spec = get_mixture(dataset)
    samples = np.asarray(gan.generate(num_samples, seed=seed))
    inputs = MetricInputs("points", spec.sample(len(samples), seed=seed), samples,
                          {"threshold": threshold, "seed": seed}, mixture=spec)
    metrics = compute_metrics(inputs)
    metrics["num_samples"] = len(samples)
    metrics["protocol"] = {
        "num_samples": num_samples, "seed": seed, "threshold_sigma": threshold,
        "dataset": dataset,
        "sampler": "ema" if getattr(gan, "ema_generator", None) is not None else "generator",
    }
    return metrics


def default_protocol_extractor(dataset):
    """The extractor name kerasgan judges `dataset` with (None for datasets not judged by features).

    Example:
    >>> default_protocol_extractor("digits/28x28")
    'digits-net'
    """
    return dataset_info(dataset).protocol.get("extractor")
