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

The k-NN metrics (precision / recall, density / coverage) decide ties one way,
that of the papers: the k-NN radius of a sample is the distance to its k-th
nearest *other* sample of its set, the sample itself being excluded by index
(so a duplicate at distance 0 counts as a neighbour); a sample lies in a ball
when its distance is <= the radius. Every distance that enters a decision is
the exact float64 sum of squared differences Σ_f (x_f − y_f)², added in a
fixed order: a function of the pair alone, so equal distances compare equal
and the results do not change with the chunk size, the row order, or a
constant shift of the features that leaves their float64 differences
unchanged (e.g. an integer shift of integer-valued features). That matters
on quantized features and when generated samples copy training samples.
A fast Gram-matrix filter with a proven error bound settles all other pairs,
and the pairwise distances are computed in row chunks of at most ~64 MB, so
sets of 10k × 10k samples or more fit in memory.

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


# ----------------------------------------------------------------------------
# k-NN metrics (precision / recall, density / coverage).
#
# The decisions (which samples are a sample's k nearest neighbours, whether a
# sample lies in a ball) are made on *exact* squared distances: for a pair
# (x, y), e(x, y) = Σ_f (x_f − y_f)² in float64, the squares added in a fixed
# order that depends only on the width d (`_exact_squared_distances`). e(x, y)
# is a function of the pair alone, so it does not depend on the chunking, on
# the row order or on the other samples, and it depends on the features only
# through their differences x_f − y_f as computed in float64 (a constant shift
# that leaves those unchanged, e.g. an integer shift of integer-valued
# features, changes nothing).
#
# Computing e for all pairs is ~50x slower than a Gram-matrix product, so a
# fast approximation g = ‖x'‖² + ‖y'‖² − 2 x'·y' (x' = x − c, y' = y − c for a
# common centre c) filters the pairs first. With u = eps / 2 the unit
# round-off and S = (‖x'‖ + ‖y'‖)² (>= e up to rounding), rounding moves
#
#     the centring by <= 2u S, the norms, dot products and sums of g by
#     <= (d + 2) u S, and e by <= (log2 d + 3) u S,
#
# so |g − e| <= (d + 7 + log2 d) u S < (d + 16) eps S / 1.9 for every d
# (about 2x of slack for the rounding of the filter's own comparisons), and
# with S <= 2 (‖x'‖² + ‖y'‖²):
#
#     |g − e| <= t(x) + t(y),   t(x) = 2 (d + 16) eps ‖x'‖²  (+ a subnormal floor).
#
# Only the pairs whose decision this bound cannot settle (ties and near-ties)
# are recomputed exactly, so the result is that of comparing e everywhere.
# When all features are integers small enough that every term and partial sum
# of g is an exact integer (4 d max|x'|² < 2^52, with c rounded to integers),
# g == e and no pair needs recomputing.

# An absolute floor of the filter's tolerance (subnormal squares lose relative
# precision); far below any distance of practical features.
_SUBNORMAL_FLOOR = 2.0**-1000


class _KnnSet(NamedTuple):
    """One feature set prepared for the k-NN metrics."""

    raw: np.ndarray  # [n, d] float64: exact distances are computed from these
    centred: np.ndarray  # [n, d] raw − the common centre, for the Gram-matrix filter
    squared_norms: np.ndarray  # [n] ‖centred row‖²
    tolerance: np.ndarray  # [n] t(row): |g − e| <= t(x) + t(y); zeros when g == e


def _fixed_order_row_sums(values):
    """Row sums of `values` `[m, d]`, added in an order that depends only on d.

    The width is halved by elementwise additions (column f plus column
    f + width // 2, an odd last column added onto the last sum), so the sum of a
    row never depends on the other rows or on how pairs were batched.
    """
    while values.shape[1] > 1:
        half = values.shape[1] // 2
        summed = values[:, :half] + values[:, half : 2 * half]
        if values.shape[1] % 2:
            summed[:, -1] += values[:, -1]
        values = summed
    return values[:, 0]


