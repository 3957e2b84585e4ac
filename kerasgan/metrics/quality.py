"""Sample quality of image generators: reference sets, one report of every metric.

* `reference_set(dataset, split, extractor)`: features, class probabilities and
  Gaussian statistics of real images, computed once and cached on disk per
  (dataset, split, sample count, extractor weights).
* `sample_quality(images, reference, extractor)`: FID, KID, Inception-score
  analogue, precision/recall and density/coverage of a set of images against a
  reference, with the protocol (sample counts, split, extractor) written into
  the result -- FID is biased at small n, so a value without its n means little.
* `evaluate_generator_quality(gan, dataset)`: the same for a GAN's samples,
  generated batch by batch from fixed latents.
* `default_protocol(dataset)`: the extractor, reference split and sample count
  kerasgan uses for a dataset (those of the cards' real-data floors).

Metric names carry the extractor: `metric_label("fid", "digits-net")` is
"FID (digits-net)".

Example:
>>> from kerasgan.metrics.features import get_extractor
>>> extractor = get_extractor("digits-net")
>>> reference = reference_set("digits/28x28", "test", extractor)
>>> from kerasgan.data import digits_arrays
>>> train_images, _ = digits_arrays(28, "train")
>>> report = sample_quality(train_images, reference, extractor)
>>> report["protocol"]["n_fake"], report["protocol"]["n_real"], report["protocol"]["extractor"]
(1347, 450, 'digits-net')
>>> report["metrics"]["fid"] < 5
True
"""

import dataclasses
import hashlib
import json
import os

import numpy as np
import tensorflow_datasets as tfds

from kerasgan.core.io import atomic_path
from kerasgan.core.validation import check_positive_int
from kerasgan.data import dataset_info, load, local_source
from kerasgan.data.folder import list_image_files
from kerasgan.data.idx import IDX_SPLIT_PREFIXES, find_idx_files
import kerasgan.metrics.distances as distances
from kerasgan.metrics.classes import class_balance
from kerasgan.metrics.features import ExtractedFeatures, get_extractor, iterate_batches
from kerasgan.metrics.registry import MetricInputs, compute_metrics, metric_labels, register_metric
from kerasgan.metrics.streaming import FeatureStatistics, _check_enough
from kerasgan.models.gan import latents_for_seed

__all__ = [
    "METRIC_NAMES",
    "ReferenceSet",
    "default_protocol",
    "evaluate_generator_quality",
    "metric_label",
    "reference_set",
    "sample_quality",
]

# Class histograms are reported for classifiers with at most this many classes
# (the domain nets), not for ImageNet's 1000.
_MAX_CLASSES_FOR_BALANCE = 100

#: Display names of the report's metric keys.
METRIC_NAMES = {
    "fid": "FID", "kid": "KID", "kid_std": "KID std", "inception_score": "IS",
    "inception_score_std": "IS std", "precision": "precision", "recall": "recall",
    "density": "density", "coverage": "coverage",
}


def metric_label(key, extractor_name):
    """The display name of a metric, naming its extractor.

    The label registered with the metric (`kerasgan.metrics.register_metric`),
    else `METRIC_NAMES`, else the key itself.

    Example:
    >>> metric_label("fid", "digits-net")
    'FID (digits-net)'
    """
    label = metric_labels("images").get(key) or METRIC_NAMES.get(key, key)
    return f"{label} ({extractor_name})"


# The image metrics of the report, in their column order. Each takes the
# `MetricInputs` of `sample_quality`: `real` / `fake` features and probabilities.

def _statistics(inputs, which):
    side = getattr(inputs, which)
    return inputs.memo(f"{which}_statistics", lambda: FeatureStatistics.from_features(side.features))


@register_metric("fid", label="FID", kinds=("images",), better="lower",
                 cells={"fid": lambda m: f"{m['fid']:.2f}"})
