"""R3GAN's objective and its companions: R1 + R2 together, LeCam, bCR, the EMA
half-life in images, and the `r3gan` variant (one device and two replicas)."""

import copy

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan import regularizers
from kerasgan.augment import Augmentation, DiffAugment
from kerasgan.models import GAN, R3GAN, VARIANTS, create_variant
from kerasgan.nets import mlp_discriminator, mlp_generator
from kerasgan.regularizers import R1, R2, BalancedConsistency, LeCam
from kerasgan.schedules import CosineSchedule

LATENT = 4


def small_gan(factory=GAN, **kwargs):
    keras.utils.set_random_seed(1)
    return factory(mlp_generator(LATENT, (2,), (16,)), mlp_discriminator((2,), (16,)), **kwargs)


def sgd(gan, lr=0.1, **kwargs):
    gan.compile(keras.optimizers.SGD(lr), keras.optimizers.SGD(lr), **kwargs)
    return gan


def _data(rng, n=8):
    return {"images": rng.normal(size=(n, 2)).astype("float32"),
            "latents": rng.normal(size=(n, LATENT)).astype("float32")}


def _fit(gan, data, batch_size=8, epochs=1, callbacks=None):
    ds = tf.data.Dataset.from_tensor_slices(data).batch(batch_size)
    return gan.fit(ds, epochs=epochs, verbose=0, callbacks=callbacks).history


# ------------------------------------------------------------------ R1 + R2
def test_r1_and_r2_of_a_quadratic_critic_match_the_closed_form_and_autodiff(rng):
    """D(x) = a * sum(x^2): grad = 2 a x, ||grad||^2 = 4 a^2 ||x||^2."""
    a = 0.7
    critic = lambda x: a * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])  # noqa: E731
    real = tf.constant(rng.normal(size=(6, 3, 3, 2)).astype("float32"))
    fake = tf.constant(rng.normal(size=(6, 3, 3, 2)).astype("float32"))
    for penalty, x in ((R1(gamma=2.0), real), (R2(gamma=0.5), fake)):
        closed = np.mean(4 * a**2 * np.sum(x.numpy() ** 2, axis=(1, 2, 3)))
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(critic(x))
        autodiff = np.mean(np.sum(tape.gradient(total, x).numpy() ** 2, axis=(1, 2, 3)))
        value = float(penalty(critic, real, fake, [0, 0]))
        assert value == pytest.approx(closed, rel=1e-5)
        assert value == pytest.approx(autodiff, rel=1e-5)


def test_a_gan_takes_r1_and_r2_at_once_each_with_its_gamma(rng):
    """One D step with both penalties equals the hand-written SGD step on
    loss + gamma1/2 R1 + gamma2/2 R2; both are logged."""
    data = _data(rng)
    gan = small_gan(loss="non_saturating", regularizers=[R1(gamma=3.0), R2(gamma=0.5)])
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.1), jit_compile=False)
    assert [p.name for p in gan.penalties] == ["r1", "r2"]
    ref = small_gan()
    g, d = ref.generator, ref.discriminator
    x, fake = tf.constant(data["images"]), g(tf.constant(data["latents"]))
    with tf.GradientTape() as tape:
        with tf.GradientTape(persistent=True) as inner:
            inner.watch([x, fake])
            real_logits, fake_logits = d(x), d(fake)
        r1 = tf.reduce_mean(tf.reduce_sum(tf.square(inner.gradient(real_logits, x)), 1))
        r2 = tf.reduce_mean(tf.reduce_sum(tf.square(inner.gradient(fake_logits, fake)), 1))
        loss = tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))
        total = loss + 1.5 * r1 + 0.25 * r2
    grads = tape.gradient(total, d.trainable_variables)
    logs = _fit(gan, data)
    for w, v, gr in zip(gan.discriminator.get_weights(), d.trainable_variables, grads):
        np.testing.assert_allclose(w, v.numpy() - 0.1 * gr.numpy(), rtol=1e-5, atol=1e-6)
    assert logs["r1"][0] == pytest.approx(float(r1), rel=1e-5)
    assert logs["r2"][0] == pytest.approx(float(r2), rel=1e-5)


