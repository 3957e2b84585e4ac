"""Streaming sample-quality metrics: features accumulated batch by batch, in float64.

Images go through the feature extractor one batch at a time and only their
features are kept, never the images:

* `FeatureStatistics`: running count, mean and covariance (float64 sums of x and
  x xᵀ, centred on a fixed shift for accuracy) -- all FID needs, in O(d²)
  memory whatever the number of images. Mergeable, saved as `.npz`.
* `FrechetDistanceMetric`: a `keras.metrics.Metric` holding those sums as float64
  variables; `result()` is the FID against reference statistics.
* `KernelDistanceMetric`, `InceptionScoreMetric`, `PrecisionRecallMetric`: KID,
  IS and precision/recall need the samples themselves, so these keep the
  features (or probabilities) in a float64 buffer of fixed capacity -- for 10,000
  samples of a 64-d net that is 5 MB.

Their results equal the one-shot functions of `kerasgan.metrics.distances` on
the same features (tested).

Example:
>>> from kerasgan.metrics.features import get_extractor
>>> extractor = get_extractor("digits-net")
>>> rng = np.random.default_rng(0)
>>> real = rng.uniform(-1, 1, (200, 28, 28, 1)).astype("float32")
>>> reference = FeatureStatistics.from_features(extractor.extract(real).features)
>>> fid = FrechetDistanceMetric(extractor, reference)
>>> for start in range(0, 200, 50):
...     fid.update_state(real[start:start + 50])
>>> abs(float(fid.result())) < 1e-6
True
"""

import os

import keras
import numpy as np
import tensorflow as tf

from kerasgan.core.io import atomic_path
from kerasgan.core.validation import check_positive_int
import kerasgan.metrics.distances as distances

__all__ = [
    "FeatureStatistics",
    "FrechetDistanceMetric",
    "InceptionScoreMetric",
    "KernelDistanceMetric",
    "PrecisionRecallMetric",
]


class FeatureStatistics:
    """Running count, mean and covariance of feature vectors (float64).

    Args:
        dim: feature width d.
        shift: a vector subtracted before accumulating (e.g. an estimate of the
            mean; the first batch's mean if None). Centring keeps the sums small,
            so the covariance does not lose digits to cancellation.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(1000, 3))
    >>> stats = FeatureStatistics(3)
    >>> stats.update(x[:400]); stats.update(x[400:])
    >>> bool(np.allclose(stats.covariance, np.cov(x, rowvar=False)))
    True
    """

    def __init__(self, dim, shift=None):
        self.dim = check_positive_int("dim", dim)
        self.count = 0
        self.shift = None if shift is None else np.asarray(shift, np.float64).reshape(self.dim)
        self.sum = np.zeros(self.dim)
        self.sum_outer = np.zeros((self.dim, self.dim))

    @classmethod
    def from_features(cls, features):
        """Statistics of a whole feature array `[N, d]`.

        Example:
        >>> FeatureStatistics.from_features(np.eye(3)).count
        3
        """
        features = _checked_features(features, "features")
        stats = cls(features.shape[1])
        stats.update(features)
        return stats

    def update(self, features):
        """Add a batch of feature vectors `[B, d]`.

        Example:
        >>> stats = FeatureStatistics(2); stats.update([[1.0, 2.0], [3.0, 4.0]]); stats.mean
        array([2., 3.])
        """
        features = _checked_features(features, "features", width=self.dim)
        if self.shift is None:
            self.shift = features.mean(axis=0)
        centred = features - self.shift
        self.count += len(features)
        self.sum += centred.sum(axis=0)
        self.sum_outer += centred.T @ centred

    def merge(self, other):
        """Add the samples summarised by another `FeatureStatistics` (same width).

        Example:
        >>> a = FeatureStatistics.from_features([[0.0], [2.0]])
        >>> a.merge(FeatureStatistics.from_features([[4.0]])); float(a.mean[0])
        2.0
        """
        if other.dim != self.dim:
            raise ValueError(f"Cannot merge statistics of width {other.dim} into width {self.dim}.")
        if other.count == 0:
            return
        if self.shift is None:
            self.shift = other.shift.copy()
        delta = other.shift - self.shift  # re-centre the other's sums on our shift
        sum_other = other.sum + other.count * delta
        self.sum_outer += (
            other.sum_outer + np.outer(other.sum, delta) + np.outer(delta, other.sum)
            + other.count * np.outer(delta, delta)
        )
        self.sum += sum_other
        self.count += other.count

    @property
    def mean(self):
        """The mean feature vector `[d]`.

        Example:
        >>> FeatureStatistics.from_features([[1.0], [3.0]]).mean
        array([2.])
        """
        self._require(1)
        return self.shift + self.sum / self.count

    @property
    def covariance(self):
        """The unbiased covariance `[d, d]` (divides by n - 1).

        Example:
        >>> FeatureStatistics.from_features([[1.0], [3.0]]).covariance
        array([[2.]])
        """
        self._require(2)
        centred_mean = self.sum / self.count
        cov = (self.sum_outer - self.count * np.outer(centred_mean, centred_mean)) / (self.count - 1)
        return (cov + cov.T) / 2

    def _require(self, n):
        if self.count < n:
            raise ValueError(
                f"FeatureStatistics needs at least {n} samples; it has {self.count}."
            )

    def save(self, path):
        """Write the statistics to an `.npz` file, atomically.

        Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "stats.npz")
        >>> FeatureStatistics.from_features([[1.0], [3.0]]).save(path)
        >>> FeatureStatistics.load(path).count
        2
        """
        if self.count == 0:
            raise ValueError("Refusing to save empty FeatureStatistics (no samples were added).")
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, count=self.count, shift=self.shift, sum=self.sum,
                         sum_outer=self.sum_outer)

    @classmethod
    def load(cls, path):
        """Read statistics written by `save`.

        Example:
        >>> FeatureStatistics.load("stats.npz")  # doctest: +SKIP
        """
        with np.load(os.fspath(path)) as data:
            stats = cls(data["sum"].shape[0], shift=data["shift"])
            stats.count = int(data["count"])
            stats.sum = data["sum"].astype(np.float64)
            stats.sum_outer = data["sum_outer"].astype(np.float64)
        return stats


