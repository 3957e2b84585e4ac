"""Tests of kerasgan.metrics.distances against closed forms and independent code."""

import math

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial.distance
import scipy.stats
import tensorflow as tf

from kerasgan.metrics import distances
from kerasgan.metrics.distances import (
    DensityCoverage,
    InceptionScore,
    KernelDistance,
    PrecisionRecall,
    density_coverage,
    frechet_distance,
    frechet_distance_from_statistics,
    gaussian_statistics,
    inception_score,
    kernel_distance,
    precision_recall,
)

# ----------------------------------------------------------------------------
# Independent reference implementations.


def reference_fid(features_a, features_b):
    """The textbook FID: np.cov and scipy.linalg.sqrtm of the (non-symmetric) product."""
    mean_a, mean_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a = np.cov(features_a, rowvar=False)
    cov_b = np.cov(features_b, rowvar=False)
    cross = np.real(scipy.linalg.sqrtm(cov_a @ cov_b))
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * cross))


def gaussian_closed_form(mean_a, var_a, mean_b, var_b):
    """Fréchet distance of Gaussians whose covariances are diagonal in one basis."""
    return float(np.sum((mean_a - mean_b) ** 2) + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2))


def loop_mmd2(x, y):
    """Unbiased MMD² with k(x, y) = (x·y / d + 1)³, by explicit loops."""
    m, d = x.shape

    def kernel(u, v):
        return (float(np.dot(u, v)) / d + 1.0) ** 3

    xx = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(kernel(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(kernel(x[i], y[j]) for i in range(m) for j in range(m))
    return (xx + yy) / (m * (m - 1)) - 2.0 * xy / (m * m)


def reference_inception_score(probs, splits):
    scores = []
    for part in np.array_split(probs, splits):
        marginal = part.mean(axis=0)
        kl = [scipy.stats.entropy(row, marginal) for row in part]
        scores.append(math.exp(np.mean(kl)))
    return np.mean(scores), np.std(scores)


def knn_radii(features, k):
    dist = scipy.spatial.distance.cdist(features, features)
    np.fill_diagonal(dist, np.inf)
    return np.sort(dist, axis=1)[:, k - 1]


def brute_precision_recall(real, fake, k):
    fake_to_real = scipy.spatial.distance.cdist(fake, real)
    precision = np.mean(np.any(fake_to_real <= knn_radii(real, k)[None, :], axis=1))
    recall = np.mean(np.any(fake_to_real.T <= knn_radii(fake, k)[None, :], axis=1))
    return precision, recall


def brute_density_coverage(real, fake, k):
    fake_to_real = scipy.spatial.distance.cdist(fake, real)
    radii = knn_radii(real, k)
    density = np.sum(fake_to_real <= radii[None, :]) / (k * len(fake))
    coverage = np.mean(fake_to_real.min(axis=0) <= radii)
    return density, coverage


def random_rotation(rng, d):
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


# ----------------------------------------------------------------------------
# Gaussian statistics and the Fréchet distance.


def test_gaussian_statistics_match_numpy(rng):
    features = rng.normal(size=(200, 6)).astype(np.float32)
    mean, cov = gaussian_statistics(features)
    assert mean.dtype == cov.dtype == np.float64
    assert mean.shape == (6,) and cov.shape == (6, 6)
    np.testing.assert_allclose(mean, features.astype(np.float64).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(cov, np.cov(features.astype(np.float64), rowvar=False),
                               rtol=1e-10, atol=1e-14)
    np.testing.assert_array_equal(cov, cov.T)


@pytest.mark.parametrize("correlated", [False, True])
def test_fid_matches_sqrtm_reference(rng, correlated):
    d = 16
    a = rng.normal(size=(500, d))
    b = rng.normal(loc=0.3, scale=1.5, size=(500, d))
    if correlated:
        a = a @ rng.normal(size=(d, d))
        b = b @ rng.normal(size=(d, d)) + rng.normal(size=d)
    expected = reference_fid(a, b)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(b, a) == pytest.approx(expected, rel=1e-6)


def test_fid_of_a_set_with_itself_is_zero(rng):
    a = rng.normal(size=(500, 16)) @ rng.normal(size=(16, 16))
    scale = np.trace(np.cov(a, rowvar=False))
    assert 0.0 <= frechet_distance(a, a) < 1e-8 * scale


def test_fid_is_stable_for_rank_deficient_covariances(rng):
    # 20-wide features that only span 5 dimensions: the covariance is singular.
    a = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 20))
    b = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 20))
    scale = np.trace(np.cov(a, rowvar=False))
    same = frechet_distance(a, a)
    assert math.isfinite(same) and 0.0 <= same < 1e-6 * scale
    assert frechet_distance(a, b) == pytest.approx(reference_fid(a, b), rel=1e-4)


