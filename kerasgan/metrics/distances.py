"""Sample-quality distances between sets of features (TF-GAN style), in numpy.

Every function takes feature arrays `[n, d]` -- n samples of width d, e.g. the
2048-wide pool3 activations of an Inception network for real and generated
images -- or, for the Inception score, class probabilities `[n, C]`, and
computes in float64 with numpy only.

* **Fréchet distance** (FID on Inception features; Heusel et al. 2017): the
  Fréchet (2-Wasserstein) distance between Gaussians fitted to the two sets,
  ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^{1/2}). 0 for identical sets.
  **FID is biased**: for two finite sample sets of the *same* distribution its
  expectation is positive and shrinks roughly like 1/n, and the bias depends on
  the generator (Binkowski et al. 2018; Chong & Forsyth 2020), so FIDs are only
  comparable at equal sample counts -- always report n with the value.
* **Kernel distance** (KID; Binkowski et al. 2018): the unbiased estimate of the
  squared maximum mean discrepancy with the cubic polynomial kernel
  k(x, y) = (x·y / d + 1)³, averaged over random subsets. Its expectation is 0
  for two samples of the same distribution (single estimates can be negative),
  so it is comparable across sample counts.
* **Inception score** (IS; Salimans et al. 2016): exp(E_x KL(p(y|x) ‖ p(y)))
  from a classifier's class probabilities, in [1, C]; high when every sample is
  classified confidently and the classes are used evenly. Computed per split
  and reported as mean and standard deviation over the splits.
* **Improved precision and recall** (Kynkäänniemi et al. 2019): the real
  manifold is the union of balls around the real samples, each with the radius
  to its k-th nearest other real sample; precision is the fraction of generated
  samples inside it (fidelity), recall the fraction of real samples inside the
  generated manifold built the same way (diversity).
* **Density and coverage** (Naeem et al. 2020): density counts how many real
  balls contain each generated sample, over k (≈ 1 when the distributions match,
  robust to real outliers, may exceed 1); coverage is the fraction of real balls
  that contain at least one generated sample.

The k-NN metrics compute the pairwise distances in row chunks of at most
~64 MB, so sets of 10k × 10k samples or more fit in memory.

References:
    M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler, S. Hochreiter. "GANs
    trained by a two time-scale update rule converge to a local Nash
    equilibrium." NeurIPS 2017.
    M. Binkowski, D. J. Sutherland, M. Arbel, A. Gretton. "Demystifying MMD
    GANs." ICLR 2018.
    T. Salimans, I. Goodfellow, W. Zaremba, V. Cheung, A. Radford, X. Chen.
    "Improved techniques for training GANs." NeurIPS 2016.
    T. Kynkäänniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila. "Improved
    precision and recall metric for assessing generative models." NeurIPS 2019.
    M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi, J. Yoo. "Reliable fidelity and
    diversity metrics for generative models." ICML 2020.
    M. J. Chong, D. Forsyth. "Effectively unbiased FID and Inception score and
    where to find them." CVPR 2020.

Example (two unit Gaussians whose means differ by 1 in each of 4 coordinates:
the population FID is 4):
>>> rng = np.random.default_rng(0)
>>> real = rng.normal(size=(4000, 4))
>>> fake = rng.normal(loc=1.0, size=(4000, 4))
>>> round(frechet_distance(real, fake), 1)
4.0
>>> round(precision_recall(real, real).precision, 2)
1.0
"""

import math
from typing import NamedTuple

import numpy as np

from kerasgan.core.validation import check_positive_int

__all__ = [
    "DensityCoverage",
    "InceptionScore",
    "KernelDistance",
    "PrecisionRecall",
    "density_coverage",
    "frechet_distance",
    "frechet_distance_from_statistics",
    "gaussian_statistics",
    "inception_score",
    "kernel_distance",
    "precision_recall",
]

# Upper bound of one chunk of a pairwise-distance matrix (float64), in bytes.
_CHUNK_BYTES = 64 * 2**20

# A covariance counts as symmetric when max |Σ − Σᵀ| <= this × max |Σ|
# (loose enough for covariances accumulated in float32).
_SYMMETRY_RTOL = 1e-4
# Eigenvalues down to -_PSD_RTOL * max|cov| count as round-off of a PSD matrix.
_PSD_RTOL = 1e-5

