"""Training schedules (R3GAN's cosine curves) and their wiring into a GAN."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan import schedules
from kerasgan.models import GAN
from kerasgan.nets import mlp_discriminator, mlp_generator
from kerasgan.regularizers import R1, R2
from kerasgan.schedules import CosineSchedule, Scaled, ScheduledAdam

LATENT = 4


def r3gan_reference(cur_nimg, base_value, total_nimg, final_value, hold_nimg=0):
    """R3GAN's `cosine_decay_with_warmup` without warm-up (its training loop)."""
    decay = 0.5 * (1 + np.cos(np.pi * (cur_nimg - hold_nimg) / float(total_nimg - hold_nimg)))
    value = base_value + (1 - decay) * (final_value - base_value)
    if hold_nimg > 0:
        value = np.where(cur_nimg > hold_nimg, value, base_value)
    return float(np.where(cur_nimg > total_nimg, final_value, value))


@pytest.mark.parametrize("start", [0, 1000])
def test_cosine_matches_r3gans_curve_in_images(start):
    schedule = CosineSchedule(2e-4, 5e-5, start=start, end=10_000, unit="images", batch_size=64)
    for step in [0, 1, 10, 50, 78, 100, 156, 157, 1000]:
        images = step * 64
        expected = r3gan_reference(images, 2e-4, 10_000, 5e-5, hold_nimg=start)
        assert float(schedule(step)) == pytest.approx(expected, rel=1e-5, abs=1e-12), step
        assert float(schedule.at(images)) == pytest.approx(expected, rel=1e-5, abs=1e-12)


def test_steps_unit_increasing_curve_and_end_points():
    schedule = CosineSchedule(0.9, 0.99, start=10, end=110, unit="steps")
    values = [float(schedule(t)) for t in range(0, 200)]
    assert values[0] == values[10] == pytest.approx(0.9)
    assert values[110] == values[199] == pytest.approx(0.99)
    assert float(schedule(60)) == pytest.approx(0.945, rel=1e-6)
    assert np.all(np.diff(values) >= -1e-7)
    assert schedule.value_range == (0.9, 0.99)


def test_schedule_is_usable_inside_a_compiled_function():
    schedule = CosineSchedule(1.0, 0.0, end=10, unit="steps")
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function(jit_compile=True)
    def read():
        return schedule(step)

    step.assign(5)
    assert float(read()) == pytest.approx(0.5, abs=1e-6)
    step.assign(10)
    assert float(read()) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"start_value": 1.0, "end_value": 0.0, "start": 100, "end": 100, "unit": "steps"},
     r"ends before it starts: expected end > start, got start=100, end=100"),
    ({"start_value": 1.0, "end_value": 0.0, "start": 100, "end": 10, "unit": "steps"},
     r"ends before it starts"),
    ({"start_value": -1.0, "end_value": 0.0, "end": 10, "unit": "steps"},
     r"start_value must be a non-negative finite number; got -1.0"),
    ({"start_value": 1.0, "end_value": float("nan"), "end": 10, "unit": "steps"}, r"end_value"),
    ({"start_value": 1.0, "end_value": 0.0, "start": -5, "end": 10, "unit": "steps"}, r"start must"),
    ({"start_value": 1.0, "end_value": 0.0, "end": 10, "unit": "kimg"}, r"unit must be one of"),
    ({"start_value": 1.0, "end_value": 0.0, "end": 10}, r"needs the global batch_size"),
    ({"start_value": 1.0, "end_value": 0.0, "end": 10, "unit": "steps", "batch_size": 8},
     r"takes none, got batch_size=8"),
    ({"start_value": 1.0, "end_value": 0.0, "end": 10, "batch_size": 0}, r"batch_size must be"),
])
def test_bad_schedules_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CosineSchedule(**kwargs)


def test_get_config_and_keras_serialization_round_trip():
    schedule = CosineSchedule(0.05, 0.005, start=100, end=5_000_000, batch_size=512)
    assert CosineSchedule.from_config(schedule.get_config()) == schedule
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert clone == schedule and float(clone(1000)) == float(schedule(1000))
    half = Scaled(schedule, 0.5)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(half))
    assert clone == half and float(clone(3000)) == pytest.approx(0.5 * float(schedule(3000)))
    assert schedules.get(keras.saving.serialize_keras_object(schedule)) == schedule


def test_learning_rate_schedule_in_keras_adam():
    lr = CosineSchedule(0.1, 0.0, end=4, unit="steps")
    opt = keras.optimizers.Adam(learning_rate=lr)
    w = keras.Variable([0.0])
    for step in range(5):
        assert float(opt.learning_rate) == pytest.approx(float(lr(step)), abs=1e-7)
        opt.apply_gradients([(tf.constant([1.0]), w)])
    clone = keras.optimizers.Adam.from_config(opt.get_config())
    assert clone.get_config()["learning_rate"] == opt.get_config()["learning_rate"]


