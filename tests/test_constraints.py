"""Weight clipping as a Keras constraint."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.constraints import ClipWeights, clip_model_weights


def test_clip_weights_matches_numpy(rng):
    w = rng.normal(size=(5, 7)).astype("float32")
    np.testing.assert_array_equal(np.asarray(ClipWeights(0.3)(w)), np.clip(w, -0.3, 0.3))


def test_clip_model_weights_applies_after_optimizer_steps(rng):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    clip_model_weights(model, 0.01)
    optimizer = keras.optimizers.Adam(1.0)
    x = tf.constant(rng.normal(size=(8, 2)).astype("float32"))
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_weights),
                                      model.trainable_weights))
    for w in model.trainable_weights:
        assert np.abs(w.numpy()).max() <= 0.01 + 1e-8


def test_clip_model_weights_needs_built_model():
    model = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="needs a built model"):
        clip_model_weights(model, 0.1)


@pytest.mark.parametrize("bad", [0, -0.1, "0.1", True])
def test_clip_value_must_be_positive_number(bad):
    with pytest.raises(ValueError, match="clip_value"):
        ClipWeights(bad)


def test_config_round_trip():
    assert ClipWeights.from_config(ClipWeights(0.2).get_config()).clip_value == 0.2


def test_the_wrapper_and_clip_model_weights_share_one_constraint_class():
    from kerasgan.layers import WeightClip

    model = clip_model_weights(keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)]), 0.5)
    wrapped = WeightClip(keras.layers.Dense(3), clip_value=0.5)
    wrapped(np.ones((1, 2), "float32"))
    for variable in (model.layers[0].kernel, wrapped.layer.kernel):
        assert type(variable.constraint) is ClipWeights and variable.constraint.clip_value == 0.5