def test_fid_from_statistics_diagonal_closed_form(rng):
    d = 8
    mean_a, mean_b = rng.normal(size=d), rng.normal(size=d)
    var_a, var_b = rng.uniform(0.1, 3.0, size=d), rng.uniform(0.1, 3.0, size=d)
    value = frechet_distance_from_statistics(mean_a, np.diag(var_a), mean_b, np.diag(var_b))
    assert value == pytest.approx(gaussian_closed_form(mean_a, var_a, mean_b, var_b), rel=1e-12)


def test_fid_from_statistics_rotated_closed_form(rng):
    # Both covariances rotated by the same orthogonal matrix commute and are not
    # diagonal; the distance is that of the unrotated Gaussians.
    d = 8
    rotation = random_rotation(rng, d)
    mean_a, mean_b = rng.normal(size=d), rng.normal(size=d)
    var_a, var_b = rng.uniform(0.1, 3.0, size=d), rng.uniform(0.1, 3.0, size=d)
    cov_a = rotation @ np.diag(var_a) @ rotation.T
    cov_b = rotation @ np.diag(var_b) @ rotation.T
    assert np.max(np.abs(cov_a - np.diag(np.diag(cov_a)))) > 0.1
    value = frechet_distance_from_statistics(mean_a, cov_a, mean_b, cov_b)
    assert value == pytest.approx(gaussian_closed_form(mean_a, var_a, mean_b, var_b), rel=1e-10)


def test_fid_from_statistics_non_commuting_matches_sqrtm(rng):
    d = 6
    root_a, root_b = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    cov_a, cov_b = root_a @ root_a.T, root_b @ root_b.T
    mean_a, mean_b = rng.normal(size=d), rng.normal(size=d)
    cross = np.real(scipy.linalg.sqrtm(cov_a @ cov_b))
    expected = np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * cross)
    value = frechet_distance_from_statistics(mean_a, cov_a, mean_b, cov_b)
    assert value == pytest.approx(expected, rel=1e-9)


def test_fid_from_samples_approaches_closed_form():
    rng = np.random.default_rng(7)
    mean_a, var_a = np.array([0.0, 1.0, -1.0]), np.array([1.0, 2.0, 0.5])
    mean_b, var_b = np.array([0.5, 0.0, -1.0]), np.array([2.0, 1.0, 0.5])
    rotation = random_rotation(rng, 3)
    n = 20000
    a = (mean_a + np.sqrt(var_a) * rng.normal(size=(n, 3))) @ rotation.T
    b = (mean_b + np.sqrt(var_b) * rng.normal(size=(n, 3))) @ rotation.T
    expected = gaussian_closed_form(mean_a, var_a, mean_b, var_b)  # ≈ 1.593
    assert frechet_distance(a, b) == pytest.approx(expected, abs=0.1)


def test_fid_accepts_lists_and_tensors(rng):
    a = rng.normal(size=(40, 3))
    b = rng.normal(size=(40, 3)) + 1.0
    expected = frechet_distance(a, b)
    assert frechet_distance(a.tolist(), b.tolist()) == expected
    from_tensors = frechet_distance(tf.constant(a, tf.float32), tf.constant(b, tf.float32))
    assert from_tensors == pytest.approx(expected, rel=1e-5)


