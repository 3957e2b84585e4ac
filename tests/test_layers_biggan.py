"""ConditionalBatchNormalization and SelfAttention against direct computations."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.layers import ConditionalBatchNormalization, SelfAttention


def test_conditional_batch_norm_formula(rng):
    x = rng.normal(2.0, 3.0, (8, 4, 4, 5)).astype(np.float32)
    c = rng.normal(size=(8, 6)).astype(np.float32)
    layer = ConditionalBatchNormalization(epsilon=1e-3)
    layer([x, c])
    wg, wb = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    layer.gamma.set_weights([wg.astype(np.float32), np.zeros(5, np.float32)])
    layer.beta.set_weights([wb.astype(np.float32), np.ones(5, np.float32)])
    out = np.asarray(layer([x, c], training=True))
    mean = x.mean(axis=(0, 1, 2))
    var = x.var(axis=(0, 1, 2))
    normalized = (x - mean) / np.sqrt(var + 1e-3)
    gamma = (c @ wg)[:, None, None, :]
    beta = (c @ wb + 1)[:, None, None, :]
    np.testing.assert_allclose(out, normalized * (1 + gamma) + beta, rtol=1e-4, atol=1e-4)


def test_conditional_batch_norm_starts_as_plain_batch_norm(rng):
    x = rng.normal(size=(6, 3, 3, 4)).astype(np.float32)
    c = rng.normal(size=(6, 2)).astype(np.float32)
    cbn = ConditionalBatchNormalization()
    bn = keras.layers.BatchNormalization(center=False, scale=False)
    np.testing.assert_allclose(cbn([x, c], training=True), bn(x, training=True), atol=1e-5)


def test_conditional_batch_norm_config_round_trip():
    layer = ConditionalBatchNormalization(momentum=0.9, synchronized=True)
    clone = ConditionalBatchNormalization.from_config(layer.get_config())
    assert (clone.momentum, clone.synchronized) == (0.9, True)


def test_self_attention_is_the_identity_at_init_and_learns(rng):
    x = tf.constant(rng.normal(size=(2, 8, 8, 16)).astype(np.float32))
    layer = SelfAttention(spectral_norm=True)
    np.testing.assert_allclose(layer(x), x, atol=1e-6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    grad = tape.gradient(loss, layer.gamma)
    assert float(tf.abs(grad)) > 0  # gamma gets a gradient: the block can switch on


def test_self_attention_matches_a_direct_computation(rng):
    x = rng.normal(size=(1, 4, 4, 8)).astype(np.float32)
    layer = SelfAttention()
    layer(x)
    layer.gamma.assign(0.7)
    wq, wk, wv, wo = (layer.query.kernel.numpy()[0, 0], layer.key.kernel.numpy()[0, 0],
                      layer.value.kernel.numpy()[0, 0], layer.output_conv.kernel.numpy()[0, 0])
    flat = x.reshape(16, 8)
    query = flat @ wq
    # Keys and values: 1x1 convolutions, then 2x2 max-pooling of the 4x4 map.
    key = ((x @ wk).reshape(2, 2, 2, 2, 1).max(axis=(1, 3))).reshape(4, 1)
    value = ((x @ wv).reshape(2, 2, 2, 2, 4).max(axis=(1, 3))).reshape(4, 4)
    scores = query @ key.T
    attention = np.exp(scores - scores.max(axis=1, keepdims=True))
    attention /= attention.sum(axis=1, keepdims=True)
    expected = flat + 0.7 * (attention @ value) @ wo
    np.testing.assert_allclose(np.asarray(layer(x)).reshape(16, 8), expected, rtol=1e-4,
                               atol=1e-5)


def test_self_attention_refuses_odd_maps():
    with pytest.raises(ValueError, match="at least 8 channels and an even"):
        SelfAttention()(np.zeros((1, 5, 5, 8), np.float32))
