"""Streaming metrics agree with the one-shot functions on the same features."""

import numpy as np
import pytest
import tensorflow as tf

from kerasgan.data import digits_arrays
from kerasgan.metrics import (
    FeatureStatistics,
    FrechetDistanceMetric,
    InceptionScoreMetric,
    KernelDistanceMetric,
    PrecisionRecallMetric,
    frechet_distance,
    inception_score,
    kernel_distance,
    precision_recall,
)


@pytest.fixture(scope="module")
def real_and_fake(extractor):
    """Real test digits, and 'fake' train digits degraded by noise."""
    real, _ = digits_arrays(28, "test")
    train, _ = digits_arrays(28, "train")
    rng = np.random.default_rng(0)
    fake = np.clip(train[:300] / 127.5 - 1 + rng.normal(0, 0.3, train[:300].shape), -1, 1)
    fake = fake.astype(np.float32)
    return real, fake, extractor.extract(real), extractor.extract(fake)


# --------------------------------------------------------------------------
# FeatureStatistics.


def test_statistics_match_numpy_in_any_batching(rng):
    x = rng.normal(loc=1e3, scale=1.0, size=(1000, 5))  # a large mean: cancellation-prone
    stats = FeatureStatistics(5)
    for chunk in np.array_split(x, 7):
        stats.update(chunk)
    np.testing.assert_allclose(stats.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.covariance, np.cov(x, rowvar=False), rtol=1e-9, atol=1e-12)


def test_merge_equals_one_pass(rng):
    x = rng.normal(size=(300, 4))
    a = FeatureStatistics.from_features(x[:100])
    b = FeatureStatistics.from_features(x[100:] + 0.0)
    a.merge(b)
    whole = FeatureStatistics.from_features(x)
    assert a.count == 300
    np.testing.assert_allclose(a.mean, whole.mean, atol=1e-12)
    np.testing.assert_allclose(a.covariance, whole.covariance, atol=1e-12)
    with pytest.raises(ValueError, match="width 3 into width 4"):
        a.merge(FeatureStatistics(3))


def test_save_load_round_trip(tmp_path, rng):
    stats = FeatureStatistics.from_features(rng.normal(size=(50, 3)))
    stats.save(tmp_path / "s.npz")
    again = FeatureStatistics.load(tmp_path / "s.npz")
    np.testing.assert_array_equal(again.covariance, stats.covariance)
    assert again.count == 50
    assert [p.name for p in tmp_path.iterdir()] == ["s.npz"]  # no temp file left


def test_statistics_refuse_bad_features():
    stats = FeatureStatistics(2)
    with pytest.raises(ValueError, match=r"width 2; got shape \(1, 3\)"):
        stats.update(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="got 1 NaN or infinite"):
        stats.update([[np.nan, 0.0]])
    with pytest.raises(ValueError, match="at least 2 samples; it has 0"):
        stats.covariance
    with pytest.raises(ValueError, match="Refusing to save empty FeatureStatistics"):
        stats.save("unused.npz")


# --------------------------------------------------------------------------
# Keras metrics vs one-shot functions.


def test_streaming_fid_equals_one_shot(extractor, real_and_fake):
    real, fake, real_out, fake_out = real_and_fake
    metric = FrechetDistanceMetric(extractor, FeatureStatistics.from_features(real_out.features))
    for chunk in np.array_split(fake, 5):
        metric.update_state(chunk)
    expected = frechet_distance(fake_out.features, real_out.features)
    assert float(metric.result()) == pytest.approx(expected, rel=1e-6)
    assert expected > 1.0  # the noisy digits are clearly off
    metric.reset_state()
    metric.update_state(real)
    assert float(metric.result()) == pytest.approx(0.0, abs=1e-6)


def test_streaming_fid_inside_tf_function(extractor, real_and_fake):
    real, fake, real_out, fake_out = real_and_fake
    metric = FrechetDistanceMetric(extractor, FeatureStatistics.from_features(real_out.features))

    @tf.function
    def update(x):
        metric.update_state(x)

    for chunk in np.array_split(fake, 3):
        update(tf.constant(chunk))
    expected = frechet_distance(fake_out.features, real_out.features)
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)