# ----------------------------------------------------------------------------
# Kernel (Inception) distance.


def test_kid_full_set_matches_loop(rng):
    a = rng.normal(size=(25, 5))
    b = rng.normal(loc=0.5, size=(30, 5))
    # m = min(100, 25, 30) = 25: all of a (permuted) and 25 rows of b.
    kid = kernel_distance(a, a[::-1] + 0.2, num_subsets=1, subset_size=100)
    assert isinstance(kid, KernelDistance) and kid.std == 0.0
    assert kid.mean == pytest.approx(loop_mmd2(a, a + 0.2), rel=1e-10)
    assert kernel_distance(a, b[:25], num_subsets=1, subset_size=25).mean == pytest.approx(
        loop_mmd2(a, b[:25]), rel=1e-10
    )


def test_kid_subsets_match_loop(rng):
    a = rng.normal(size=(40, 4))
    b = rng.normal(scale=1.3, size=(50, 4))
    seed, num_subsets, m = 3, 4, 12
    subsets = np.random.default_rng(seed)
    expected = []
    for _ in range(num_subsets):
        x = a[subsets.choice(len(a), m, replace=False)]
        y = b[subsets.choice(len(b), m, replace=False)]
        expected.append(loop_mmd2(x, y))
    kid = kernel_distance(a, b, num_subsets=num_subsets, subset_size=m, seed=seed)
    assert kid.mean == pytest.approx(np.mean(expected), rel=1e-10)
    assert kid.std == pytest.approx(np.std(expected), rel=1e-8)
    assert kernel_distance(a, b, num_subsets=num_subsets, subset_size=m, seed=seed) == kid


def test_kid_is_unbiased_for_one_distribution():
    rng = np.random.default_rng(11)

    def draw(loc=0.0):
        return rng.normal(loc=loc, size=(40, 4))

    same = np.array([kernel_distance(draw(), draw(), num_subsets=1).mean for _ in range(300)])
    shifted = np.array([kernel_distance(draw(), draw(0.5), num_subsets=1).mean for _ in range(30)])
    standard_error = same.std(ddof=1) / math.sqrt(len(same))
    assert abs(same.mean()) < 4 * standard_error
    assert np.any(same < 0)  # unbiased, hence sometimes negative
    assert shifted.mean() > 10 * abs(same.mean())
    assert shifted.mean() > 5 * shifted.std(ddof=1) / math.sqrt(len(shifted))


def test_kid_positive_for_different_distributions(rng):
    a = rng.normal(size=(300, 8))
    b = rng.normal(loc=1.0, size=(300, 8))
    kid = kernel_distance(a, b, num_subsets=10, subset_size=100)
    assert kid.mean > 0.5
    assert kid.mean > 10 * kid.std / math.sqrt(10)


# ----------------------------------------------------------------------------
# Inception score.


def test_inception_score_of_confident_evenly_spread_predictions_is_num_classes():
    probs = np.tile(np.eye(7), (10, 1))  # 70 rows, 7 of each class per split
    score = inception_score(probs, splits=10)
    assert isinstance(score, InceptionScore)
    assert score.mean == pytest.approx(7.0, rel=1e-12)
    assert score.std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_of_a_single_class_is_one():
    probs = np.zeros((50, 4))
    probs[:, 2] = 1.0
    assert inception_score(probs, splits=5) == (pytest.approx(1.0, abs=1e-12), 0.0)


def test_inception_score_matches_direct_formula(rng):
    probs = rng.dirichlet(np.full(10, 0.5), size=200)
    score = inception_score(probs, splits=4)
    expected_mean, expected_std = reference_inception_score(probs, 4)
    assert score.mean == pytest.approx(expected_mean, rel=1e-10)
    assert score.std == pytest.approx(expected_std, rel=1e-8)
    assert 1.0 <= score.mean <= 10.0


