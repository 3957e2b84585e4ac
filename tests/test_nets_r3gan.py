"""R3GAN nets: shapes, the fix-up initialization, no normalization, gradients,
resampling, parameter counts and argument errors."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.layers import ConditionalBatchNormalization, SpectralNormalization
from kerasgan.models import GAN
from kerasgan.nets import build_net, r3gan_discriminator, r3gan_generator
from kerasgan.nets.r3gan import (
    ACTIVATION_GAIN,
    DEFAULT_WIDTHS,
    Downsample2D,
    GroupedConv2D,
    Upsample2D,
)

TINY = {28: (8, 8, 8), 32: (8, 8, 8, 8), 64: (8, 8, 8, 8, 8)}


def _latents(n, dim, seed=0):
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def _images(n, shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, *shape)).astype(np.float32)


def _pair(shape=(28, 28, 1), num_classes=None, **kwargs):
    widths = kwargs.pop("widths", TINY[shape[0]])
    g = r3gan_generator(8, shape, widths=widths, num_classes=num_classes, **kwargs)
    d = r3gan_discriminator(shape, widths=widths[::-1], num_classes=num_classes, **kwargs)
    return g, d


@pytest.mark.parametrize("shape", [(28, 28, 1), (28, 28, 3), (32, 32, 1), (32, 32, 3),
                                   (64, 64, 1), (64, 64, 3)])
@pytest.mark.parametrize("num_classes", [None, 10])
def test_shapes_and_ranges(shape, num_classes):
    g, d = _pair(shape, num_classes, groups=2)
    z = _latents(5, 8) * 10  # large latents: the output must still be in [-1, 1]
    labels = np.arange(5, dtype=np.int32)
    images = np.asarray(g([z, labels] if num_classes else z, training=False))
    assert images.shape == (5, *shape)
    assert np.abs(images).max() <= 1 and np.all(np.isfinite(images))
    logits = np.asarray(d([images, labels] if num_classes else images))
    assert logits.shape == (5, 1) and np.all(np.isfinite(logits))
    expected_inputs = 2 if num_classes else 1
    assert len(g.inputs) == expected_inputs and len(d.inputs) == expected_inputs


def test_default_nets_and_stage_plan():
    g, d = r3gan_generator(), r3gan_discriminator()
    assert g.input_shape == (None, 64) and g.output_shape == (None, 28, 28, 1)
    assert d.input_shape == (None, 28, 28, 1) and d.output_shape == (None, 1)
    # 7 -> 14 -> 28 in the generator, 28 -> 14 -> 7 in the discriminator.
    assert g.get_layer("basis").output.shape[1:] == (7, 7, 64)
    assert [g.get_layer(f"stage{s}_block0_out").output.shape[1] for s in range(3)] == [7, 14, 28]
    assert [d.get_layer(f"stage{s}_block0_out").output.shape[1] for s in range(3)] == [28, 14, 7]
    assert d.get_layer("stage2_block0_out").output.shape[-1] == 64
    # The 32 and 64 px nets start from a 4x4 basis.
    for size in (32, 64):
        g = r3gan_generator(8, (size, size, 3), widths=TINY[size])
        assert g.get_layer("basis").output.shape[1:3] == (4, 4)
        d = r3gan_discriminator((size, size, 3), widths=TINY[size])
        assert d.get_layer("basis").input.shape[1:3] == (4, 4)
    assert len(DEFAULT_WIDTHS[32]) == 4 and len(DEFAULT_WIDTHS[64]) == 5
    for size, widths in DEFAULT_WIDTHS.items():
        assert r3gan_generator(8, (size, size, 3)).get_layer("basis").output.shape[-1] == widths[0]


def _residual_outputs(model):
    """(block input, branch output, block output) tensors of every residual block."""
    outs = [layer for layer in model.layers if layer.name.endswith("_out")]
    assert outs, "no residual block found"
    triples = []
    for add in outs:
        prefix = add.name[: -len("_out")]
        triples.append((add.input[0], model.get_layer(f"{prefix}_project").output, add.output))
    return triples


@pytest.mark.parametrize("num_classes", [None, 3])
@pytest.mark.parametrize("size", [28, 32])
def test_every_residual_branch_is_zero_at_init(size, num_classes):
    shape = (size, size, 3)
    g, d = _pair(shape, num_classes, widths=(16,) * len(TINY[size]), blocks=2, groups=4)
    labels = np.array([0, 1, 2, 0], np.int32)
    for model, x in ((g, _latents(4, 8)), (d, _images(4, shape))):
        triples = _residual_outputs(model)
        assert len(triples) == 2 * len(TINY[size])
        probe = keras.Model(model.input, [t for triple in triples for t in triple])
        values = probe([x, labels] if num_classes else x)
        for i in range(len(triples)):
            block_in, branch, block_out = (np.asarray(v) for v in values[3 * i: 3 * i + 3])
            assert np.all(branch == 0)  # exactly zero, not merely small
            np.testing.assert_array_equal(block_out, block_in)  # the block is the identity
            assert np.abs(block_in).max() > 0


def test_initialization_scales_follow_r3gan():
    blocks = (2, 1, 1)
    g = r3gan_generator(64, (28, 28, 1), widths=(128, 128, 128), blocks=blocks, groups=8)
    gain = ACTIVATION_GAIN * sum(blocks) ** -0.25
    expand = g.get_layer("stage1_block0_expand").kernel.numpy()
    grouped = g.get_layer("stage1_block0_grouped").kernel.numpy()
    assert grouped.shape == (3, 3, 256 // 8, 256)
    np.testing.assert_allclose(expand.std(), gain / math.sqrt(128), rtol=0.05)
    np.testing.assert_allclose(grouped.std(), gain / math.sqrt(9 * 256 / 8), rtol=0.05)
    assert not np.any(g.get_layer("stage1_block0_project").kernel.numpy())
    assert not np.any(g.get_layer("stage1_block0_expand").bias.numpy())
    basis = g.get_layer("basis")
    np.testing.assert_allclose(basis.basis.numpy().std(), 1.0, rtol=0.1)
    np.testing.assert_allclose(basis.kernel.numpy().std(), 1 / math.sqrt(64), rtol=0.1)


NORMALIZATIONS = (
    keras.layers.BatchNormalization,
    keras.layers.LayerNormalization,
    keras.layers.GroupNormalization,
    keras.layers.UnitNormalization,
    keras.layers.SpectralNormalization,
    SpectralNormalization,
    ConditionalBatchNormalization,
)


def _all_layers(model):
    seen = []
    stack = list(model.layers)
    while stack:
        layer = stack.pop()
        seen.append(layer)
        stack.extend(getattr(layer, "layers", []))
        if hasattr(layer, "layer"):  # wrappers
            stack.append(layer.layer)
    return seen


@pytest.mark.parametrize("num_classes", [None, 10])
def test_no_normalization_layers(num_classes):
    for model in _pair((32, 32, 3), num_classes):
        layers = _all_layers(model)
        assert len(layers) > 20
        for layer in layers:
            assert not isinstance(layer, NORMALIZATIONS), layer.name
            assert "norm" not in type(layer).__name__.lower(), layer.name


def _losses(g, d, z, real, labels):
    z, real = tf.constant(z), tf.constant(real)
    labels = None if labels is None else tf.constant(labels)
    fake = g([z, labels] if labels is not None else z, training=True)
    real_logits = d([real, labels] if labels is not None else real, training=True)
    fake_logits = d([fake, labels] if labels is not None else fake, training=True)
    d_loss = tf.reduce_mean(tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits))
    g_loss = tf.reduce_mean(tf.nn.softplus(-fake_logits))
    return d_loss, g_loss


def _gradients(g, d, z, real, labels):
    with tf.GradientTape(persistent=True) as tape:
        d_loss, g_loss = _losses(g, d, z, real, labels)
    d_grads = tape.gradient(d_loss, d.trainable_variables)
    g_grads = tape.gradient(g_loss, g.trainable_variables)
    return dict(zip([v.path for v in d.trainable_variables], d_grads)), \
        dict(zip([v.path for v in g.trainable_variables], g_grads))


@pytest.mark.parametrize("num_classes", [None, 4])
def test_gradients_reach_every_weight_after_one_step(num_classes):
    shape = (28, 28, 1)
    g, d = _pair(shape, num_classes, groups=2)
    real = _images(8, shape)
    labels = None if num_classes is None else np.arange(8, dtype=np.int32) % num_classes
    z = _latents(8, 8, seed=1)
    # At init the zero projections block the gradient to the rest of each branch (fix-up).
    d_grads, g_grads = _gradients(g, d, z, real, labels)
    blocked = [p for p, grad in {**d_grads, **g_grads}.items()
               if ("_expand" in p or "_grouped" in p) and not np.any(grad.numpy())]
    assert blocked and len(blocked) == len(
        [p for p in {**d_grads, **g_grads} if "_expand" in p or "_grouped" in p])
    # One step of a GAN of these nets...
    gan = GAN(g, d, loss="non_saturating", num_classes=num_classes)
    gan.compile(jit_compile=False)
    data = real if labels is None else (real, labels)
    history = gan.fit(*(data if isinstance(data, tuple) else (data,)), batch_size=8, epochs=1,
                      verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    # ... and every trainable weight of both nets gets a non-zero, finite gradient.
    d_grads, g_grads = _gradients(g, d, z, real, labels)
    for path, grad in {**d_grads, **g_grads}.items():
        assert grad is not None, path
        grad = tf.convert_to_tensor(grad).numpy()
        assert np.all(np.isfinite(grad)) and np.any(grad), path
    assert len(d_grads) == len(d.trainable_variables) and len(g_grads) == len(g.trainable_variables)


def test_discriminator_takes_gradient_penalties():
    """R1 / R2 differentiate the discriminator's input gradient again: every op must allow it."""
    d = r3gan_discriminator((32, 32, 3), widths=(8, 8, 8, 8), groups=2)
    real = tf.constant(_images(4, (32, 32, 3)))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(real)
            total = tf.reduce_sum(d(real, training=True))
        grad = inner.gradient(total, real)
        penalty = tf.reduce_mean(tf.reduce_sum(tf.square(grad), axis=[1, 2, 3]))
    grads = outer.gradient(penalty, d.trainable_variables)
    assert all(g is not None for g in grads)
    assert all(np.all(np.isfinite(tf.convert_to_tensor(g).numpy())) for g in grads)
    assert float(penalty) > 0