def _checked_features(features, name, width=None):
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [N, d]; got shape {features.shape}.")
    if width is not None and features.shape[1] != width:
        raise ValueError(f"{name} must have width {width}; got shape {features.shape}.")
    bad = int(features.size - np.count_nonzero(np.isfinite(features)))
    if bad:
        raise ValueError(f"{name} must be finite; got {bad} NaN or infinite values.")
    return features


class FrechetDistanceMetric(keras.metrics.Metric):
    """Streaming FID: images in, float64 feature moments accumulated, FID out.

    Args:
        extractor: a `kerasgan.metrics.FeatureExtractor`.
        reference: `FeatureStatistics` of the real images (same extractor).
        name: metric name; default `"fid_<extractor>"`.

    `update_state(images)` takes a batch of images (float in `[-1, 1]` or
    uint8); `result()` is the Fréchet distance between the accumulated
    statistics and the reference.

    Example:
    >>> from kerasgan.metrics.features import get_extractor
    >>> ex = get_extractor("digits-net")
    >>> x = np.random.default_rng(0).uniform(-1, 1, (100, 28, 28, 1)).astype("float32")
    >>> metric = FrechetDistanceMetric(ex, FeatureStatistics.from_features(ex.extract(x).features))
    >>> metric.update_state(x[:50]); metric.update_state(x[50:])
    >>> round(float(metric.result()), 6)
    0.0
    """

    def __init__(self, extractor, reference, name=None, **kwargs):
        super().__init__(name=name or f"fid_{_slug(extractor.name)}", dtype="float64", **kwargs)
        if reference.dim != extractor.feature_dim:
            raise ValueError(
                f"The reference statistics have width {reference.dim}, but extractor "
                f"{extractor.name} gives {extractor.feature_dim}-d features."
            )
        _check_enough("reference", reference.count, reference.dim)
        self.extractor = extractor
        self.reference_mean = reference.mean
        self.reference_covariance = reference.covariance
        d = extractor.feature_dim
        self.count = self.add_variable((), "zeros", dtype="float64", name="count")
        self.sum = self.add_variable((d,), "zeros", dtype="float64", name="sum")
        self.sum_outer = self.add_variable((d, d), "zeros", dtype="float64", name="sum_outer")
        self._shift = tf.constant(self.reference_mean, tf.float64)

    def update_state(self, images, sample_weight=None):
        """Extract the features of a batch of images and add them to the sums.

        Example:
        >>> metric.update_state(generated_images)  # doctest: +SKIP
        """
        if sample_weight is not None:
            raise ValueError("FrechetDistanceMetric does not take sample weights.")
        features = tf.cast(self.extractor(images)[0], tf.float64) - self._shift
        self.count.assign_add(tf.cast(tf.shape(features)[0], tf.float64))
        self.sum.assign_add(tf.reduce_sum(features, axis=0))
        self.sum_outer.assign_add(tf.matmul(features, features, transpose_a=True))

    def statistics(self):
        """The accumulated `FeatureStatistics` (numpy).

        Example:
        >>> metric.statistics().count  # doctest: +SKIP
        10000
        """
        stats = FeatureStatistics(self.extractor.feature_dim, shift=self.reference_mean)
        stats.count = int(np.asarray(self.count))
        stats.sum = np.asarray(self.sum, np.float64)
        stats.sum_outer = np.asarray(self.sum_outer, np.float64)
        return stats

    def result(self):
        """The FID of the accumulated features against the reference (float64 scalar).

        Raises ValueError (eagerly; in a `tf.function` an `InvalidArgumentError`)
        when fewer samples than feature dimensions were accumulated.

        Example:
        >>> float(metric.result())  # doctest: +SKIP
        3.21
        """
        def fid(count, total, outer):
            stats = FeatureStatistics(len(total), shift=self.reference_mean)
            stats.count, stats.sum, stats.sum_outer = int(count), total, outer
            _check_enough("generated", stats.count, stats.dim)
            return np.float64(distances.frechet_distance_from_statistics(
                stats.mean, stats.covariance, self.reference_mean, self.reference_covariance))

        if tf.executing_eagerly():
            return tf.constant(fid(np.asarray(self.count), np.asarray(self.sum),
                                   np.asarray(self.sum_outer)), tf.float64)
        value = tf.numpy_function(fid, [self.count, self.sum, self.sum_outer], tf.float64)
        return tf.reshape(value, ())


