"""The GAN lecture's theory, checked numerically.

For a fixed generator with density q and data density p, the value function

    V(D) = E_p log D(x) + E_q log(1 − D(x))

is maximised by the optimal discriminator D*(x) = p(x) / (p(x) + q(x)), and

    V(D*) = 2·JSD(p ‖ q) − log 4,

so that `minimax_discriminator_loss` (which is −V) at its minimum measures the
Jensen–Shannon divergence between data and generator distributions.

These tests are independent of kerasgan apart from the loss function itself:
densities, D*, the JSD (from its definition, via KL divergences to the mixture)
and all integrals are computed here with numpy / scipy.

Continuous case: p = N(0, 1) ("real"), q = N(1, 1) ("fake"). Then
log p(x) − log q(x) = ½ − x, so D*(x) = σ(½ − x): the optimal logit is linear.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import integrate, special, stats

from kerasgan.losses import minimax_discriminator_loss

LOG4 = np.log(4.0)

P = stats.norm(0.0, 1.0)  # data ("real") density.
Q = stats.norm(1.0, 1.0)  # generator ("fake") density.

# Where both densities are non-negligible: D* ranges over about [0.12, 0.88].
GRID = np.linspace(-1.5, 2.5, 401)
D_TOLERANCE = 0.05

def _limits(p, q):
    """An interval outside which both p and q have mass below 1e-16."""
    return min(p.ppf(1e-16), q.ppf(1e-16)), max(p.isf(1e-16), q.isf(1e-16))


def _quad(integrand, p, q):
    value, _ = integrate.quad(
        integrand, *_limits(p, q), epsabs=1e-12, epsrel=1e-12, limit=200
    )
    return value


def optimal_d(p, q, x):
    """D*(x) = p(x) / (p(x) + q(x)), computed from the log-densities."""
    return special.expit(p.logpdf(x) - q.logpdf(x))


def value_by_quadrature(p, q, logit_fn):
    """V(D) = ∫ p log D + q log(1 − D) for D = σ(logit_fn(x)), by quadrature.

    The logs use log σ(l) = −log(1 + e^−l) (`np.logaddexp`) to stay accurate in
    the tails.
    """

    def integrand(x):
        logit = logit_fn(x)
        return -p.pdf(x) * np.logaddexp(0.0, -logit) - q.pdf(x) * np.logaddexp(0.0, logit)

    return _quad(integrand, p, q)


def jsd_by_quadrature(p, q):
    """JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q) / 2, by quadrature."""

    def kl_to_mixture(a):
        def integrand(x):
            m = 0.5 * (p.pdf(x) + q.pdf(x))
            return special.xlogy(a.pdf(x), a.pdf(x)) - special.xlogy(a.pdf(x), m)

        return _quad(integrand, p, q)

    return 0.5 * kl_to_mixture(p) + 0.5 * kl_to_mixture(q)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------- #
# 1. A discriminator trained with G fixed approaches D* = p / (p + q).
# --------------------------------------------------------------------------- #


def _make_discriminator():
    return keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(32, activation="tanh"),
            keras.layers.Dense(32, activation="tanh"),
            keras.layers.Dense(1),
        ]
    )


def _train_discriminator(steps=500, batch=1024, seed=0):
    """Train an MLP on fresh samples of p (real) and q (fake) each step.

    Uses `minimax_discriminator_loss`, Adam with a cosine-decayed learning
    rate, and a seeded `tf.random.Generator` so the run is reproducible.
    Takes about 1–2 s on one CPU core.
    """
    keras.utils.set_random_seed(seed)
    model = _make_discriminator()
    optimizer = keras.optimizers.Adam(
        keras.optimizers.schedules.CosineDecay(1e-2, steps, alpha=0.05)
    )
    generator = tf.random.Generator.from_seed(seed)

    @tf.function
    def train_step():
        real = generator.normal([batch, 1], mean=0.0, stddev=1.0)  # ~ p
        fake = generator.normal([batch, 1], mean=1.0, stddev=1.0)  # ~ q
        with tf.GradientTape() as tape:
            loss = minimax_discriminator_loss(model(real), model(fake))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    for _ in range(steps):
        train_step()
    return model


def _logit_fn(model):
    def logit(x):
        x = np.atleast_1d(np.asarray(x, np.float32))
        return model(x[:, None], training=False).numpy()[:, 0].astype(np.float64)

    return logit


@pytest.fixture(scope="module")
def trained_discriminator():
    return _train_discriminator()


def test_trained_discriminator_approaches_optimal_d(trained_discriminator):
    d_star = optimal_d(P, Q, GRID)
    # Sanity check of the closed form: D*(x) = σ(½ − x).
    np.testing.assert_allclose(d_star, _sigmoid(0.5 - GRID), rtol=1e-12)

    trained = _sigmoid(_logit_fn(trained_discriminator)(GRID))
    assert np.max(np.abs(trained - d_star)) < D_TOLERANCE

    # The tolerance is discriminating: the same comparison fails for an
    # untrained discriminator, and for the D* of the swapped game
    # q / (p + q), which is what training with the roles of p and q
    # exchanged would converge to.
    keras.utils.set_random_seed(1)
    untrained = _sigmoid(_logit_fn(_make_discriminator())(GRID))
    assert np.max(np.abs(untrained - d_star)) > 3 * D_TOLERANCE
    swapped_d_star = optimal_d(Q, P, GRID)
    assert np.max(np.abs(trained - swapped_d_star)) > 10 * D_TOLERANCE


# --------------------------------------------------------------------------- #
# 2. V(D*) = 2·JSD(p ‖ q) − log 4.
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "p, q",
    [
        (P, Q),
        (stats.norm(0.0, 1.0), stats.norm(0.0, 2.0)),  # D* logit is quadratic.
        (stats.norm(-1.0, 0.7), stats.norm(2.0, 1.2)),  # Nearly disjoint.
    ],
    ids=["shifted", "wider", "far_apart"],
)
def test_value_at_optimal_d_is_jsd(p, q):
    value = value_by_quadrature(p, q, lambda x: p.logpdf(x) - q.logpdf(x))
    jsd = jsd_by_quadrature(p, q)
    assert 0.0 < jsd < np.log(2.0)
    np.testing.assert_allclose(value, 2.0 * jsd - LOG4, rtol=0, atol=1e-6)


def test_optimal_d_maximises_value_over_perturbed_discriminators():
    """Every other discriminator (here: perturbed logits) has a smaller V."""
    d_star_value = value_by_quadrature(P, Q, lambda x: 0.5 - x)
    for perturbation in [
        lambda x: 0.1,
        lambda x: -0.1,
        lambda x: 0.2 * np.sin(3 * x),
        lambda x: 0.05 * x,
    ]:
        value = value_by_quadrature(P, Q, lambda x: 0.5 - x + perturbation(x))
        assert value < d_star_value - 1e-6


def test_value_at_optimal_d_matches_minimax_loss_monte_carlo():
    """−minimax_discriminator_loss on samples, with D*'s logits, estimates V(D*)."""
    rng = np.random.default_rng(0)
    n = 1_000_000
    real = rng.normal(0.0, 1.0, n)
    fake = rng.normal(1.0, 1.0, n)
    # Logits of D*: log p − log q = ½ − x (float64 in, float64 out).
    mc_value = -float(minimax_discriminator_loss(0.5 - real, 0.5 - fake))
    expected = 2.0 * jsd_by_quadrature(P, Q) - LOG4
    # The Monte-Carlo standard error is about 6e-4.
    np.testing.assert_allclose(mc_value, expected, rtol=0, atol=3e-3)


