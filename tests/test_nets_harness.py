"""The shared net test harness: every registered network builder, built from its tiny `test_args`.

Parametrized over `kerasgan.nets.NETS`, so a newly registered net is tested
here with nothing else to write (in the spirit of keras-hub's `TestCase`):

* output shape, and range for generators / translators ([-1, 1]);
* config round trip (`Model.from_config`, and `serialize_keras_object` /
  `deserialize_keras_object` with `safe_mode=True`) giving identical outputs;
* one train step: a tiny `kerasgan.models.GAN` of a generator and its
  registered `partner` discriminator (both nets train in one case), or a
  plain gradient step for nets without one;
* the net built under the `mixed_float16` policy runs and returns finite outputs;
* SavedModel export (`model.export`) and reload give the same outputs.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.models import GAN
from kerasgan.nets import NETS, build_net

NAMES = NETS.names()
GAN_ROLES = ("generator", "discriminator")


def _build(name, **overrides):
    return build_net({"builder": name, "args": NETS.metadata(name)["test_args"]}, **overrides)


def _inputs(model, batch=2, seed=0):
    """Random inputs of `model`: latents for generators, samples in [-1, 1] otherwise."""
    rng = np.random.default_rng(seed)
    role = NETS.metadata(model.harness_name)["role"]
    out = []
    for tensor in model.inputs:
        shape = (batch, *tensor.shape[1:])
        if "int" in str(tensor.dtype):
            out.append(np.zeros(shape, np.int32))
        elif len(shape) == 2 and role == "generator":
            out.append(rng.normal(size=shape).astype(np.float32))  # latents
        else:
            out.append(rng.uniform(-1, 1, size=shape).astype(np.float32))  # samples / images
    return out if len(out) > 1 else out[0]


def _built(name, **overrides):
    model = _build(name, **overrides)
    model.harness_name = name
    return model


def _outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def test_every_net_has_a_role_and_test_args():
    assert NAMES, "no network builder is registered"
    for name in NAMES:
        meta = NETS.metadata(name)
        assert meta["role"] in ("generator", "discriminator", "translator", "classifier"), name
        assert isinstance(meta["test_args"], dict), name
        partner = meta.get("partner")
        if partner is not None:
            assert NETS.metadata(partner).get("partner") == name, (name, partner)


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_and_range(name):
    model = _built(name)
    x = _inputs(model)
    y = _outputs(model, x)
    assert y.shape == (2, *model.output_shape[1:]), (y.shape, model.output_shape)
    assert np.all(np.isfinite(y))
    if NETS.metadata(name)["role"] in ("generator", "translator"):
        assert y.min() >= -1 and y.max() <= 1


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip_gives_identical_outputs(name):
    model = _built(name)
    x = _inputs(model)
    expected = _outputs(model, x)
    again = keras.Model.from_config(model.get_config())
    again.set_weights(model.get_weights())
    np.testing.assert_array_equal(_outputs(again, x), expected)
    copy = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(model), safe_mode=True)
    copy.set_weights(model.get_weights())
    np.testing.assert_array_equal(_outputs(copy, x), expected)


def _train_cases():
    """Every net once: a discriminator with a registered partner trains in its generator's GAN."""
    cases = []
    for name in NAMES:
        meta = NETS.metadata(name)
        partner = meta.get("partner")
        if meta["role"] == "discriminator" and partner in NETS and \
                NETS.metadata(partner)["role"] == "generator":
            continue
        cases.append(name)
    return cases


@pytest.mark.parametrize("name", _train_cases())
def test_one_train_step(name):
    meta = NETS.metadata(name)
    partner = meta.get("partner")
    if meta["role"] in GAN_ROLES and partner is not None:
        generator, discriminator = (
            (_built(name), _built(partner)) if meta["role"] == "generator"
            else (_built(partner), _built(name)))
        gan = GAN(generator, discriminator)
        gan.compile(jit_compile=False)
        real = np.random.default_rng(0).uniform(
            -1, 1, (4, *discriminator.input_shape[1:])).astype(np.float32)
        before = [w.copy() for w in generator.get_weights() + discriminator.get_weights()]
        history = gan.fit(real, batch_size=4, epochs=1, verbose=0)
        assert all(np.isfinite(v[-1]) for v in history.history.values())
        after = generator.get_weights() + discriminator.get_weights()
    else:
        model = _built(name)
        x = _inputs(model)
        before = [w.copy() for w in model.get_weights()]
        optimizer = keras.optimizers.SGD(0.1)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True)))
        grads = tape.gradient(loss, model.trainable_variables)
        assert all(g is not None for g in grads)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        after = model.get_weights()
        assert np.isfinite(float(loss))
    assert any(not np.array_equal(a, b) for a, b in zip(before, after)), "no weight changed"
    assert all(np.all(np.isfinite(w)) for w in after)


@pytest.mark.parametrize("name", NAMES)
def test_mixed_float16_runs_and_is_finite(name):
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = _built(name)
        y = _outputs(model, _inputs(model))
    finally:
        keras.mixed_precision.set_global_policy(policy)
    assert np.all(np.isfinite(np.asarray(y, np.float32)))


@pytest.mark.parametrize("name", NAMES)
def test_saved_model_export_and_reload(name, tmp_path):
    model = _built(name)
    x = _inputs(model)
    expected = _outputs(model, x)
    model.export(str(tmp_path / "saved"), verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "saved"))
    got = reloaded.serve(x) if not isinstance(x, list) else reloaded.serve(*x)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-6)