# Rows of `probs` must sum to 1 within this tolerance.
_PROBABILITY_SUM_ATOL = 1e-3


class KernelDistance(NamedTuple):
    """Kernel (Inception) distance: mean and standard deviation over subsets.

    Example:
    >>> kid = KernelDistance(mean=0.0125, std=0.0021)
    >>> kid.mean, kid.std
    (0.0125, 0.0021)
    """

    mean: float
    std: float


class InceptionScore(NamedTuple):
    """Inception score: mean and standard deviation over the splits.

    Example:
    >>> InceptionScore(mean=9.2, std=0.1).mean
    9.2
    """

    mean: float
    std: float


class PrecisionRecall(NamedTuple):
    """Improved precision (fidelity) and recall (diversity), both in [0, 1].

    Example:
    >>> PrecisionRecall(precision=0.75, recall=0.5).recall
    0.5
    """

    precision: float
    recall: float


class DensityCoverage(NamedTuple):
    """Density (>= 0, ≈ 1 for matching distributions) and coverage (in [0, 1]).

    Example:
    >>> DensityCoverage(density=1.02, coverage=0.97).coverage
    0.97
    """

    density: float
    coverage: float


def _as_real_array(value, name):
    """Return `value` as a finite float64 array, or raise a ValueError naming `name`."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} must be a real numeric array; could not convert the given "
            f"{type(value).__name__}: {error}"
        ) from error
    if array.dtype.kind not in "fiu":
        raise ValueError(
            f"{name} must be a real numeric (float or integer) array; got dtype {array.dtype}."
        )
    array = array.astype(np.float64, copy=False)
    bad = array.size - int(np.count_nonzero(np.isfinite(array)))
    if bad:
        raise ValueError(
            f"{name} must be finite; got {bad} non-finite (NaN or inf) values "
            f"out of {array.size}."
        )
    return array


def _validate_features(arrays, *, min_rows=1, need="{rows} samples"):
    """Validate named feature arrays and return them as float64 `[n, d]` arrays.

    Args:
        arrays: dict argument name -> array-like.
        min_rows: the minimum n of every array: an int, or a function of d.
        need: the requirement for the error message, formatted with `rows` (the
            minimum) and `d`.
    """
    validated = {}
    for name, value in arrays.items():
        array = _as_real_array(value, name)
        if array.ndim != 2 or array.shape[1] < 1:
            raise ValueError(
                f"{name} must be a 2-D array [n, d] of n samples of width d >= 1; "
                f"got shape {tuple(array.shape)}."
            )
        validated[name] = array
    widths = {name: array.shape[1] for name, array in validated.items()}
    if len(set(widths.values())) > 1:
        described = " and ".join(f"{name} has width {d}" for name, d in widths.items())
        raise ValueError(f"the feature arrays must have the same width d; {described}.")
    for name, array in validated.items():
        n, d = array.shape
        rows = min_rows(d) if callable(min_rows) else min_rows
        if n < rows:
            raise ValueError(
                f"{name}: got {n} samples of width {d}; need at least "
                f"{need.format(rows=rows, d=d)}."
            )
    return list(validated.values())


def _check_batch_size(batch_size):
    return None if batch_size is None else check_positive_int("batch_size", batch_size)


def _statistics(features):
    mean = features.mean(axis=0)
    centred = features - mean
    cov = centred.T @ centred / (len(features) - 1)
    return mean, (cov + cov.T) / 2


def gaussian_statistics(features):
    """Return the mean and unbiased covariance of a feature array, in float64.

    Args:
        features: array-like `[n, d]`, n >= 2, finite.

    Returns:
        `(mean, cov)`: float64 `[d]` and `[d, d]` (divided by n − 1, symmetric).

    Raises:
        ValueError: if `features` is not a finite 2-D real array with n >= 2.

    Example:
    >>> mean, cov = gaussian_statistics([[0.0, 1.0], [2.0, 1.0], [4.0, 4.0]])
    >>> mean.tolist(), cov.tolist()
    ([2.0, 2.0], [[4.0, 3.0], [3.0, 3.0]])
    """
    (features,) = _validate_features(
        {"features": features},
        min_rows=2,
        need="{rows} samples (the unbiased covariance divides by n - 1)",
    )
    return _statistics(features)


def _check_statistics(mean, cov, mean_name, cov_name, width=None):
    """Return (mean [d], symmetrised cov [d, d]) as float64, or raise ValueError."""
    mean = _as_real_array(mean, mean_name)
    cov = _as_real_array(cov, cov_name)
    if mean.ndim != 1 or mean.size < 1:
        raise ValueError(
            f"{mean_name} must be a 1-D array [d] with d >= 1; got shape {tuple(mean.shape)}."
        )
    d = len(mean)
    if width is not None and d != width:
        raise ValueError(
            f"the means must have the same length d; mean_a has length {width} "
            f"and {mean_name} has length {d}."
        )
    if cov.shape != (d, d):
        raise ValueError(
            f"{cov_name} must have shape [d, d] = [{d}, {d}] to match {mean_name}; "
            f"got shape {tuple(cov.shape)}."
        )
    asymmetry = float(np.max(np.abs(cov - cov.T)))
    tolerance = _SYMMETRY_RTOL * float(np.max(np.abs(cov)))
    if asymmetry > tolerance:
        raise ValueError(
            f"{cov_name} must be a symmetric covariance matrix; got "
            f"max |cov - cov.T| = {asymmetry:.3g} > {tolerance:.3g} "
            f"({_SYMMETRY_RTOL:g} × max |cov|)."
        )
    cov = (cov + cov.T) / 2
    lowest = float(np.linalg.eigvalsh(cov)[0])
    floor = -_PSD_RTOL * float(np.max(np.abs(cov)))
    if lowest < floor:
        raise ValueError(
            f"{cov_name} must be positive semi-definite (a covariance matrix); its "
            f"smallest eigenvalue is {lowest:.3g} < {floor:.3g} "
            f"(-{_PSD_RTOL:g} × max |cov|, the round-off allowance)."
        )
    return mean, cov


def _psd_sqrt(cov):
    """The symmetric square root of a PSD matrix; round-off negative eigenvalues -> 0."""
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def frechet_distance_from_statistics(mean_a, cov_a, mean_b, cov_b):
    """Return the Fréchet distance between two Gaussians N(mean_a, cov_a), N(mean_b, cov_b).

    d² = ‖mean_a − mean_b‖² + Tr(A + B − 2 (A B)^{1/2}) with A = cov_a, B = cov_b.
    The trace of (A B)^{1/2} is computed stably as the sum of the square roots
    of the eigenvalues of the symmetric PSD matrix A^{1/2} B A^{1/2} (similar to
    A B), with A^{1/2} from a symmetric eigendecomposition; negative round-off
    eigenvalues are clipped to 0, and so is a negative result.

    Args:
        mean_a, mean_b: array-like `[d]`, finite.
        cov_a, cov_b: array-like `[d, d]`, finite, symmetric (within a relative
            1e-4) positive semi-definite covariance matrices.

    Returns:
        The distance (a float >= 0; the squared 2-Wasserstein distance).

    Raises:
        ValueError: if a shape is wrong, a value is not finite or a covariance
            is not symmetric positive semi-definite.

    Example (1-D: (0 − 1)² + 1 + 4 − 2·sqrt(1·4) = 2):
    >>> round(frechet_distance_from_statistics([0.0], [[1.0]], [1.0], [[4.0]]), 6)
    2.0
    """
    mean_a, cov_a = _check_statistics(mean_a, cov_a, "mean_a", "cov_a")
    mean_b, cov_b = _check_statistics(mean_b, cov_b, "mean_b", "cov_b", width=len(mean_a))
    sqrt_a = _psd_sqrt(cov_a)
    middle = sqrt_a @ cov_b @ sqrt_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt = np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None)))
    diff = mean_a - mean_b
    distance = diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_sqrt
    return max(float(distance), 0.0)


def frechet_distance(features_a, features_b):
    """Return the Fréchet distance (FID) between Gaussians fitted to two feature sets.

    The means and unbiased covariances of the two sets are passed to
    `frechet_distance_from_statistics`. The estimate is biased upwards at small
    n (see the module docstring): report the sample counts with it.

    Args:
        features_a, features_b: array-like `[n_a, d]` and `[n_b, d]`, finite, of
            the same width d, with n > d each (otherwise the covariance is
            singular).

    Returns:
        The distance, a float >= 0.

    Raises:
        ValueError: if an array is not a finite 2-D real array, the widths
            differ, or a set has n <= d samples.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(2000, 3))
    >>> round(frechet_distance(a, a), 6)
    0.0
    >>> round(frechet_distance(a, 2.0 * a), 1)  # N(0, I) vs N(0, 4 I): 3 · (2 − 1)²
    3.0
    """
    features_a, features_b = _validate_features(
        {"features_a": features_a, "features_b": features_b},
        min_rows=lambda d: d + 1,
        need=(
            "d + 1 = {rows} samples: with n <= d the sample covariance has rank "
            "at most n - 1 < d, i.e. it is singular"
        ),
    )
    return frechet_distance_from_statistics(*_statistics(features_a), *_statistics(features_b))


def _polynomial_kernel(x, y):
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def _unbiased_mmd2(x, y):
    """Unbiased MMD² of two equally sized sets with the cubic polynomial kernel."""
    m = len(x)
    k_xx = _polynomial_kernel(x, x)
    k_yy = _polynomial_kernel(y, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return within - 2.0 * _polynomial_kernel(x, y).mean()


def kernel_distance(features_a, features_b, *, num_subsets=100, subset_size=1000, seed=0):
    """Return the kernel distance (KID) between two feature sets.

    For each of `num_subsets` subsets, m = min(subset_size, n_a, n_b) rows of
    each set are drawn without replacement -- with
    `rng.choice(n_a, m, replace=False)` then `rng.choice(n_b, m, replace=False)`,
    `rng = np.random.default_rng(seed)` -- and the unbiased MMD² with kernel
    k(x, y) = (x·y / d + 1)³ is

        (Σ_{i≠j} k(x_i, x_j) + Σ_{i≠j} k(y_i, y_j)) / (m (m − 1))
            − 2 mean_{i,j} k(x_i, y_j).

    Args:
        features_a, features_b: array-like `[n_a, d]` and `[n_b, d]`, finite, of
            the same width, with at least 2 samples each.
        num_subsets: the number of random subsets (positive int).
        subset_size: the subset size before clipping to the set sizes (int >= 2).
        seed: the seed of the numpy random generator.

    Returns:
        `KernelDistance(mean, std)`: the mean and the standard deviation (ddof 0)
        of the MMD² over the subsets. The mean is unbiased, so it can be
        slightly negative for matching distributions.

    Raises:
        ValueError: if an array is invalid, the widths differ, or an integer
            argument is out of range.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(500, 8))
    >>> options = dict(num_subsets=20, subset_size=200)
    >>> same = kernel_distance(a, rng.normal(size=(500, 8)), **options)
    >>> far = kernel_distance(a, rng.normal(loc=1.0, size=(500, 8)), **options)
    >>> round(same.mean, 2), round(far.mean, 1)
    (0.0, 8.6)
    """
    num_subsets = check_positive_int("num_subsets", num_subsets)
    subset_size = check_positive_int("subset_size", subset_size)
    if subset_size < 2:
        raise ValueError(f"subset_size must be at least 2; got {subset_size}.")
    features_a, features_b = _validate_features(
        {"features_a": features_a, "features_b": features_b},
        min_rows=2,
        need="{rows} samples (the unbiased MMD² excludes the diagonal, m(m - 1) > 0)",
    )
    m = min(subset_size, len(features_a), len(features_b))
    rng = np.random.default_rng(seed)
    values = np.empty(num_subsets)
    for i in range(num_subsets):
        x = features_a[rng.choice(len(features_a), m, replace=False)]
        y = features_b[rng.choice(len(features_b), m, replace=False)]
        values[i] = _unbiased_mmd2(x, y)
    return KernelDistance(mean=float(values.mean()), std=float(values.std()))


def _xlogy(x, y):
    """x · log(y), with 0 where x == 0 (y > 0 wherever x > 0)."""
    positive = x > 0
    return np.where(positive, x * np.log(np.where(positive, y, 1.0)), 0.0)


def inception_score(probs, splits=10):
    """Return the Inception score of class probabilities, over `splits` splits.

    The rows are split into `splits` consecutive parts (boundaries i·N // splits,
    as in the original code); for each part with marginal p(y) = mean_i p(y|x_i)
    the score is exp(mean_i KL(p(y|x_i) ‖ p(y))), with 0 · log 0 = 0.

    Args:
        probs: array-like `[N, C]` of class probabilities (e.g. the softmax of an
            Inception network on generated images): finite, non-negative, rows
            summing to 1 within 1e-3, N >= splits.
        splits: the number of splits (positive int; 10 is the convention).

    Returns:
        `InceptionScore(mean, std)` over the splits (std with ddof 0); each score
        lies in [1, C].

    Raises:
        ValueError: if `probs` is not a valid probability array or N < splits.

    Example (confident predictions spread evenly over 4 classes score 4):
    >>> probs = np.tile(np.eye(4), (5, 1))  # 20 one-hot rows
    >>> score = inception_score(probs, splits=5)
    >>> round(score.mean, 6), round(score.std, 6)
    (4.0, 0.0)
    """
    splits = check_positive_int("splits", splits)
    (probs,) = _validate_features(
        {"probs": probs},
        min_rows=splits,
        need="{rows} samples (at least one per split; splits = {rows})",
    )
    negative = int(np.count_nonzero(probs < 0))
    if negative:
        raise ValueError(
            f"probs must be non-negative probabilities; got {negative} negative values "
            f"(minimum {probs.min():.3g}). Pass probabilities (softmax), not logits."
        )
    row_error = np.abs(probs.sum(axis=1) - 1.0)
    bad_rows = np.flatnonzero(row_error > _PROBABILITY_SUM_ATOL)
    if bad_rows.size:
        first = int(bad_rows[0])
        raise ValueError(
            f"every row of probs must sum to 1 (within {_PROBABILITY_SUM_ATOL:g}); got "
            f"{bad_rows.size} rows that do not, e.g. row {first} sums to "
            f"{probs[first].sum():.6g}. Pass probabilities (softmax), not logits."
        )
    n = len(probs)
    scores = np.empty(splits)
    for i in range(splits):
        part = probs[i * n // splits : (i + 1) * n // splits]
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(_xlogy(part, part) - _xlogy(part, marginal), axis=1)
        scores[i] = math.exp(kl.mean())
    return InceptionScore(mean=float(scores.mean()), std=float(scores.std()))


def _squared_distance_chunks(queries, references, batch_size):
    """Yield `(start, squared Euclidean distances [rows, n_ref])` per chunk of queries.

    Without `batch_size`, a chunk holds at most `_CHUNK_BYTES` of float64.
    """
    rows = batch_size or max(1, _CHUNK_BYTES // (8 * len(references)))
    reference_norms = np.einsum("ij,ij->i", references, references)
    for start in range(0, len(queries), rows):
        chunk = queries[start : start + rows]
        squared = chunk @ references.T
        squared *= -2.0
        squared += np.einsum("ij,ij->i", chunk, chunk)[:, None]
        squared += reference_norms
        np.maximum(squared, 0.0, out=squared)
        yield start, squared


def _knn_squared_radii(features, k, batch_size):
    """Squared distance of every sample to its k-th nearest other sample."""
    radii = np.empty(len(features))
    for start, squared in _squared_distance_chunks(features, features, batch_size):
        rows = np.arange(len(squared))
        squared[rows, start + rows] = np.inf  # a sample is not its own neighbour
        radii[start : start + len(squared)] = np.partition(squared, k - 1, axis=1)[:, k - 1]
    return radii


def _ball_membership(queries, centres, squared_radii, batch_size):
    """Membership of queries in the balls {x : ‖x − centres_i‖ <= radius_i}.

    Returns (the number of balls containing each query `[n_queries]`, whether
    each ball contains at least one query `[n_centres]`).
    """
    counts = np.empty(len(queries), dtype=np.int64)
    hit = np.zeros(len(centres), dtype=bool)
    for start, squared in _squared_distance_chunks(queries, centres, batch_size):
        inside = squared <= squared_radii
        counts[start : start + len(squared)] = np.count_nonzero(inside, axis=1)
        hit |= inside.any(axis=0)
    return counts, hit


def _knn_inputs(real_features, fake_features, k, batch_size):
    """Validate the k-NN metrics' arguments; centre both sets on the real mean.

    Distances are translation invariant, and centring reduces the cancellation
    in ‖x‖² + ‖y‖² − 2 x·y.
    """
    k = check_positive_int("k", k)
    batch_size = _check_batch_size(batch_size)
    real, fake = _validate_features(
        {"real_features": real_features, "fake_features": fake_features},
        min_rows=k + 1,
        need=f"k + 1 = {{rows}} samples (each sample's radius is the distance to "
        f"its k = {k}-th nearest other sample)",
    )
    centre = real.mean(axis=0)
    return real - centre, fake - centre, k, batch_size


def precision_recall(real_features, fake_features, *, k=3, batch_size=None):
    """Return the improved precision and recall of Kynkäänniemi et al. (2019).

    Each real sample gets a ball whose radius is the distance to its k-th
    nearest other real sample; precision is the fraction of fake samples within
    (distance <= radius) at least one real ball. Recall is the same with the
    roles swapped: the fraction of real samples within at least one fake ball.

    Args:
        real_features, fake_features: array-like `[N, d]` and `[M, d]`, finite,
            of the same width, with more than k samples each.
        k: the neighbourhood size (the paper uses 3).
        batch_size: rows per chunk of the pairwise-distance matrices; by default
            chosen so that a chunk takes at most ~64 MB. It does not change the
            result.

    Returns:
        `PrecisionRecall(precision, recall)`, both in [0, 1].

    Raises:
        ValueError: if an array is invalid, the widths differ, a set has <= k
            samples, or `k` / `batch_size` is not a positive integer.

    Example (all balls have radius 1 here; the fake samples at 10 and 11 are
    outside every real ball, the real sample at 3 is outside every fake ball):
    >>> real = [[0.0], [1.0], [2.0], [3.0]]
    >>> fake = [[0.5], [1.5], [10.0], [11.0]]
    >>> precision_recall(real, fake, k=1)
    PrecisionRecall(precision=0.5, recall=0.75)
    """
    real, fake, k, batch_size = _knn_inputs(real_features, fake_features, k, batch_size)
    real_radii = _knn_squared_radii(real, k, batch_size)
    fake_radii = _knn_squared_radii(fake, k, batch_size)
    fake_counts, _ = _ball_membership(fake, real, real_radii, batch_size)
    real_counts, _ = _ball_membership(real, fake, fake_radii, batch_size)
    return PrecisionRecall(
        precision=float(np.mean(fake_counts > 0)), recall=float(np.mean(real_counts > 0))
    )


def density_coverage(real_features, fake_features, *, k=5, batch_size=None):
    """Return the density and coverage of Naeem et al. (2020).

    With r_i the distance of real sample i to its k-th nearest other real
    sample, N real and M fake samples:

    * density = 1 / (k M) · Σ_j Σ_i 1[‖fake_j − real_i‖ <= r_i];
    * coverage = 1 / N · Σ_i 1[min_j ‖real_i − fake_j‖ <= r_i].

    Args:
        real_features, fake_features: array-like `[N, d]` and `[M, d]`, finite,
            of the same width, with more than k samples each.
        k: the neighbourhood size (the paper uses 5).
        batch_size: rows per chunk of the pairwise-distance matrices; by default
            chosen so that a chunk takes at most ~64 MB. It does not change the
            result.

    Returns:
        `DensityCoverage(density, coverage)`: density >= 0 (≈ 1 when the
        distributions match, may exceed 1), coverage in [0, 1].

    Raises:
        ValueError: if an array is invalid, the widths differ, a set has <= k
            samples, or `k` / `batch_size` is not a positive integer.

    Example (real radii 1, 1, 1, 2; the fake samples lie in 2, 2, 2 and 0 real
    balls, so density = 6 / (1 · 4); every real ball holds a fake sample):
    >>> real = [[0.0], [1.0], [2.0], [4.0]]
    >>> fake = [[0.9], [1.5], [2.5], [10.0]]
    >>> density_coverage(real, fake, k=1)
    DensityCoverage(density=1.5, coverage=1.0)
    """
    real, fake, k, batch_size = _knn_inputs(real_features, fake_features, k, batch_size)
    real_radii = _knn_squared_radii(real, k, batch_size)
    counts, covered = _ball_membership(fake, real, real_radii, batch_size)
    return DensityCoverage(
        density=float(counts.sum() / (k * len(fake))), coverage=float(np.mean(covered))
    )