def _numpy_adam(grads, lr, beta_1, beta_2, eps=1e-7):
    """Adam with betas of each step (bias correction with the current betas, as PyTorch
    when `betas` are edited between steps)."""
    w, m, v, out = 0.0, 0.0, 0.0, []
    for t, g in enumerate(grads):
        b1, b2 = beta_1(t), beta_2(t)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        alpha = lr * np.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1))
        w = w - alpha * m / (np.sqrt(v) + eps)
        out.append(w)
    return np.array(out)


def test_scheduled_adam_with_constant_betas_is_keras_adam(rng):
    grads = rng.normal(size=(6, 3)).astype("float32")
    ours, theirs = keras.Variable(np.zeros(3, "float32")), keras.Variable(np.zeros(3, "float32"))
    a = ScheduledAdam(learning_rate=0.01, beta_1=0.5, beta_2=0.99)
    b = keras.optimizers.Adam(learning_rate=0.01, beta_1=0.5, beta_2=0.99)
    for g in grads:
        a.apply_gradients([(tf.constant(g), ours)])
        b.apply_gradients([(tf.constant(g), theirs)])
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("jit", [False, True])
def test_scheduled_beta_2_follows_the_schedule_every_step(jit, rng):
    grads = rng.normal(size=8)
    beta_2 = CosineSchedule(0.9, 0.99, end=6, unit="steps")
    opt = ScheduledAdam(learning_rate=0.1, beta_1=0.0, beta_2=beta_2)
    w = keras.Variable([0.0], dtype="float32")
    opt.build([w])

    @tf.function(jit_compile=jit)
    def step(g):
        opt.apply_gradients([(g, w)])

    got = []
    for g in grads:
        step(tf.constant([g], tf.float32))
        got.append(float(w.numpy()[0]))
    expected = _numpy_adam(grads, 0.1, lambda t: 0.0, lambda t: float(beta_2(t)))
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-6)


def test_scheduled_adam_refuses_betas_outside_0_1():
    with pytest.raises(ValueError, match=r"beta_2 must stay in \[0.0, 1.0\); got a schedule from"):
        ScheduledAdam(beta_2=CosineSchedule(0.9, 1.0, end=6, unit="steps"))
    with pytest.raises(ValueError, match=r"beta_1 must stay in \[0.0, 1.0\); got 1.5"):
        ScheduledAdam(beta_1=1.5)
    with pytest.raises(ValueError, match="beta_2 must be a number or a schedule"):
        ScheduledAdam(beta_2="0.99")


def test_scheduled_adam_serializes_through_keras_optimizers_get():
    opt = ScheduledAdam(learning_rate=CosineSchedule(2e-4, 5e-5, end=1e6, batch_size=64),
                        beta_1=0.0, beta_2=CosineSchedule(0.9, 0.99, end=1e6, batch_size=64))
    config = keras.saving.serialize_keras_object(opt)
    clone = keras.optimizers.get(config)
    assert type(clone) is ScheduledAdam
    assert clone.beta_2_schedule == opt.beta_2_schedule
    assert clone.beta_1_schedule == 0.0
    assert float(clone.learning_rate) == pytest.approx(2e-4)


# ------------------------------------------------------------ wired into a GAN
def small_gan(**kwargs):
    keras.utils.set_random_seed(1)
    return GAN(mlp_generator(LATENT, (2,), (16,)), mlp_discriminator((2,), (16,)), **kwargs)


def _data(rng, n=8):
    return {"images": rng.normal(size=(n, 2)).astype("float32"),
            "latents": rng.normal(size=(n, LATENT)).astype("float32")}


STEPS = (0, 3)


def test_gamma_schedule_weights_the_penalties_by_the_training_step(rng):
    """A D step with R1/R2 under a gamma schedule equals a hand-written SGD step with
    gamma(step), at steps 0 and 3 (values differ)."""
    gamma = CosineSchedule(4.0, 0.4, end=6, unit="steps")
    data = _data(rng)
    x, z = tf.constant(data["images"]), tf.constant(data["latents"])
    for step in STEPS:
        gan = small_gan(loss="relativistic_pairing", regularizers=[R1(gamma), R2(gamma)])
        gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.1), jit_compile=False)
        gan.g_optimizer.iterations.assign(step)
        ref = small_gan()
        g, d = ref.generator, ref.discriminator
        fake = g(z)
        with tf.GradientTape() as tape:
            with tf.GradientTape(persistent=True) as inner:
                inner.watch([x, fake])
                real_logits, fake_logits = d(x), d(fake)
            r1 = tf.reduce_mean(tf.reduce_sum(tf.square(inner.gradient(real_logits, x)), 1))
            r2 = tf.reduce_mean(tf.reduce_sum(tf.square(inner.gradient(fake_logits, fake)), 1))
            loss = tf.reduce_mean(tf.nn.softplus(-(real_logits - fake_logits)))
            total = loss + float(gamma(step)) / 2 * (r1 + r2)
        grads = tape.gradient(total, d.trainable_variables)
        expected = [v.numpy() - 0.1 * gr.numpy() for v, gr in zip(d.trainable_variables, grads)]
        logs = gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(8), verbose=0).history
        for a, b in zip(gan.discriminator.get_weights(), expected):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        assert logs["r1"][0] == pytest.approx(float(r1), rel=1e-5)
        assert logs["r2"][0] == pytest.approx(float(r2), rel=1e-5)


