"""Tests of kerasgan.metrics.mixture against closed forms and independent code."""

import doctest
import math

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats

from kerasgan.data.mixtures import get_mixture
from kerasgan.metrics import mixture as mixture_module
from kerasgan.metrics.mixture import (
    DEFAULT_NUM_SAMPLES,
    evaluate_generator,
    mixture_metrics,
    nearest_modes,
)

# Closed forms for samples of the true mixture, with r the radius of a 2-D
# standard normal (r² ~ chi-square with 2 degrees of freedom, P(r < t) = 1 − e^{−t²/2}).
HQ_TRUE = 1 - math.exp(-4.5)
SPREAD_TRUE = math.sqrt(2 * (1 - math.exp(-4.5) * 5.5) / HQ_TRUE / 2)


def test_closed_forms():
    assert HQ_TRUE == pytest.approx(0.988891, abs=1e-6)
    assert SPREAD_TRUE == pytest.approx(0.974396, abs=1e-6)
    # Check the spread closed form by numerical integration of the radius density
    # r·e^{−r²/2}: E[r² | r < 3] / 2.
    r = np.linspace(0, 3, 300001)
    density = r * np.exp(-(r**2) / 2)
    second_moment = np.trapezoid(r**2 * density, r) / np.trapezoid(density, r)
    assert math.sqrt(second_moment / 2) == pytest.approx(SPREAD_TRUE, abs=1e-6)


def test_default_num_samples():
    assert DEFAULT_NUM_SAMPLES == 2500


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_nearest_modes_matches_cdist(name, rng):
    spec = get_mixture(name)
    samples = rng.uniform(-6, 6, size=(3000, 2)).astype(np.float32)
    index, distance = nearest_modes(samples, spec.centers)
    reference = scipy.spatial.distance.cdist(samples.astype(np.float64), spec.centers)
    np.testing.assert_array_equal(index, reference.argmin(axis=1))
    np.testing.assert_allclose(distance, reference.min(axis=1), rtol=1e-12, atol=1e-12)
    assert index.dtype == np.int64 and distance.dtype == np.float64


def test_nearest_modes_large_n_is_chunked_consistently(rng):
    spec = get_mixture("grid25")
    samples = rng.uniform(-5, 5, size=(40000, 2))  # more than one chunk
    index, distance = nearest_modes(samples, spec.centers)
    reference = scipy.spatial.distance.cdist(samples, spec.centers)
    np.testing.assert_array_equal(index, reference.argmin(axis=1))
    np.testing.assert_allclose(distance, reference.min(axis=1), rtol=1e-12)


def test_nearest_modes_empty_and_tiny():
    index, distance = nearest_modes(np.zeros((0, 2)), [[0.0, 0.0]])
    assert index.shape == (0,) and distance.shape == (0,)
    index, distance = nearest_modes([[3.0, 4.0]], [[0.0, 0.0], [3.0, 5.0]])
    assert index.tolist() == [1] and distance.tolist() == [1.0]


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_true_mixture_benchmark_size(name):
    spec = get_mixture(name)
    m = mixture_metrics(spec.sample(2500, seed=0), spec.centers, spec.sigma)
    assert m["num_samples"] == 2500
    assert m["modes_captured"] == spec.num_modes
    assert isinstance(m["modes_captured"], int)
    # Binomial(2500, 0.9889): standard deviation 0.0021.
    assert m["high_quality"] == pytest.approx(HQ_TRUE, abs=0.01)
    assert m["high_quality_percent"] == pytest.approx(100 * m["high_quality"])
    # E[KL] ≈ (K − 1) / (2 · #HQ): 0.0014 for ring8, 0.0049 for grid25.
    expected_kl = (spec.num_modes - 1) / (2 * 2500 * HQ_TRUE)
    assert 0 <= m["reverse_kl"] < 4 * expected_kl
    assert m["spread"] == pytest.approx(SPREAD_TRUE, abs=0.03)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_true_mixture_large_n_tight(name):
    spec = get_mixture(name)
    n = 200_000
    m = mixture_metrics(spec.sample(n, seed=1), spec.centers, spec.sigma)
    assert m["modes_captured"] == spec.num_modes
    assert m["high_quality"] == pytest.approx(HQ_TRUE, abs=0.002)  # sd 0.00023
    assert m["spread"] == pytest.approx(SPREAD_TRUE, abs=0.01)
    assert m["reverse_kl"] < 5 * (spec.num_modes - 1) / (2 * n * HQ_TRUE)


def test_reverse_kl_of_true_mixture_has_the_chi_square_size():
    # KL(p̂ ‖ u) ≈ χ²_{K−1} / (2 · #HQ); averaged over 20 runs its relative
    # standard deviation is sqrt(2 / 7) / sqrt(20) ≈ 0.12 for ring8.
    spec = get_mixture("ring8")
    values, expected = [], []
    for seed in range(20):
        m = mixture_metrics(spec.sample(2500, seed=100 + seed), spec.centers, spec.sigma)
        values.append(m["reverse_kl"])
        expected.append((spec.num_modes - 1) / (2 * 2500 * m["high_quality"]))
    assert np.mean(values) == pytest.approx(np.mean(expected), rel=0.4)


