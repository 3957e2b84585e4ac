"""Adaptive discriminator augmentation (ADA): the p controller at its documented speed,
each transformation against an independent computation, differentiability, the
identity at p = 0, replicas, checkpointed resume and the logs."""

import glob
import os
import signal
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import scipy.ndimage
import tensorflow as tf

from kerasgan import augment
from kerasgan.augment import AdaptiveAugment, transforms
from kerasgan.checkpoints import fit_with_checkpoints
from kerasgan.core.seeds import step_seed
from kerasgan.models import GAN
from kerasgan.nets import mlp_discriminator, mlp_generator

SEED = tf.constant([7, 9], tf.int64)
SIZE = 8
LATENT = 4


def _images(n=4, size=SIZE, channels=1, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, (n, size, size, channels)),
                       tf.float32)


def _ada(shape=(None, SIZE, SIZE, 1), **kwargs):
    ada = AdaptiveAugment(**kwargs)
    ada.build(shape)
    return ada


def _stats(real_sign, batch_size=8.0, step=0):
    return {"real_sign": tf.constant(real_sign, tf.float32), "real_logits": tf.constant(0.0),
            "fake_logits": tf.constant(0.0), "batch_size": tf.constant(batch_size, tf.float32),
            "step": tf.constant(step, tf.int64)}


# ------------------------------------------------------------------ arguments
@pytest.mark.parametrize("kwargs, message", [
    ({"target": 0.0}, r"target is a fraction in \(0, 1\)"),
    ({"target": 1.0}, r"target is a fraction in \(0, 1\)"),
    ({"target": 1.5}, r"target is a fraction in \(0, 1\)"),
    ({"interval": 0}, "interval is a positive"),
    ({"interval": -2}, "interval is a positive"),
    ({"interval": 2.5}, "interval is a positive"),
    ({"kimg": 0}, "must be positive"),
    ({"kimg": -100}, "must be positive"),
    ({"groups": "bgx"}, "Unknown ADA augmentation group 'bgx'"),
    ({"groups": "blit,noise"}, "Unknown ADA augmentation group 'noise'"),
    ({"groups": ""}, "Unknown ADA augmentation group|at least one"),
    ({"initial_p": 1.5}, r"initial_p is a probability in \[0, 1\]"),
    ({"ceiling": 2.0}, r"ceiling is a probability in \[0, 1\]"),
    ({"ceiling": "high"}, "ceiling is a float"),
])
def test_bad_arguments_fail_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AdaptiveAugment(**kwargs)


def test_bad_data_fails_when_the_gan_is_built_before_training():
    with pytest.raises(ValueError, match=r"augments images \[B, H, W, C\]"):
        GAN(mlp_generator(LATENT, (2,), (8,)), mlp_discriminator((2,), (8,)),
            augment=AdaptiveAugment())
    with pytest.raises(ValueError, match="needs square images"):
        AdaptiveAugment().build((None, 8, 6, 1))
    with pytest.raises(ValueError, match="RGB or single-channel"):
        AdaptiveAugment().build((None, 8, 8, 2))
    AdaptiveAugment(groups="g").build((None, 8, 6, 2))   # geometric alone takes any image


def test_group_spellings_registry_and_config_round_trip():
    assert AdaptiveAugment(groups="cb").groups == "bc"
    assert AdaptiveAugment(groups="blit,geometric").groups == "bg"
    assert AdaptiveAugment(groups=["color"]).groups == "c"
    assert augment.AUGMENTATIONS.get("ada") is AdaptiveAugment
    built = augment.get({"name": "ada", "target": 0.7, "groups": "bg"})
    assert (built.target, built.groups) == (0.7, "bg")
    original = AdaptiveAugment(target=0.5, interval=2, kimg=100, groups="gc", initial_p=0.25,
                               ceiling=0.8)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(original))
    assert isinstance(clone, AdaptiveAugment) and clone.stateful
    assert clone.get_config() == original.get_config()
    fixed = AdaptiveAugment(target=None, initial_p=0.3)   # ADA's "fixed p"
    assert not fixed.stateful


# ------------------------------------------------------------------ controller
def _closed_form(p0, direction, n_updates, interval, batch, kimg, ceiling=1.0):
    """p after n updates: one move of interval*batch/(kimg*1000) per `interval` updates."""
    adjustments = n_updates // interval
    return float(np.clip(p0 + direction * adjustments * interval * batch / (kimg * 1000.0),
                         0.0, ceiling))