def test_upsampling_is_bilinear_and_downsampling_the_r3gan_filter():
    x = np.random.default_rng(0).normal(size=(2, 6, 8, 3)).astype(np.float32)
    up = Upsample2D()(x).numpy()
    np.testing.assert_allclose(up, tf.image.resize(x, (12, 16), "bilinear").numpy(), atol=1e-5)
    # [1, 3, 3, 1] / 8 at stride 2 along each axis, edges replicated.
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    taps = np.array([1, 3, 3, 1], np.float32) / 8
    kernel = np.outer(taps, taps)
    expected = np.zeros((2, 3, 4, 3), np.float32)
    for i in range(3):
        for j in range(4):
            window = padded[:, 2 * i: 2 * i + 4, 2 * j: 2 * j + 4]
            expected[:, i, j] = np.einsum("bhwc,hw->bc", window, kernel)
    np.testing.assert_allclose(Downsample2D()(x).numpy(), expected, atol=1e-5)


def test_grouped_convolution_matches_keras_groups():
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 12)).astype(np.float32)
    layer = GroupedConv2D(6, 3, groups=3, padding="same")
    native = keras.layers.Conv2D(6, 3, groups=3, padding="same")
    layer(x), native(x)
    native.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x).numpy(), native(x).numpy(), atol=1e-5)
    again = GroupedConv2D.from_config(layer.get_config())
    assert again.groups == 3 and again.filters == 6


