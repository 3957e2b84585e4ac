"""Tests of kerasgan.callbacks.MixtureMetricsCallback inside a real model.fit."""

import doctest
import glob
import math
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.callbacks import LOG_KEYS, MixtureMetricsCallback
from kerasgan.callbacks import mixture as callback_module
from kerasgan.data.mixtures import get_mixture
from kerasgan.metrics.mixture import mixture_metrics
from kerasgan.plotting import scatter_image

RING8 = get_mixture("ring8")


class FakeGAN(keras.Model):
    """A trivial trainable model whose `generate` samples the true ring8 mixture.

    `generate` records its calls; `nan_rows` makes that many samples NaN.
    """

    def __init__(self, nan_rows=0, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(1)
        self.nan_rows = nan_rows
        self.generate_calls = []

    def call(self, inputs):
        return self.dense(inputs)

    def generate(self, num, seed=None):
        self.generate_calls.append((num, seed))
        samples = RING8.sample(num, seed=seed)
        samples[: self.nan_rows] = np.nan
        return tf.constant(samples)


def _fit(model, callback, epochs=2, extra_callbacks=()):
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((8, 1), np.float32)
    return model.fit(
        x, x, batch_size=4, epochs=epochs, verbose=0,
        callbacks=[callback, *extra_callbacks],
    )


def _read_events(directory):
    """{tag: {step: value}} of all the events under `directory`."""
    events = {}
    files = glob.glob(os.path.join(directory, "events.out.tfevents.*"))
    assert files, f"no event files in {directory}"
    for path in files:
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                events.setdefault(value.tag, {})[event.step] = tf.make_ndarray(value.tensor)
    return events


def test_metrics_in_history_match_direct_computation():
    model = FakeGAN()
    callback = MixtureMetricsCallback.for_mixture("ring8", num_samples=1000, seed=3)
    history = _fit(model, callback)
    expected = mixture_metrics(RING8.sample(1000, seed=3), RING8.centers, RING8.sigma)
    assert model.generate_calls == [(1000, 3), (1000, 3)]
    for key in LOG_KEYS:
        assert history.history[key] == [expected[key]] * 2, key
    assert history.history["modes_captured"] == [8, 8]
    assert "loss" in history.history
    assert [epoch for epoch, _ in callback.history] == [0, 1]
    assert callback.history[0][1] == expected  # the full dict
    assert set(LOG_KEYS) == {"modes_captured", "high_quality", "reverse_kl", "spread"}


def test_every_n_epochs():
    model = FakeGAN()
    callback = MixtureMetricsCallback.for_mixture("ring8", num_samples=200, every_n_epochs=2)
    history = _fit(model, callback, epochs=5)
    assert [epoch for epoch, _ in callback.history] == [1, 3]
    assert len(model.generate_calls) == 2
    assert len(history.history["modes_captured"]) == 2
    assert len(history.history["loss"]) == 5


def test_default_arguments():
    callback = MixtureMetricsCallback(RING8.centers, RING8.sigma)
    assert callback.num_samples == 2500
    assert callback.every_n_epochs == 1 and callback.image_every_n_epochs == 1
    assert callback.seed == 0 and callback.log_dir is None
    model = FakeGAN()
    _fit(model, callback, epochs=1)
    assert model.generate_calls == [(2500, 0)]


def test_later_callbacks_see_the_metrics():
    seen = []
    spy = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(logs["modes_captured"])
    )
    callback = MixtureMetricsCallback.for_mixture("ring8", num_samples=200)
    _fit(FakeGAN(), callback, extra_callbacks=[spy])
    assert seen == [8, 8]


def test_tensorboard_scalars_and_images(tmp_path):
    model = FakeGAN()
    callback = MixtureMetricsCallback.for_mixture(
        "ring8", num_samples=500, log_dir=tmp_path, image_every_n_epochs=2
    )
    _fit(model, callback, epochs=3)
    assert os.listdir(tmp_path) == ["mixture"]
    events = _read_events(os.path.join(tmp_path, "mixture"))
    samples = RING8.sample(500, seed=0)
    expected = mixture_metrics(samples, RING8.centers, RING8.sigma)
    assert set(events) == set(LOG_KEYS) | {"samples"}
    for key in LOG_KEYS:
        assert sorted(events[key]) == [0, 1, 2]
        for step in range(3):
            assert float(events[key][step]) == pytest.approx(expected[key], rel=1e-6)
    # The image only every second epoch (epoch index 1).
    assert sorted(events["samples"]) == [1]
    width, height, png = events["samples"][1]
    assert (int(width), int(height)) == (256, 256)
    decoded = tf.io.decode_png(png).numpy()
    np.testing.assert_array_equal(
        decoded, scatter_image(samples, RING8.centers, RING8.sigma)
    )