# -------------------------------------------------------------------- LeCam
def test_lecam_closed_form_on_a_linear_critic(rng):
    w = np.array([0.5, -2.0], "float32")
    critic = lambda x: tf.reduce_sum(x * w, axis=1)  # noqa: E731
    real = rng.normal(size=(10, 2)).astype("float32")
    fake = rng.normal(size=(10, 2)).astype("float32")
    lecam = LeCam(weight=0.3, decay=0.9)
    lecam.build()
    lecam.anchor_real.assign(0.4)
    lecam.anchor_fake.assign(-0.7)
    value, stats = lecam.compute(critic, tf.constant(real), tf.constant(fake), [0, 0])
    r, f = real @ w, fake @ w
    assert float(value) == pytest.approx(np.mean((r + 0.7) ** 2) + np.mean((f - 0.4) ** 2), rel=1e-5)
    assert float(stats["real_logits"]) == pytest.approx(r.mean(), rel=1e-5, abs=1e-6)
    one_sided = LeCam(one_sided=True)
    one_sided.build()
    one_sided.anchor_real.assign(0.4)
    one_sided.anchor_fake.assign(-0.7)
    value = float(one_sided.compute(critic, tf.constant(real), tf.constant(fake), [0, 0])[0])
    expected = np.mean(np.maximum(r + 0.7, 0) ** 2) + np.mean(np.maximum(0.4 - f, 0) ** 2)
    assert value == pytest.approx(expected, rel=1e-5)


def test_lecam_gradient_reaches_the_critic(rng):
    w = tf.Variable([[1.0], [2.0]])
    critic = lambda x: tf.matmul(x, w)[:, 0]  # noqa: E731
    x = tf.constant(rng.normal(size=(4, 2)).astype("float32"))
    lecam = LeCam()
    with tf.GradientTape() as tape:
        value, _ = lecam.compute(critic, x, -x, [0, 0])
    # d/dw [E (x w)^2 + E (-x w)^2] = 4 E[x (x w)]
    expected = 4 * np.mean(x.numpy() * (x.numpy() @ w.numpy()), axis=0)
    np.testing.assert_allclose(tape.gradient(value, w).numpy()[:, 0], expected, rtol=1e-5)


class StepLogits(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.real, self.fake = [], []

    def on_train_batch_end(self, batch, logs=None):
        # One batch per epoch: the running means are this step's values.
        self.real.append(float(logs["real_logits"]))
        self.fake.append(float(logs["fake_logits"]))


def test_lecam_anchors_follow_the_ema_recurrence_in_a_gan(rng):
    data = _data(rng)
    decay = 0.7
    gan = sgd(small_gan(regularizers=[LeCam(weight=0.5, decay=decay)]), jit_compile=False)
    record = StepLogits()
    logs = _fit(gan, data, epochs=4, callbacks=[record])
    a_real = a_fake = 0.0
    for r, f in zip(record.real, record.fake):
        a_real = decay * a_real + (1 - decay) * r
        a_fake = decay * a_fake + (1 - decay) * f
    lecam = gan.penalties[0]
    assert float(lecam.anchor_real.numpy()) == pytest.approx(a_real, rel=1e-5, abs=1e-7)
    assert float(lecam.anchor_fake.numpy()) == pytest.approx(a_fake, rel=1e-5, abs=1e-7)
    assert len(logs["lecam"]) == 4 and np.isfinite(logs["lecam"]).all()


def test_lecam_anchors_are_saved_loaded_and_a_resumed_run_continues_them(tmp_path, rng):
    data = {"images": rng.normal(size=(16, 2)).astype("float32")}

    def fresh():
        gan = small_gan(regularizers=[LeCam(decay=0.5)])
        gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), jit_compile=False)
        return gan

    straight = fresh()
    _fit(straight, data, epochs=2)
    first = fresh()
    _fit(first, data, epochs=1)
    first.save_weights(tmp_path / "half.weights.h5")
    resumed = fresh()
    resumed.load_weights(tmp_path / "half.weights.h5")
    for a, b in zip(first.penalties[0].variables, resumed.penalties[0].variables):
        assert float(a.numpy()) == float(b.numpy()) != 0.0
    _fit(resumed, data, epochs=1)
    for a, b in zip(straight.penalties[0].variables, resumed.penalties[0].variables):
        assert float(b.numpy()) == pytest.approx(float(a.numpy()), rel=1e-6)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    path = str(tmp_path / "lecam.keras")
    straight.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.penalties[0], LeCam)
    for a, b in zip(straight.penalties[0].variables, loaded.penalties[0].variables):
        assert float(b.numpy()) == float(a.numpy())


# ---------------------------------------------------------------------- bCR
class Shift(Augmentation):
    """T(x) = x + c: a deterministic augmentation with a closed-form effect."""

    def __init__(self, c=0.5, **kwargs):
        super().__init__(**kwargs)
        self.c = c

    def call(self, images, seed):
        return images + self.c

    def get_config(self):
        return {**super().get_config(), "c": self.c}


