"""The GAN model: one train loop, exact under tf.distribute, reproducible, validated."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan import losses
from kerasgan.models import GAN, NSGAN, R1GAN, SNGAN, WGAN, WGANGP, create_variant
from kerasgan.nets import mlp_discriminator, mlp_generator
from kerasgan.regularizers import R1, R2, GradientPenalty, InstanceNoise

LATENT = 4


def small_gan(**kwargs):
    keras.utils.set_random_seed(1)
    return GAN(mlp_generator(LATENT, (2,), (16,)), mlp_discriminator((2,), (16,)), **kwargs)


def sgd_compile(gan, lr=0.1, **kwargs):
    gan.compile(keras.optimizers.SGD(lr), keras.optimizers.SGD(lr), **kwargs)
    return gan


def batch(rng, n=8):
    return {
        "images": rng.normal(size=(n, 2)).astype("float32"),
        "latents": rng.normal(size=(n, LATENT)).astype("float32"),
    }


def one_step(gan, data, batch_size):
    ds = tf.data.Dataset.from_tensor_slices(data).batch(batch_size)
    return gan.fit(ds, epochs=1, verbose=0).history


# --------------------------------------------------------------- the loop
def test_train_step_matches_hand_written_gradient_step(rng):
    """One step with given latents equals a manual D step then G step (SGD)."""
    data = batch(rng)
    gan = sgd_compile(small_gan(), jit_compile=False)
    ref = small_gan()
    x, z = tf.constant(data["images"]), tf.constant(data["latents"])
    g_ref, d_ref = ref.generator, ref.discriminator
    with tf.GradientTape() as tape:
        d_loss = losses.non_saturating_discriminator_loss(d_ref(x), d_ref(g_ref(z)))
    grads = tape.gradient(d_loss, d_ref.trainable_variables)
    for v, g in zip(d_ref.trainable_variables, grads):
        v.assign(v - 0.1 * g)
    with tf.GradientTape() as tape:
        g_loss = losses.non_saturating_generator_loss(d_ref(g_ref(z)))
    grads = tape.gradient(g_loss, g_ref.trainable_variables)
    for v, g in zip(g_ref.trainable_variables, grads):
        v.assign(v - 0.1 * g)

    logs = one_step(gan, data, 8)
    for a, b in zip(gan.generator.get_weights() + gan.discriminator.get_weights(),
                    g_ref.get_weights() + d_ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert logs["d_loss"][0] == pytest.approx(float(d_loss), rel=1e-5)
    assert logs["g_loss"][0] == pytest.approx(float(g_loss), rel=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"regularizers": [R1(gamma=1.0)], "ema_decay": 0.9},
        {"loss": "wasserstein", "d_steps": 2},
        {"loss": "relativistic_average"},
        {"loss": "hinge", "regularizers": [R2(gamma=2.0, interval=2)], "instance_noise": None},
    ],
    ids=["ns", "r1+ema", "wasserstein-d2", "ragan", "hinge+lazy-r2"],
)
def test_mirrored_strategy_step_equals_single_device_step(kwargs, two_cpu_strategy, rng):
    """On 2 replicas, one SGD step with given latents gives the same weights and logs."""
    data = batch(rng, 8)
    single = sgd_compile(small_gan(**kwargs))
    single_logs = one_step(single, data, 8)
    with two_cpu_strategy.scope():
        mirrored = sgd_compile(small_gan(**kwargs))
    mirrored_logs = one_step(mirrored, data, 8)
    for a, b in zip(single.get_weights(), mirrored.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    for key in single_logs:
        assert mirrored_logs[key][0] == pytest.approx(single_logs[key][0], rel=1e-5, abs=1e-6), key


def test_weight_clip_holds_under_mirrored_strategy(two_cpu_strategy, rng):
    with two_cpu_strategy.scope():
        keras.utils.set_random_seed(2)
        gan = WGAN(mlp_generator(LATENT, (2,), (16,)), mlp_discriminator((2,), (16,)),
                   clip_value=0.02, d_steps=2)
        sgd_compile(gan, lr=1.0)
    one_step(gan, batch(rng, 8), 8)
    weights = np.concatenate([np.abs(w).ravel() for w in gan.discriminator.get_weights()])
    assert weights.max() <= 0.02 + 1e-7
    assert np.isclose(weights.max(), 0.02)


def test_replicas_draw_different_latents(two_cpu_strategy):
    """Without given latents, replica 1 must not reuse replica 0's latents."""
    with two_cpu_strategy.scope():
        gan = sgd_compile(small_gan())

    @tf.function
    def draw():
        def fn():
            return gan._latents(None, 4, 0, 0)
        return two_cpu_strategy.run(fn)

    per_replica = two_cpu_strategy.experimental_local_results(draw())
    assert len(per_replica) == 2
    assert not np.allclose(per_replica[0].numpy(), per_replica[1].numpy())


