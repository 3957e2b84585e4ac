"""AdversarialModel: what GAN, Pix2Pix and CycleGAN share -- compile (and its
serialization: `model.save` + `load_model` gives a compiled model that trains on),
fit, seeds -- and the one-way imports of the model layer."""

import pathlib
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.models import GAN, AdversarialModel, CycleGAN, Pix2Pix
from kerasgan.nets import (mlp_discriminator, mlp_generator, patchgan_discriminator,
                           resnet_translator, unet_generator)
from kerasgan.regularizers import R1, PathLength

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "kerasgan"


def gan(num_classes=None, **kwargs):
    keras.utils.set_random_seed(1)
    return GAN(mlp_generator(4, (2,), (16,), num_classes=num_classes),
               mlp_discriminator((2,), (16,), num_classes=num_classes),
               num_classes=num_classes, **kwargs)


def pix2pix():
    keras.utils.set_random_seed(3)
    return Pix2Pix(unet_generator((32, 32, 3), base_filters=4),
                   patchgan_discriminator((32, 32, 3), 3, base_filters=4), l1_weight=50.0)


def cyclegan():
    keras.utils.set_random_seed(3)
    return CycleGAN(resnet_translator((32, 32, 3), base_filters=4, num_blocks=1),
                    resnet_translator((32, 32, 3), base_filters=4, num_blocks=1),
                    patchgan_discriminator((32, 32, 3), base_filters=4),
                    patchgan_discriminator((32, 32, 3), base_filters=4), pool_size=2,
                    identity_weight=2.0)


def gan_data(conditional):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2)).astype("float32")
    parts = (x, rng.integers(0, 3, 32).astype("int32")) if conditional else x
    return tf.data.Dataset.from_tensor_slices(parts).batch(8)


def pair_data():
    rng = np.random.default_rng(0)
    pairs = {k: rng.uniform(-1, 1, (4, 32, 32, 3)).astype("float32") for k in ("x", "y")}
    return tf.data.Dataset.from_tensor_slices(pairs).batch(2, drop_remainder=True)


CASES = {
    "gan": (lambda: gan(regularizers=[R1(1.0), PathLength(interval=2)], ema_decay=0.9),
            lambda: gan_data(False)),
    "conditional_gan": (lambda: gan(num_classes=3), lambda: gan_data(True)),
    "pix2pix": (pix2pix, pair_data),
    "cyclegan": (cyclegan, pair_data),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_saved_model_file_loads_compiled_and_trains_on_exactly(case, tmp_path):
    build, dataset = CASES[case]
    model = build()
    model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.RMSprop(3e-3),
                  jit_compile=False)
    model.fit(dataset(), epochs=1, verbose=0)
    path = str(tmp_path / f"{case}.keras")
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)   # e.g. "compile() was not called"
        loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    assert type(loaded.g_optimizer).__name__ == "Adam"
    assert type(loaded.d_optimizer).__name__ == "RMSprop"
    assert float(loaded.d_optimizer.learning_rate) == pytest.approx(3e-3)
    assert float(loaded.g_optimizer.beta_1) == pytest.approx(0.5)
    assert int(loaded.g_optimizer.iterations.numpy()) == int(model.g_optimizer.iterations.numpy())
    assert loaded.get_config().keys() == model.get_config().keys()
    # Both continue: the same weights and state after one more epoch.
    model.fit(dataset(), epochs=1, verbose=0)
    loaded.fit(dataset(), epochs=1, verbose=0)
    for a, b in zip(model._weight_groups().values(), loaded._weight_groups().values()):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_compile_config_is_empty_before_compile_and_keeps_the_arguments():
    model = gan()
    assert model.get_compile_config() == {}
    model.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.2), steps_per_execution=2)
    config = model.get_compile_config()
    assert config["jit_compile"] == "auto" and config["steps_per_execution"] == 2
    other = gan()
    other.compile_from_config(config)
    assert other.steps_per_execution == 2
    assert float(other.d_optimizer.learning_rate) == pytest.approx(0.2)


@pytest.mark.parametrize("build", [gan, pix2pix, cyclegan], ids=["gan", "pix2pix", "cyclegan"])
def test_every_model_shares_compile_and_fit(build):
    model = build()
    assert isinstance(model, AdversarialModel)
    noun = "gan" if isinstance(model, GAN) else "model"
    with pytest.raises(RuntimeError, match=rf"Call {noun}.compile\(\) before {noun}.fit\(\)"):
        model.fit(np.zeros((4, 2), "float32"))
    with pytest.raises(ValueError, match=f"{type(model).__name__}.compile takes g_optimizer and "
                                         "d_optimizer; `loss` is not used"):
        model.compile(loss="mse")
    optimizer = keras.optimizers.SGD()
    with pytest.raises(ValueError, match="two different optimizers"):
        model.compile(optimizer, optimizer)
    model.compile()
    assert model.g_optimizer is model.optimizer and model.d_optimizer.built
    assert model.jit_compile is isinstance(model, GAN)   # "auto": XLA for GANs on one replica
    generator_variables = {id(v) for v in model._generator_variables()}
    assert all(role.startswith("generator") == (id(net.trainable_variables[0]) in generator_variables)
               for role, net in model.networks().items() if not role.startswith("ema"))


def test_cyclegan_pool_seeds_are_the_old_derivation():
    """The pools' seeds come from core.seeds.step_seed; inside a step (a replica
    context, id 0) they equal the derivation CycleGAN used before."""
    model = cyclegan()
    model.compile()
    model.g_optimizer.iterations.assign(7)

    def old(purpose):
        seed = tf.random.experimental.stateless_fold_in(
            tf.stack([tf.constant(model.seed, tf.int64), tf.constant(7, tf.int64)]), purpose)
        return tf.random.experimental.stateless_fold_in(seed, 0)

    for purpose in (0, 1):
        np.testing.assert_array_equal(model._step_seed(purpose).numpy(), old(purpose).numpy())