def test_bcr_closed_form_on_a_linear_critic(rng):
    w = rng.normal(size=(4, 4, 1)).astype("float32")
    critic = lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3])  # noqa: E731
    real = tf.constant(rng.normal(size=(5, 4, 4, 1)).astype("float32"))
    fake = tf.constant(rng.normal(size=(5, 4, 4, 1)).astype("float32"))
    bcr = BalancedConsistency(lambda_real=10.0, lambda_fake=2.0, augment=Shift(0.5))
    gap = 0.5 * w.sum()   # D(x) - D(x + c) = -c sum(w) for every example
    assert float(bcr(critic, real, fake, [0, 0])) == pytest.approx(12.0 * gap**2, rel=1e-5)
    zero_fake = BalancedConsistency(lambda_real=10.0, lambda_fake=0.0, augment=Shift(0.5))
    assert float(zero_fake(critic, real, fake, [0, 0])) == pytest.approx(10.0 * gap**2, rel=1e-5)


def test_bcr_with_translation_matches_the_augmented_images(rng):
    w = rng.normal(size=(8, 8, 1)).astype("float32")
    critic = lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3])  # noqa: E731
    real = tf.constant(rng.uniform(-1, 1, size=(6, 8, 8, 1)).astype("float32"))
    fake = tf.constant(rng.uniform(-1, 1, size=(6, 8, 8, 1)).astype("float32"))
    bcr = BalancedConsistency(lambda_real=3.0, lambda_fake=5.0)   # DiffAugment translation
    assert bcr.augment.policy == ("translation",)
    seed = tf.constant([3, 4], tf.int64)
    t_real = DiffAugment("translation")(real, tf.random.experimental.stateless_fold_in(seed, 0))
    t_fake = DiffAugment("translation")(fake, tf.random.experimental.stateless_fold_in(seed, 1))
    expected = 3.0 * np.mean((critic(real) - critic(t_real)).numpy() ** 2) + \
        5.0 * np.mean((critic(fake) - critic(t_fake)).numpy() ** 2)
    assert expected > 0
    assert float(bcr(critic, real, fake, seed)) == pytest.approx(expected, rel=1e-5)


def test_bcr_trains_in_an_image_gan(rng):
    keras.utils.set_random_seed(2)
    gan = GAN(mlp_generator(LATENT, (8, 8, 1), (16,)), mlp_discriminator((8, 8, 1), (16,)),
              regularizers=[BalancedConsistency(augment="translation")])
    sgd(gan, lr=0.01)
    images = rng.uniform(-1, 1, size=(8, 8, 8, 1)).astype("float32")
    logs = _fit(gan, {"images": images})
    assert logs["balanced_consistency"][0] > 0 and np.isfinite(logs["d_loss"][0])


@pytest.mark.parametrize("penalty", [LeCam(weight=0.1, decay=0.95, one_sided=True),
                                     BalancedConsistency(1.0, 2.0, augment="translation,cutout"),
                                     R1(gamma=CosineSchedule(1.0, 0.1, end=10, unit="steps"))],
                         ids=lambda p: p.name)
def test_new_penalties_are_registered_and_keras_serializable(penalty):
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(penalty))
    assert type(clone) is type(penalty) and clone.get_config() == penalty.get_config()
    assert regularizers.REGULARIZERS.metadata(penalty.name) == {"side": "discriminator"}
    assert regularizers.get({"name": penalty.name, **penalty.get_config()}).get_config() == \
        penalty.get_config()