def _scheduled_gan():
    gamma = CosineSchedule(1.0, 0.1, end=1000, batch_size=8)
    return small_gan(loss="relativistic_pairing", regularizers=[R1(gamma), R2(gamma)],
                     ema_half_life_images=40, ema_rampup=0.5)


def _scheduled_optimizers():
    lr = CosineSchedule(1e-2, 1e-3, end=1000, batch_size=8)
    beta_2 = CosineSchedule(0.9, 0.99, end=1000, batch_size=8)
    return (ScheduledAdam(lr, beta_1=0.0, beta_2=beta_2),
            ScheduledAdam(CosineSchedule(2e-2, 2e-3, end=1000, batch_size=8), beta_1=0.0,
                          beta_2=beta_2))


def test_compile_config_round_trip_keeps_the_schedules():
    gan = _scheduled_gan()
    gan.compile(*_scheduled_optimizers(), jit_compile=False)
    config = gan.get_compile_config()
    other = _scheduled_gan()
    other.compile_from_config(config)
    for mine, theirs in ((gan.g_optimizer, other.g_optimizer), (gan.d_optimizer, other.d_optimizer)):
        assert type(theirs) is ScheduledAdam
        assert theirs.beta_2_schedule == mine.beta_2_schedule
        assert theirs.get_config() == mine.get_config()
    clone = GAN.from_config(gan.get_config())
    assert clone.penalties[0].gamma == gan.penalties[0].gamma
    assert (clone.ema_half_life_images, clone.ema_rampup) == (40.0, 0.5)


def test_saved_gan_with_schedules_loads_compiled_and_trains_on_exactly(tmp_path, rng):
    data = tf.data.Dataset.from_tensor_slices({"images": rng.normal(size=(16, 2)).astype(
        "float32")}).batch(8)
    gan = _scheduled_gan()
    gan.compile(*_scheduled_optimizers(), jit_compile=False)
    gan.fit(data, epochs=1, verbose=0)
    path = str(tmp_path / "r3.keras")
    gan.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        loaded = keras.saving.load_model(path)
    assert type(loaded.d_optimizer) is ScheduledAdam
    assert loaded.d_optimizer.beta_2_schedule == gan.d_optimizer.beta_2_schedule
    assert loaded.penalties[1].gamma == gan.penalties[1].gamma
    gan.fit(data, epochs=1, verbose=0)
    loaded.fit(data, epochs=1, verbose=0)
    for a, b in zip(gan.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------ from a zoo config
def _cosine(start_value, end_value):
    return {"class_name": "kerasgan>CosineSchedule",
            "config": {"start_value": start_value, "end_value": end_value, "end": 1_000_000,
                       "batch_size": 8}}


R3GAN_CONFIG = {
    "model": "r3gan",
    "model_args": {"gamma": _cosine(0.05, 0.005), "ema_half_life_images": 100,
                   "ema_rampup": 0.05},
    "training": {"batch_size": 8},
    "nets": {"generator": {"builder": "mlp_generator", "args": {"latent_dim": 4}},
             "discriminator": {"builder": "mlp_discriminator", "args": {}}},
    "optimizers": {role: {"class_name": "kerasgan>ScheduledAdam",
                          "config": {"learning_rate": _cosine(2e-4, 5e-5), "beta_1": 0.0,
                                     "beta_2": _cosine(0.9, 0.99)}}
                   for role in ("generator", "discriminator")},
}


def test_a_zoo_config_names_r3gan_with_schedules_and_trains(rng):
    from kerasgan.training import build_gan, compile_gan, scale_learning_rates

    gan = compile_gan(build_gan(R3GAN_CONFIG), R3GAN_CONFIG, jit_compile=False)
    assert gan.gan_loss.name == "relativistic_pairing"
    assert [p.name for p in gan.penalties] == ["r1", "r2"]
    assert gan.penalties[0].gamma == CosineSchedule(0.05, 0.005, end=1_000_000, batch_size=8)
    assert type(gan.d_optimizer) is ScheduledAdam
    assert float(gan.d_optimizer.beta_2_at(0)) == pytest.approx(0.9)
    logs = gan.fit(rng.normal(size=(16, 2)).astype("float32"), batch_size=8, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values())
    # Learning-rate scaling for another global batch scales the cosine's two ends.
    scaled = scale_learning_rates(R3GAN_CONFIG, 32, "linear")
    lr = scaled["optimizers"]["generator"]["config"]["learning_rate"]["config"]
    assert (lr["start_value"], lr["end_value"]) == pytest.approx((8e-4, 2e-4))