def _check_enough(which, count, dim):
    if count <= dim:
        raise ValueError(
            f"FID needs more samples than feature dimensions: got {count} {which} "
            f"samples of width {dim}; need at least {dim + 1} (with n <= d the covariance "
            "is singular)."
        )


def _refuse_replicas(name):
    if tf.distribute.has_strategy() and tf.distribute.get_strategy().num_replicas_in_sync > 1:
        raise ValueError(
            f"{name} keeps per-sample rows and does not run under a multi-replica "
            f"strategy ({tf.distribute.get_strategy().num_replicas_in_sync} replicas): "
            "compute it outside the strategy (e.g. in a callback). FrechetDistanceMetric, "
            "whose state is sums, does."
        )


class _BufferedMetric(keras.metrics.Metric):
    """Keeps per-sample rows (features or probabilities) in a float64 buffer.

    The buffer is a plain `tf.Variable` written in place (`scatter_nd_update`),
    so a batch costs O(batch) whatever the capacity.
    """

    def __init__(self, extractor, width, capacity, name, **kwargs):
        super().__init__(name=name, dtype="float64", **kwargs)
        _refuse_replicas(type(self).__name__)
        self.extractor = extractor
        self.capacity = check_positive_int("capacity", capacity)
        self.rows = tf.Variable(tf.zeros((self.capacity, width), tf.float64), trainable=False,
                                name="rows")
        self.count = tf.Variable(tf.constant(0, tf.int64), trainable=False, name="count")

    def _row_of(self, features, probs):
        raise NotImplementedError

    def update_state(self, images, sample_weight=None):
        """Extract one batch of images and append its rows to the buffer.

        Example:
        >>> metric.update_state(generated_images)  # doctest: +SKIP
        """
        _refuse_replicas(type(self).__name__)
        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__} does not take sample weights.")
        features, probs = self.extractor(images)
        rows = tf.cast(self._row_of(features, probs), tf.float64)
        n = tf.cast(tf.shape(rows)[0], tf.int64)
        tf.debugging.assert_less_equal(
            self.count + n, tf.cast(self.capacity, tf.int64),
            message=f"{self.name}: more samples than its capacity ({self.capacity}); "
                    "create the metric with a larger capacity.",
        )
        indices = tf.range(self.count, self.count + n)[:, None]
        self.rows.scatter_nd_update(indices, rows)
        self.count.assign_add(n)

    def reset_state(self):
        """Forget the collected rows.

        Example:
        >>> metric.reset_state()  # doctest: +SKIP
        """
        self.count.assign(0)

    def collected(self):
        """The rows collected so far, as a float64 numpy array.

        Example:
        >>> metric.collected().shape  # doctest: +SKIP
        (10000, 64)
        """
        return self.rows.numpy()[: int(self.count.numpy())]

    def result(self):
        """The metric of the collected rows: a float64 tensor of shape [2] (see the subclass).

        Example:
        >>> metric.result().numpy()  # doctest: +SKIP
        array([0.012, 0.003])
        """
        if tf.executing_eagerly():
            return tf.constant(self._compute(self.collected()), tf.float64)

        def compute(rows, count):
            return np.asarray(self._compute(rows[:count]), np.float64)

        value = tf.numpy_function(compute, [self.rows, self.count], tf.float64)
        value.set_shape([2])
        return value


