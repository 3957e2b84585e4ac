"""DCGAN and ResNet (SNGAN / BigGAN) nets: shapes, ranges, configs, label plumbing."""

import keras
import numpy as np
import pytest

from kerasgan.nets import (
    dcgan_discriminator,
    dcgan_generator,
    resnet_discriminator,
    resnet_generator,
)

SHAPES = [(28, 28, 1), (32, 32, 3), (64, 64, 3), (64, 64, 1)]


def _latents(n, dim, seed=0):
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def _round_trip(model):
    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    return clone


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("num_classes", [None, 10])
def test_dcgan_nets_build_with_the_right_shapes_and_ranges(shape, num_classes):
    g = dcgan_generator(16, shape, base_filters=8, num_classes=num_classes)
    d = dcgan_discriminator(shape, base_filters=8, num_classes=num_classes,
                            spectral_norm=num_classes is not None)
    z = _latents(5, 16) * 10  # large latents: the output must still be in [-1, 1]
    labels = np.arange(5, dtype=np.int32)
    g_in = [z, labels] if num_classes else z
    images = np.asarray(g(g_in, training=False))
    assert images.shape == (5, *shape)
    assert images.min() >= -1 and images.max() <= 1
    logits = np.asarray(d([images, labels] if num_classes else images))
    assert logits.shape == (5, 1) and np.all(np.isfinite(logits))


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_resnet_nets_build_with_the_right_shapes_and_ranges(shape):
    size = shape[0]
    attention = 14 if size == 28 else size // 2
    blocks = {28: 2, 32: 3, 64: 4}[size]
    latent_dim = 8 * (blocks + 1)
    g = resnet_generator(latent_dim, shape, base_filters=16, num_classes=10, hierarchical=True,
                         attention_resolution=attention)
    d = resnet_discriminator(shape, base_filters=16, num_classes=10,
                             attention_resolution=attention)
    labels = np.arange(4, dtype=np.int32)
    images = np.asarray(g([_latents(4, latent_dim) * 10, labels], training=False))
    assert images.shape == (4, *shape) and np.abs(images).max() <= 1
    assert np.asarray(d([images, labels])).shape == (4, 1)
    plain = resnet_generator(32, shape, base_filters=8)
    assert plain.output_shape == (None, *shape)


@pytest.mark.parametrize("build", [
    lambda: dcgan_generator(16, (32, 32, 3), 8, num_classes=4),
    lambda: dcgan_discriminator((32, 32, 3), 8, spectral_norm=True, num_classes=4),
    lambda: dcgan_discriminator((28, 28, 1), 8, num_classes=4, conditioning="concat"),
    lambda: resnet_generator(32, (32, 32, 3), 16, num_classes=4, hierarchical=True,
                             attention_resolution=16),
    lambda: resnet_discriminator((32, 32, 3), 16, num_classes=4, attention_resolution=16),
])
def test_config_round_trip_gives_the_same_function(build):
    model = build()
    clone = _round_trip(model)
    rng = np.random.default_rng(1)
    labels = np.array([0, 3], np.int32)
    if model.name == "generator":
        inputs = [_latents(2, model.input_shape[0][-1]), labels]
    else:
        shape = model.input_shape[0][1:]
        inputs = [rng.uniform(-1, 1, (2, *shape)).astype(np.float32), labels]
    np.testing.assert_allclose(clone(inputs, training=False), model(inputs, training=False),
                               atol=1e-5)


def test_round_trip_needs_no_unsafe_deserialization():
    """No Lambda layers: the configs load with Keras' safe_mode on."""
    model = resnet_generator(24, (28, 28, 1), 8, num_classes=3, hierarchical=True)
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(model), safe_mode=True)
    assert clone.output_shape == model.output_shape
    assert not [l for l in model.layers if isinstance(l, keras.layers.Lambda)]


def _swap_rows(layer, i, j):
    weights = layer.get_weights()
    table = weights[0].copy()
    table[[i, j]] = table[[j, i]]
    layer.set_weights([table] + weights[1:])


