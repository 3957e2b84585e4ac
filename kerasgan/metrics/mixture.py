"""Metrics of the 2-D mode-collapse benchmark (PacGAN / VEEGAN).

A generator trained on an equal-weight mixture of K isotropic Gaussians
(`kerasgan.data.mixtures`: `ring8`, `grid25`) is scored from a fixed number of its
samples (`DEFAULT_NUM_SAMPLES` = 2500) by

* **modes captured** -- how many modes have at least one sample within 3σ;
* **high-quality samples** -- the fraction of samples within 3σ of their nearest mode;
* **reverse KL** -- KL(p̂ ‖ uniform) of the histogram of the high-quality samples
  over the modes (0 when every mode gets the same share, log K when all of them
  fall on one mode);
* **spread** -- kerasgan's own addition: the RMS per-coordinate distance of the
  high-quality samples from their mode, in units of σ. It catches generators that
  hit every mode but are too sharp (spread → 0) or too wide (spread > 1).

For samples of the true mixture the expected values have closed forms: every mode
is captured, the high-quality fraction is P(r < 3) = 1 − e^{−4.5} ≈ 0.9889 for the
radius r of a 2-D standard normal, the reverse KL is ≈ (K − 1) / (2 · #HQ samples)
(half a chi-square with K − 1 degrees of freedom over the sample count), and the
spread is sqrt(E[r² | r < 3] / 2) ≈ 0.9744.

References:
    Z. Lin, A. Khetan, G. Fanti, S. Oh. "PacGAN: The power of two samples in
    generative adversarial networks." NeurIPS 2018.
    A. Srivastava, L. Valkov, C. Russell, M. U. Gutmann, C. Sutton. "VEEGAN:
    Reducing mode collapse in GANs using implicit variational learning."
    NeurIPS 2017.

Published PacGAN baselines, for reference (2500 samples, 3σ threshold):
ring8 ("2D-ring"): 7.9 modes, 95.6 % high-quality samples, reverse KL 0.07;
grid25 ("2D-grid"): 24.8 modes, 93.6 % high-quality samples, reverse KL 0.04.

Example:
>>> from kerasgan.data.mixtures import get_mixture
>>> spec = get_mixture("ring8")
>>> m = mixture_metrics(spec.sample(2500, seed=0), spec.centers, spec.sigma)
>>> m["modes_captured"], round(m["high_quality"], 2)
(8, 0.99)
"""

import math

import numpy as np

from kerasgan.core.validation import check_positive_number
from kerasgan.metrics.registry import register_metric

__all__ = [
    "DEFAULT_NUM_SAMPLES",
    "DEFAULT_THRESHOLD",
    "nearest_modes",
    "mixture_metrics",
    "evaluate_generator",
]

#: The number of generator samples the PacGAN / VEEGAN benchmark scores.
DEFAULT_NUM_SAMPLES = 2500

#: A sample is "high quality" when it lies within this many σ of a mode.
DEFAULT_THRESHOLD = 3.0

# Rows of samples processed at once when computing the [N, K] distances,
# so that memory stays bounded for large N.
_CHUNK_ROWS = 16384


def _as_points(value, name, *, min_rows):
    """Return `value` as a finite float64 array `[N, 2]`, or raise ValueError."""
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise ValueError(
            f"{name} must be a real numeric (float or integer) array; "
            f"got dtype {array.dtype}."
        )
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < min_rows:
        rows = "N" if name == "samples" else "K"
        raise ValueError(
            f"{name} must have shape [{rows}, 2] with {rows} >= {min_rows}; "
            f"got shape {tuple(array.shape)}."
        )
    array = array.astype(np.float64, copy=False)
    finite_rows = np.all(np.isfinite(array), axis=1)
    if not np.all(finite_rows):
        bad = int(np.count_nonzero(~finite_rows))
        raise ValueError(
            f"{name} must be finite; {bad} of {len(array)} rows contain NaN or inf "
            f"(first at row {int(np.argmin(finite_rows))})."
        )
    return array