def test_same_seed_same_run_and_latents_change_every_step(rng):
    data = {"images": rng.normal(size=(64, 2)).astype("float32")}
    runs = []
    for _ in range(2):
        gan = sgd_compile(small_gan(seed=3), lr=0.01)
        gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(16), epochs=1, verbose=0)
        runs.append(gan.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    gan = sgd_compile(small_gan(seed=3))
    z0 = gan._latents(None, 4, 0, 0).numpy()
    gan.optimizer.iterations.assign(1)
    assert not np.allclose(z0, gan._latents(None, 4, 0, 0).numpy())


def test_jit_and_eager_steps_agree(rng):
    data = batch(rng, 8)
    a = sgd_compile(small_gan(regularizers=[R1(gamma=1.0)]), jit_compile=True)
    b = sgd_compile(small_gan(regularizers=[R1(gamma=1.0)]), jit_compile=False)
    one_step(a, data, 8)
    one_step(b, data, 8)
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)


def test_ema_update_rule(rng):
    gan = sgd_compile(small_gan(ema_decay=0.9), jit_compile=False)
    before_g = gan.generator.get_weights()
    np.testing.assert_array_equal(before_g[0], gan.ema_generator.get_weights()[0])
    one_step(gan, batch(rng), 8)
    after_g = gan.generator.get_weights()
    for ema, old, new in zip(gan.ema_generator.get_weights(), before_g, after_g):
        np.testing.assert_allclose(ema, 0.9 * old + 0.1 * new, rtol=1e-5, atol=1e-7)
    # Sampling uses the EMA generator.
    z = np.ones((2, LATENT), "float32")
    np.testing.assert_allclose(gan.generate(z), gan.ema_generator(z).numpy(), rtol=1e-6)


def test_d_steps_runs_that_many_discriminator_updates(rng):
    gan = sgd_compile(small_gan(d_steps=3))
    one_step(gan, batch(rng), 8)
    assert int(gan.d_optimizer.iterations.numpy()) == 3
    assert int(gan.g_optimizer.iterations.numpy()) == 1


def test_lazy_penalty_interval(rng):
    gan = sgd_compile(small_gan(regularizers=[R1(gamma=1.0, interval=2)], d_steps=1))
    data = {"images": rng.normal(size=(32, 2)).astype("float32")}
    gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(8), epochs=1, verbose=0)
    # 4 steps, penalty on steps 0 and 2: the logged mean covers those two only.
    assert gan._trackers["r1"].count.numpy() == pytest.approx(2.0)


def test_instance_noise_changes_the_discriminator_inputs(rng):
    data = batch(rng)
    plain = sgd_compile(small_gan())
    noisy = sgd_compile(small_gan(instance_noise=InstanceNoise(1.0, 100)))
    one_step(plain, data, 8)
    one_step(noisy, data, 8)
    assert not np.allclose(plain.discriminator.get_weights()[0], noisy.discriminator.get_weights()[0])


@pytest.mark.parametrize("form", ["array", "tuple", "dict"])
def test_batches_as_array_tuple_or_dict(form, rng):
    x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.integers(0, 8, size=(16,))
    data = {"array": x, "tuple": (x, y), "dict": {"images": x, "labels": y}}[form]
    gan = sgd_compile(small_gan())
    history = gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(8), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