def test_mlp_nets_on_flat_images_and_conditional_by_concatenation():
    from kerasgan.nets import mlp_discriminator, mlp_generator

    g = mlp_generator(8, (28, 28, 1), (16,), output_activation="tanh", num_classes=10)
    d = mlp_discriminator((28, 28, 1), (16,), num_classes=10)
    labels = np.array([1, 2], np.int32)
    images = np.asarray(g([_latents(2, 8) * 10, labels]))
    assert images.shape == (2, 28, 28, 1) and np.abs(images).max() <= 1
    assert np.asarray(d([images, labels])).shape == (2, 1)
    np.testing.assert_allclose(_round_trip(g)([_latents(2, 8), labels]), g([_latents(2, 8), labels]),
                               atol=1e-6)


def test_unconditional_resnet_discriminator_and_128_pixels():
    d = resnet_discriminator((128, 128, 3), base_filters=8, spectral_norm=False)
    assert d.output_shape == (None, 1)
    assert resnet_generator(16, (128, 128, 3), base_filters=8).output_shape == (None, 128, 128, 3)


@pytest.mark.parametrize("build, layer", [
    (lambda: __import__("kerasgan.nets", fromlist=["mlp_generator"]).mlp_generator(
        8, (28, 28, 1), (16,), num_classes=10), "label_embedding"),
    (lambda: dcgan_generator(16, (28, 28, 1), 8, num_classes=10), "label_embedding"),
    (lambda: resnet_generator(24, (28, 28, 1), 8, num_classes=10, hierarchical=True),
     "shared_embedding"),
])
def test_a_generator_asked_for_label_k_uses_label_ks_embedding(build, layer):
    """Swapping the embedding rows of classes 2 and 7 swaps what labels 2 and 7 produce."""
    g = build()
    # Give the conditional batch norms non-zero projections so the label matters.
    for weight in g.weights:
        if "gamma" in weight.path or "beta" in weight.path:
            weight.assign(np.random.default_rng(0).normal(0, 0.5, weight.shape))
    z = _latents(3, g.input_shape[0][-1])
    before_2 = np.asarray(g([z, np.full(3, 2, np.int32)], training=False))
    before_7 = np.asarray(g([z, np.full(3, 7, np.int32)], training=False))
    assert np.abs(before_2 - before_7).max() > 1e-3
    _swap_rows(g.get_layer(layer), 2, 7)
    np.testing.assert_allclose(g([z, np.full(3, 7, np.int32)], training=False), before_2,
                               atol=1e-5)
    np.testing.assert_allclose(g([z, np.full(3, 2, np.int32)], training=False), before_7,
                               atol=1e-5)


def test_projection_discriminator_adds_the_inner_product():
    """logit(x, y) - logit(x, y') = <embed(y) - embed(y'), features(x)>."""
    d = dcgan_discriminator((28, 28, 1), 8, num_classes=3)
    x = np.random.default_rng(2).uniform(-1, 1, (2, 28, 28, 1)).astype(np.float32)
    features = keras.Model(d.inputs[0], d.get_layer("features").output)(x)
    table = d.get_layer("projection_embedding").get_weights()[0]
    diff = d([x, np.zeros(2, np.int32)]) - d([x, np.ones(2, np.int32)])
    expected = np.asarray(features) @ (table[0] - table[1])
    np.testing.assert_allclose(np.asarray(diff)[:, 0], expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("call, message", [
    (lambda: dcgan_generator(16, (48, 48, 1)), r"square images of \[28, 32, 64\] pixels"),
    (lambda: dcgan_discriminator((28, 32, 1)), "square images"),
    (lambda: dcgan_discriminator((28, 28, 1), num_classes=3, conditioning="add"),
     "conditioning must be one of"),
    (lambda: resnet_generator(30, (32, 32, 3), hierarchical=True),
     "split z into 4 equal chunks.*latent_dim=30"),
    (lambda: resnet_generator(32, (32, 32, 3), attention_resolution=12),
     r"attention_resolution must be None or one of the feature-map sizes \[8, 16, 32\]"),
])
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_synchronized_batch_norm_is_an_option():
    g = dcgan_generator(16, (28, 28, 1), 8, synchronized_bn=True)
    r = resnet_generator(24, (28, 28, 1), 8, num_classes=3, hierarchical=True, synchronized_bn=True)
    flags = [l.synchronized for l in g.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert flags and all(flags)
    cbn = [l for l in r.layers if l.__class__.__name__ == "ConditionalBatchNormalization"]
    assert cbn and all(l.synchronized for l in cbn)