def _nearest_and_closest(samples, centers):
    """Nearest centre of every sample, and the closest sample to every centre.

    Returns (index [N], distance [N], closest distance per centre [K]; inf where
    there are no samples).
    """
    n = len(samples)
    index = np.empty(n, dtype=np.int64)
    distance = np.empty(n, dtype=np.float64)
    closest = np.full(len(centers), np.inf)
    for start in range(0, n, _CHUNK_ROWS):
        chunk = samples[start : start + _CHUNK_ROWS]
        diff = chunk[:, None, :] - centers[None, :, :]
        dist = np.sqrt(np.sum(diff * diff, axis=-1))  # [chunk, K]
        idx = np.argmin(dist, axis=1)
        index[start : start + len(chunk)] = idx
        distance[start : start + len(chunk)] = dist[np.arange(len(chunk)), idx]
        closest = np.minimum(closest, dist.min(axis=0))
    return index, distance, closest


def nearest_modes(samples, centers):
    """Return the nearest mode centre of every sample and the distance to it.

    Args:
        samples: array-like `[N, 2]` (any real dtype, computed in float64), finite.
        centers: array-like `[K, 2]` of mode centres, K >= 1, finite.

    Returns:
        `(index, distance)`: int64 `[N]` index into `centers` of the nearest centre
        (Euclidean; ties go to the lowest index) and float64 `[N]` distance to it.

    Raises:
        ValueError: if a shape is wrong or a value is not finite.

    Example:
    >>> index, distance = nearest_modes([[0.9, 0.0], [0.0, -3.0]], [[1, 0], [0, -1]])
    >>> index.tolist(), distance.round(6).tolist()
    ([0, 1], [0.1, 2.0])
    """
    samples = _as_points(samples, "samples", min_rows=0)
    centers = _as_points(centers, "centers", min_rows=1)
    index, distance, _ = _nearest_and_closest(samples, centers)
    return index, distance


def mixture_metrics(samples, centers, sigma, *, threshold=DEFAULT_THRESHOLD):
    """Score generator samples against a Gaussian mixture's modes.

    With d_i the distance of sample i to its nearest centre μ(i) and
    HQ = {i : d_i <= threshold·σ} the high-quality samples:

    * `modes_captured` (int): the number of modes k with at least one sample
      within threshold·σ of μ_k;
    * `high_quality` (float in [0, 1]): |HQ| / N, and `high_quality_percent` =
      100 · `high_quality` (the papers report the percentage);
    * `reverse_kl` (float): KL(p̂ ‖ uniform) = Σ_k p̂_k log(K p̂_k), where p̂_k is
      the fraction of the HQ samples whose nearest mode is k, and 0 · log 0 = 0.
      It lies in [0, log K]. **If there are no HQ samples it is `inf`** (nothing
      of the mixture was learnt, which is worse than total collapse, log K);
    * `spread` (float): sqrt(mean_{i ∈ HQ} ‖x_i − μ(i)‖² / 2) / σ, the RMS
      per-coordinate deviation of the HQ samples from their mode in units of σ.
      ≈ 0.974 for the true mixture, 0 for samples exactly on the centres,
      > 1 for a too-wide generator; `nan` if there are no HQ samples;
    * `num_samples` (int): N.

    Args:
        samples: array-like `[N, 2]`, N >= 1, any real dtype (computed in float64).
        centers: array-like `[K, 2]` of the mode centres.
        sigma: the modes' standard deviation per coordinate, > 0.
        threshold: the high-quality radius in units of σ (the benchmark uses 3).

    Returns:
        A dict with the keys above (plain Python numbers).

    Raises:
        ValueError: if a shape, dtype or value is invalid, in particular if any
            sample is NaN or inf (a diverged generator must not score silently).

    Example (modes at (0, 0) and (10, 0), σ = 1; four of five samples within 3σ,
    three of them at the first mode):
    >>> m = mixture_metrics([[0, 0], [1, 0], [0, 2], [10, 0], [20, 20]],
    ...                     [[0, 0], [10, 0]], 1.0)
    >>> m["modes_captured"], m["high_quality"], m["high_quality_percent"]
    (2, 0.8, 80.0)
    >>> round(m["reverse_kl"], 6)  # 0.75 log 1.5 + 0.25 log 0.5
    0.130812
    >>> round(m["spread"], 6)      # sqrt((0 + 1 + 4 + 0) / 4 / 2)
    0.790569
    """
    samples = _as_points(samples, "samples", min_rows=1)
    centers = _as_points(centers, "centers", min_rows=1)
    sigma = check_positive_number("sigma", sigma)
    threshold = check_positive_number("threshold", threshold)
    radius = threshold * sigma
    num_modes = len(centers)

    index, distance, closest = _nearest_and_closest(samples, centers)
    high_quality = distance <= radius
    num_hq = int(np.count_nonzero(high_quality))
    modes_captured = int(np.count_nonzero(closest <= radius))

    if num_hq == 0:
        reverse_kl = math.inf
        spread = math.nan
    else:
        counts = np.bincount(index[high_quality], minlength=num_modes)
        p = counts[counts > 0] / num_hq
        reverse_kl = float(np.sum(p * np.log(p * num_modes)))
        reverse_kl = max(reverse_kl, 0.0)  # remove rounding below zero
        spread = math.sqrt(np.mean(distance[high_quality] ** 2) / 2.0) / sigma

    fraction = num_hq / len(samples)
    return {
        "modes_captured": modes_captured,
        "high_quality": fraction,
        "high_quality_percent": 100.0 * fraction,
        "reverse_kl": reverse_kl,
        "spread": float(spread),
        "num_samples": len(samples),
    }