def test_inception_score_std_is_zero_for_identical_splits(rng):
    block = rng.dirichlet(np.ones(5), size=20)
    score = inception_score(np.tile(block, (3, 1)), splits=3)
    assert score.std == pytest.approx(0.0, abs=1e-12)
    assert score.mean == pytest.approx(inception_score(block, splits=1).mean, rel=1e-12)


def test_inception_score_handles_zero_probabilities(rng):
    probs = rng.dirichlet(np.ones(6), size=30)
    probs[:, 0] = 0.0  # class 0 is never predicted
    probs /= probs.sum(axis=1, keepdims=True)
    probs[:10] = np.eye(6)[rng.integers(1, 6, size=10)]
    score = inception_score(probs, splits=3)
    assert math.isfinite(score.mean) and math.isfinite(score.std)
    expected_mean, _ = reference_inception_score(probs, 3)
    assert score.mean == pytest.approx(expected_mean, rel=1e-10)


# ----------------------------------------------------------------------------
# Precision / recall and density / coverage.


def test_precision_recall_identical_and_disjoint_sets(rng):
    a = rng.normal(size=(200, 5))
    assert precision_recall(a, a) == PrecisionRecall(precision=1.0, recall=1.0)
    far = rng.normal(loc=100.0, size=(150, 5))
    assert precision_recall(a, far) == PrecisionRecall(precision=0.0, recall=0.0)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_precision_recall_match_brute_force(rng, k):
    real = rng.normal(size=(300, 10))
    fake = rng.normal(loc=0.3, scale=1.2, size=(250, 10))
    precision, recall = precision_recall(real, fake, k=k)
    expected = brute_precision_recall(real, fake, k)
    assert (precision, recall) == expected
    assert 0.0 < precision < 1.0 and 0.0 < recall < 1.0


def test_density_coverage_identical_and_disjoint_sets(rng):
    a = rng.normal(size=(200, 5))
    assert density_coverage(a, a).coverage == 1.0
    far = rng.normal(loc=100.0, size=(150, 5))
    assert density_coverage(a, far) == DensityCoverage(density=0.0, coverage=0.0)


def test_density_is_about_one_for_one_distribution():
    densities = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        densities.append(density_coverage(rng.normal(size=(1000, 8)),
                                          rng.normal(size=(1000, 8))).density)
    assert np.mean(densities) == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("k", [1, 5])
def test_density_coverage_match_brute_force(rng, k):
    real = rng.normal(size=(300, 10))
    fake = rng.normal(loc=0.3, scale=0.8, size=(250, 10))
    density, coverage = density_coverage(real, fake, k=k)
    expected_density, expected_coverage = brute_density_coverage(real, fake, k)
    assert density == pytest.approx(expected_density, rel=1e-12)
    assert coverage == expected_coverage
    assert 0.0 < coverage < 1.0


def test_chunking_does_not_change_the_results(rng, monkeypatch):
    real = rng.normal(size=(230, 6))
    fake = rng.normal(loc=0.2, size=(170, 6))
    whole_pr = precision_recall(real, fake, batch_size=1000)
    whole_dc = density_coverage(real, fake, batch_size=1000)
    for batch_size in (1, 7, 64):
        assert precision_recall(real, fake, batch_size=batch_size) == whole_pr
        assert density_coverage(real, fake, batch_size=batch_size) == whole_dc
    # The default chunk size follows the byte budget.
    monkeypatch.setattr(distances, "_CHUNK_BYTES", 8 * 230 * 10)  # 10 rows per chunk
    assert precision_recall(real, fake) == whole_pr
    assert density_coverage(real, fake) == whole_dc



# Tie-breaking: brute force with plain Python loops, exact on quantized features
# and on copies; invariant under chunking, row order and an exact shift.


def loop_squared_distance(x, y):
    total = 0.0
    for a, b in zip(x, y):
        total += (a - b) ** 2
    return total


def loop_radii(points, k):
    """Squared distance to the k-th nearest other sample, the sample skipped by index."""
    radii = []
    for i, x in enumerate(points):
        others = sorted(loop_squared_distance(x, y) for j, y in enumerate(points) if j != i)
        radii.append(others[k - 1])
    return radii


