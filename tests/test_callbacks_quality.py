"""SampleQualityCallback: metrics in the logs and TensorBoard every N epochs."""

import glob

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.callbacks import SampleQualityCallback
from kerasgan.data import load
from kerasgan.metrics import get_extractor, reference_set, sample_quality
from kerasgan.models import create_variant
from kerasgan.nets import mlp_discriminator, mlp_generator


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    extractor = get_extractor("digits-net")
    reference = reference_set("digits/28x28", "test", extractor,
                              cache_dir=tmp_path_factory.mktemp("cache"))
    return extractor, reference


def _gan():
    gan = create_variant(
        "nsgan", mlp_generator(16, (28, 28, 1), (64,), output_activation="tanh"),
        mlp_discriminator((28, 28, 1), (64,)), seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def _tensorboard_tags(log_dir):
    tags = {}
    for path in glob.glob(f"{log_dir}/quality/events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                tags.setdefault(value.tag, []).append(event.step)
    return tags


@pytest.mark.slow
def test_logs_history_and_tensorboard_every_n_epochs(parts, tmp_path):
    extractor, reference = parts
    gan = _gan()
    callback = SampleQualityCallback(reference, extractor, num_samples=100, every_n_epochs=2,
                                     seed=7, log_dir=str(tmp_path))
    history = gan.fit(load("digits/28x28", "train", 32, seed=0), epochs=4, steps_per_epoch=3,
                      callbacks=[callback], verbose=0)
    assert [epoch for epoch, _ in callback.history] == [1, 3]
    assert len(history.history["fid_digits_net"]) == 2  # logged on evaluated epochs only
    for key in ("kid", "precision", "recall", "density", "coverage", "inception_score"):
        assert f"{key}_digits_net" in history.history
    # The logged value is the report of the model's samples at that epoch.
    last = callback.history[-1][1]
    again = sample_quality(gan.generate(100, seed=7), reference, extractor)
    assert again["metrics"]["fid"] == pytest.approx(last["metrics"]["fid"], rel=1e-5)
    tags = _tensorboard_tags(tmp_path)
    assert tags["FID (digits-net)"] == [1, 3]
    assert "KID (digits-net)" in tags and "precision (digits-net)" in tags


def test_for_dataset_uses_the_default_protocol():
    callback = SampleQualityCallback.for_dataset("digits/28x28", num_samples=200)
    assert callback.extractor.name == "digits-net"
    assert callback.reference.protocol["split"] == "test"
    assert callback.log_key("fid") == "fid_digits_net"


@pytest.mark.parametrize("kwargs, message", [
    ({"num_samples": 64}, "must exceed the feature width of digits-net \\(64\\)"),
    ({"every_n_epochs": 0}, "every_n_epochs must be a positive integer; got 0"),
])
def test_bad_arguments(parts, kwargs, message):
    extractor, reference = parts
    with pytest.raises(ValueError, match=message):
        SampleQualityCallback(reference, extractor, **kwargs)


def test_generated_images_match_generate(parts):
    extractor, reference = parts
    gan = _gan()
    callback = SampleQualityCallback(reference, extractor, num_samples=100, seed=3)
    callback.set_model(gan)
    report = callback.evaluate()
    direct = sample_quality(gan.generate(100, seed=3), reference, extractor)
    np.testing.assert_allclose(report["metrics"]["fid"], direct["metrics"]["fid"], rtol=1e-6)