def _fid(inputs):
    fake, real = _statistics(inputs, "fake"), _statistics(inputs, "real")
    return distances.frechet_distance_from_statistics(
        fake.mean, fake.covariance, real.mean, real.covariance)


@register_metric("kid", label="KID", kinds=("images",), labels={"kid": "KID", "kid_std": "KID std"},
                 columns={"kid": "KID ×10³"}, cells={"kid": lambda m: f"{1e3 * m['kid']:.1f}"},
                 better="lower")
def _kid(inputs):
    o = inputs.options
    kid = distances.kernel_distance(inputs.fake.features, inputs.real.features,
                                    num_subsets=o["kid_subsets"], subset_size=o["kid_subset_size"],
                                    seed=o["seed"])
    return {"kid": kid.mean, "kid_std": kid.std}


@register_metric("inception_score", label="IS", kinds=("images",),
                 labels={"inception_score": "IS", "inception_score_std": "IS std"}, columns=(),
                 better="higher")
def _inception_score(inputs):
    probs = inputs.fake.probs
    score = distances.inception_score(probs, splits=min(inputs.options["is_splits"], len(probs)))
    return {"inception_score": score.mean, "inception_score_std": score.std}


@register_metric("precision_recall", label="precision / recall", kinds=("images",),
                 labels={"precision": "precision", "recall": "recall"},
                 columns={"precision": "precision / recall"},
                 cells={"precision": lambda m: f"{m['precision']:.2f} / {m['recall']:.2f}"},
                 better="higher")
def _precision_recall(inputs):
    pr = distances.precision_recall(inputs.real.features, inputs.fake.features,
                                    k=inputs.options["pr_k"])
    return {"precision": pr.precision, "recall": pr.recall}


@register_metric("density_coverage", label="density / coverage", kinds=("images",),
                 labels={"density": "density", "coverage": "coverage"}, columns=(),
                 better="higher")
def _density_coverage(inputs):
    dc = distances.density_coverage(inputs.real.features, inputs.fake.features,
                                    k=inputs.options["dc_k"])
    return {"density": dc.density, "coverage": dc.coverage}


@dataclasses.dataclass
class ReferenceSet:
    """Features of real images: what generated images are compared against.

    Attributes:
        features: float64 `[N, d]`.
        probs: float64 `[N, K]` class probabilities.
        protocol: dict with `dataset`, `split`, `n`, `extractor`, `fingerprint`.

    Example:
    >>> from kerasgan.metrics.features import get_extractor
    >>> ref = reference_set("digits/28x28", "test", get_extractor("digits-net"))
    >>> ref.features.shape, ref.protocol["split"]
    ((450, 64), 'test')
    """

    features: np.ndarray
    probs: np.ndarray
    protocol: dict

    @property
    def statistics(self):
        """Mean and covariance of the features, as `FeatureStatistics`.

        Example:
        >>> reference.statistics.count  # doctest: +SKIP
        450
        """
        return FeatureStatistics.from_features(self.features)