def test_p_rises_when_the_discriminator_overfits_at_the_documented_speed():
    ada = _ada(target=0.6, interval=4, kimg=1.0)          # 32 images per adjustment: +0.032
    for n in range(1, 41):
        ada.update(_stats(1.0, batch_size=8))             # sign(D(real)) = +1: r_t = 1
        want = _closed_form(0.0, +1, n, 4, 8, 1.0)
        assert float(ada.p.numpy()) == pytest.approx(want, abs=1e-6), n
    assert float(ada.p.numpy()) == pytest.approx(0.32, abs=1e-6)
    assert float(ada.rt.numpy()) == 1.0


def test_p_falls_when_it_does_not_and_stays_in_zero_to_ceiling():
    ada = _ada(target=0.6, interval=2, kimg=0.5, initial_p=0.5)   # 16 images: -0.032
    for n in range(1, 13):
        ada.update(_stats(0.0, batch_size=8))             # r_t = 0 < target
        assert float(ada.p.numpy()) == pytest.approx(_closed_form(0.5, -1, n, 2, 8, 0.5),
                                                      abs=1e-6), n
    for _ in range(200):
        ada.update(_stats(0.0))
    assert float(ada.p.numpy()) == 0.0                    # never below 0

    capped = _ada(interval=1, kimg=0.01, ceiling=0.3)     # large steps, a fixed ceiling
    for _ in range(5):
        capped.update(_stats(1.0))
    assert float(capped.p.numpy()) == pytest.approx(0.3)


def test_r_t_is_the_mean_sign_over_the_images_since_the_last_adjustment():
    ada = _ada(target=0.6, interval=3, kimg=1.0)
    for sign, batch in ((1.0, 10), (0.5, 20), (0.2, 30)):   # (10 + 10 + 6) / 60
        ada.update(_stats(sign, batch_size=batch))
    assert float(ada.rt.numpy()) == pytest.approx(26 / 60, rel=1e-6)
    assert float(ada.p.numpy()) == 0.0                     # 26/60 < 0.6: down, clipped at 0
    assert float(ada.image_count.numpy()) == 0.0 and float(ada.sign_sum.numpy()) == 0.0


def test_a_callable_ceiling_follows_the_training_step():
    ada = _ada(interval=1, kimg=0.001, ceiling=lambda step: tf.cast(step, tf.float32) / 10.0)
    for step in range(6):
        ada.update(_stats(1.0, step=step))
        assert float(ada.p.numpy()) == pytest.approx(min(1.0, step / 10.0)), step


def test_a_serializable_schedule_as_ceiling_round_trips():
    """Any Keras-serializable callable of the step (a `kerasgan.schedules` schedule, or
    here Keras' own) is a ceiling, and the config rebuilds it."""
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([10], [0.2, 0.8])
    ada = AdaptiveAugment(interval=1, ceiling=schedule)
    clone = AdaptiveAugment.from_config(ada.get_config())
    for step, want in ((5, 0.2), (15, 0.8)):
        assert float(clone.ceiling_at(tf.constant(step, tf.int64))) == pytest.approx(want)
    clone.build((None, SIZE, SIZE, 1))
    for step in range(3):
        clone.update({**_stats(1.0, step=step), "batch_size": tf.constant(1e6)})
    assert float(clone.p.numpy()) == pytest.approx(0.2)


def test_a_fixed_p_is_not_adjusted():
    ada = _ada(target=None, initial_p=0.4)
    ada.update(_stats(1.0))
    assert float(ada.p.numpy()) == pytest.approx(0.4)


