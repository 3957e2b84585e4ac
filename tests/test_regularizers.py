"""Gradient penalties and instance noise against closed forms."""

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from kerasgan import regularizers
from kerasgan.regularizers import DRAGAN, R1, R2, GradientPenalty, InstanceNoise


def linear_critic(weights):
    w = tf.constant(np.asarray(weights, "float32"))
    return lambda x: tf.reduce_sum(x * w, axis=1)


def quadratic_critic(x):
    """f(x) = ||x||^2 / 2: gradient x, ||grad||^2 = ||x||^2."""
    return 0.5 * tf.reduce_sum(tf.square(x), axis=1)


def test_gradient_penalty_zero_for_unit_norm_linear_critic(rng):
    real = tf.constant(rng.normal(size=(32, 2)).astype("float32"))
    fake = tf.constant(rng.normal(size=(32, 2)).astype("float32"))
    gp = GradientPenalty()
    assert float(gp(linear_critic([0.6, 0.8]), real, fake, seed=[1, 2])) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("scale", [0.5, 2.0, 3.0])
def test_gradient_penalty_closed_form_for_linear_critic(scale, rng):
    real = tf.constant(rng.normal(size=(16, 2)).astype("float32"))
    fake = tf.constant(rng.normal(size=(16, 2)).astype("float32"))
    critic = linear_critic([0.6 * scale, 0.8 * scale])  # ||grad|| = scale everywhere
    two_sided = float(GradientPenalty()(critic, real, fake, seed=[0, 1]))
    one_sided = float(GradientPenalty(one_sided=True)(critic, real, fake, seed=[0, 1]))
    assert two_sided == pytest.approx((scale - 1.0) ** 2, rel=1e-5)
    assert one_sided == pytest.approx(max(scale - 1.0, 0.0) ** 2, rel=1e-5, abs=1e-7)


def test_gradient_penalty_alpha_is_uniform_per_example(rng):
    """x_hat = a real + (1 - a) fake with one a per example, a ~ U[0, 1] (not a normal)."""
    n = 4000
    real = tf.ones((n, 3, 2))
    fake = tf.zeros((n, 3, 2))
    x_hat = GradientPenalty().interpolate(real, fake, seed=[5, 6]).numpy()
    alpha = x_hat[:, 0, 0]
    assert np.allclose(x_hat, alpha[:, None, None])  # one alpha per example
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0
    assert stats.kstest(alpha, "uniform").pvalue > 0.01


def test_gradient_penalty_matches_numpy_for_quadratic_critic(rng):
    real = rng.normal(size=(64, 3)).astype("float32")
    fake = rng.normal(size=(64, 3)).astype("float32")
    gp = GradientPenalty()
    seed = [3, 4]
    x_hat = gp.interpolate(tf.constant(real), tf.constant(fake), seed).numpy()
    expected = np.mean((np.linalg.norm(x_hat, axis=1) - 1.0) ** 2)
    value = float(gp(quadratic_critic, tf.constant(real), tf.constant(fake), seed))
    assert value == pytest.approx(expected, rel=1e-4)


def test_r1_and_r2_closed_form(rng):
    real = rng.normal(size=(50, 4)).astype("float32")
    fake = 3.0 * rng.normal(size=(50, 4)).astype("float32")
    r1 = float(R1(gamma=10.0)(quadratic_critic, tf.constant(real), tf.constant(fake), [0, 0]))
    r2 = float(R2(gamma=10.0)(quadratic_critic, tf.constant(real), tf.constant(fake), [0, 0]))
    assert r1 == pytest.approx(np.mean(np.sum(real**2, axis=1)), rel=1e-5)
    assert r2 == pytest.approx(np.mean(np.sum(fake**2, axis=1)), rel=1e-5)
    assert R1(gamma=10.0).weight == 5.0  # loss weight gamma / 2


def test_r1_is_zero_where_the_critic_is_flat():
    real = tf.zeros((8, 2))  # gradient of ||x||^2/2 vanishes at 0
    assert float(R1()(quadratic_critic, real, tf.ones((8, 2)), [0, 0])) == 0.0