def test_reverse_kl_matches_scipy_entropy(rng):
    spec = get_mixture("grid25")
    # An uneven generator: modes drawn with random weights, some weight 0.
    weights = rng.uniform(size=25) * (rng.uniform(size=25) > 0.3)
    weights /= weights.sum()
    modes = rng.choice(25, size=5000, p=weights)
    samples = spec.centers[modes] + rng.normal(0, 2 * spec.sigma, size=(5000, 2))
    m = mixture_metrics(samples, spec.centers, spec.sigma)
    index, distance = nearest_modes(samples, spec.centers)
    hq = distance <= 3 * spec.sigma
    counts = np.bincount(index[hq], minlength=25)
    expected = scipy.stats.entropy(counts / counts.sum(), np.full(25, 1 / 25))
    assert m["reverse_kl"] == pytest.approx(expected, rel=1e-12)
    assert m["modes_captured"] == np.count_nonzero(counts)
    assert m["high_quality"] == pytest.approx(hq.mean())


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_collapsed_onto_one_mode(name, rng):
    spec = get_mixture(name)
    samples = spec.centers[3] + rng.normal(0, spec.sigma, size=(2500, 2))
    m = mixture_metrics(samples, spec.centers, spec.sigma)
    assert m["modes_captured"] == 1
    assert m["reverse_kl"] == pytest.approx(math.log(spec.num_modes), rel=1e-14)


def test_samples_exactly_on_the_centres():
    spec = get_mixture("grid25")
    samples = np.repeat(spec.centers, 100, axis=0)
    m = mixture_metrics(samples, spec.centers, spec.sigma)
    assert m["spread"] == 0.0
    assert m["high_quality"] == 1.0
    assert m["modes_captured"] == 25
    assert m["reverse_kl"] == pytest.approx(0.0, abs=1e-15)


def test_too_wide_samples():
    # Noise of 2σ: the HQ fraction is P(r < 1.5) = 1 − e^{−1.125} ≈ 0.675, and
    # the HQ spread is 2 · sqrt(E[r² | r < 1.5] / 2) ≈ 2 × 0.73 = 1.46 σ.
    spec = get_mixture("ring8")
    rng = np.random.default_rng(7)
    n = 100_000
    modes = rng.integers(0, 8, size=n)
    samples = spec.centers[modes] + rng.normal(0, 2 * spec.sigma, size=(n, 2))
    m = mixture_metrics(samples, spec.centers, spec.sigma)
    t = 1.5
    hq = 1 - math.exp(-(t**2) / 2)
    truncated_second = 2 * (1 - math.exp(-(t**2) / 2) * (1 + t**2 / 2)) / hq
    assert m["high_quality"] == pytest.approx(hq, abs=0.005)
    assert m["spread"] == pytest.approx(2 * math.sqrt(truncated_second / 2), abs=0.01)
    assert m["spread"] > 1.3 and m["high_quality"] < 0.7
    # Without the truncation the spread would be twice the true one.
    wide = mixture_metrics(samples, spec.centers, spec.sigma, threshold=1000.0)
    assert wide["spread"] == pytest.approx(2.0, abs=0.02)


def test_all_samples_far_away():
    spec = get_mixture("ring8")
    samples = np.full((50, 2), 10.0)
    m = mixture_metrics(samples, spec.centers, spec.sigma)
    assert m["high_quality"] == 0.0 and m["high_quality_percent"] == 0.0
    assert m["modes_captured"] == 0
    assert m["reverse_kl"] == math.inf
    assert math.isnan(m["spread"])
    assert m["num_samples"] == 50


def test_hand_made_example():
    centers = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]
    samples = [
        [0.0, 0.0],  # mode 0, d = 0
        [1.0, 0.0],  # mode 0, d = 1
        [0.0, 2.0],  # mode 0, d = 2
        [10.0, 3.0],  # mode 1, d = 3: on the 3σ boundary counts as within
        [20.0, 20.0],  # nowhere
        [5.0, 5.0],  # nowhere (d = 7.07 to modes 0, 1 and 2)
    ]
    m = mixture_metrics(samples, centers, 1.0)
    assert m["modes_captured"] == 2
    assert m["high_quality"] == pytest.approx(4 / 6)
    p = np.array([3 / 4, 1 / 4])
    assert m["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(p * 3))), rel=1e-14)
    assert m["spread"] == pytest.approx(math.sqrt((0 + 1 + 4 + 9) / 4 / 2), rel=1e-14)
    # σ scales the radius and the spread unit.
    m2 = mixture_metrics(np.asarray(samples) * 2, np.asarray(centers) * 2, 2.0)
    for key in ("modes_captured", "high_quality", "reverse_kl", "spread"):
        assert m2[key] == pytest.approx(m[key], rel=1e-12)


def test_modes_captured_counts_modes_not_nearest_assignments():
    # Overlapping modes: a sample between two close centres is within 3σ of both.
    m = mixture_metrics([[0.0, 0.0]], [[-1.0, 0.0], [1.0, 0.0]], 1.0)
    assert m["modes_captured"] == 2
    assert m["reverse_kl"] == pytest.approx(math.log(2))  # one sample, one bin


def test_threshold_keyword():
    m = mixture_metrics([[0, 1.5], [0, 2.5]], [[0, 0]], 1.0, threshold=2.0)
    assert m["high_quality"] == 0.5


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32])
def test_any_real_dtype(dtype):
    samples = np.array([[0, 0], [1, 0], [10, 0]], dtype=dtype)
    m = mixture_metrics(samples, [[0, 0], [10, 0]], 1.0)
    assert m["modes_captured"] == 2 and m["high_quality"] == 1.0