def default_cache_dir():
    """Where reference sets are cached: `$KERASGAN_CACHE` or `~/.cache/kerasgan`.

    Example:
    >>> default_cache_dir().endswith("reference")
    True
    """
    root = os.environ.get("KERASGAN_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "kerasgan")
    return os.path.join(root, "reference")


def default_protocol(dataset):
    """The extractor, reference split and generated-sample count for `dataset`.

    The dataset registry's protocol (`kerasgan.data.dataset_info(dataset).protocol`).
    For the datasets of a domain feature net these are its card's floor
    protocol (so a generator's scores sit next to the real-data floor at the same
    sample counts): `digits/28x28` -> the test split (450 images) vs 1,347
    samples (the train split's size); `mnist` (or an IDX directory) ->
    `test[2500:5000]+test[6500:8000]` vs 4,000 samples. Otherwise InceptionV3, the
    `test` split and 10,000 samples (an image folder: its `train` split).

    Example:
    >>> default_protocol("digits/28x28")
    {'extractor': 'digits-net', 'split': 'test', 'num_samples': 1347}
    >>> default_protocol("digits")["num_samples"]
    1347
    >>> default_protocol("cifar10")
    {'extractor': 'inception-v3', 'split': 'test', 'num_samples': 10000}
    """
    protocol = dataset_info(dataset).protocol
    return {key: protocol.get(key) for key in ("extractor", "split", "num_samples")}


# Bump when the preprocessing or the stored layout changes: old cache files are then ignored.
_CACHE_VERSION = 1


def _dataset_identity(dataset, split, data_dir):
    """What decides which images a (dataset, split) is: files for IDX, version for TFDS."""
    source = dataset_info(dataset).source
    if source == "folder":
        paths, _, _ = list_image_files(dataset)
        return {"folder": os.path.abspath(os.path.expanduser(os.fspath(dataset))),
                "files": [[os.path.relpath(p, dataset), os.stat(p).st_size,
                           os.stat(p).st_mtime_ns] for p in paths]}
    local = local_source(dataset) if source in ("registered", "tfds") else None
    if source == "idx" or local is not None:
        directory = os.path.abspath(os.path.expanduser(os.fspath(local or dataset)))
        files = []
        for name in IDX_SPLIT_PREFIXES:
            try:
                paths = find_idx_files(directory, name)
            except FileNotFoundError:
                continue
            for path in paths:
                info = os.stat(path)
                files.append([os.path.basename(path), info.st_size, info.st_mtime_ns])
        identity = {"directory": directory, "files": files}
        return identity if local is None else {"name": str(dataset), **identity}
    builder = tfds.builder(str(dataset), data_dir=data_dir)
    return {"name": str(dataset), "version": str(builder.version), "data_dir": builder.data_dir}


def _cache_path(cache_dir, protocol):
    key = json.dumps(protocol, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    slug = "".join(c if c.isalnum() else "_" for c in f"{protocol['dataset']}-{protocol['split']}")
    return os.path.join(cache_dir, f"{slug[-60:]}-{protocol['extractor']}-{digest}.npz")


def reference_set(dataset, split, extractor, *, num_samples=None, cache=True, cache_dir=None,
                  data_dir=None, download=False, batch_size=256, preprocessing=None):
    """Features of the real images of `dataset[split]`, cached per extractor.

    The cache key holds the dataset's identity (TFDS name, version and data
    directory; for an IDX directory its absolute path and the files' sizes and
    modification times), the split, the sample limit, the extractor's
    fingerprint (its weights' sha256) and a format version, so changed data or
    weights are never served stale statistics.

    Args:
        dataset: a name `kerasgan.data.load` accepts (TFDS name or IDX directory).
        split: TFDS split string, e.g. `"test"`, `"test[5000:]"`.
        extractor: a `FeatureExtractor` (or its name).
        num_samples: use the first `num_samples` images of the split (all if None).
        cache: read / write the cache (only for extractors with a fingerprint).
        cache_dir: default `default_cache_dir()`.
        data_dir, download: passed to `kerasgan.data.load`.
        batch_size: images per forward pass.
        preprocessing: `kerasgan.data.load` options that shape the images the
            generator was trained on (`image_size`, `center_crop`, `channels`):
            the reference must be preprocessed the same way (part of the cache key).

    Example:
    >>> from kerasgan.metrics.features import get_extractor
    >>> ref = reference_set("digits/28x28", "test", get_extractor("digits-net"), num_samples=100)
    >>> ref.protocol["n"]
    100
    """
    if isinstance(extractor, str):
        extractor = get_extractor(extractor)
    if num_samples is not None:
        num_samples = check_positive_int("num_samples", num_samples)
    preprocessing = dict(preprocessing or {})
    protocol = {"dataset": os.fspath(dataset), "split": split, "limit": num_samples,
                "extractor": extractor.name, "fingerprint": extractor.fingerprint}
    if preprocessing:
        protocol["preprocessing"] = preprocessing
    path = None
    if cache and extractor.fingerprint:
        protocol["identity"] = _dataset_identity(dataset, split, data_dir)
        protocol["cache_version"] = _CACHE_VERSION
        path = _cache_path(cache_dir or default_cache_dir(), protocol)
        if os.path.isfile(path):
            with np.load(path) as data:
                stored = json.loads(str(data["protocol"]))
                if stored.get("key") == protocol:
                    return ReferenceSet(data["features"], data["probs"], stored["protocol"])

    ds = load(dataset, split=split, batch_size=batch_size, shuffle=False, repeat=False,
              drop_remainder=False, data_dir=data_dir, download=download, **preprocessing)
    if num_samples is not None:
        ds = ds.unbatch().take(num_samples).batch(batch_size)
    out = extractor.extract(ds)
    n = len(out.features)
    if num_samples is not None and n < num_samples:
        raise ValueError(
            f"{dataset}[{split}] has {n} images; num_samples={num_samples} were asked for."
        )
    result = ReferenceSet(out.features, out.probs, {
        "dataset": os.fspath(dataset), "split": split, "n": n, "extractor": extractor.name,
        "fingerprint": extractor.fingerprint, **({"preprocessing": preprocessing}
                                                 if preprocessing else {})})
    if path is not None:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, features=result.features, probs=result.probs,
                         protocol=json.dumps({"key": protocol, "protocol": result.protocol}))
    return result


def sample_quality(images, reference, extractor, *, batch_size=256, kid_subsets=100,
                   kid_subset_size=1000, pr_k=3, dc_k=5, is_splits=10, seed=0,
                   source="images"):
    """Every sample-quality metric of `images` against a `ReferenceSet`.

    Images stream through `extractor` batch by batch (only features are kept).

    Args:
        images: an array `[N, H, W, C]` (float in [-1, 1] or uint8) or an
            iterable of batches.
        reference: a `ReferenceSet` from the same extractor.
        extractor: a `FeatureExtractor`.
        batch_size: images per forward pass (for arrays).
        kid_subsets, kid_subset_size, seed: KID subsets (`distances.kernel_distance`).
        pr_k, dc_k: k of precision/recall and of density/coverage.
        is_splits: splits of the Inception-score analogue.
        source: a short description of the images, written into the protocol.

    Returns:
        `{"metrics": {fid, kid, kid_std, inception_score, inception_score_std,
        precision, recall, density, coverage, and every other metric registered
        for images (`kerasgan.metrics.register_metric`)}, "labels": {key: "FID (net)", ...},
        "protocol": {...}}` (all values plain floats / ints / strings), and for
        extractors with at most 100 classes `"classes"`: the classifier's class
        histogram of the images against the reference's
        (`kerasgan.metrics.classes.class_balance`).

    Example:
    >>> report = sample_quality(fake_images, reference, extractor)  # doctest: +SKIP
    >>> report["metrics"]["fid"], report["protocol"]["n_fake"]      # doctest: +SKIP
    (3.1, 10000)
    """
    if reference.protocol["extractor"] != extractor.name or (
        reference.features.shape[1] != extractor.feature_dim
    ):
        raise ValueError(
            f"The reference set was computed with {reference.protocol['extractor']} "
            f"({reference.features.shape[1]}-d features); got extractor {extractor.name} "
            f"({extractor.feature_dim}-d)."
        )
    fake = extractor.extract(iterate_batches(images, batch_size) if _is_array(images) else images)
    n_fake, n_real = len(fake.features), len(reference.features)
    _check_enough("generated", n_fake, extractor.feature_dim)
    _check_enough("reference", n_real, extractor.feature_dim)
    real = ExtractedFeatures(reference.features, reference.probs)
    options = {"kid_subsets": kid_subsets, "kid_subset_size": kid_subset_size, "pr_k": pr_k,
               "dc_k": dc_k, "is_splits": is_splits, "seed": seed}
    metrics = compute_metrics(MetricInputs("images", real, fake, options, extractor=extractor))
    protocol = {
        "extractor": extractor.name, "extractor_fingerprint": extractor.fingerprint,
        "dataset": reference.protocol["dataset"], "split": reference.protocol["split"],
        "n_real": int(n_real), "n_fake": int(n_fake), "fake": source,
        "kid": {"subsets": kid_subsets, "subset_size": min(kid_subset_size, n_real, n_fake),
                "seed": seed},
        "precision_recall_k": pr_k, "density_coverage_k": dc_k, "is_splits": min(is_splits, n_fake),
    }
    labels = {k: metric_label(k, extractor.name) for k in metrics}  # every reported key
    report = {"metrics": metrics, "labels": labels, "protocol": protocol}
    if extractor.num_classes <= _MAX_CLASSES_FOR_BALANCE:
        real_counts = np.bincount(np.argmax(reference.probs, axis=1),
                                  minlength=extractor.num_classes)
        frequencies = np.maximum(real_counts, 1) / max(real_counts.sum(), 1)
        report["classes"] = class_balance(fake.probs, frequencies)
    return report


def _is_array(images):
    return hasattr(images, "shape") and hasattr(images, "dtype")


def generated_batches(gan, num_samples, seed, batch_size=256):
    """Yield `num_samples` images of `gan` in batches, from latents fixed by `seed`.

    The images are those `gan.generate(num_samples, seed=seed)` returns (for a
    conditional GAN: sample i of class i mod K), without holding them all at once.

    Example:
    >>> batches = generated_batches(gan, 1000, seed=0)  # doctest: +SKIP
    """
    num_samples = check_positive_int("num_samples", num_samples)
    batch_size = check_positive_int("batch_size", batch_size)
    latents = latents_for_seed(num_samples, gan.latent_dim, int(seed))
    classes = getattr(gan, "num_classes", None)
    for start in range(0, num_samples, batch_size):
        stop = min(start + batch_size, num_samples)
        # Conditional GANs: sample i gets class i mod K, as in gan.generate(num, seed).
        labels = None if classes is None else np.arange(start, stop) % classes
        yield gan.generate(latents[start:stop], labels=labels)


def evaluate_generator_quality(gan, dataset, *, split=None, num_samples=None, seed=12345,
                               extractor=None, data_dir=None, download=False, cache=True,
                               batch_size=256, preprocessing=None):
    """Sample-quality report of a GAN's samples against `dataset[split]`.

    Defaults (`split`, `num_samples`, `extractor`) come from
    `default_protocol(dataset)`; the generated images use fixed latents from
    `seed` (the same as `gan.generate(num_samples, seed=seed)`). `preprocessing`
    (`image_size`, `center_crop`, ...) is applied to the real images, as in
    training.

    Example:
    >>> report = evaluate_generator_quality(gan, "digits/28x28")  # doctest: +SKIP
    >>> report["labels"]["fid"]                                   # doctest: +SKIP
    'FID (digits-net)'
    """
    defaults = default_protocol(dataset)
    split = split or defaults["split"]
    num_samples = num_samples or defaults["num_samples"]
    extractor = extractor or defaults["extractor"]
    if isinstance(extractor, str):
        extractor = get_extractor(extractor)
    shape = tuple(gan.data_shape)
    if len(shape) != 3 or shape[-1] not in (1, 3):
        raise ValueError(
            f"Sample-quality metrics need an image generator ([H, W, 1 or 3] samples); "
            f"this GAN generates samples of shape {shape}."
        )
    reference = reference_set(dataset, split, extractor, data_dir=data_dir, download=download,
                              cache=cache, batch_size=batch_size, preprocessing=preprocessing)
    sampler = "ema" if getattr(gan, "ema_generator", None) is not None else "generator"
    report = sample_quality(generated_batches(gan, num_samples, seed, batch_size), reference,
                            extractor, source=f"{num_samples} samples of the {sampler}, seed {seed}")
    report["protocol"]["seed"] = seed
    return report