# ------------------------------------------------------------- transformations
def test_flip_rotation_and_integer_translation_match_numpy():
    x = _images(n=5, channels=2)
    flip = np.array([True, False, True, False, True])
    np.testing.assert_array_equal(transforms.flip_x(x, flip),
                                  np.where(flip[:, None, None, None], x.numpy()[:, :, ::-1], x))
    k = np.array([0, 1, 2, 3, 5])
    want = np.stack([np.rot90(image, kk, axes=(0, 1)) for image, kk in zip(x.numpy(), k)])
    np.testing.assert_array_equal(transforms.rotate90(x, k), want)
    shift = np.array([[0, 0], [1, -2], [-3, 3], [7, 0], [-7, -7]])
    pad = 7
    padded = np.pad(x.numpy(), ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
    want = np.stack([padded[i, pad - dy:pad - dy + SIZE, pad - dx:pad - dx + SIZE]
                     for i, (dy, dx) in enumerate(shift)])
    np.testing.assert_array_equal(transforms.translate_integer(x, shift), want)


def _reference_warp(image, matrix):
    """The same warp by scipy: bilinear (order 1), mirrored at the border pixels."""
    height, width = image.shape[:2]
    ys, xs = np.meshgrid(np.arange(height) - (height - 1) / 2,
                         np.arange(width) - (width - 1) / 2, indexing="ij")
    points = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    sx, sy = (matrix @ points)[:2]
    coords = [sy + (height - 1) / 2, sx + (width - 1) / 2]
    return np.stack([scipy.ndimage.map_coordinates(image[..., c].astype("float64"), coords,
                                                   order=1, mode="mirror").reshape(height, width)
                     for c in range(image.shape[-1])], axis=-1)


def test_affine_warp_matches_an_independent_bilinear_sampler():
    x = _images(n=4, channels=3)
    angle, scale = 0.7, 1.3
    c, s = np.cos(angle), np.sin(angle)
    matrices = np.array([
        np.eye(3),
        [[1, 0, 2.25], [0, 1, -1.5], [0, 0, 1]],                             # fractional shift
        [[c / scale, -s / scale, 0.4], [s / scale, c / scale, 0], [0, 0, 1]],  # rotate + zoom
        [[0.6, 0, 0], [0, 1.8, 0], [0, 0, 1]],                                # anisotropic
    ], "float32")
    got = transforms.affine_warp(x, matrices).numpy()
    np.testing.assert_array_equal(got[0], x.numpy()[0])                       # identity: exact
    for i in range(1, 4):
        np.testing.assert_allclose(got[i], _reference_warp(x.numpy()[i], matrices[i]),
                                   atol=2e-5, err_msg=str(i))
    # Whole-pixel moves through the warp are the blits.
    quarter = np.array([[[0, -1, 0], [1, 0, 0], [0, 0, 1]]], "float32")
    np.testing.assert_allclose(transforms.affine_warp(x[:1], quarter),
                               transforms.rotate90(x[:1], [1]), atol=1e-6)
    shift = np.array([[[1, 0, -2], [0, 1, 3], [0, 0, 1]]], "float32")
    np.testing.assert_array_equal(transforms.affine_warp(x[:1], shift),
                                  transforms.translate_integer(x[:1], [[-3, 2]]))


def _color(b=0.0, c=1.0, luma=False, hue=0.0, s=1.0):
    """ADA's colour matrix, composed in numpy."""
    v = transforms.LUMA_AXIS.astype("float64")
    vv = np.outer(v, v)
    m = np.eye(4)
    m = np.array([[1, 0, 0, b], [0, 1, 0, b], [0, 0, 1, b], [0, 0, 0, 1]]) @ m
    m = np.diag([c, c, c, 1]) @ m
    m = (np.eye(4) - 2 * vv * luma) @ m
    axis = v[:3]
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rotation = np.eye(4)
    rotation[:3, :3] = np.eye(3) + np.sin(hue) * k + (1 - np.cos(hue)) * k @ k   # Rodrigues
    m = rotation @ m
    return (vv + (np.eye(4) - vv) * s) @ m


def test_colour_transformations_match_their_formulas():
    rgb = _images(n=1, channels=3).numpy()
    gray = _images(n=1, channels=1).numpy()
    mean = rgb.mean(axis=-1, keepdims=True)

    def apply(images, matrix):
        return transforms.color_transform(tf.constant(images), matrix[None].astype("float32"))

    cases = [
        (dict(b=0.3), rgb + 0.3, gray + 0.3),                              # brightness
        (dict(c=1.7), 1.7 * rgb, 1.7 * gray),                              # contrast
        (dict(luma=True), rgb - 2 * mean, -gray),                          # luma flip
        (dict(s=0.25), mean + 0.25 * (rgb - mean), gray),                  # saturation
        (dict(b=0.1, c=2.0), 2.0 * (rgb + 0.1), 2.0 * (gray + 0.1)),
    ]
    for params, want_rgb, want_gray in cases:
        np.testing.assert_allclose(apply(rgb, _color(**params)), want_rgb, atol=1e-5,
                                   err_msg=str(params))
        np.testing.assert_allclose(apply(gray, _color(**params)), want_gray, atol=1e-5,
                                   err_msg=str(params))
    # Hue rotation: about the grey axis, so the grey level and the distance from it stay.
    rotated = apply(rgb, _color(hue=2.0)).numpy()
    np.testing.assert_allclose(rotated.mean(-1), rgb.mean(-1), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(rotated - rotated.mean(-1, keepdims=True), axis=-1),
                               np.linalg.norm(rgb - mean, axis=-1), atol=1e-5)
    assert not np.allclose(rotated, rgb, atol=1e-2)


def test_the_pipeline_applies_the_drawn_parameters_in_adas_order():
    x = _images(n=16, channels=3)
    ada = _ada((None, SIZE, SIZE, 3), groups="bgc")
    params = ada.draw(x.shape, SEED, p=0.25)   # some images transformed, some not
    got = ada.apply(x, params).numpy()
    want = []
    for i, image in enumerate(x.numpy()):
        if params["flip"][i]:
            image = image[:, ::-1]
        image = np.rot90(image, int(params["rotate90"][i]), axes=(0, 1))
        dy, dx = params["translate"][i].numpy()
        padded = np.pad(image, ((7, 7), (7, 7), (0, 0)), mode="reflect")
        image = padded[7 - dy:7 - dy + SIZE, 7 - dx:7 - dx + SIZE]
        if params["geometric_on"][i]:
            image = _reference_warp(image, params["geometric"][i].numpy().astype("float64"))
        if params["color_on"][i]:
            m = params["color"][i].numpy().astype("float64")
            image = image @ m[:3, :3].T + m[:3, 3]
        want.append(image)
    np.testing.assert_allclose(got, np.array(want), atol=5e-5)
    for key in ("geometric_on", "color_on"):
        assert 0 < int(tf.reduce_sum(tf.cast(params[key], tf.int32))) < 16, key


def test_each_transformation_is_drawn_with_probability_p():
    ada = _ada((None, SIZE, SIZE, 3), groups="bgc")
    n, p = 20000, 0.3
    params = ada.draw((n, SIZE, SIZE, 3), SEED, p=p)

    def rate(mask):
        return float(tf.reduce_mean(tf.cast(mask, tf.float32)))

    assert rate(params["flip"]) == pytest.approx(p / 2, abs=0.01)            # flip half the time
    assert rate(params["rotate90"] != 0) == pytest.approx(p * 3 / 4, abs=0.01)
    # Geometric: scaling, anisotropy, translation with p, two rotations with 1 - sqrt(1 - p).
    assert rate(params["geometric_on"]) == pytest.approx(1 - (1 - p) ** 4, abs=0.015)
    # Colour (RGB): brightness, contrast, hue, saturation with p; luma flip with p / 2.
    assert rate(params["color_on"]) == pytest.approx(1 - (1 - p) ** 4 * (1 - p / 2), abs=0.015)
    # Different seeds draw differently; the same seed draws the same.
    again = ada.draw((n, SIZE, SIZE, 3), SEED, p=p)
    np.testing.assert_array_equal(params["geometric"], again["geometric"])
    other = ada.draw((n, SIZE, SIZE, 3), SEED + 1, p=p)
    assert not np.array_equal(params["geometric"], other["geometric"])


# ------------------------------------------------ identity and differentiability
@pytest.mark.parametrize("channels", [1, 3])
def test_p_zero_is_the_exact_identity(channels):
    x = _images(n=6, channels=channels)
    ada = _ada((None, SIZE, SIZE, channels), groups="bgc")
    np.testing.assert_array_equal(ada(x, SEED), x)                            # p = 0 skips
    np.testing.assert_array_equal(ada.apply(x, ada.draw(x.shape, SEED, p=0.0)), x)
    ada.p.assign(1.0)
    assert not np.allclose(ada(x, SEED), x)


@pytest.mark.parametrize("groups", ["b", "g", "c", "bgc"])
@pytest.mark.parametrize("channels", [1, 3])
def test_every_augmentation_is_differentiable(groups, channels):
    x = _images(n=6, channels=channels)
    weights = tf.constant(np.random.default_rng(3).uniform(0.5, 1.5, x.shape), tf.float32)
    ada = _ada((None, SIZE, SIZE, channels), groups=groups, initial_p=1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(ada(x, SEED) * weights)
    grad = tape.gradient(total, x).numpy()
    assert np.isfinite(grad).all()
    per_image = np.abs(grad).reshape(len(grad), -1).sum(axis=1)
    assert (per_image > 0).all()                   # every image's output depends on it
    if groups == "b":                              # pixel moves: the weights, permuted
        assert grad.sum() == pytest.approx(float(tf.reduce_sum(weights)), rel=1e-5)
    ada.p.assign(0.0)                              # identity: the gradient is the weights
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(ada(x, SEED) * weights)
    np.testing.assert_array_equal(tape.gradient(total, x), weights)


def test_float16_images_stay_float16_and_differentiable():
    """Under mixed precision the discriminator's inputs are float16: the pipeline
    computes in float32 and hands back float16."""
    x = tf.cast(_images(n=4, channels=3), tf.float16)
    ada = _ada((None, SIZE, SIZE, 3), initial_p=1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = ada(x, SEED)
        total = tf.reduce_sum(tf.cast(y, tf.float32))
    grad = tape.gradient(total, x)
    assert y.dtype == tf.float16 and grad.dtype == tf.float16
    assert np.isfinite(grad.numpy()).all() and np.abs(grad.numpy()).sum() > 0
    np.testing.assert_allclose(y.numpy(), ada(tf.cast(x, tf.float32), SEED).numpy(), atol=2e-3)


# ----------------------------------------------------------------- replicas
def test_replicas_augment_their_slices_as_one_device_does_with_their_seeds(two_cpu_strategy):
    x = _images(n=8, channels=3)
    with two_cpu_strategy.scope():
        mirrored = _ada((None, SIZE, SIZE, 3), initial_p=0.7)
    single = _ada((None, SIZE, SIZE, 3), initial_p=0.7)
    step = tf.constant(5, tf.int64)

    def replica_fn(images):
        return mirrored(images, step_seed(11, step, 3, 1))

    dataset = tf.data.Dataset.from_tensor_slices(x).batch(8)
    batch = next(iter(two_cpu_strategy.experimental_distribute_dataset(dataset)))
    out = two_cpu_strategy.experimental_local_results(two_cpu_strategy.run(replica_fn, (batch,)))
    slices = two_cpu_strategy.experimental_local_results(batch)
    assert [len(s) for s in slices] == [4, 4]
    # The library's seed of replica r: the step's key with the purposes, then r folded in.
    key = tf.stack([tf.constant(11, tf.int64), step])
    for part in (3, 1):
        key = tf.random.experimental.stateless_fold_in(key, part)
    for r in range(2):
        seed = tf.random.experimental.stateless_fold_in(key, r)
        np.testing.assert_allclose(out[r], single(slices[r], seed), rtol=0, atol=1e-6)
    assert not np.allclose(out[0], single(slices[0], tf.random.experimental.stateless_fold_in(
        key, 1)))   # replicas draw differently


def _sign_gan(augmentation, kernel=10.0):
    """G and D fixed (SGD at rate 0): D(x) = kernel * mean(x), so the sign of D on a
    constant image is the image's sign, whatever blits and warps do to it."""
    keras.utils.set_random_seed(1)
    generator = keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(SIZE * SIZE),
                                  keras.layers.Reshape((SIZE, SIZE, 1))])
    critic = keras.Sequential([keras.Input((SIZE, SIZE, 1)), keras.layers.GlobalAveragePooling2D(),
                               keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(
                                   kernel), bias_initializer="zeros")])
    gan = GAN(generator, critic, augment=augmentation)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), jit_compile=False)
    return gan