def _block_params(width, groups, expansion=2):
    wide = width * expansion
    return (width * wide + wide) + (9 * wide // groups * wide + wide) + wide * width


def test_parameter_counts():
    # The default 28 px generator: latent 64, widths (64, 32, 16), one block per stage,
    # expansion 2, groups 128 / 16 = 8, 64 / 16 = 4 and 32 / 16 = 2 (16 channels per group).
    expected_g = (7 * 7 * 64 + 64 * 64  # basis
                  + _block_params(64, 8) + 64 * 32  # 7x7, transition
                  + _block_params(32, 4) + 32 * 16  # 14x14, transition
                  + _block_params(16, 2) + 16 * 1)  # 28x28, to_image
    assert r3gan_generator().count_params() == expected_g == 64_016
    expected_d = (1 * 16 + _block_params(16, 2) + 16 * 32  # from_image, 28x28, transition
                  + _block_params(32, 4) + 32 * 64  # 14x14, transition
                  + _block_params(64, 8) + 7 * 7 * 64 + 64)  # 7x7, basis, logit
    assert r3gan_discriminator().count_params() == expected_d == 59_984
    # Conditional: + a label embedding (generator: 10 x latent_dim, and the basis' linear
    # map takes latent + embedding) and a projection embedding (discriminator: 10 x 64).
    assert r3gan_generator(num_classes=10).count_params() == expected_g + 10 * 64 + 64 * 64
    assert r3gan_discriminator(num_classes=10).count_params() == expected_d + 10 * 64


def test_builds_from_a_config_spec():
    g = build_net({"builder": "r3gan_generator",
                   "args": {"latent_dim": 16, "image_shape": [32, 32, 3],
                            "widths": [16, 16, 16, 8], "blocks": [1, 1, 2, 1], "groups": 2}})
    assert g.output_shape == (None, 32, 32, 3)
    assert "stage2_block1_out" in [layer.name for layer in g.layers]


@pytest.mark.parametrize("builder", [r3gan_generator, r3gan_discriminator])
@pytest.mark.parametrize("kwargs, match", [
    ({"image_shape": (30, 30, 1)}, r"square images of \[28, 32, 64\] pixels.*got image_shape=\(30, 30, 1\)"),
    ({"image_shape": (20, 20, 3)}, r"\[28, 32, 64\].*got image_shape=\(20, 20, 3\)"),
    ({"image_shape": (32, 28, 3)}, r"square images"),
    ({"image_shape": (28, 28, 0)}, r"channels must be a positive integer; got 0"),
    ({"widths": (64, 64)}, r"at 28 px has 3 stages \(\d+x\d+ -> 14x14 -> \d+x\d+\): widths needs "
                           r"3 entries, one per stage; got widths=\(64, 64\) \(2\)"),
    ({"image_shape": (64, 64, 3), "widths": (8, 8, 8)}, r"at 64 px has 5 stages.*got widths=\(8, 8, 8\) \(3\)"),
    ({"widths": (16, 0, 16)}, r"every entry of widths must be a positive integer; got 0"),
    ({"widths": (16, -8, 16)}, r"every entry of widths must be a positive integer; got -8"),
    ({"widths": 16.5}, r"widths must be a positive integer or a sequence of 3"),
    ({"widths": (16, 16, 16), "blocks": (1, 1)}, r"blocks needs 3 entries.*got blocks=\(1, 1\) \(2\)"),
    ({"widths": (16, 16, 16), "blocks": 0}, r"every entry of blocks must be a positive integer; got 0"),
    ({"widths": (16, 16, 16), "groups": 5},
     r"groups must divide each stage's expanded width \(width x expansion\); got groups=5 "
     r"for width 16 x expansion 2 = 32"),
    ({"widths": (16, 16, 16), "groups": (1, 2, 3, 4)}, r"groups needs 3 entries"),
    ({"widths": (16, 16, 16), "groups": 0}, r"every entry of groups must be a positive integer; got 0"),
    ({"widths": (16, 16, 16), "expansion": 0}, r"expansion must be a positive integer; got 0"),
    ({"widths": (16, 16, 16), "num_classes": 0}, r"num_classes must be a positive integer; got 0"),
])
def test_bad_arguments_raise_clear_errors(builder, kwargs, match):
    with pytest.raises(ValueError, match=match):
        builder(**kwargs)


def test_bad_generator_sizes():
    with pytest.raises(ValueError, match=r"latent_dim must be a positive integer; got 0"):
        r3gan_generator(0, widths=(8, 8, 8))
    with pytest.raises(ValueError, match=r"embedding_dim must be a positive integer; got -1"):
        r3gan_generator(8, widths=(8, 8, 8), num_classes=3, embedding_dim=-1)