# ------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "data, message",
    [
        (np.zeros((8, 3), "float32"), r"shape \[batch, 2\].*got shape \[None, 3\]"),
        (np.zeros((8, 2), "int32"), r"float dtype; got shape \[None, 2\] \(int32\)"),
        ({"images": np.zeros((8, 2), "float32"), "latents": np.zeros((8, 5), "float32")},
         r"latents must have shape \[batch, 4\]"),
        ({"pixels": np.zeros((8, 2), "float32")}, "must have an 'images' entry"),
    ],
)
def test_bad_data_is_refused_before_the_first_step(data, message):
    gan = sgd_compile(small_gan())
    with pytest.raises(ValueError, match=message):
        gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(4), epochs=1, verbose=0)
    assert int(gan.optimizer.iterations.numpy()) == 0


def test_construction_errors():
    g, d = mlp_generator(LATENT, (2,), (8,)), mlp_discriminator((3,), (8,))
    with pytest.raises(ValueError, match=r"samples of shape \(2,\).*expects \(3,\)"):
        GAN(g, d)
    with pytest.raises(ValueError, match="Unknown loss 'hinje'.*'hinge'"):
        GAN(g, mlp_discriminator((2,), (8,)), loss="hinje")
    with pytest.raises(ValueError, match="d_steps"):
        GAN(g, mlp_discriminator((2,), (8,)), d_steps=0)
    with pytest.raises(ValueError, match="ema_decay"):
        GAN(g, mlp_discriminator((2,), (8,)), ema_decay=1.5)
    with pytest.raises(ValueError, match="SNGAN needs a discriminator with SpectralNormalization"):
        SNGAN(g, mlp_discriminator((2,), (8,)))
    with pytest.raises(ValueError, match="Unknown GAN variant 'wgangp'.*'wgan_gp'"):
        create_variant("wgangp", g, mlp_discriminator((2,), (8,)))


def test_fit_before_compile_is_refused():
    with pytest.raises(RuntimeError, match="compile"):
        small_gan().fit(np.zeros((4, 2), "float32"))


# -------------------------------------------------------------- variants
def test_variants_are_one_line_constructions():
    g = lambda: mlp_generator(LATENT, (2,), (8,))  # noqa: E731
    assert NSGAN(g(), mlp_discriminator((2,), (8,))).gan_loss.name == "non_saturating"
    wgan = WGAN(g(), mlp_discriminator((2,), (8,)))
    assert wgan.gan_loss.name == "wasserstein" and wgan.d_steps == 5
    assert all(w.constraint is not None for w in wgan.discriminator.trainable_weights)
    gp = WGANGP(g(), mlp_discriminator((2,), (8,)))
    assert isinstance(gp.penalties[0], GradientPenalty) and gp.penalties[0].weight == 10.0
    assert isinstance(R1GAN(g(), mlp_discriminator((2,), (8,))).penalties[0], R1)
    assert SNGAN(g(), mlp_discriminator((2,), (8,), spectral_norm=True)).gan_loss.name == "hinge"


# ------------------------------------------------------- sampling / saving
def test_generate_is_reproducible_and_accepts_latents():
    gan = small_gan()
    np.testing.assert_array_equal(gan.generate(5, seed=1), gan.generate(5, seed=1))
    assert not np.allclose(gan.generate(5, seed=1), gan.generate(5, seed=2))
    z = np.random.default_rng(0).normal(size=(3, LATENT)).astype("float32")
    np.testing.assert_allclose(gan.generate(z), gan.generator(z).numpy(), rtol=1e-6)
    assert gan.generate(10_000, seed=0, batch_size=4096).shape == (10_000, 2)
    with pytest.raises(ValueError, match=r"Latents must have shape \[N, 4\]; got \(3, 5\)"):
        gan.generate(np.zeros((3, 5)))