def _exact_squared_distances(a, b, rows_a, rows_b):
    """e(a[rows_a[p]], b[rows_b[p]]) for every p: Σ_f (a_f − b_f)², fixed order."""
    out = np.empty(len(rows_a))
    step = max(1, _CHUNK_BYTES // (16 * a.shape[1]))  # two [step, d] float64 arrays
    for start in range(0, len(rows_a), step):
        diff = a[rows_a[start : start + step]]
        diff -= b[rows_b[start : start + step]]
        diff *= diff
        out[start : start + step] = _fixed_order_row_sums(diff)
    return out


def _prepare_knn(real, fake):
    """Return `(real_set, fake_set, exact)`: `exact` when the filter g equals e."""
    d = real.shape[1]
    integral = all(np.array_equal(x, np.rint(x)) for x in (real, fake))
    centre = real.mean(axis=0)
    if integral:
        centre = np.rint(centre)  # keeps the centred features integers
    centred = [x - centre for x in (real, fake)]
    exact = integral and 4.0 * d * max(float(np.max(np.abs(c))) for c in centred) ** 2 < 2.0**52
    scale = 0.0 if exact else 2.0 * (d + 16) * np.finfo(np.float64).eps
    sets = []
    for x, c in zip((real, fake), centred):
        squared_norms = np.einsum("ij,ij->i", c, c)
        tolerance = scale * squared_norms + (0.0 if exact else _SUBNORMAL_FLOOR)
        sets.append(_KnnSet(x, c, squared_norms, tolerance))
    return sets[0], sets[1], exact


def _chunk_rows(n_columns, batch_size):
    """Rows per chunk: `batch_size`, or at most `_CHUNK_BYTES` of float64 per matrix."""
    return batch_size or max(1, _CHUNK_BYTES // (8 * n_columns))


def _filter_chunk(queries, references, start, stop):
    """The filter g for queries[start:stop] × all references."""
    squared = queries.centred[start:stop] @ references.centred.T
    squared *= -2.0
    squared += queries.squared_norms[start:stop, None]
    squared += references.squared_norms
    return squared


def _knn_squared_radii(points, k, exact, batch_size):
    """e of every sample to its k-th nearest *other* sample (itself excluded by index)."""
    n = len(points.raw)
    radii = np.empty(n)
    step = _chunk_rows(n, batch_size)
    column_tolerance = float(points.tolerance.max())
    for start in range(0, n, step):
        stop = min(n, start + step)
        squared = _filter_chunk(points, points, start, stop)
        own = np.arange(stop - start)
        squared[own, start + own] = np.inf  # exclude the sample itself (not distance 0)
        nearest = np.argpartition(squared, k - 1, axis=1)[:, :k]  # the k smallest g
        kth = np.take_along_axis(squared, nearest, axis=1).max(axis=1)
        if exact:
            radii[start:stop] = kth
            continue
        # With T >= |g − e| on the row, the k smallest e are <= kth + T, and a
        # pair with e <= kth + T has g <= kth + 2 T: those are the candidates,
        # and the radius is the k-th smallest e among them. Usually a row has
        # exactly k candidates, the k smallest g; ties and near-ties add more.
        bound = kth + 2.0 * (points.tolerance[start:stop] + column_tolerance)
        candidates = squared <= bound[:, None]
        few = np.count_nonzero(candidates, axis=1) == k
        rows = np.repeat(own[few], k)
        values = _exact_squared_distances(
            points.raw, points.raw, start + rows, nearest[few].ravel())
        radii[start + own[few]] = values.reshape(-1, k).max(axis=1)
        many = own[~few]
        if len(many):
            rows, columns = np.nonzero(candidates[many])  # rows ascending
            values = _exact_squared_distances(points.raw, points.raw, start + many[rows], columns)
            values = values[np.lexsort((values, rows))]
            first = np.searchsorted(rows, np.arange(len(many)))
            radii[start + many] = values[first + k - 1]
    return radii


def _settle_band(inside, squared, radii, margin, queries, references, start):
    """Decide on e the pairs the filter cannot: |g − radius| <= margin.

    `radii` and `margin` broadcast against the chunk `squared` (g of
    queries[start:] × references); for the pairs in the band, `inside[i, j]`
    becomes e(queries[start + i], references[j]) <= radii[i, j].
    """
    band = squared > radii - margin
    band &= squared <= radii + margin
    if not band.any():
        return
    rows, columns = np.nonzero(band)
    values = _exact_squared_distances(queries, references, start + rows, columns)
    inside[rows, columns] = values <= np.broadcast_to(radii, squared.shape)[rows, columns]


def _ball_memberships(fake, real, real_radii, fake_radii, exact, batch_size):
    """Memberships decided on e: fake rows in real balls and real rows in fake balls.

    Returns `(counts, covered, recalled)`: for every fake sample the number of
    real balls {y : e(y, real_i) <= real_radii_i} containing it `[M]`; for every
    real ball whether it contains at least one fake sample `[N]`; and, if
    `fake_radii` is given, whether each real sample lies in at least one fake
    ball `[N]` (else None).
    """
    n_fake, n_real = len(fake.raw), len(real.raw)
    counts = np.empty(n_fake, dtype=np.int64)
    covered = np.zeros(n_real, dtype=bool)
    recalled = None if fake_radii is None else np.zeros(n_real, dtype=bool)
    step = _chunk_rows(n_real, batch_size)
    real_tolerance = float(real.tolerance.max())
    for start in range(0, n_fake, step):
        stop = min(n_fake, start + step)
        squared = _filter_chunk(fake, real, start, stop)
        in_real = squared <= real_radii
        in_fake = None if fake_radii is None else squared <= fake_radii[start:stop, None]
        if not exact:
            # |g − e| <= t(fake) + t(real): below the band inside, above it outside.
            fake_tolerance = fake.tolerance[start:stop]
            margin = real.tolerance + float(fake_tolerance.max())
            _settle_band(in_real, squared, real_radii, margin, fake.raw, real.raw, start)
            if fake_radii is not None:
                margin = (fake_tolerance + real_tolerance)[:, None]
                _settle_band(in_fake, squared, fake_radii[start:stop, None], margin,
                             fake.raw, real.raw, start)
        counts[start:stop] = np.count_nonzero(in_real, axis=1)
        covered |= in_real.any(axis=0)
        if fake_radii is not None:
            recalled |= in_fake.any(axis=0)
    return counts, covered, recalled


def _check_k_against(k, n, name, role, metric):
    if k >= n:
        raise ValueError(
            f"k = {k} must be smaller than the number of {role} samples: {name} has "
            f"{n} samples, and {metric} uses each {role} sample's radius, the distance "
            f"to its k-th nearest other {role} sample, so {name} needs at least "
            f"k + 1 = {k + 1} samples."
        )


def _knn_inputs(real_features, fake_features, k, batch_size, metric, fake_radii):
    """Validate the k-NN metrics' arguments before computing any distance."""
    k = check_positive_int("k", k)
    batch_size = _check_batch_size(batch_size)
    real, fake = _validate_features(
        {"real_features": real_features, "fake_features": fake_features},
        need="{rows} sample",
    )
    _check_k_against(k, len(real), "real_features", "real", metric)
    if fake_radii:
        _check_k_against(k, len(fake), "fake_features", "fake", metric)
    return real, fake, k, batch_size


def precision_recall(real_features, fake_features, *, k=3, batch_size=None):
    """Return the improved precision and recall of Kynkäänniemi et al. (2019).

    Each real sample gets a ball whose radius is the distance to its k-th
    nearest other real sample; precision is the fraction of fake samples within
    (distance <= radius) at least one real ball. Recall is the same with the
    roles swapped: the fraction of real samples within at least one fake ball.

    Ties are decided one way: a sample is excluded from its own neighbours by
    its index, so a duplicate of it (distance 0) counts as a neighbour; a
    sample lies in a ball when its distance is <= the radius, equality
    included; and every distance entering a decision is the exact float64
    Σ_f (x_f − y_f)² of the pair, added in a fixed order, so equal distances
    compare equal. The result therefore does not depend on `batch_size`, on
    the order of the rows, or on a constant shift of the features that leaves
    their float64 differences unchanged (e.g. an integer shift of integer
    features).

    Args:
        real_features, fake_features: array-like `[N, d]` and `[M, d]`, finite,
            of the same width, with more than k samples each.
        k: the neighbourhood size (the paper uses 3), 1 <= k < min(N, M).
        batch_size: rows per chunk of the pairwise-distance matrices; by default
            chosen so that a chunk takes at most ~64 MB. It does not change the
            result.

    Returns:
        `PrecisionRecall(precision, recall)`, both in [0, 1].

    Raises:
        ValueError: if an array is invalid, the widths differ, `k` /
            `batch_size` is not a positive integer, or k >= N or k >= M (checked
            before any distance is computed).

    Example (all balls have radius 1 here; the fake samples at 10 and 11 are
    outside every real ball, the real sample at 3 is outside every fake ball):
    >>> real = [[0.0], [1.0], [2.0], [3.0]]
    >>> fake = [[0.5], [1.5], [10.0], [11.0]]
    >>> precision_recall(real, fake, k=1)
    PrecisionRecall(precision=0.5, recall=0.75)

    A sample on a ball's boundary is inside (k = 1: real radii 2, 2, 2 and fake
    radii 2, 2, 2; the fake at 6 and the real at 4 are 2 apart), also after a
    shift by 1024 and a reordering:
    >>> precision_recall([[0.0], [2.0], [4.0]], [[6.0], [8.0], [10.0]], k=1)
    PrecisionRecall(precision=0.3333333333333333, recall=0.3333333333333333)
    >>> precision_recall([[1028.0], [1024.0], [1026.0]], [[1032.0], [1034.0], [1030.0]], k=1)
    PrecisionRecall(precision=0.3333333333333333, recall=0.3333333333333333)
    """
    real, fake, k, batch_size = _knn_inputs(
        real_features, fake_features, k, batch_size, "precision / recall", fake_radii=True)
    real, fake, exact = _prepare_knn(real, fake)
    real_radii = _knn_squared_radii(real, k, exact, batch_size)
    fake_radii = _knn_squared_radii(fake, k, exact, batch_size)
    counts, _, recalled = _ball_memberships(fake, real, real_radii, fake_radii, exact,
                                            batch_size)
    return PrecisionRecall(precision=float(np.mean(counts > 0)), recall=float(np.mean(recalled)))


def density_coverage(real_features, fake_features, *, k=5, batch_size=None):
    """Return the density and coverage of Naeem et al. (2020).

    With r_i the distance of real sample i to its k-th nearest other real
    sample, N real and M fake samples:

    * density = 1 / (k M) · Σ_j Σ_i 1[‖fake_j − real_i‖ <= r_i];
    * coverage = 1 / N · Σ_i 1[min_j ‖real_i − fake_j‖ <= r_i].

    Ties are decided as in `precision_recall`: the real sample itself is
    excluded from its neighbours by index (a duplicate at distance 0 counts),
    "in a ball" is distance <= radius, and all compared distances are exact
    float64 sums of squared differences in a fixed order, so the result does not
    depend on `batch_size`, the row order, or a constant shift that leaves the
    float64 feature differences unchanged. Fake samples that copy real samples
    lie in those samples' balls.

    Args:
        real_features, fake_features: array-like `[N, d]` and `[M, d]`, finite,
            of the same width, with N > k real samples and M >= 1 fake samples.
        k: the neighbourhood size (the paper uses 5), 1 <= k < N.
        batch_size: rows per chunk of the pairwise-distance matrices; by default
            chosen so that a chunk takes at most ~64 MB. It does not change the
            result.

    Returns:
        `DensityCoverage(density, coverage)`: density >= 0 (≈ 1 when the
        distributions match, may exceed 1), coverage in [0, 1].

    Raises:
        ValueError: if an array is invalid, the widths differ, `k` /
            `batch_size` is not a positive integer, or k >= N (checked before
            any distance is computed).

    Example (real radii 1, 1, 1, 2; the fake samples lie in 2, 2, 2 and 0 real
    balls, so density = 6 / (1 · 4); every real ball holds a fake sample):
    >>> real = [[0.0], [1.0], [2.0], [4.0]]
    >>> fake = [[0.9], [1.5], [2.5], [10.0]]
    >>> density_coverage(real, fake, k=1)
    DensityCoverage(density=1.5, coverage=1.0)

    Duplicated real samples are each other's nearest neighbours (radius 0), and
    a fake copy of them lies in both balls; the fake at 9 lies on the boundary
    of the ball of 7 (radius 2):
    >>> density_coverage([[0.0], [0.0], [5.0], [7.0]], [[0.0], [9.0]], k=1)
    DensityCoverage(density=1.5, coverage=0.75)
    """
    real, fake, k, batch_size = _knn_inputs(
        real_features, fake_features, k, batch_size, "density / coverage", fake_radii=False)
    real, fake, exact = _prepare_knn(real, fake)
    real_radii = _knn_squared_radii(real, k, exact, batch_size)
    counts, covered, _ = _ball_memberships(fake, real, real_radii, None, exact, batch_size)
    return DensityCoverage(
        density=float(counts.sum() / (k * len(counts))), coverage=float(np.mean(covered))
    )