def test_tensorboard_with_event_accumulator(tmp_path):
    from tensorboard.backend.event_processing import event_accumulator

    callback = MixtureMetricsCallback.for_mixture(
        "grid25", num_samples=300, log_dir=str(tmp_path), image_size=64
    )
    model = FakeGAN()  # ring8 samples scored against grid25: nothing captured
    history = _fit(model, callback)
    assert history.history["modes_captured"] == [0, 0]
    assert history.history["reverse_kl"] == [math.inf, math.inf]
    accumulator = event_accumulator.EventAccumulator(
        os.path.join(tmp_path, "mixture"), size_guidance={event_accumulator.TENSORS: 0}
    )
    accumulator.Reload()
    tags = accumulator.Tags()["tensors"]
    assert set(tags) == set(LOG_KEYS) | {"samples"}
    captured = accumulator.Tensors("modes_captured")
    assert [e.step for e in captured] == [0, 1]
    assert [float(tf.make_ndarray(e.tensor_proto)) for e in captured] == [0.0, 0.0]
    images = accumulator.Tensors("samples")
    assert [e.step for e in images] == [0, 1]
    assert tf.io.decode_png(tf.make_ndarray(images[0].tensor_proto)[2]).shape == (64, 64, 3)


def test_non_finite_samples_record_nan_and_warn(tmp_path):
    model = FakeGAN(nan_rows=3)
    callback = MixtureMetricsCallback.for_mixture("ring8", num_samples=100, log_dir=tmp_path)
    with pytest.warns(RuntimeWarning) as record:
        history = _fit(model, callback)
    messages = [str(w.message) for w in record if w.category is RuntimeWarning]
    assert any("epoch 0: 3 of 100 generated samples are non-finite" in m for m in messages)
    assert any("epoch 1: 3 of 100" in m for m in messages)
    for key in LOG_KEYS:
        assert len(history.history[key]) == 2
        assert all(math.isnan(v) for v in history.history[key])
    assert math.isnan(callback.history[1][1]["spread"])
    events = _read_events(os.path.join(tmp_path, "mixture"))
    assert math.isnan(float(events["modes_captured"][1]))
    assert 1 in events["samples"]  # the picture is still drawn (finite points only)


def test_model_without_generate():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    callback = MixtureMetricsCallback.for_mixture("ring8")
    with pytest.raises(TypeError, match=r"generate\(num, seed=None\).*got Sequential"):
        _fit(model, callback)


def test_wrong_sample_shape_propagates():
    class BadGAN(FakeGAN):
        def generate(self, num, seed=None):
            return tf.zeros((num, 3))

    with pytest.raises(ValueError, match=r"got shape \(10, 3\)"):
        _fit(BadGAN(), MixtureMetricsCallback.for_mixture("ring8", num_samples=10))


@pytest.mark.parametrize("name", ["ring8", "grid25", "gaussian_mixture/ring8"])
def test_for_mixture(name):
    spec = get_mixture(name)
    callback = MixtureMetricsCallback.for_mixture(name, num_samples=10, every_n_epochs=3)
    np.testing.assert_array_equal(callback.centers, spec.centers)
    assert callback.sigma == spec.sigma
    assert callback.num_samples == 10 and callback.every_n_epochs == 3
    assert callback.image_every_n_epochs == 3


def test_for_mixture_unknown_name():
    with pytest.raises(ValueError, match=r"Unknown Gaussian mixture 'ring9'"):
        MixtureMetricsCallback.for_mixture("ring9")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_samples": 0}, "num_samples must be a positive integer"),
        ({"every_n_epochs": 0}, "every_n_epochs must be a positive integer"),
        ({"every_n_epochs": 1.5}, "every_n_epochs must be a positive integer"),
        ({"image_every_n_epochs": -2}, "image_every_n_epochs must be a positive integer"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MixtureMetricsCallback(RING8.centers, RING8.sigma, **kwargs)


def test_invalid_centers_and_sigma():
    with pytest.raises(ValueError, match=r"centers must have shape \[K, 2\].*got shape \(8, 3\)"):
        MixtureMetricsCallback(np.zeros((8, 3)), 0.1)
    with pytest.raises(ValueError, match=r"sigma must be a positive finite number; got -1"):
        MixtureMetricsCallback(RING8.centers, -1)


def test_doctests():
    result = doctest.testmod(callback_module)
    assert result.attempted > 0 and result.failed == 0