def test_trained_discriminator_value_is_close_to_jsd(trained_discriminator):
    logit = _logit_fn(trained_discriminator)
    # quad calls the model with scalars; evaluate on a fine grid instead.
    x = np.linspace(*_limits(P, Q), 20001)
    lx = logit(x)
    integrand = -P.pdf(x) * np.logaddexp(0.0, -lx) - Q.pdf(x) * np.logaddexp(0.0, lx)
    value = integrate.trapezoid(integrand, x)
    optimum = 2.0 * jsd_by_quadrature(P, Q) - LOG4
    assert value <= optimum + 1e-6  # No discriminator beats D*.
    assert optimum - value < 0.01
    # The know-nothing discriminator D = ½ (value −log 4) is 2·JSD ≈ 0.12 short.
    assert optimum - (-LOG4) > 0.1


def test_identical_distributions_give_half_and_minus_log4():
    x = np.linspace(-3.0, 3.0, 61)
    np.testing.assert_allclose(optimal_d(P, P, x), 0.5, rtol=1e-15)
    np.testing.assert_allclose(jsd_by_quadrature(P, P), 0.0, atol=1e-12)
    value = value_by_quadrature(P, P, lambda x: P.logpdf(x) - P.logpdf(x))
    np.testing.assert_allclose(value, -LOG4, rtol=1e-9)
    # D* = ½ means logits 0: the minimax loss is log 4 whatever the samples.
    samples = np.random.default_rng(0).normal(size=100)
    zeros = np.zeros_like(samples)
    np.testing.assert_allclose(-float(minimax_discriminator_loss(zeros, zeros)), -LOG4)