def test_accepts_tensors():
    import tensorflow as tf

    spec = get_mixture("ring8")
    samples = spec.sample(100, seed=3)
    m_tf = mixture_metrics(tf.constant(samples), tf.constant(spec.centers), spec.sigma)
    assert m_tf == mixture_metrics(samples, spec.centers, spec.sigma)


@pytest.mark.parametrize(
    "samples, match",
    [
        (np.zeros((10, 3)), r"samples must have shape \[N, 2\].*got shape \(10, 3\)"),
        (np.zeros((10,)), r"samples must have shape \[N, 2\].*got shape \(10,\)"),
        (np.zeros((0, 2)), r"N >= 1; got shape \(0, 2\)"),
        (np.zeros((2, 2, 2)), r"got shape \(2, 2, 2\)"),
        (np.array([["a", "b"]]), r"real numeric.*got dtype <U1"),
        (np.zeros((2, 2), np.complex64), r"got dtype complex64"),
    ],
)
def test_invalid_samples(samples, match):
    with pytest.raises(ValueError, match=match):
        mixture_metrics(samples, [[0.0, 0.0]], 1.0)


def test_non_finite_samples_are_rejected_with_a_count():
    samples = np.zeros((100, 2))
    samples[5, 0] = np.nan
    samples[7] = np.inf
    samples[9, 1] = -np.inf
    with pytest.raises(ValueError, match=r"finite; 3 of 100 rows contain NaN or inf"):
        mixture_metrics(samples, [[0.0, 0.0]], 1.0)
    with pytest.raises(ValueError, match=r"1 of 1 rows"):
        nearest_modes([[np.nan, 0.0]], [[0.0, 0.0]])


def test_invalid_centers():
    with pytest.raises(ValueError, match=r"centers must have shape \[K, 2\].*got shape \(3,\)"):
        mixture_metrics([[0.0, 0.0]], [0.0, 0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match=r"K >= 1; got shape \(0, 2\)"):
        mixture_metrics([[0.0, 0.0]], np.zeros((0, 2)), 1.0)
    with pytest.raises(ValueError, match=r"centers must be finite"):
        mixture_metrics([[0.0, 0.0]], [[np.nan, 0.0]], 1.0)


@pytest.mark.parametrize("sigma", [0.0, -1.0, float("nan"), float("inf"), "wide", None])
def test_invalid_sigma(sigma):
    with pytest.raises(ValueError, match=r"sigma must be a positive finite number; got"):
        mixture_metrics([[0.0, 0.0]], [[0.0, 0.0]], sigma)


def test_invalid_threshold():
    with pytest.raises(ValueError, match=r"threshold must be a positive finite number; got 0"):
        mixture_metrics([[0.0, 0.0]], [[0.0, 0.0]], 1.0, threshold=0)


def test_evaluate_generator():
    spec = get_mixture("ring8")
    calls = []

    def generate(num, seed=None):
        calls.append((num, seed))
        return spec.sample(num, seed=seed)

    m = evaluate_generator(generate, spec.centers, spec.sigma)
    assert calls == [(2500, 0)]
    assert m == mixture_metrics(spec.sample(2500, seed=0), spec.centers, spec.sigma)

    m = evaluate_generator(generate, spec.centers, spec.sigma, num_samples=300, seed=5)
    assert calls[-1] == (300, 5) and m["num_samples"] == 300


def test_evaluate_generator_accepts_tensors_and_checks_count():
    import tensorflow as tf

    spec = get_mixture("grid25")
    m = evaluate_generator(
        lambda n, seed=None: tf.constant(spec.sample(n, seed)), spec.centers, spec.sigma
    )
    assert m["modes_captured"] == 25
    with pytest.raises(ValueError, match=r"must return \[2500, 2\] samples; got shape \(10, 2\)"):
        evaluate_generator(lambda n, seed=None: np.zeros((10, 2)), spec.centers, spec.sigma)


def test_doctests():
    result = doctest.testmod(mixture_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
