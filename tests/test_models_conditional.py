"""Class-conditional GANs: label plumbing, generate(labels=...), truncation, export, errors."""

import textwrap

import keras
import numpy as np
import pytest
import scipy.stats
import tensorflow as tf

from kerasgan.data import load
from kerasgan.models import create_variant
from kerasgan.models.gan import latents_for_seed, truncated_latents_for_seed
from kerasgan.nets import dcgan_discriminator, dcgan_generator, mlp_discriminator, mlp_generator
from helpers import run_python_json


def _conditional(variant="nsgan", conditioning="projection", **kwargs):
    g = dcgan_generator(16, (28, 28, 1), 8, num_classes=10)
    d = dcgan_discriminator((28, 28, 1), 8, num_classes=10, spectral_norm=variant == "sngan",
                            conditioning=conditioning)
    gan = create_variant(variant, g, d, num_classes=10, **kwargs)
    gan.compile()
    return gan


def test_generate_with_labels_runs_the_generator_on_those_labels():
    gan = _conditional()
    z = latents_for_seed(6, 16, seed=4)
    labels = np.array([3, 1, 4, 1, 5, 9], np.int32)
    direct = gan.generator([z, tf.constant(labels)], training=False)
    np.testing.assert_allclose(gan.generate(6, seed=4, labels=labels), direct, atol=1e-6)
    # One int: every sample of that class; None: sample i gets class i mod 10.
    np.testing.assert_allclose(gan.generate(6, seed=4, labels=7),
                               gan.generator([z, tf.fill([6], 7)], training=False),
                               atol=1e-6)
    np.testing.assert_allclose(gan.generate(6, seed=4),
                               gan.generator([z, tf.range(6)], training=False),
                               atol=1e-6)


@pytest.mark.parametrize("labels, message", [
    ([0, 1, 10], r"3 ints in \[0, 10\); got int64 array of shape \(3,\) with values in \[0, 10\]"),
    ([0, 1], r"3 ints in \[0, 10\); got int64 array of shape \(2,\)"),
    ([0.5, 1.0, 2.0], "got float64 array"),
    (-1, r"values in \[-1, -1\]"),
])
def test_generate_refuses_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        _conditional().generate(3, seed=0, labels=labels)


def test_unconditional_gan_refuses_labels_and_conditional_nets():
    gan = create_variant("nsgan", mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
    with pytest.raises(ValueError, match="not conditional"):
        gan.generate(2, seed=0, labels=1)
    g = dcgan_generator(16, (28, 28, 1), 8, num_classes=10)
    d = dcgan_discriminator((28, 28, 1), 8, num_classes=10)
    with pytest.raises(ValueError, match="takes 2 inputs .*pass num_classes"):
        create_variant("nsgan", g, d)
    with pytest.raises(ValueError, match="needs a generator with two inputs"):
        create_variant("nsgan", dcgan_generator(16, (28, 28, 1), 8), d, num_classes=10)


def test_training_data_needs_labels_in_range():
    gan = _conditional()
    images = np.zeros((8, 28, 28, 1), np.float32)
    with pytest.raises(ValueError, match="the data has none"):
        gan.fit(images, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"got labels in \[0, 12\]"):
        gan.fit(images, np.array([0, 1, 2, 3, 4, 5, 6, 12], np.int32), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="got float32 labels"):
        gan.fit(images, np.zeros(8, np.float32), epochs=1, verbose=0)
    # A dataset whose second batch is bad, with the XLA-compiled step: the host-side
    # check stops fit before that batch's step.
    gan.compile(jit_compile=True)
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 11], np.int32)
    bad = tf.data.Dataset.from_tensor_slices({"images": images, "labels": labels}).batch(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"integers in \[0, 10\)"):
        gan.fit(bad, epochs=1, verbose=0)
    assert int(gan.optimizer.iterations.numpy()) == 1  # only the good first batch ran
    tuples = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"integers in \[0, 10\)"):
        gan.fit(tuples, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"shape \[batch, 28, 28, 1\].*got shape \[None, 32, 32, 3\]"):
        gan.fit(tf.data.Dataset.from_tensor_slices(
            (np.zeros((4, 32, 32, 3), np.float32), np.zeros(4, np.int32))).batch(2), verbose=0)


@pytest.mark.parametrize("variant, conditioning", [
    ("nsgan", "projection"), ("nsgan", "concat"), ("wgan_gp", "projection"),
    ("sngan", "projection")])
