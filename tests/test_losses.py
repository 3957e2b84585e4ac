"""Tests for `kerasgan.losses`.

Every loss is checked against a float64 numpy reference written directly from
its textbook formula (with `log σ(x)` computed naively as `log(1 / (1 + e^−x))`,
which is accurate for the small logits used there), then for shapes, dtypes,
numerical stability at huge logits, gradients and the name registry.
"""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from kerasgan import losses

# --------------------------------------------------------------------------- #
# Independent float64 references.
# --------------------------------------------------------------------------- #


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _log_sigmoid(x):
    return np.log(_sigmoid(x))


def _log_one_minus_sigmoid(x):
    return np.log1p(-_sigmoid(x))


def _ref_minimax_d(r, f):
    return -np.mean(_log_sigmoid(r)) - np.mean(_log_one_minus_sigmoid(f))


def _ref_minimax_g(f, r=None):
    return np.mean(_log_one_minus_sigmoid(f))


def _ref_ns_g(f, r=None):
    return -np.mean(_log_sigmoid(f))


def _ref_ls_d(r, f):
    return 0.5 * np.mean((r - 1.0) ** 2) + 0.5 * np.mean(f**2)


def _ref_ls_g(f, r=None):
    return 0.5 * np.mean((f - 1.0) ** 2)


def _ref_w_d(r, f):
    return np.mean(f) - np.mean(r)


def _ref_w_g(f, r=None):
    return -np.mean(f)


def _ref_hinge_d(r, f):
    return np.mean(np.maximum(0.0, 1.0 - r)) + np.mean(np.maximum(0.0, 1.0 + f))


def _ref_ra_d(r, f):
    # −E log σ(r − E f) − E log(1 − σ(f − E r))
    return -np.mean(_log_sigmoid(r - f.mean())) - np.mean(
        _log_one_minus_sigmoid(f - r.mean())
    )


def _ref_ra_g(f, r):
    # −E log σ(f − E r) − E log(1 − σ(r − E f))
    return -np.mean(_log_sigmoid(f - r.mean())) - np.mean(
        _log_one_minus_sigmoid(r - f.mean())
    )


DISCRIMINATOR_CASES = [
    (losses.minimax_discriminator_loss, _ref_minimax_d),
    (losses.non_saturating_discriminator_loss, _ref_minimax_d),
    (losses.least_squares_discriminator_loss, _ref_ls_d),
    (losses.wasserstein_discriminator_loss, _ref_w_d),
    (losses.hinge_discriminator_loss, _ref_hinge_d),
    (losses.relativistic_average_discriminator_loss, _ref_ra_d),
]

GENERATOR_CASES = [
    (losses.minimax_generator_loss, _ref_minimax_g),
    (losses.non_saturating_generator_loss, _ref_ns_g),
    (losses.least_squares_generator_loss, _ref_ls_g),
    (losses.wasserstein_generator_loss, _ref_w_g),
    (losses.hinge_generator_loss, _ref_w_g),
    (losses.relativistic_average_generator_loss, _ref_ra_g),
]

ALL_D = [fn for fn, _ in DISCRIMINATOR_CASES]
ALL_G = [fn for fn, _ in GENERATOR_CASES]


def _ids(cases):
    return [fn.__name__ for fn, *_ in cases]


def _random_logits(rng, n_real=64, n_fake=48, scale=3.0):
    """Real and fake logits (different batch sizes), float64 for the reference."""
    return rng.normal(0.5, scale, size=n_real), rng.normal(-0.5, scale, size=n_fake)


