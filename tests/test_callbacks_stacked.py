"""kerasgan.callbacks.StackedMnistModesCallback inside a real model.fit, with an exact
classifier of synthetic digits."""

import glob
import math
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.callbacks import STACKED_LOG_KEYS, StackedMnistModesCallback
from kerasgan.metrics import stacked_mnist_modes

from synthetic_mnist import exact_classifier, stacked_images


class FakeStackedGAN(keras.Model):
    """A trivial trainable model whose `generate` gives stacked digits of {0..4}^3 (125 modes)."""

    def __init__(self, nan_rows=0, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(1)
        self.nan_rows = nan_rows
        self.generate_calls = []

    def call(self, inputs):
        return self.dense(inputs)

    def generate(self, num, seed=None):
        self.generate_calls.append((num, seed))
        images = stacked_images(np.random.default_rng(seed).integers(0, 5, (num, 3)))
        images[: self.nan_rows] = np.nan
        return images


def _fit(model, callbacks, epochs=2):
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((8, 1), np.float32)
    return model.fit(x, x, batch_size=4, epochs=epochs, verbose=0, callbacks=callbacks)


def _read_events(directory):
    events = {}
    files = glob.glob(os.path.join(directory, "events.out.tfevents.*"))
    assert files, f"no event files in {directory}"
    for path in files:
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                events.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    return events


def test_modes_and_kl_in_the_logs_match_the_metric():
    model = FakeStackedGAN()
    callback = StackedMnistModesCallback(num_samples=2000, seed=3, classifier=exact_classifier)
    seen = []
    spy = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append({k: logs[k] for k in STACKED_LOG_KEYS}))
    history = _fit(model, [callback, spy])
    expected = stacked_mnist_modes(model.generate(2000, seed=3), exact_classifier)
    assert model.generate_calls[:2] == [(2000, 3), (2000, 3)]
    assert history.history["stacked_modes"] == [expected["modes"]] * 2 == [125, 125]
    assert history.history["stacked_kl"] == [pytest.approx(expected["kl"])] * 2
    assert seen == [{"stacked_modes": 125, "stacked_kl": pytest.approx(expected["kl"])}] * 2
    assert [epoch for epoch, _ in callback.history] == [0, 1]
    assert STACKED_LOG_KEYS == ("stacked_modes", "stacked_kl")


def test_every_n_epochs_and_defaults():
    callback = StackedMnistModesCallback(classifier=exact_classifier)
    assert (callback.num_samples, callback.every, callback.seed) == (26_000, 1, 0)
    model = FakeStackedGAN()
    callback = StackedMnistModesCallback(500, every=2, classifier=exact_classifier)
    history = _fit(model, [callback], epochs=5)
    assert [epoch for epoch, _ in callback.history] == [1, 3]
    assert len(model.generate_calls) == 2 and len(history.history["stacked_modes"]) == 2


def test_tensorboard_scalars_and_keras_tensorboard(tmp_path):
    model = FakeStackedGAN()
    callback = StackedMnistModesCallback(1000, classifier=exact_classifier,
                                         log_dir=tmp_path / "own")
    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path / "keras"))
    _fit(model, [callback, board])
    expected = stacked_mnist_modes(model.generate(1000, seed=0), exact_classifier)
    own = _read_events(os.path.join(tmp_path, "own", "stacked_mnist"))
    assert set(own) == set(STACKED_LOG_KEYS)
    assert own["stacked_modes"] == {0: 125.0, 1: 125.0}
    assert own["stacked_kl"][1] == pytest.approx(expected["kl"], rel=1e-6)
    # Keras' TensorBoard callback, listed after it, logs the same values.
    logged = _read_events(os.path.join(tmp_path, "keras", "train"))
    assert logged["epoch_stacked_modes"] == {0: 125.0, 1: 125.0}


def test_non_finite_samples_record_nan_and_warn():
    model = FakeStackedGAN(nan_rows=2)
    callback = StackedMnistModesCallback(100, classifier=exact_classifier)
    with pytest.warns(RuntimeWarning, match="epoch 0: 2 of 100 generated samples are non-finite"):
        history = _fit(model, [callback], epochs=1)
    assert math.isnan(history.history["stacked_modes"][0])
    assert math.isnan(history.history["stacked_kl"][0])


def test_model_without_generate_and_bad_arguments():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    with pytest.raises(TypeError, match=r"generate\(num, seed=None\).*got Sequential"):
        _fit(model, [StackedMnistModesCallback(classifier=exact_classifier)])
    with pytest.raises(ValueError, match="every must be a positive integer; got 0"):
        StackedMnistModesCallback(every=0)
    with pytest.raises(ValueError, match="num_samples must be a positive integer"):
        StackedMnistModesCallback(num_samples=-1)
