"""pix2pix / CycleGAN: nets, the image pool, each loss term, training steps, export."""

import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.data.translation import load_translation
from kerasgan.metrics.translation import identity_errors, translation_error, translation_errors
from kerasgan.models.translation import CycleGAN, ImagePool, LinearDecay, Pix2Pix
from kerasgan.nets import patchgan_discriminator, resnet_translator, unet_generator
from helpers import run_python_json


@pytest.mark.parametrize("size", [32, 64])
def test_translation_nets_shapes_and_ranges(size):
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (2, size, size, 1)), tf.float32) * 5
    for net in (unet_generator((size, size, 1), out_channels=3, base_filters=8),
                resnet_translator((size, size, 1), out_channels=3, base_filters=8, num_blocks=2)):
        y = net(x)
        assert y.shape == (2, size, size, 3) and np.abs(y.numpy()).max() <= 1
    d = patchgan_discriminator((size, size, 3), condition_channels=1, base_filters=8)
    assert d([x, y]).shape == (2, size // 8, size // 8, 1)


@pytest.mark.parametrize("build, message", [
    (lambda: unet_generator((30, 30, 3), depth=3), "multiples of 8"),
    (lambda: resnet_translator((34, 34, 3)), "multiples of 4"),
    (lambda: patchgan_discriminator((20, 20, 3)), "multiples of 8"),
])
def test_odd_sizes_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_image_pool_semantics():
    pool = ImagePool(3, (1, 1, 1))
    seed = tf.constant([0, 0], tf.int64)
    first = pool.query(tf.reshape(tf.range(3, dtype=tf.float32), (3, 1, 1, 1)), seed)
    np.testing.assert_array_equal(first.numpy().ravel(), [0, 1, 2])  # filling: returns new
    assert int(pool.count.numpy()) == 3
    returned_old = 0
    for step in range(200):
        new = tf.fill((2, 1, 1, 1), 100.0 + step)
        out = pool.query(new, tf.constant([1, step], tf.int64)).numpy().ravel()
        returned_old += int(np.sum(out != 100.0 + step))
        assert int(pool.count.numpy()) == 3  # never more than its size
    assert 0.4 < returned_old / 400 < 0.6  # an old image with probability 1/2


def test_linear_decay_schedule():
    schedule = LinearDecay(1.0, constant_steps=10, decay_steps=20)
    assert [float(schedule(s)) for s in (0, 10, 20, 30, 40)] == [1.0, 1.0, 0.5, 0.0, 0.0]
    assert LinearDecay.from_config(schedule.get_config()).decay_steps == 20


def _cyclegan(**kwargs):
    nets = [resnet_translator((32, 32, 3), base_filters=8, num_blocks=1, name=n)
            for n in ("g", "f")]
    ds = [patchgan_discriminator((32, 32, 3), base_filters=8, name=n) for n in ("dx", "dy")]
    return CycleGAN(*nets, *ds, **kwargs)


def test_cycle_loss_is_zero_for_inverse_maps():
    """With G = T and F = T^-1 exactly, the cycle errors vanish (the metric of the loss)."""
    from kerasgan.data import digit_transform, inverse_digit_transform
    from kerasgan.data.digit_pairs.digit_pairs import pair_arrays

    x, y, _ = pair_arrays("test")
    x, y = x[:50].astype(np.float32) / 127.5 - 1, y[:50].astype(np.float32) / 127.5 - 1
    errors = translation_errors(digit_transform, x, y, digit_transform, inverse_digit_transform,
                                inverse_digit_transform)
    assert errors["x_to_y"] < 1e-12 and errors["y_to_x"] < 1e-12
    assert errors["cycle_x"] < 0.01 and errors["cycle_y"] < 0.01
    identity = identity_errors(x, y, digit_transform, inverse_digit_transform)
    assert identity["x_to_y"] > 0.15  # T is far from the identity
    assert translation_error(x, x) == 0.0


@pytest.mark.slow
def test_cyclegan_terms_and_steps():
    model = _cyclegan()
    model.compile()
    history = model.fit(load_translation("digit_pairs", "train", 2, seed=0), epochs=1,
                        steps_per_epoch=3, verbose=0)
    for key in ("cycle", "identity", "d_x_loss", "d_y_loss", "g_loss"):
        assert np.isfinite(history.history[key][-1]), key
    assert int(model.pool_x.count.numpy()) == 6  # 3 steps x batch 2, below the pool size
    no_identity = _cyclegan(identity_weight=0.0, pool_size=0)
    no_identity.compile()
    h = no_identity.fit(load_translation("digit_pairs", "train", 2, seed=0), epochs=1,
                        steps_per_epoch=2, verbose=0)
    assert h.history["identity"][-1] == 0.0


def test_translation_models_refuse_bad_batches():
    model = _cyclegan()
    model.compile()
    bad = tf.data.Dataset.from_tensors({"x": tf.zeros((2, 32, 32, 3)), "y": tf.zeros((2, 16, 16, 3))})
    with pytest.raises(ValueError, match=r"'y' images of shape \[batch, 32, 32, 3\]; got \[2, 16, 16, 3\]"):
        model.fit(bad, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="identity loss needs X and Y of one shape"):
        CycleGAN(resnet_translator((32, 32, 1), out_channels=3, base_filters=8, num_blocks=1),
                 resnet_translator((32, 32, 3), out_channels=1, base_filters=8, num_blocks=1),
                 patchgan_discriminator((32, 32, 1), base_filters=8),
                 patchgan_discriminator((32, 32, 3), base_filters=8))


@pytest.mark.slow
def test_pix2pix_l1_term_pulls_toward_the_target():
    keras.utils.set_random_seed(0)
    model = Pix2Pix(unet_generator((32, 32, 3), base_filters=8),
                    patchgan_discriminator((32, 32, 3), 3, base_filters=8))
    model.compile(keras.optimizers.Adam(1e-3, 0.5), keras.optimizers.Adam(2e-4, 0.5))
    history = model.fit(load_translation("digit_pairs", "train_paired", 8, seed=0), epochs=2,
                        steps_per_epoch=60, verbose=0)
    assert history.history["l1"][-1] < 0.6 * history.history["l1"][0]


@pytest.mark.slow
def test_exported_cyclegan_serves_uint8_and_float_in_a_fresh_process(tmp_path):
    model = _cyclegan()
    path = str(tmp_path / "cyc")
    model.export(path)
    x = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3)).astype(np.uint8)
    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(f"""
        import json, numpy as np, tensorflow as tf
        m = tf.saved_model.load({path!r})
        x = np.load({str(tmp_path / "x.npy")!r})
        out = {{"u8": m.translate_x_to_y(tf.constant(x))["images"].numpy().tolist(),
               "f32": m.translate_y_to_x(tf.constant(x.astype("float32") / 127.5 - 1))["images"].numpy().tolist()}}
        try:
            m.translate_x_to_y(tf.constant(np.full((1, 32, 32, 3), 3.0, "float32")))
            out["refused"] = False
        except tf.errors.InvalidArgumentError as e:
            out["refused"] = "float32 images in [-1, 1]" in str(e)
        print(json.dumps(out))
    """)
    out = run_python_json(script)
    np.testing.assert_allclose(out["u8"], model.translate_x_to_y(x), atol=1e-5)
    np.testing.assert_allclose(out["f32"], model.translate_y_to_x(x), atol=1e-5)
    assert out["refused"] is True