# --------------------------------------------------------------------------- #
# Values.
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("fn, ref", DISCRIMINATOR_CASES, ids=_ids(DISCRIMINATOR_CASES))
def test_discriminator_losses_match_reference(fn, ref, rng):
    for _ in range(3):
        r, f = _random_logits(rng)
        got = fn(r.astype(np.float32), f.astype(np.float32))
        assert got.dtype == tf.float32 and got.shape == ()
        np.testing.assert_allclose(float(got), ref(r, f), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn, ref", GENERATOR_CASES, ids=_ids(GENERATOR_CASES))
def test_generator_losses_match_reference(fn, ref, rng):
    for _ in range(3):
        r, f = _random_logits(rng)
        got = fn(f.astype(np.float32), real_logits=r.astype(np.float32))
        assert got.dtype == tf.float32 and got.shape == ()
        np.testing.assert_allclose(float(got), ref(f, r), rtol=1e-5, atol=1e-5)


def test_generator_losses_ignore_real_logits_except_ragan(rng):
    r, f = _random_logits(rng)
    for fn in ALL_G:
        if fn is losses.relativistic_average_generator_loss:
            continue
        np.testing.assert_allclose(float(fn(f)), float(fn(f, real_logits=r)), rtol=1e-6)


def test_float64_reference_precision(rng):
    """float64 inputs are computed (and returned) in float64."""
    r, f = _random_logits(rng)
    for fn, ref in DISCRIMINATOR_CASES:
        got = fn(r, f)
        assert got.dtype == tf.float64
        np.testing.assert_allclose(float(got), ref(r, f), rtol=1e-12)
    for fn, ref in GENERATOR_CASES:
        got = fn(f, r)
        assert got.dtype == tf.float64
        np.testing.assert_allclose(float(got), ref(f, r), rtol=1e-12)


def test_known_special_values():
    log4 = np.log(4.0)
    np.testing.assert_allclose(float(losses.minimax_discriminator_loss([0.0, 0.0], [0.0])), log4)
    np.testing.assert_allclose(float(losses.minimax_generator_loss([0.0])), -np.log(2.0))
    np.testing.assert_allclose(float(losses.non_saturating_generator_loss([0.0])), np.log(2.0))
    assert float(losses.wasserstein_discriminator_loss([0.3, -2.0], [0.3, -2.0])) == 0.0
    assert float(losses.hinge_discriminator_loss([1.0], [-1.0])) == 0.0
    # Beyond the margins the hinge loss is flat zero.
    assert float(losses.hinge_discriminator_loss([5.0, 2.0], [-3.0, -1.5])) == 0.0
    assert float(losses.hinge_discriminator_loss([0.0], [0.0])) == 2.0
    assert float(losses.least_squares_discriminator_loss([1.0, 1.0], [0.0])) == 0.0
    assert float(losses.least_squares_generator_loss([1.0])) == 0.0
    np.testing.assert_allclose(
        float(losses.relativistic_average_discriminator_loss([0.7, 0.7], [0.7])), log4
    )
    np.testing.assert_allclose(
        float(losses.relativistic_average_generator_loss([-1.0], real_logits=[-1.0])), log4
    )


def test_ragan_generator_is_discriminator_with_roles_swapped(rng):
    r, f = _random_logits(rng)
    np.testing.assert_allclose(
        float(losses.relativistic_average_generator_loss(f, real_logits=r)),
        float(losses.relativistic_average_discriminator_loss(f, r)),
        rtol=1e-12,
    )


def test_non_saturating_discriminator_equals_minimax(rng):
    r, f = _random_logits(rng)
    assert float(losses.non_saturating_discriminator_loss(r, f)) == float(
        losses.minimax_discriminator_loss(r, f)
    )


# --------------------------------------------------------------------------- #
# Shapes and dtypes.
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("fn", ALL_D, ids=lambda fn: fn.__name__)
def test_discriminator_shape_b_and_b1_equivalent(fn, rng):
    r, f = (x.astype(np.float32) for x in _random_logits(rng))
    flat = float(fn(r, f))
    for rr, ff in [(r[:, None], f[:, None]), (r[:, None], f), (r, f[:, None])]:
        np.testing.assert_allclose(float(fn(rr, ff)), flat, rtol=1e-6)


@pytest.mark.parametrize("fn", ALL_G, ids=lambda fn: fn.__name__)
def test_generator_shape_b_and_b1_equivalent(fn, rng):
    r, f = (x.astype(np.float32) for x in _random_logits(rng))
    flat = float(fn(f, r))
    for ff, rr in [(f[:, None], r[:, None]), (f[:, None], r), (f, r[:, None])]:
        np.testing.assert_allclose(float(fn(ff, rr)), flat, rtol=1e-6)


@pytest.mark.parametrize("bad_shape", [(8, 3), (8, 1, 1), (), (2, 4, 1)])
def test_bad_shapes_raise_value_error(bad_shape):
    bad = np.zeros(bad_shape, np.float32)
    good = np.zeros(8, np.float32)
    expected = str(list(bad_shape))
    for fn in ALL_D:
        with pytest.raises(ValueError, match=r"\[B\] or \[B, 1\]") as info:
            fn(bad, good)
        assert expected in str(info.value) and "real_logits" in str(info.value)
        with pytest.raises(ValueError, match=r"\[B\] or \[B, 1\]") as info:
            fn(good, bad)
        assert expected in str(info.value) and "fake_logits" in str(info.value)
    for fn in ALL_G:
        with pytest.raises(ValueError, match=r"\[B\] or \[B, 1\]") as info:
            fn(bad, good)
        assert expected in str(info.value) and "fake_logits" in str(info.value)
    with pytest.raises(ValueError, match="real_logits"):
        losses.relativistic_average_generator_loss(good, bad)


def test_integer_and_half_logits_are_computed_in_float32():
    got = losses.minimax_discriminator_loss(tf.constant([0, 0]), tf.constant([[0]]))
    assert got.dtype == tf.float32
    np.testing.assert_allclose(float(got), np.log(4.0), rtol=1e-6)
    half = tf.constant([1e4, -1e4], tf.float16)
    got = losses.non_saturating_generator_loss(half)
    assert got.dtype == tf.float32
    np.testing.assert_allclose(float(got), 5e3, rtol=1e-6)


def test_works_in_tf_function_with_unknown_batch_size(rng):
    r, f = (x.astype(np.float32) for x in _random_logits(rng, 16, 16))

    for fn in ALL_D:
        traced = tf.function(
            fn,
            input_signature=[
                tf.TensorSpec([None, 1], tf.float32),
                tf.TensorSpec([None, None], tf.float32),
            ],
        )
        np.testing.assert_allclose(
            float(traced(r[:, None], f[:, None])), float(fn(r, f)), rtol=1e-6
        )
        # An unknown trailing dimension that turns out not to be 1 fails at run time.
        with pytest.raises((tf.errors.InvalidArgumentError, ValueError)):
            traced(r[:, None], np.zeros((16, 3), np.float32))


# --------------------------------------------------------------------------- #
# Numerical stability.
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("scale", [100.0, 1e4])
def test_finite_at_extreme_logits(scale):
    big = np.array([scale, -scale, 0.0, scale], np.float32)
    for fn in ALL_D:
        for r, f in [(big, big), (big, -big), (-big, big)]:
            assert np.isfinite(float(fn(r, f))), fn.__name__
    for fn in ALL_G:
        for f, r in [(big, big), (big, -big), (-big, big)]:
            assert np.isfinite(float(fn(f, r))), fn.__name__


@pytest.mark.parametrize("scale", [100.0, 1e4])
def test_asymptotic_values(scale):
    s = np.float32(scale)
    pos, neg = np.array([s], np.float32), np.array([-s], np.float32)
    close = dict(rtol=1e-6, atol=1e-6)
    # −log σ(−s) = softplus(s) ≈ s; −log σ(s) ≈ e^−s ≈ 0.
    np.testing.assert_allclose(float(losses.non_saturating_generator_loss(neg)), scale, **close)
    np.testing.assert_allclose(float(losses.non_saturating_generator_loss(pos)), 0.0, **close)
    # log(1 − σ(s)) ≈ −s; log(1 − σ(−s)) ≈ 0.
    np.testing.assert_allclose(float(losses.minimax_generator_loss(pos)), -scale, **close)
    np.testing.assert_allclose(float(losses.minimax_generator_loss(neg)), 0.0, **close)
    # A perfect discriminator has zero loss; a perfectly wrong one loses 2s.
    np.testing.assert_allclose(float(losses.minimax_discriminator_loss(pos, neg)), 0.0, **close)
    np.testing.assert_allclose(
        float(losses.minimax_discriminator_loss(neg, pos)), 2 * scale, **close
    )
    np.testing.assert_allclose(
        float(losses.relativistic_average_discriminator_loss(pos, neg)), 0.0, **close
    )
    np.testing.assert_allclose(
        float(losses.relativistic_average_generator_loss(neg, real_logits=pos)),
        4 * scale,
        **close,
    )
    np.testing.assert_allclose(float(losses.hinge_discriminator_loss(pos, neg)), 0.0, **close)
    np.testing.assert_allclose(
        float(losses.hinge_discriminator_loss(neg, pos)), 2 * (1 + scale), **close
    )


@pytest.mark.parametrize("scale", [100.0, 1e4])
def test_gradients_finite_at_extreme_logits(scale):
    big = np.array([scale, -scale, 0.0], np.float32)
    for fn in ALL_D:
        for r0, f0 in [(big, big), (big, -big), (-big, big)]:
            r, f = tf.Variable(r0), tf.Variable(f0)
            with tf.GradientTape() as tape:
                loss = fn(r, f)
            grads = tape.gradient(loss, [r, f])
            for g in grads:
                assert g is not None and np.all(np.isfinite(g.numpy())), fn.__name__
    for fn in ALL_G:
        for f0, r0 in [(big, big), (big, -big), (-big, big)]:
            r, f = tf.Variable(r0), tf.Variable(f0)
            with tf.GradientTape() as tape:
                loss = fn(f, r)
            g = tape.gradient(loss, f)
            assert g is not None and np.all(np.isfinite(g.numpy())), fn.__name__


def test_saturating_vs_non_saturating_generator_gradient():
    """The lecture's motivation for −log D(G(z)).

    Early in training D confidently rejects the fakes (very negative fake
    logit). The saturating minimax loss log(1 − σ(f)) then has gradient
    −σ(f) ≈ 0, while −log σ(f) has gradient σ(f) − 1 ≈ −1: both push f up,
    but only the non-saturating one does so with a usable magnitude.
    """
    for logit in [-10.0, -100.0, -1e4]:
        f = tf.Variable([logit])
        with tf.GradientTape(persistent=True) as tape:
            saturating = losses.minimax_generator_loss(f)
            non_saturating = losses.non_saturating_generator_loss(f)
        g_sat = float(tape.gradient(saturating, f)[0])
        g_ns = float(tape.gradient(non_saturating, f)[0])
        assert abs(g_sat) < 1e-4
        assert g_sat <= 0.0  # Descent still (weakly) increases f.
        np.testing.assert_allclose(g_ns, -1.0, atol=1e-4)
    # Near the equilibrium the two gradients have the same size, −σ(0) = −½.
    f = tf.Variable([0.0])
    with tf.GradientTape(persistent=True) as tape:
        saturating = losses.minimax_generator_loss(f)
        non_saturating = losses.non_saturating_generator_loss(f)
    np.testing.assert_allclose(float(tape.gradient(saturating, f)[0]), -0.5)
    np.testing.assert_allclose(float(tape.gradient(non_saturating, f)[0]), -0.5)


def test_gradients_match_analytic_sigmoid_forms(rng):
    r0, f0 = (x.astype(np.float32) for x in _random_logits(rng, 32, 32, scale=2.0))
    r, f = tf.Variable(r0), tf.Variable(f0)
    with tf.GradientTape() as tape:
        loss = losses.minimax_discriminator_loss(r, f)
    g_r, g_f = tape.gradient(loss, [r, f])
    n = len(r0)
    np.testing.assert_allclose(g_r.numpy(), (_sigmoid(r0) - 1.0) / n, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(g_f.numpy(), _sigmoid(f0) / n, rtol=1e-4, atol=1e-7)


# --------------------------------------------------------------------------- #
# Registry.
# --------------------------------------------------------------------------- #

EXPECTED = {
    "minimax": (losses.minimax_generator_loss, losses.minimax_discriminator_loss, False),
    "non_saturating": (
        losses.non_saturating_generator_loss,
        losses.non_saturating_discriminator_loss,
        False,
    ),
    "least_squares": (
        losses.least_squares_generator_loss,
        losses.least_squares_discriminator_loss,
        False,
    ),
    "wasserstein": (
        losses.wasserstein_generator_loss,
        losses.wasserstein_discriminator_loss,
        False,
    ),
    "hinge": (losses.hinge_generator_loss, losses.hinge_discriminator_loss, False),
    "relativistic_average": (
        losses.relativistic_average_generator_loss,
        losses.relativistic_average_discriminator_loss,
        True,
    ),
    "relativistic_pairing": (
        losses.relativistic_pairing_generator_loss,
        losses.relativistic_pairing_discriminator_loss,
        True,
    ),
}


def test_registry_contents():
    assert set(losses.LOSSES) == set(EXPECTED)
    for entry in losses.LOSSES.entries():
        assert entry.obj.name == entry.name
        assert entry.metadata == {"generator_needs_real_logits": entry.obj.generator_needs_real_logits}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_get_by_name(name):
    loss = losses.get(name)
    assert isinstance(loss, losses.GANLoss)
    assert loss.name == name
    g, d, needs_real = EXPECTED[name]
    assert loss.generator_loss is g
    assert loss.discriminator_loss is d
    assert loss.generator_needs_real_logits is needs_real


def test_get_passes_gan_loss_through():
    custom = losses.GANLoss(
        "custom", losses.hinge_generator_loss, losses.least_squares_discriminator_loss
    )
    assert losses.get(custom) is custom
    assert losses.get(losses.LOSSES.get("hinge")) is losses.LOSSES.get("hinge")
    assert custom.generator_needs_real_logits is False


def test_gan_loss_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        losses.LOSSES.get("hinge").name = "other"


def test_get_unknown_name_lists_valid_names_closest_first():
    with pytest.raises(ValueError) as info:
        losses.get("hinj")
    message = str(info.value)
    assert "'hinj'" in message
    assert "Expected one of: 'hinge'," in message
    for name in EXPECTED:
        assert repr(name) in message
    with pytest.raises(ValueError, match="Expected one of: 'wasserstein'"):
        losses.get("wasserstien")


@pytest.mark.parametrize("bad", [3, None, 1.5, ["hinge"], losses.hinge_generator_loss])
def test_get_wrong_type_raises_type_error(bad):
    with pytest.raises(TypeError) as info:
        losses.get(bad)
    message = str(info.value)
    assert "GANLoss" in message and "str" in message
    assert type(bad).__name__ in message


def test_ragan_generator_requires_real_logits():
    with pytest.raises(ValueError, match="real_logits"):
        losses.relativistic_average_generator_loss([0.0, 1.0])
    with pytest.raises(ValueError, match="real_logits"):
        losses.LOSSES.get("relativistic_average").generator_loss([0.0], real_logits=None)
