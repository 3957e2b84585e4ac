"""The relativistic pairing loss (RpGAN, R3GAN's objective) against closed forms."""

import numpy as np
import pytest
import tensorflow as tf
from scipy.special import expit, log_expit

from kerasgan import losses
from kerasgan.losses import (
    relativistic_pairing_discriminator_loss as rp_d,
    relativistic_pairing_generator_loss as rp_g,
)


def _ref_d(r, f):
    # −E log σ(r_i − f_i), written with the logistic function itself.
    return -np.mean(np.log(expit(r - f)))


def test_equal_logits_give_log_2(rng):
    logits = rng.normal(size=16) * 5
    assert float(rp_d(logits, logits)) == pytest.approx(np.log(2.0), rel=1e-6)
    assert float(rp_g(logits, real_logits=logits)) == pytest.approx(np.log(2.0), rel=1e-6)


def test_matches_numpy_reference_float64(rng):
    r, f = rng.normal(0.5, 2.0, size=64), rng.normal(-0.5, 2.0, size=64)
    assert float(rp_d(r, f)) == pytest.approx(_ref_d(r, f), rel=1e-12)
    assert float(rp_g(f, real_logits=r)) == pytest.approx(_ref_d(f, r), rel=1e-12)
    # A peer value: scipy's log_expit (a separate log-sigmoid implementation).
    assert float(rp_d(r, f)) == pytest.approx(-np.mean(log_expit(r - f)), rel=1e-12)


def test_a_hand_computed_value():
    # softplus(−(2 − 0)) = log(1 + e^−2) = 0.126928..., softplus(−(0 − 1)) = log(1 + e) = 1.313261...
    assert float(rp_d([2.0, 0.0], [0.0, 1.0])) == pytest.approx(
        0.5 * (np.log1p(np.exp(-2.0)) + np.log1p(np.e)), rel=1e-6)


def test_pairing_is_element_wise_not_batch_averaged():
    # Same batch means, different pairing: RaGAN would not see the difference of order.
    r, f = np.array([3.0, -3.0]), np.array([3.0, -3.0])
    assert float(rp_d(r, f)) == pytest.approx(np.log(2.0))
    assert float(rp_d(r, f[::-1])) == pytest.approx(_ref_d(r, f[::-1]))
    assert float(rp_d(r, f[::-1])) != pytest.approx(np.log(2.0))


def test_symmetries(rng):
    r, f = rng.normal(size=32), rng.normal(size=32)
    # G's loss is D's loss with the roles swapped.
    assert float(rp_g(f, real_logits=r)) == pytest.approx(float(rp_d(f, r)), rel=1e-6)
    # softplus(x) − softplus(−x) = x: L_D(r, f) − L_G(f, r) = E (f − r).
    assert float(rp_d(r, f)) - float(rp_g(f, real_logits=r)) == pytest.approx(
        np.mean(f - r), abs=1e-5)
    # Depends only on the differences: shifting both batches changes nothing.
    assert float(rp_d(r + 7.0, f + 7.0)) == pytest.approx(float(rp_d(r, f)), rel=1e-5)
    # Invariant under a common permutation of the pairs.
    perm = rng.permutation(32)
    assert float(rp_d(r[perm], f[perm])) == pytest.approx(float(rp_d(r, f)), rel=1e-6)


def test_gradient_is_minus_sigmoid_of_minus_the_difference(rng):
    r = tf.constant(rng.normal(size=8))
    f = tf.constant(rng.normal(size=8))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([r, f])
        loss = rp_d(r, f)
    d = (r - f).numpy()
    np.testing.assert_allclose(tape.gradient(loss, r).numpy(), -expit(-d) / 8, rtol=1e-10)
    np.testing.assert_allclose(tape.gradient(loss, f).numpy(), expit(-d) / 8, rtol=1e-10)


@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_finite_at_extreme_logits(scale):
    r, f = tf.constant([scale, -scale]), tf.constant([-scale, scale])
    with tf.GradientTape() as tape:
        tape.watch(r)
        loss = rp_d(r, f)
    assert np.isfinite(float(loss)) and float(loss) == pytest.approx(scale, rel=1e-6)
    assert np.isfinite(tape.gradient(loss, r).numpy()).all()


def test_b_and_b1_shapes_are_equivalent(rng):
    r, f = rng.normal(size=6).astype("float32"), rng.normal(size=6).astype("float32")
    assert float(rp_d(r[:, None], f[:, None])) == pytest.approx(float(rp_d(r, f)))


def test_different_batch_sizes_are_refused_with_both_sizes():
    with pytest.raises(ValueError, match=r"same batch size; got 3 and 2"):
        rp_d([0.0, 1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"same batch size; got 1 and 2"):
        rp_g([0.0], real_logits=[0.0, 1.0])


def test_different_batch_sizes_are_refused_at_run_time_when_unknown():
    fn = tf.function(rp_d, input_signature=[tf.TensorSpec([None]), tf.TensorSpec([None])])
    assert float(fn(tf.zeros(3), tf.zeros(3))) == pytest.approx(np.log(2.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="same batch size"):
        fn(tf.zeros(3), tf.zeros(2))


def test_generator_requires_real_logits():
    with pytest.raises(ValueError, match="real_logits"):
        rp_g([0.0, 1.0])


def test_registered():
    loss = losses.get("relativistic_pairing")
    assert loss.generator_needs_real_logits is True
    assert loss.discriminator_loss is rp_d and loss.generator_loss is rp_g