def loop_in_balls(x, centres, radii):
    return [loop_squared_distance(x, c) <= r for c, r in zip(centres, radii)]


def loop_precision_recall(real, fake, k):
    real, fake = np.asarray(real).tolist(), np.asarray(fake).tolist()
    real_radii, fake_radii = loop_radii(real, k), loop_radii(fake, k)
    precision = sum(any(loop_in_balls(x, real, real_radii)) for x in fake) / len(fake)
    recall = sum(any(loop_in_balls(x, fake, fake_radii)) for x in real) / len(real)
    return PrecisionRecall(precision, recall)


def loop_density_coverage(real, fake, k):
    real, fake = np.asarray(real).tolist(), np.asarray(fake).tolist()
    radii = loop_radii(real, k)
    inside = [loop_in_balls(x, real, radii) for x in fake]  # [fake][real]
    density = sum(sum(row) for row in inside) / (k * len(fake))
    coverage = sum(any(row[i] for row in inside) for i in range(len(real))) / len(real)
    return DensityCoverage(density, coverage)


def quantized_sets(rng):
    """Small integers in 3-d: almost every distance is shared by many pairs."""
    real = rng.integers(0, 4, size=(60, 3)).astype(np.float64)
    real[7] = real[3]  # a duplicated real sample: each is the other's nearest neighbour
    fake = rng.integers(0, 5, size=(45, 3)).astype(np.float64)
    return real, fake


def copied_sets(rng):
    """Integer features; half the fakes are exact copies of real samples."""
    real = rng.integers(-40, 40, size=(70, 6)).astype(np.float64)
    real[11] = real[5]
    fake = rng.integers(-40, 40, size=(50, 6)).astype(np.float64)
    fake[:25] = real[rng.choice(len(real), 25, replace=False)]
    return real, fake


# "integer" uses the exact Gram-matrix path; "quarter" (the same sets / 4:
# dyadic, still exact distances, but not integers) the filtered path that
# recomputes every tie exactly.
SCALES = {"integer": 1.0, "quarter": 0.25}
TIE_SETS = {"quantized": quantized_sets, "copies": copied_sets}


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("sets", TIE_SETS)
@pytest.mark.parametrize("k", [1, 3, 5])
def test_knn_metrics_match_loops_with_ties(rng, sets, scale, k):
    real, fake = TIE_SETS[sets](rng)
    real, fake = real * SCALES[scale], fake * SCALES[scale]
    pr, dc = precision_recall(real, fake, k=k), density_coverage(real, fake, k=k)
    assert pr == loop_precision_recall(real, fake, k)
    assert dc == loop_density_coverage(real, fake, k)
    if sets == "copies":
        assert pr.precision >= 0.5  # a copy is inside the ball of its original
        assert 0.0 < pr.recall < 1.0 and 0.0 < dc.coverage < 1.0


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("sets", TIE_SETS)
def test_knn_metrics_ignore_chunking_order_and_shift(rng, sets, scale, monkeypatch):
    real, fake = TIE_SETS[sets](rng)
    real, fake = real * SCALES[scale], fake * SCALES[scale]
    expected = [precision_recall(real, fake, k=3), density_coverage(real, fake, k=3)]

    def both(real, fake, **options):
        return [precision_recall(real, fake, k=3, **options),
                density_coverage(real, fake, k=3, **options)]

    for batch_size in (1, 7, 64, 1000):
        assert both(real, fake, batch_size=batch_size) == expected
    assert both(real[rng.permutation(len(real))], fake[rng.permutation(len(fake))]) == expected
    assert both(real[::-1], fake[::-1], batch_size=5) == expected
    assert both(real + 1024.0, fake + 1024.0) == expected  # exact: the differences do not change
    assert both(real - 3.0e6, fake - 3.0e6, batch_size=9) == expected
    monkeypatch.setattr(distances, "_CHUNK_BYTES", 8 * len(real) * 4)  # 4 rows per chunk
    assert both(real, fake) == expected