def _constant_images(signs):
    return np.broadcast_to(0.5 * np.asarray(signs, "float32")[:, None, None, None],
                           (len(signs), SIZE, SIZE, 1)).copy()


def test_the_gan_config_rebuilds_the_augmentation():
    gan = _sign_gan(AdaptiveAugment(target=0.7, interval=2, kimg=50, groups="bg",
                                    initial_p=0.1, ceiling=0.9))
    clone = GAN.from_config(gan.get_config())
    assert isinstance(clone.augment, AdaptiveAugment)
    assert clone.augment.get_config() == gan.augment.get_config()
    assert float(clone.augment.p.numpy()) == pytest.approx(0.1)


def _tensorboard_scalars(directory, tag):
    """{epoch: value} of a scalar in the event files under `directory`."""
    values = {}
    for path in glob.glob(os.path.join(directory, "**", "events.out.tfevents.*"), recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == tag:
                    values[event.step] = float(tf.make_ndarray(value.tensor))
    return values


def test_p_rises_and_is_logged_when_d_overfits_in_training(tmp_path):
    gan = _sign_gan(AdaptiveAugment(target=0.6, interval=4, kimg=0.1, groups="bg"))
    real = tf.data.Dataset.from_tensor_slices(_constant_images(np.ones(64))).batch(8)
    board = keras.callbacks.TensorBoard(str(tmp_path / "logs"))
    history = gan.fit(real, epochs=2, steps_per_epoch=4, verbose=0,
                      callbacks=[board]).history                          # r_t = 1
    # One adjustment per 4 steps of 8 images: +32 / 100.
    assert history["augment_p"] == pytest.approx([0.32, 0.64], abs=1e-6)
    assert history["augment_rt"] == pytest.approx([1.0, 1.0])
    logged = _tensorboard_scalars(str(tmp_path / "logs"), "epoch_augment_p")
    assert logged == pytest.approx({0: 0.32, 1: 0.64}, abs=1e-6)
    falling = _sign_gan(AdaptiveAugment(target=0.6, interval=4, kimg=0.1, initial_p=0.9,
                                        groups="bg"), kernel=0.0)   # D = 0: sign 0, r_t = 0
    history = falling.fit(real, epochs=2, steps_per_epoch=4, verbose=0).history
    assert history["augment_p"] == pytest.approx([0.58, 0.26], abs=1e-6)
    assert history["augment_rt"] == pytest.approx([0.0, 0.0])


def test_the_statistics_are_reduced_over_replicas(two_cpu_strategy):
    """Replica 0 sees only positive real images, replica 1 only negative ones: on its
    own, replica 0's r_t would be 1 (p up) and replica 1's -1. ADA must see the global
    r_t = 0 (p down) on both, as one device does."""
    signs = np.tile(np.repeat([1.0, -1.0], 4), 4)            # batches of 8: [+ x4, - x4]
    real = tf.data.Dataset.from_tensor_slices(_constant_images(signs)).batch(8)
    kwargs = dict(target=0.6, interval=2, kimg=0.1, initial_p=0.5, groups="bg")
    single = _sign_gan(AdaptiveAugment(**kwargs))
    single_logs = single.fit(real, epochs=1, steps_per_epoch=4, verbose=0).history
    with two_cpu_strategy.scope():
        mirrored = _sign_gan(AdaptiveAugment(**kwargs))
    first = next(iter(two_cpu_strategy.experimental_distribute_dataset(real)))
    local_means = [float(tf.reduce_mean(v)) for v in two_cpu_strategy.experimental_local_results(
        first)]
    assert local_means == [0.5, -0.5]                           # the split described above
    mirrored_logs = mirrored.fit(real, epochs=1, steps_per_epoch=4, verbose=0).history
    want = 0.5 - 2 * (2 * 8) / 100.0                            # 2 adjustments down of 16 images
    assert single_logs["augment_p"][0] == pytest.approx(want, abs=1e-6)
    assert mirrored_logs["augment_p"][0] == pytest.approx(want, abs=1e-6)
    assert mirrored_logs["augment_rt"][0] == pytest.approx(0.0, abs=1e-6)
    for variable in mirrored.augment.variables:
        values = [np.asarray(v) for v in two_cpu_strategy.experimental_local_results(
            getattr(variable, "value", variable))]
        single_value = np.asarray(next(v for v in single.augment.variables
                                       if v.path.split("/")[-1] == variable.path.split("/")[-1]))
        for value in values:                                   # identical on both replicas
            np.testing.assert_allclose(value, single_value, atol=1e-6, err_msg=variable.path)


# --------------------------------------------------------------- checkpoints
def _training_gan(seed=3):
    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(SIZE * SIZE,
                                                                             activation="tanh"),
                                  keras.layers.Reshape((SIZE, SIZE, 1))])
    critic = keras.Sequential([keras.Input((SIZE, SIZE, 1)),
                               keras.layers.Conv2D(4, 3, strides=2, padding="same"),
                               keras.layers.LeakyReLU(0.2), keras.layers.Flatten(),
                               keras.layers.Dense(1)])
    # p starts at 0.5 and moves by 24 / 480 = 0.05 every 3 updates, so it stays in (0, 1)
    # whichever way D goes; with 2 steps an epoch the checkpoints fall between
    # adjustments (the accumulators must be restored too).
    gan = GAN(generator, critic, augment=AdaptiveAugment(target=0.6, interval=3, kimg=0.48,
                                                         initial_p=0.5, groups="bc"),
              seed=5)
    gan.compile(keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05), jit_compile=False)
    return gan


