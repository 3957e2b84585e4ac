"""SpectralNormalization and WeightClip: the properties they promise."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.layers import SpectralNormalization, WeightClip


def _sigma_max(kernel):
    kernel = np.asarray(kernel)
    return np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]


@pytest.mark.parametrize(
    "layer, input_shape",
    [
        (lambda: keras.layers.Dense(24), (4, 10)),
        (lambda: keras.layers.Conv2D(6, 3, padding="same"), (2, 8, 8, 3)),
        (lambda: keras.layers.Conv2DTranspose(5, 4, strides=2, padding="same"), (2, 4, 4, 7)),
    ],
)
def test_spectral_norm_of_effective_kernel_is_one(layer, input_shape, rng):
    sn = SpectralNormalization(layer(), power_iterations=4)
    x = rng.normal(size=input_shape).astype("float32")
    sn(x, training=True)
    # The raw kernel is scaled up so that sigma is far from 1 before normalization.
    sn.kernel.assign(sn.kernel * 7.0)
    for _ in range(50):
        sn(x, training=True)
    assert _sigma_max(sn.kernel.numpy()) > 2.0
    np.testing.assert_allclose(_sigma_max(sn.normalized_kernel()), 1.0, atol=2e-3)


def test_spectral_norm_embedding(rng):
    sn = SpectralNormalization(keras.layers.Embedding(10, 6), power_iterations=4)
    ids = rng.integers(0, 10, size=(8,))
    for _ in range(50):
        out = sn(ids, training=True)
    assert out.shape == (8, 6)
    np.testing.assert_allclose(_sigma_max(sn.normalized_kernel()), 1.0, atol=2e-3)
    # The lookup uses the normalized table.
    np.testing.assert_allclose(out.numpy(), sn.normalized_kernel().numpy()[ids], rtol=1e-5)


def test_dense_output_uses_normalized_kernel_and_raw_kernel_is_kept(rng):
    sn = SpectralNormalization(keras.layers.Dense(3, use_bias=True))
    x = rng.normal(size=(5, 4)).astype("float32")
    sn(x, training=True)
    raw_before = sn.kernel.numpy().copy()
    y = sn(x, training=False).numpy()
    expected = x @ sn.normalized_kernel().numpy() + sn.layer.bias.numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(sn.kernel.numpy(), raw_before)  # not a projection


def test_inference_does_not_advance_power_iteration(rng):
    sn = SpectralNormalization(keras.layers.Dense(3))
    x = rng.normal(size=(5, 4)).astype("float32")
    sn(x, training=True)
    u = sn.u.numpy().copy()
    sn(x, training=False)
    np.testing.assert_array_equal(sn.u.numpy(), u)
    sn(x, training=True)
    assert not np.array_equal(sn.u.numpy(), u)


def test_gradient_flows_through_sigma(rng):
    """d/dW of sum(x W/sigma) differs from the projection's x^T/sigma: the sigma term."""
    sn = SpectralNormalization(keras.layers.Dense(3, use_bias=False), power_iterations=5)
    x = tf.constant(rng.normal(size=(6, 4)).astype("float32"))
    for _ in range(20):
        sn(x, training=True)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(sn(x, training=False) ** 2)
    grad = tape.gradient(loss, sn.kernel.value).numpy()

    # Independent computation: W_sn = W / sigma(W) with sigma from numpy's SVD,
    # gradient by central finite differences.
    w = sn.kernel.numpy().astype(np.float64)
    xs = x.numpy().astype(np.float64)

    def f(w):
        return np.sum((xs @ (w / np.linalg.svd(w, compute_uv=False)[0])) ** 2)

    numeric = np.zeros_like(w)
    eps = 1e-5
    for idx in np.ndindex(*w.shape):
        dw = np.zeros_like(w)
        dw[idx] = eps
        numeric[idx] = (f(w + dw) - f(w - dw)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=2e-2, atol=2e-3)


def test_spectral_norm_rejects_unsupported_layers():
    with pytest.raises(ValueError, match="wraps one of .*got a BatchNormalization"):
        SpectralNormalization(keras.layers.BatchNormalization())


def test_spectral_norm_config_round_trip(rng):
    sn = SpectralNormalization(keras.layers.Dense(4), power_iterations=2)
    sn.build((None, 3))
    restored = SpectralNormalization.from_config(sn.get_config())
    assert restored.power_iterations == 2
    assert isinstance(restored.layer, keras.layers.Dense)


def test_weight_clip_holds_after_every_optimizer_step(rng):
    c = 0.05
    model = keras.Sequential(
        [keras.Input((3,)), WeightClip(keras.layers.Dense(8), c), WeightClip(keras.layers.Dense(1), c)]
    )
    for w in model.trainable_weights:
        assert np.abs(w.numpy()).max() <= c + 1e-7
    optimizer = keras.optimizers.SGD(learning_rate=10.0)  # huge steps push weights out
    x = tf.constant(rng.normal(size=(16, 3)).astype("float32"))
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_sum(model(x))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        values = np.concatenate([np.abs(w.numpy()).ravel() for w in model.trainable_weights])
        assert values.max() <= c + 1e-7
        assert np.isclose(values.max(), c)  # the constraint is active, not vacuous


def test_weight_clip_rejects_bad_clip_value():
    with pytest.raises(ValueError, match="clip_value must be a positive finite number; got -1"):
        WeightClip(keras.layers.Dense(2), -1)