def test_conditional_training_steps_run_with_penalties(variant, conditioning):
    gan = _conditional(variant, conditioning, **({"d_steps": 1} if variant == "wgan_gp" else {}))
    history = gan.fit(load("digits/28x28", "train", 16, seed=0), epochs=1, steps_per_epoch=3,
                      verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


def test_conditional_config_round_trip():
    gan = _conditional()
    clone = type(gan).from_config(gan.get_config())
    assert clone.num_classes == 10


# --------------------------------------------------------------------------
# The truncation trick.


@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.0])
def test_truncated_latents_follow_the_truncated_normal(threshold):
    z = truncated_latents_for_seed(4000, 16, seed=1, threshold=threshold).numpy().ravel()
    assert np.abs(z).max() <= threshold
    expected = scipy.stats.truncnorm(-threshold, threshold)
    assert z.std() == pytest.approx(expected.std(), rel=0.02)
    assert scipy.stats.kstest(z[:5000], expected.cdf).pvalue > 1e-3


def test_generate_with_truncation_is_reproducible_and_bounded_in_latent_space():
    gan = _conditional()
    a = gan.generate(5, seed=2, truncation=0.3)
    np.testing.assert_array_equal(a, gan.generate(5, seed=2, truncation=0.3))
    with pytest.raises(ValueError, match="truncation must be a positive finite number"):
        gan.generate(5, seed=2, truncation=0)
    with pytest.raises(ValueError, match="applies when drawing latents"):
        gan.generate(np.zeros((2, 16), np.float32), truncation=0.5)


# --------------------------------------------------------------------------
# SavedModel of a conditional GAN.


@pytest.mark.slow
def test_conditional_export_in_a_fresh_process(tmp_path):
    keras.utils.set_random_seed(5)
    gan = _conditional()
    path = str(tmp_path / "cgan")
    gan.export(path)
    z = np.random.default_rng(0).normal(size=(4, 16)).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    script = textwrap.dedent(f"""
        import json, numpy as np, tensorflow as tf
        m = tf.saved_model.load({path!r})
        z = np.load({str(tmp_path / "z.npy")!r})
        labels = tf.constant([0, 3, 3, 9])
        out = {{"generate": m.generate(tf.constant(z), labels)["samples"].numpy().tolist(),
               "serving": m.signatures["serving_default"](latents=tf.constant(z), labels=labels)["samples"].numpy().tolist(),
               "sample": m.sample(num=tf.constant(4), seed=tf.constant(8), labels=labels)["samples"].numpy().tolist()}}
        try:
            m.sample(num=tf.constant(2), seed=tf.constant(8), labels=tf.constant([1, 10]))
            out["refused"] = False
        except tf.errors.InvalidArgumentError as error:
            out["refused"] = "labels out of range" in str(error)
        print(json.dumps(out))
    """)
    out = run_python_json(script)
    labels = np.array([0, 3, 3, 9])
    np.testing.assert_allclose(out["generate"], gan.generate(z, labels=labels), atol=1e-5)
    np.testing.assert_allclose(out["serving"], gan.generate(z, labels=labels), atol=1e-5)
    np.testing.assert_allclose(out["sample"], gan.generate(4, seed=8, labels=labels), atol=1e-5)
    assert out["refused"] is True


@pytest.mark.slow
def test_a_short_conditional_run_learns_to_draw_the_requested_digits():
    """cDCGAN on the embedded digits: digits-net recognises the requested class far above
    chance after 800 steps (at the start: about chance, 10%)."""
    from kerasgan.metrics import get_extractor
    from kerasgan.metrics.classes import conditional_accuracy

    keras.utils.set_random_seed(0)
    g = dcgan_generator(32, (28, 28, 1), 16, num_classes=10)
    d = dcgan_discriminator((28, 28, 1), 16, num_classes=10)
    gan = create_variant("nsgan", g, d, num_classes=10)
    gan.compile()
    extractor = get_extractor("digits-net")
    before = conditional_accuracy(gan, extractor, samples_per_class=50)
    gan.fit(load("digits/28x28", "train", 32, seed=0), epochs=1, steps_per_epoch=800, verbose=0)
    after = conditional_accuracy(gan, extractor, samples_per_class=50)
    assert before["mean"] < 0.3
    assert after["mean"] > 0.6, after