def test_dragan_zero_for_unit_norm_linear_critic_and_positive_otherwise(rng):
    real = tf.constant(rng.normal(size=(32, 2)).astype("float32"))
    assert float(DRAGAN()(linear_critic([0.6, 0.8]), real, None, [1, 1])) == pytest.approx(0, abs=1e-6)
    assert float(DRAGAN()(linear_critic([3.0, 4.0]), real, None, [1, 1])) == pytest.approx(16.0, rel=1e-5)


def test_penalty_gradients_reach_critic_weights(rng):
    w = tf.Variable([[2.0], [0.0]])
    critic = lambda x: tf.matmul(x, w)[:, 0]  # noqa: E731
    real = tf.constant(rng.normal(size=(8, 2)).astype("float32"))
    with tf.GradientTape() as tape:
        value = GradientPenalty()(critic, real, real, [0, 0])
    grad = tape.gradient(value, w).numpy()
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w|| = 2 * 1 * (1, 0)
    np.testing.assert_allclose(grad[:, 0], [2.0, 0.0], rtol=1e-4, atol=1e-6)


def test_instance_noise_schedule_and_empirical_std():
    noise = InstanceNoise(stddev=0.2, anneal_steps=100)
    np.testing.assert_allclose(
        [float(noise.stddev_at(t)) for t in (0, 25, 100, 1000)], [0.2, 0.15, 0.0, 0.0], atol=1e-7
    )
    x = tf.zeros((20000, 2))
    noisy = noise(x, step=50, seed=[1, 2]).numpy()
    assert noisy.std() == pytest.approx(0.1, rel=0.03)
    np.testing.assert_array_equal(noise(x, step=100, seed=[1, 2]).numpy(), 0.0)


def test_get_by_name_dict_and_instance():
    assert isinstance(regularizers.get("r1"), R1)
    assert regularizers.get({"name": "gradient_penalty", "weight": 5.0}).weight == 5.0
    gp = GradientPenalty()
    assert regularizers.get(gp) is gp


def test_get_unknown_name_lists_closest_first():
    with pytest.raises(ValueError, match=r"Unknown discriminator penalty 'r3'\. Expected one of: 'r1'"):
        regularizers.get("r3")
    with pytest.raises(TypeError, match="penalty name"):
        regularizers.get(3)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: GradientPenalty(weight=-1), "weight"),
        (lambda: R1(interval=0), "interval"),
        (lambda: InstanceNoise(stddev=0, anneal_steps=10), "stddev"),
        (lambda: InstanceNoise(stddev=0.1, anneal_steps=1.5), "anneal_steps"),
    ],
)
def test_bad_arguments_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("penalty", [GradientPenalty(weight=3.0, target=2.0, one_sided=True),
                                     R1(gamma=0.5, interval=4), R2(gamma=2.0),
                                     DRAGAN(perturbation=0.25)], ids=lambda p: p.name)
def test_penalties_are_registered_and_keras_serializable(penalty):
    import keras

    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(penalty))
    assert type(clone) is type(penalty) and clone.get_config() == penalty.get_config()
    assert regularizers.REGULARIZERS.get(penalty.name) is type(penalty)
    assert regularizers.REGULARIZERS.metadata(penalty.name) == {"side": "discriminator"}
    assert regularizers.PENALTIES.get(penalty.name) is type(penalty)
    assert regularizers.get({"name": penalty.name, **penalty.get_config()}).get_config() == \
        penalty.get_config()


def test_instance_noise_is_keras_serializable_and_survives_the_gan_config():
    import keras

    from kerasgan.models import GAN
    from kerasgan.nets import mlp_discriminator, mlp_generator

    noise = InstanceNoise(stddev=0.3, anneal_steps=700)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(noise))
    assert type(clone) is InstanceNoise and clone.get_config() == noise.get_config()
    gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)), instance_noise=noise)
    again = GAN.from_config(gan.get_config())
    assert again.instance_noise.get_config() == {"stddev": 0.3, "anneal_steps": 700}
    assert float(again.instance_noise.stddev_at(350)) == pytest.approx(0.15)