def test_save_and_load_weights_round_trip(tmp_path, rng):
    gan = sgd_compile(small_gan(ema_decay=0.9))
    one_step(gan, batch(rng), 8)
    path = tmp_path / "gan.weights.h5"
    gan.save_weights(path)
    other = small_gan(ema_decay=0.9)
    other.load_weights(path)
    for a, b in zip(gan.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(gan.generate(4, seed=0), other.generate(4, seed=0))


def test_load_weights_refuses_other_architecture_and_loads_nothing(tmp_path):
    gan = small_gan()
    path = tmp_path / "gan.weights.h5"
    gan.save_weights(path)
    keras.utils.set_random_seed(5)
    other = GAN(mlp_generator(LATENT, (2,), (16,)), mlp_discriminator((2,), (32,)))
    before = other.get_weights()
    with pytest.raises(ValueError, match="discriminator"):
        other.load_weights(path)
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_config_round_trip():
    gan = small_gan(loss="hinge", regularizers=[R1(gamma=0.5, interval=4)], d_steps=2,
                    ema_decay=0.99, instance_noise=InstanceNoise(0.1, 50), seed=9)
    clone = GAN.from_config(gan.get_config())
    assert clone.gan_loss.name == "hinge"
    assert clone.penalties[0].get_config() == {"gamma": 0.5, "interval": 4}
    assert (clone.d_steps, clone.ema_decay, clone.seed) == (2, 0.99, 9)
    assert clone.instance_noise.get_config() == {"stddev": 0.1, "anneal_steps": 50}


def test_resume_from_saved_weights_continues_exactly(tmp_path, rng):
    """2 epochs straight == 1 epoch, save, fresh model, load, 1 epoch (optimizer state too)."""
    data = {"images": rng.normal(size=(32, 2)).astype("float32")}
    ds = tf.data.Dataset.from_tensor_slices(data).batch(8)

    def fresh():
        gan = small_gan(regularizers=[R1(gamma=1.0)], ema_decay=0.9)
        gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2), jit_compile=False)
        return gan

    straight = fresh()
    straight.fit(ds, epochs=2, verbose=0)
    first = fresh()
    first.fit(ds, epochs=1, verbose=0)
    first.save_weights(tmp_path / "half.weights.h5")
    resumed = fresh()
    resumed.load_weights(tmp_path / "half.weights.h5")
    assert int(resumed.optimizer.iterations.numpy()) == 4
    resumed.fit(ds, epochs=1, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_uint8_images_are_converted_and_out_of_range_floats_refused(rng):
    from kerasgan.nets import dcgan_discriminator, dcgan_generator

    def image_gan():
        keras.utils.set_random_seed(5)
        gan = GAN(dcgan_generator(8, (28, 28, 1), base_filters=4),
                  dcgan_discriminator((28, 28, 1), base_filters=4))
        return sgd_compile(gan, lr=0.01)

    raw = rng.integers(0, 256, (8, 28, 28, 1)).astype(np.uint8)
    latents = rng.normal(size=(8, 8)).astype("float32")
    as_uint8 = image_gan()
    as_uint8.fit(tf.data.Dataset.from_tensor_slices({"images": raw, "latents": latents}).batch(8),
                 verbose=0)
    as_float = image_gan()
    scaled = raw.astype("float32") / 127.5 - 1.0
    as_float.fit(tf.data.Dataset.from_tensor_slices({"images": scaled, "latents": latents}).batch(8),
                 verbose=0)
    for a, b in zip(as_uint8.get_weights(), as_float.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)

    gan = image_gan()
    before = gan.get_weights()
    for data, given in ((raw.astype("float32"), r"got float32 values in \[\d+, 255\]"),
                        (np.full((8, 28, 28, 1), np.nan, "float32"), r"and NaN")):
        with pytest.raises(ValueError, match=r"Training images must be float values in \[-1, 1\].*"
                                             + given):
            gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(4), verbose=0)
        with pytest.raises(ValueError, match=given):
            gan.fit(data, batch_size=4, verbose=0)
    for a, b in zip(before, gan.get_weights()):
        np.testing.assert_array_equal(a, b)