def test_copies_of_continuous_features_match_loops(rng):
    # Gaussian features: the only ties are exact copies (a copy's distances equal
    # its original's), which both sides must decide the same way.
    real = rng.normal(size=(80, 5))
    real[9] = real[2]
    fake = np.concatenate([real[rng.choice(len(real), 30, replace=False)],
                           rng.normal(loc=0.2, size=(30, 5))])
    for k in (1, 3):
        pr, dc = precision_recall(real, fake, k=k), density_coverage(real, fake, k=k)
        assert pr == loop_precision_recall(real, fake, k)
        assert dc == loop_density_coverage(real, fake, k)
        order_r, order_f = rng.permutation(len(real)), rng.permutation(len(fake))
        assert precision_recall(real[order_r], fake[order_f], k=k, batch_size=7) == pr
        assert density_coverage(real[order_r], fake[order_f], k=k, batch_size=3) == dc


def exhaustive_knn_metrics(real, fake, k):
    """Both metrics from the exact pair distances e of *all* pairs (no filter)."""
    def exact(a, b):
        rows, columns = np.meshgrid(np.arange(len(a)), np.arange(len(b)), indexing="ij")
        values = distances._exact_squared_distances(a, b, rows.ravel(), columns.ravel())
        return values.reshape(len(a), len(b))

    real_real, fake_fake, fake_real = exact(real, real), exact(fake, fake), exact(fake, real)
    np.fill_diagonal(real_real, np.inf)
    np.fill_diagonal(fake_fake, np.inf)
    in_real = fake_real <= np.sort(real_real, axis=1)[:, k - 1]
    in_fake = fake_real <= np.sort(fake_fake, axis=1)[:, k - 1][:, None]
    precision, recall = np.mean(in_real.any(axis=1)), np.mean(in_fake.any(axis=0))
    return (PrecisionRecall(float(precision), float(recall)),
            DensityCoverage(float(in_real.sum() / (k * len(fake))),
                            float(np.mean(in_real.any(axis=0)))))


@pytest.mark.parametrize("offset, scale", [(0.0, 1.0), (1.0e6, 1.0), (0.1, 1.0e-3)])
@pytest.mark.parametrize("d", [1, 7, 300])
def test_the_filter_decides_like_exact_distances_everywhere(rng, offset, scale, d):
    # Near-copies (relative perturbations of one or a few ulps) and pairs of real
    # samples 1e-9 apart put many pairs within rounding of a radius.
    real = rng.normal(size=(50, d)) * scale + offset
    real[1::2] = real[0::2] + 1e-9 * scale
    fake = rng.normal(size=(40, d)) * scale + offset
    fake[:20] = real[rng.integers(0, 50, size=20)] * (1.0 + rng.choice([0.0, 1e-16, 1e-15],
                                                                       size=(20, 1)))
    for k in (1, 2, 5):
        expected = exhaustive_knn_metrics(real, fake, k)
        for batch_size in (None, 3):
            assert (precision_recall(real, fake, k=k, batch_size=batch_size),
                    density_coverage(real, fake, k=k, batch_size=batch_size)) == expected


def test_a_fake_on_a_ball_boundary_is_inside():
    # Real radii (k = 1) are 2, 2, 2; the fake at 6 is exactly 2 from the real at 4
    # and the real at 4 exactly 2 (its radius, k = 1) from the fake at 6.
    real, fake = [[0.0], [2.0], [4.0]], [[6.0], [8.0], [10.0]]
    third = PrecisionRecall(precision=1 / 3, recall=1 / 3)
    assert precision_recall(real, fake, k=1) == third
    assert precision_recall(np.add(real, 0.375), np.add(fake, 0.375), k=1) == third
    assert density_coverage(real, fake, k=1) == DensityCoverage(density=1 / 3, coverage=1 / 3)