@pytest.mark.parametrize("make, message", [
    (lambda: LeCam(decay=1.0), r"decay must be in \[0, 1\); got 1.0"),
    (lambda: LeCam(weight=-0.1), "weight must be a non-negative finite number; got -0.1"),
    (lambda: BalancedConsistency(lambda_real=-1.0), "lambda_real"),
    (lambda: BalancedConsistency(augment=None), "needs an augmentation T"),
    (lambda: R1(gamma=-1.0), "gamma must be a non-negative finite number; got -1.0"),
    (lambda: R2(gamma="big"), "gamma must be a number or a schedule"),
    (lambda: small_gan(ema_decay=0.99, ema_half_life_images=1000),
     "either a fixed `ema_decay` or `ema_half_life_images`, not both"),
    (lambda: small_gan(ema_half_life_images=-5), "ema_half_life_images must be a positive"),
    (lambda: small_gan(ema_rampup=0.05), "`ema_rampup` ramps up `ema_half_life_images`, which is None"),
    (lambda: small_gan(ema_half_life_images=100, ema_rampup=0.0), "ema_rampup must be a positive"),
])
def test_bad_arguments_are_refused_before_training(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --------------------------------------------------------------------- EMA
@pytest.mark.parametrize("rampup", [None, 0.05])
def test_ema_beta_matches_karras_formula(rampup):
    gan = small_gan(ema_half_life_images=10_000, ema_rampup=rampup)
    for batch in (8, 64):
        for step in (0, 1, 5, 100, 1000, 100_000):
            half_life = 10_000 if rampup is None else min(10_000, step * batch * rampup)
            expected = 0.5 ** (batch / max(half_life, 1e-8))
            assert float(gan.ema_beta(step, batch)) == pytest.approx(expected, rel=1e-6, abs=1e-30)
    assert small_gan(ema_decay=0.9).ema_beta(7, 8) == 0.9


class Weights(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.generator = []

    def on_train_batch_end(self, batch, logs=None):
        self.generator.append([w.copy() for w in self.model.generator.get_weights()])


@pytest.mark.parametrize("rampup", [None, 0.5])
def test_ema_weights_follow_the_numpy_recurrence(rampup, rng):
    data = {"images": rng.normal(size=(32, 2)).astype("float32")}
    gan = sgd(small_gan(ema_half_life_images=20, ema_rampup=rampup), lr=0.05, jit_compile=False)
    ema = [w.copy() for w in gan.generator.get_weights()]
    record = Weights()
    _fit(gan, data, batch_size=8, callbacks=[record])   # 4 steps of 8 images
    for step, weights in enumerate(record.generator):
        half_life = 20 if rampup is None else min(20, step * 8 * rampup)
        beta = 0.5 ** (8 / max(half_life, 1e-8))
        ema = [beta * e + (1 - beta) * w for e, w in zip(ema, weights)]
    for got, want in zip(gan.ema_generator.get_weights(), ema):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert len(record.generator) == 4


def test_ema_half_life_survives_the_config_and_save_weights(tmp_path, rng):
    gan = sgd(small_gan(ema_half_life_images=500, ema_rampup=0.05))
    _fit(gan, _data(rng))
    clone = GAN.from_config(gan.get_config())
    assert (clone.ema_half_life_images, clone.ema_rampup, clone.ema_decay) == (500.0, 0.05, None)
    gan.save_weights(tmp_path / "g.weights.h5")
    clone.load_weights(tmp_path / "g.weights.h5")
    np.testing.assert_array_equal(gan.generate(4, seed=0), clone.generate(4, seed=0))


# ------------------------------------------------------------------ variant
def test_r3gan_variant_one_step_is_finite(rng):
    gan = small_gan(VARIANTS.get("r3gan"), gamma=0.1,
                    regularizers=[LeCam(weight=0.1)], ema_half_life_images=100, ema_rampup=0.05)
    assert gan.gan_loss.name == "relativistic_pairing"
    assert [p.name for p in gan.penalties] == ["r1", "r2", "lecam"]
    gan.compile(jit_compile=True)
    logs = _fit(gan, _data(rng))
    assert sorted(logs) == ["d_loss", "fake_logits", "g_loss", "lecam", "r1", "r2", "real_logits"]
    assert all(np.isfinite(v[0]) for v in logs.values())
    assert np.isfinite(gan.generate(4, seed=0)).all()


def test_r3gan_by_name_with_a_serialized_gamma_schedule():
    gamma = CosineSchedule(0.05, 0.005, end=1_000_000, batch_size=64)
    gan = small_gan(lambda g, d, **kw: create_variant("r3gan", g, d, **kw),
                    gamma=keras.saving.serialize_keras_object(gamma), r2_gamma=0.01)
    assert gan.penalties[0].gamma == gamma and gan.penalties[1].gamma == 0.01


@pytest.mark.parametrize("extra", [{}, {"regularizers": [LeCam(weight=0.2, decay=0.5)],
                                        "ema_half_life_images": 16, "ema_rampup": 0.5}],
                         ids=["r3gan", "r3gan+lecam+ema"])
def test_r3gan_step_under_mirrored_equals_one_device(extra, two_cpu_strategy, rng):
    """On 2 replicas, one SGD step with given latents gives the same weights, state and logs."""
    data = _data(rng, 8)
    gamma = CosineSchedule(2.0, 0.2, end=10, unit="steps")

    def make():
        return sgd(small_gan(R3GAN, gamma=gamma, **copy.deepcopy(extra)))

    single = make()
    single_logs = _fit(single, data)
    with two_cpu_strategy.scope():
        mirrored = make()
    mirrored_logs = _fit(mirrored, data)
    for a, b in zip(single.get_weights(), mirrored.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    for a, b in zip(single._hook_state(), mirrored._hook_state()):
        assert float(np.asarray(b)) == pytest.approx(float(np.asarray(a)), rel=1e-5, abs=1e-6)
    for key in single_logs:
        assert mirrored_logs[key][0] == pytest.approx(single_logs[key][0], rel=1e-5, abs=1e-6), key