class KernelDistanceMetric(_BufferedMetric):
    """Streaming KID (mean over subsets) against reference features.

    Args:
        extractor: a `FeatureExtractor`.
        reference_features: real features `[N, d]` of the same extractor.
        capacity: the most generated samples it will hold.
        num_subsets, subset_size, seed: as in `distances.kernel_distance`.

    `result()` is `[mean, std]` of the KID over the subsets.

    Example:
    >>> from kerasgan.metrics.features import get_extractor
    >>> ex = get_extractor("digits-net")
    >>> x = np.random.default_rng(0).uniform(-1, 1, (60, 28, 28, 1)).astype("float32")
    >>> metric = KernelDistanceMetric(ex, ex.extract(x).features, capacity=100)
    >>> metric.update_state(x[:30]); metric.update_state(x[30:])
    >>> metric.collected().shape
    (60, 64)
    """

    def __init__(self, extractor, reference_features, capacity=10_000, num_subsets=100,
                 subset_size=1000, seed=0, name=None, **kwargs):
        super().__init__(extractor, extractor.feature_dim, capacity,
                         name or f"kid_{_slug(extractor.name)}", **kwargs)
        self.reference_features = _checked_features(
            reference_features, "reference_features", width=extractor.feature_dim)
        self.options = dict(num_subsets=num_subsets, subset_size=subset_size, seed=seed)

    def _row_of(self, features, probs):
        return features

    def _compute(self, rows):
        kid = distances.kernel_distance(rows, self.reference_features, **self.options)
        return [kid.mean, kid.std]


class InceptionScoreMetric(_BufferedMetric):
    """Streaming Inception score (with any extractor's class probabilities).

    With `inception-v3` this is the Inception score; with a domain net it is its
    analogue ("IS (digits-net)"). `result()` is `[mean, std]` over `splits`.

    Example:
    >>> from kerasgan.metrics.features import get_extractor
    >>> metric = InceptionScoreMetric(get_extractor("digits-net"), capacity=100, splits=2)
    >>> metric.update_state(np.zeros((10, 28, 28, 1), "uint8"))
    >>> metric.collected().shape
    (10, 10)
    """

    def __init__(self, extractor, capacity=10_000, splits=10, name=None, **kwargs):
        super().__init__(extractor, extractor.num_classes, capacity,
                         name or f"is_{_slug(extractor.name)}", **kwargs)
        self.splits = check_positive_int("splits", splits)

    def _row_of(self, features, probs):
        return probs

    def _compute(self, rows):
        score = distances.inception_score(rows, splits=self.splits)
        return [score.mean, score.std]


class PrecisionRecallMetric(_BufferedMetric):
    """Streaming improved precision and recall (k-NN manifolds) against real features.

    `result()` is `[precision, recall]`.

    Example:
    >>> from kerasgan.metrics.features import get_extractor
    >>> ex = get_extractor("digits-net")
    >>> x = np.random.default_rng(0).uniform(-1, 1, (40, 28, 28, 1)).astype("float32")
    >>> metric = PrecisionRecallMetric(ex, ex.extract(x).features, capacity=40)
    >>> metric.update_state(x)
    >>> [round(float(v), 3) for v in metric.result()]
    [1.0, 1.0]
    """

    def __init__(self, extractor, reference_features, capacity=10_000, k=3, name=None, **kwargs):
        super().__init__(extractor, extractor.feature_dim, capacity,
                         name or f"precision_recall_{_slug(extractor.name)}", **kwargs)
        self.reference_features = _checked_features(
            reference_features, "reference_features", width=extractor.feature_dim)
        self.k = check_positive_int("k", k)

    def _row_of(self, features, probs):
        return features

    def _compute(self, rows):
        return list(distances.precision_recall(self.reference_features, rows, k=self.k))


def _slug(name):
    return name.replace("-", "_")