def test_streaming_fid_needs_more_samples_than_dimensions(extractor, real_and_fake):
    real, fake, real_out, _ = real_and_fake
    metric = FrechetDistanceMetric(extractor, FeatureStatistics.from_features(real_out.features))
    metric.update_state(fake[:10])
    with pytest.raises(ValueError, match="more samples than feature dimensions: got 10 generated"):
        metric.result()
    with pytest.raises(ValueError, match="got 30 reference samples of width 64"):
        FrechetDistanceMetric(extractor, FeatureStatistics.from_features(real_out.features[:30]))


def test_buffered_metrics_in_tf_function_and_reset(extractor, real_and_fake):
    real, fake, real_out, fake_out = real_and_fake
    pr = PrecisionRecallMetric(extractor, real_out.features, capacity=500, k=3)

    @tf.function
    def step(x):
        pr.update_state(x)
        return pr.result()

    for chunk in np.array_split(fake, 3):
        value = step(tf.constant(chunk))
    assert value.shape == (2,)
    np.testing.assert_allclose(value, precision_recall(real_out.features, fake_out.features, k=3))
    pr.reset_state()
    pr.update_state(real)
    np.testing.assert_allclose(pr.result(), [1.0, 1.0])
    assert pr.collected().shape == (450, 64)


def test_streaming_fid_under_mirrored_strategy(extractor, real_and_fake, two_cpu_strategy):
    """FID's state is sums: each replica adds its share, the result is the global FID."""
    real, fake, real_out, fake_out = real_and_fake
    reference = FeatureStatistics.from_features(real_out.features)
    with two_cpu_strategy.scope():
        metric = FrechetDistanceMetric(extractor, reference)
    ds = tf.data.Dataset.from_tensor_slices(fake).batch(100)
    for batch in two_cpu_strategy.experimental_distribute_dataset(ds):
        two_cpu_strategy.run(metric.update_state, args=(batch,))
    expected = frechet_distance(fake_out.features, real_out.features)
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)
    with two_cpu_strategy.scope():
        with pytest.raises(ValueError, match="does not run under a multi-replica strategy"):
            KernelDistanceMetric(extractor, real_out.features)


def test_streaming_kid_is_and_pr_equal_one_shot(extractor, real_and_fake):
    real, fake, real_out, fake_out = real_and_fake
    kid = KernelDistanceMetric(extractor, real_out.features, capacity=400, num_subsets=20,
                               subset_size=200, seed=3)
    score = InceptionScoreMetric(extractor, capacity=400, splits=5)
    pr = PrecisionRecallMetric(extractor, real_out.features, capacity=400, k=3)
    for chunk in np.array_split(fake, 4):
        for metric in (kid, score, pr):
            metric.update_state(chunk)
    expected_kid = kernel_distance(fake_out.features, real_out.features, num_subsets=20,
                                   subset_size=200, seed=3)
    np.testing.assert_allclose(kid.result(), expected_kid, rtol=1e-6)
    np.testing.assert_allclose(score.result(), inception_score(fake_out.probs, splits=5),
                               rtol=1e-6)
    np.testing.assert_allclose(pr.result(), precision_recall(real_out.features,
                                                             fake_out.features, k=3), rtol=1e-12)
    np.testing.assert_allclose(kid.collected(), fake_out.features, rtol=1e-6, atol=1e-6)


def test_buffer_capacity_is_enforced(extractor, real_and_fake):
    _, fake, real_out, _ = real_and_fake
    metric = KernelDistanceMetric(extractor, real_out.features, capacity=20)
    metric.update_state(fake[:15])
    with pytest.raises(tf.errors.InvalidArgumentError, match="more samples than its capacity"):
        metric.update_state(fake[:10])


def test_reference_width_must_match(extractor, rng):
    with pytest.raises(ValueError, match="width 3, but extractor digits-net gives 64-d"):
        FrechetDistanceMetric(extractor, FeatureStatistics.from_features(rng.normal(size=(9, 3))))
    with pytest.raises(ValueError, match=r"must have width 64; got shape \(9, 3\)"):
        KernelDistanceMetric(extractor, rng.normal(size=(9, 3)))