def test_exported_pix2pix_translate_endpoint(tmp_path):
    import tensorflow as tf

    model = Pix2Pix(unet_generator((32, 32, 3), base_filters=8),
                    patchgan_discriminator((32, 32, 3), 3, base_filters=8))
    model.export(str(tmp_path / "p2p"))
    loaded = tf.saved_model.load(str(tmp_path / "p2p"))
    x = np.random.default_rng(1).integers(0, 256, (3, 32, 32, 3)).astype(np.uint8)
    np.testing.assert_allclose(loaded.translate(tf.constant(x))["images"], model.translate(x),
                               atol=1e-5)
    with pytest.raises((TypeError, ValueError)):
        loaded.translate(tf.zeros((1, 16, 16, 3)))  # wrong size: refused by the signature


@pytest.mark.slow
def test_uint8_pairs_train_like_scaled_floats_and_bad_pairs_are_refused_first():
    """uint8 pairs are converted to [-1, 1] (the same steps as pre-scaled floats);
    [0, 255] floats, NaN, and batches without 'x'/'y' are refused before any step."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)

    def trained(pairs):
        keras.utils.set_random_seed(4)
        model = Pix2Pix(unet_generator((32, 32, 3), base_filters=4, dropout=0.0),
                        patchgan_discriminator((32, 32, 3), 3, base_filters=4))
        model.compile()
        model.fit(tf.data.Dataset.from_tensor_slices(pairs).batch(2), epochs=1, verbose=0)
        return model

    as_uint8 = trained({"x": x, "y": y})
    scaled = {k: v.astype(np.float32) / np.float32(127.5) - np.float32(1) for k, v in
              (("x", x), ("y", y))}
    as_float = trained(scaled)
    for a, b in zip(as_uint8.get_weights(), as_float.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

    model = trained({"x": x, "y": y})
    before = [w.copy() for w in model.get_weights()]
    bad = [
        ({"x": x.astype("float32"), "y": y}, r"'x' images must be float values in \[-1, 1\] "
                                              r".* got float32 values in \[\d+, 25\d\]"),
        ({"x": scaled["x"], "y": np.full(y.shape, np.nan, "float32")},
         r"'y' images must be float .* and NaN"),
        ({"images": x}, r"batches \{'x': images, 'y': images\} .* got a dataset of"),
    ]
    for pairs, message in bad:
        with pytest.raises(ValueError, match=message):
            model.fit(tf.data.Dataset.from_tensor_slices(pairs).batch(2), epochs=1, verbose=0)
    assert int(model.g_optimizer.iterations.numpy()) == 2          # no step was taken
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