def test_duplicate_real_samples_are_neighbours():
    # Excluding the sample itself by index, not by "distance 0": two identical
    # real samples have radius 0 for k = 1 and hold a fake copy of them.
    # k = 1: squared radii 0, 0, 4, 4; k = 2: 9, 9, 9, 25 (the fakes at 0 and 10
    # lie on the boundaries of the balls of 3 and 5).
    real = [[0.0, 0.0], [0.0, 0.0], [3.0, 0.0], [5.0, 0.0]]
    fake = [[0.0, 0.0], [10.0, 0.0]]
    assert density_coverage(real, fake, k=1) == DensityCoverage(density=1.0, coverage=0.5)
    assert density_coverage(real, fake, k=2) == DensityCoverage(density=1.25, coverage=1.0)
    for k in (1, 2):
        assert density_coverage(real, fake, k=k) == loop_density_coverage(real, fake, k)


# ----------------------------------------------------------------------------
# Invalid input.


def test_mismatched_widths_are_rejected(rng):
    a, b = rng.normal(size=(50, 4)), rng.normal(size=(50, 5))
    message = "features_a has width 4 and features_b has width 5"
    with pytest.raises(ValueError, match=message):
        frechet_distance(a, b)
    with pytest.raises(ValueError, match=message):
        kernel_distance(a, b)
    with pytest.raises(ValueError, match="real_features has width 4 and fake_features has width 5"):
        precision_recall(a, b)


def test_fid_needs_more_samples_than_features(rng):
    with pytest.raises(ValueError, match=r"features_a: got 16 samples of width 16; "
                                         r"need at least d \+ 1 = 17 .*singular"):
        frechet_distance(rng.normal(size=(16, 16)), rng.normal(size=(100, 16)))
    with pytest.raises(ValueError, match="features_b: got 3 samples of width 16"):
        frechet_distance(rng.normal(size=(100, 16)), rng.normal(size=(3, 16)))


def test_non_finite_features_are_rejected(rng):
    a = rng.normal(size=(30, 3))
    b = a.copy()
    b[3, 2] = np.nan
    b[5, 0] = np.inf
    for metric in (frechet_distance, kernel_distance, precision_recall, density_coverage):
        with pytest.raises(ValueError, match="must be finite; got 2 non-finite"):
            metric(a, b)
    with pytest.raises(ValueError, match="features_b must be finite"):
        frechet_distance(a, b)
    with pytest.raises(ValueError, match="fake_features must be finite"):
        precision_recall(a, b)


@pytest.mark.parametrize("bad", [np.zeros(10), np.zeros((2, 3, 4)), np.zeros((10, 0))])
def test_wrong_rank_is_rejected(bad):
    with pytest.raises(ValueError, match=r"features_a must be a 2-D array \[n, d\].*got shape"):
        frechet_distance(bad, np.zeros((10, 3)))
    with pytest.raises(ValueError, match=r"features must be a 2-D array"):
        gaussian_statistics(bad)


def test_non_numeric_features_are_rejected():
    with pytest.raises(ValueError, match="real_features must be a real numeric .*got dtype"):
        precision_recall([["a", "b"]] * 5, np.zeros((5, 2)))


def test_invalid_probabilities_are_rejected(rng):
    probs = rng.dirichlet(np.ones(4), size=20)
    with pytest.raises(ValueError, match=r"every row of probs must sum to 1 .*got 20 rows"):
        inception_score(probs * 1.1, splits=2)
    with pytest.raises(ValueError, match="Pass probabilities"):
        inception_score(np.log(probs), splits=2)
    negative = probs.copy()
    negative[0, :2] = [-0.1, negative[0, 0] + negative[0, 1] + 0.1]
    with pytest.raises(ValueError, match="must be non-negative probabilities; got 1 negative"):
        inception_score(negative, splits=2)
    with pytest.raises(ValueError, match="probs: got 20 samples .*need at least 30"):
        inception_score(probs, splits=30)
    with pytest.raises(ValueError, match="splits must be a positive integer; got 0"):
        inception_score(probs, splits=0)