# --------------------------------------------------------------------------- #
# 3. A discrete case, exactly.
# --------------------------------------------------------------------------- #


def discrete_value(p, q, d):
    """V(D) = Σ p log D + q log(1 − D), with 0 · log 0 = 0."""
    return np.sum(special.xlogy(p, d)) + np.sum(special.xlogy(q, 1.0 - d))


def discrete_jsd(p, q):
    """JSD from its definition, ½ KL(p ‖ m) + ½ KL(q ‖ m), with 0 · log 0 = 0."""
    m = 0.5 * (p + q)

    def kl(a):
        support = a > 0
        return np.sum(a[support] * np.log(a[support] / m[support]))

    return 0.5 * kl(p) + 0.5 * kl(q)


def _discrete_pairs():
    rng = np.random.default_rng(7)
    pairs = [(rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))) for _ in range(3)]
    # Partially overlapping supports: D* is 1 (or 0) where only p (or q) lives.
    pairs.append((np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.0, 0.1, 0.3, 0.6])))
    return pairs


@pytest.mark.parametrize("p, q", _discrete_pairs())
def test_discrete_optimal_d_value_is_jsd(p, q):
    d_star = p / (p + q)
    np.testing.assert_allclose(
        discrete_value(p, q, d_star), 2.0 * discrete_jsd(p, q) - LOG4, rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("p, q", _discrete_pairs())
def test_discrete_optimal_d_is_the_maximum(p, q):
    d_star = p / (p + q)
    best = discrete_value(p, q, d_star)
    # Each coordinate, nudged either way (staying inside [0, 1]), lowers V.
    for i in range(len(p)):
        for step in [1e-6, 1e-3, 0.1]:
            for sign in [-1.0, 1.0]:
                d = d_star.copy()
                d[i] = np.clip(d[i] + sign * step, 0.0, 1.0)
                if d[i] == d_star[i]:
                    continue  # D* already on the boundary in this direction.
                assert discrete_value(p, q, d) < best, (i, step, sign)
    # So does moving all coordinates at once, in random directions.
    rng = np.random.default_rng(0)
    for _ in range(100):
        d = np.clip(d_star + rng.normal(0.0, 0.05, len(p)), 1e-9, 1.0 - 1e-9)
        assert discrete_value(p, q, d) < best


def test_discrete_disjoint_supports_give_zero_value():
    """JSD saturates at log 2 for disjoint supports, so V(D*) = 0: D* is perfect."""
    p = np.array([0.6, 0.4, 0.0, 0.0])
    q = np.array([0.0, 0.0, 0.5, 0.5])
    np.testing.assert_allclose(discrete_jsd(p, q), np.log(2.0), rtol=1e-15)
    np.testing.assert_allclose(discrete_value(p, q, p / (p + q)), 0.0, atol=1e-15)


def test_discrete_value_matches_minimax_loss_on_exact_samples():
    """With rational p and q, a batch repeating each point p_i·N times has
    batch means equal to expectations, so −minimax_discriminator_loss at D*'s
    logits is V(D*) = 2·JSD − log 4 up to float64 rounding."""
    counts_p = np.array([1, 2, 3, 4])
    counts_q = np.array([4, 3, 2, 1])
    p, q = counts_p / 10.0, counts_q / 10.0
    logits = np.log(p) - np.log(q)  # logit of D* = p / (p + q).
    real_logits = np.repeat(logits, counts_p)
    fake_logits = np.repeat(logits, counts_q)
    value = -float(minimax_discriminator_loss(real_logits, fake_logits))
    np.testing.assert_allclose(value, 2.0 * discrete_jsd(p, q) - LOG4, rtol=0, atol=1e-12)