def _training_data():
    rng = np.random.default_rng(4)
    images = np.tanh(rng.normal(size=(32, SIZE, SIZE, 1)) + 1.0).astype("float32")
    return tf.data.Dataset.from_tensor_slices(images).batch(8).repeat()


def _quiet(*args, **kwargs):
    pass


def test_p_is_restored_exactly_by_a_checkpointed_resume(tmp_path):
    straight = _training_gan()
    fit_with_checkpoints(straight, _training_data(), str(tmp_path / "straight"), epochs=4,
                         steps_per_epoch=2, log=_quiet)
    stopped = _training_gan()
    fit_with_checkpoints(stopped, _training_data(), str(tmp_path / "resumed"), epochs=2,
                         steps_per_epoch=2, log=_quiet)
    assert float(stopped.augment.image_count.numpy()) == 8.0   # 1 update since adjusting
    resumed = _training_gan()
    assert float(resumed.augment.p.numpy()) == 0.5
    run = fit_with_checkpoints(resumed, _training_data(), str(tmp_path / "resumed"), epochs=4,
                               steps_per_epoch=2, log=_quiet)
    assert run.initial_epoch == 2
    p = float(straight.augment.p.numpy())
    assert p != 0.5 and float(resumed.augment.p.numpy()) == p
    assert int(resumed.augment.updates.numpy()) == 8
    for a, b in zip(straight.augment.variables, resumed.augment.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=a.path)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert run.history["augment_p"][-1] == p