def evaluate_generator(
    generate_fn,
    centers,
    sigma,
    num_samples=DEFAULT_NUM_SAMPLES,
    seed=0,
    *,
    threshold=DEFAULT_THRESHOLD,
):
    """Draw `num_samples` points with `generate_fn` and score them.

    Args:
        generate_fn: called as `generate_fn(num_samples, seed=seed)`; returns an
            array or tensor `[num_samples, 2]` (e.g. a GAN model's `generate`).
        centers, sigma, threshold: as in `mixture_metrics`.
        num_samples: how many samples to score (the benchmark uses 2500).
        seed: passed to `generate_fn`; a fixed seed makes scores comparable.

    Returns:
        The `mixture_metrics` dict.

    Raises:
        ValueError: as `mixture_metrics`, or if `generate_fn` returned a different
            number of samples than asked for.

    Example:
    >>> from kerasgan.data.mixtures import get_mixture
    >>> spec = get_mixture("grid25")
    >>> evaluate_generator(spec.sample, spec.centers, spec.sigma)["modes_captured"]
    25
    """
    num_samples = int(num_samples)
    if num_samples < 1:
        raise ValueError(f"num_samples must be >= 1; got {num_samples}.")
    samples = np.asarray(generate_fn(num_samples, seed=seed))
    if samples.ndim >= 1 and samples.shape[0] != num_samples:
        raise ValueError(
            f"generate_fn({num_samples}, seed={seed!r}) must return "
            f"[{num_samples}, 2] samples; got shape {tuple(samples.shape)}."
        )
    return mixture_metrics(samples, centers, sigma, threshold=threshold)


# The mixture metrics of the report (dataset kind "points"), in their column
# order; they share one `mixture_metrics` computation per report.

def _scores(inputs):
    spec = inputs.mixture
    threshold = inputs.options.get("threshold", DEFAULT_THRESHOLD)
    return inputs.memo("mixture_metrics", lambda: mixture_metrics(
        inputs.fake, spec.centers, spec.sigma, threshold=threshold))


@register_metric("modes_captured", label="modes", kinds=("points",), better="higher")
def _modes_captured(inputs):
    return _scores(inputs)["modes_captured"]


@register_metric("high_quality", label="high quality", kinds=("points",),
                 labels={"high_quality": "high quality", "high_quality_percent": "% high quality"},
                 columns=("high_quality_percent",), better="higher",
                 cells={"high_quality_percent": lambda m: f"{m['high_quality_percent']:.1f}"})
def _high_quality(inputs):
    scores = _scores(inputs)
    return {"high_quality": scores["high_quality"],
            "high_quality_percent": scores["high_quality_percent"]}


@register_metric("reverse_kl", label="reverse KL", kinds=("points",), better="lower",
                 cells={"reverse_kl": lambda m: f"{m['reverse_kl']:.4f}"})
def _reverse_kl(inputs):
    return _scores(inputs)["reverse_kl"]


@register_metric("spread", label="spread (×σ)", kinds=("points",),
                 cells={"spread": lambda m: f"{m['spread']:.2f}"})
def _spread(inputs):
    return _scores(inputs)["spread"]