def test_k_must_be_smaller_than_the_sample_count(rng, monkeypatch):
    def no_distances(*args, **kwargs):
        raise AssertionError("a distance was computed before k was checked")

    monkeypatch.setattr(distances, "_filter_chunk", no_distances)
    monkeypatch.setattr(distances, "_exact_squared_distances", no_distances)
    real, fake = rng.normal(size=(3, 2)), rng.normal(size=(10, 2))
    with pytest.raises(ValueError, match=r"k = 3 must be smaller than the number of real "
                                         r"samples: real_features has 3 samples.*needs at "
                                         r"least k \+ 1 = 4 samples"):
        precision_recall(real, fake, k=3)
    with pytest.raises(ValueError, match=r"k = 3 must be smaller than the number of fake "
                                         r"samples: fake_features has 3 samples.*k-th nearest "
                                         r"other fake sample.*k \+ 1 = 4"):
        precision_recall(fake, real, k=3)
    with pytest.raises(ValueError, match=r"k = 10 must be smaller .*real_features has 10 "
                                         r"samples, and density / coverage"):
        density_coverage(fake, real, k=10)
    for bad_k in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="k must be a positive integer"):
            precision_recall(fake, fake, k=bad_k)
    with pytest.raises(ValueError, match="batch_size must be a positive integer; got 0"):
        density_coverage(fake, fake, k=2, batch_size=0)
    with pytest.raises(ValueError, match="fake_features: got 0 samples of width 2; need at "
                                         "least 1 sample"):
        density_coverage(fake, np.zeros((0, 2)), k=2)


def test_density_coverage_needs_no_more_fakes_than_k(rng):
    # Only real samples get balls: a handful of fakes is enough.
    real = rng.integers(0, 9, size=(40, 3)).astype(np.float64)
    fake = np.concatenate([real[:2], [[4.0, 4.0, 4.0]]])
    for k in (3, 5, 39):
        assert density_coverage(real, fake, k=k) == loop_density_coverage(real, fake, k)


def test_kid_argument_checks(rng):
    a = rng.normal(size=(10, 2))
    with pytest.raises(ValueError, match="subset_size must be at least 2; got 1"):
        kernel_distance(a, a, subset_size=1)
    with pytest.raises(ValueError, match="num_subsets must be a positive integer"):
        kernel_distance(a, a, num_subsets=0)
    with pytest.raises(ValueError, match="features_b: got 1 samples of width 2; need at least 2"):
        kernel_distance(a, a[:1])


def test_invalid_statistics_are_rejected(rng):
    mean, cov = np.zeros(3), np.eye(3)
    with pytest.raises(ValueError, match=r"mean_a must be a 1-D array \[d\].*got shape \(1, 3\)"):
        frechet_distance_from_statistics(mean[None], cov, mean, cov)
    with pytest.raises(ValueError, match="mean_a has length 3 and mean_b has length 2"):
        frechet_distance_from_statistics(mean, cov, mean[:2], cov[:2, :2])
    with pytest.raises(ValueError, match=r"cov_b must have shape \[d, d\] = \[3, 3\].*\(3, 2\)"):
        frechet_distance_from_statistics(mean, cov, mean, cov[:, :2])
    asymmetric = cov.copy()
    asymmetric[0, 1] = 0.5
    with pytest.raises(ValueError, match="cov_a must be a symmetric covariance matrix"):
        frechet_distance_from_statistics(mean, asymmetric, mean, cov)
    with pytest.raises(ValueError, match="mean_b must be finite; got 1 non-finite"):
        frechet_distance_from_statistics(mean, cov, [0.0, np.nan, 0.0], cov)


def test_a_covariance_that_is_not_psd_is_refused():
    eye = np.eye(3)
    with pytest.raises(ValueError, match=r"cov_a must be positive semi-definite.*smallest "
                                         r"eigenvalue is -1"):
        frechet_distance_from_statistics(np.zeros(3), -eye, np.zeros(3), eye)
    # Round-off below zero on a singular PSD matrix is accepted.
    singular = np.ones((3, 3)) - 1e-12 * eye
    assert frechet_distance_from_statistics(np.zeros(3), singular, np.zeros(3), singular) < 1e-6