_KILLED_RUN = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    import numpy as np, keras
    from test_augment_ada import _training_data, _training_gan, _quiet
    from kerasgan.checkpoints import fit_with_checkpoints

    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2 and sys.argv[2] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)   # after epoch 2's checkpoint

    gan = _training_gan()
    fit_with_checkpoints(gan, _training_data(), sys.argv[1], epochs=4, steps_per_epoch=2,
                         callbacks=[Kill()], log=_quiet)
    np.save(os.path.join(sys.argv[1], "state.npy"),
            np.array([np.asarray(v, "float64") for v in gan.augment.variables]))
""")


@pytest.mark.slow
def test_p_continues_after_a_sigkill_and_rerun(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(_KILLED_RUN.format(tests=os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}

    def run(directory, mode):
        return subprocess.run([sys.executable, str(script), str(directory), mode], env=env,
                              capture_output=True, text=True, timeout=300)

    straight = run(tmp_path / "straight", "plain")
    assert straight.returncode == 0, straight.stderr[-3000:]
    killed = run(tmp_path / "killed", "kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert not (tmp_path / "killed" / "state.npy").exists()
    resumed = run(tmp_path / "killed", "plain")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    want = np.load(tmp_path / "straight" / "state.npy")
    got = np.load(tmp_path / "killed" / "state.npy")
    assert want[0] != 0.5                                      # p moved
    np.testing.assert_array_equal(got, want)


@pytest.mark.slow
def test_the_xla_step_runs_and_adjusts_p():
    gan = _sign_gan(AdaptiveAugment(target=0.6, interval=1, kimg=0.1))
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), jit_compile=True)
    real = tf.data.Dataset.from_tensor_slices(_constant_images(np.ones(32))).batch(8)
    history = gan.fit(real, epochs=1, steps_per_epoch=4, verbose=0).history
    assert history["augment_p"][0] == pytest.approx(0.32, abs=1e-6)
    assert np.isfinite(history["d_loss"][0])
