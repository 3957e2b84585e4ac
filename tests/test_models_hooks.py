"""GAN hooks: a stateful augmentation fed D's statistics, generator regularizers
(path length), objectives and registries -- on one device and on 2 replicas, saved,
loaded and resumed."""

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan import augment, losses, regularizers
from kerasgan.checkpoints import fit_with_checkpoints
from kerasgan.models import GAN, MODELS, VARIANTS, CycleGAN, Pix2Pix, create_variant
from kerasgan.models.state_file import saved_groups
from kerasgan.nets import mlp_discriminator, mlp_generator
from kerasgan.regularizers import R1, PathLength

LATENT = 4


@keras.saving.register_keras_serializable(package="kerasgan_tests")
class FeedbackNoise(augment.Augmentation):
    """A small stateful augmentation: Gaussian noise of scale p; p moves by `rate` *
    sign(real_sign - target) after every discriminator update (the shape of ADA's
    rule), and the last statistics received are kept, so tests can read them."""

    stateful = True

    def __init__(self, rate=0.05, target=0.6, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.target = rate, target

    def build(self, input_shape=None):
        self.p = self.add_state("p")
        self.seen = {k: self.add_state(f"last_{k}")
                     for k in ("real_sign", "real_logits", "fake_logits")}
        self.updates = self.add_state("updates")

    def call(self, images, seed):
        noise = tf.random.stateless_normal(tf.shape(images), seed, dtype=images.dtype,
                                           alg="philox")   # the same draw under XLA
        return images + tf.cast(self.p, images.dtype) * noise

    def update(self, statistics):
        for key, variable in self.seen.items():
            variable.assign(statistics[key])
        step = self.rate * tf.sign(statistics["real_sign"] - self.target)
        self.p.assign(tf.clip_by_value(self.p + step, 0.0, 1.0))
        self.updates.assign_add(1.0)

    def log_values(self):
        return {"augment_p": self.p}

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "target": self.target}


def make_gan(augmentation=None, seed=1, **kwargs):
    keras.utils.set_random_seed(seed)
    return GAN(mlp_generator(LATENT, (2,), (16,)), mlp_discriminator((2,), (16,)),
               augment=augmentation, **kwargs)


def sgd(gan, lr=0.05):
    gan.compile(keras.optimizers.SGD(lr), keras.optimizers.SGD(lr), jit_compile=False)
    return gan


def data(rng, n=16):
    return {"images": rng.normal(size=(n, 2)).astype("float32"),
            "latents": rng.normal(size=(n, LATENT)).astype("float32")}


def batches(values, batch=8):
    return tf.data.Dataset.from_tensor_slices(values).batch(batch, drop_remainder=True)


def local_values(variable, strategy=None):
    if strategy is None:
        return [float(variable.numpy())]
    variable = getattr(variable, "value", variable)   # the tf.distribute (mirrored) variable
    return [float(v.numpy()) for v in strategy.experimental_local_results(variable)]


# ------------------------------------------------------- stateful augmentation
def test_augmentation_gets_the_discriminators_statistics_and_logs_its_state(rng):
    values = data(rng, 8)
    gan = sgd(make_gan(FeedbackNoise()), lr=0.0)   # D and G fixed: the statistics are known
    history = gan.fit(batches(values), epochs=1, verbose=0).history
    aug = gan.augment
    real = gan.discriminator(values["images"]).numpy().ravel()
    fake = gan.discriminator(gan.generator(values["latents"])).numpy().ravel()
    # p was 0 during the only discriminator update: D saw the images themselves.
    assert float(aug.seen["real_logits"].numpy()) == pytest.approx(real.mean(), rel=1e-5)
    assert float(aug.seen["fake_logits"].numpy()) == pytest.approx(fake.mean(), rel=1e-5)
    real_sign = np.sign(real).mean()
    assert float(aug.seen["real_sign"].numpy()) == pytest.approx(real_sign)
    expected_p = np.clip(0.05 * np.sign(real_sign - 0.6), 0.0, 1.0)
    assert float(aug.p.numpy()) == pytest.approx(expected_p)
    assert history["augment_p"][0] == pytest.approx(expected_p)
    assert float(aug.updates.numpy()) == 1.0


def test_augmentation_update_runs_after_every_discriminator_update(rng):
    gan = sgd(make_gan(FeedbackNoise(target=-2.0), d_steps=3))   # real_sign > target: p rises
    gan.fit(batches(data(rng, 16)), epochs=1, verbose=0)         # 2 steps x 3 D updates
    assert float(gan.augment.updates.numpy()) == 6.0
    assert float(gan.augment.p.numpy()) == pytest.approx(0.3)


def test_augmentation_state_is_the_global_batch_one_on_every_replica(two_cpu_strategy, rng):
    values = data(rng, 16)
    single = sgd(make_gan(FeedbackNoise(target=0.0)), lr=0.0)
    single.fit(batches(values), epochs=1, verbose=0)
    with two_cpu_strategy.scope():
        mirrored = sgd(make_gan(FeedbackNoise(target=0.0)), lr=0.0)
    mirrored.fit(batches(values), epochs=1, verbose=0)
    for key in ("real_sign", "real_logits", "fake_logits"):
        want = local_values(single.augment.seen[key])[0]
        got = local_values(mirrored.augment.seen[key], two_cpu_strategy)
        # Each replica saw half of the batch; the statistics are the whole batch's.
        assert got == pytest.approx([want, want], rel=1e-5, abs=1e-6), key
    p = local_values(mirrored.augment.p, two_cpu_strategy)
    assert p[0] == p[1] == pytest.approx(local_values(single.augment.p)[0])


def test_augmentation_state_is_saved_loaded_and_old_files_still_load(tmp_path, rng):
    gan = sgd(make_gan(FeedbackNoise(target=-2.0)))
    gan.fit(batches(data(rng, 16)), epochs=1, verbose=0)
    path = str(tmp_path / "gan.weights.h5")
    gan.save_weights(path)
    assert saved_groups(path)["state"] == 5     # p, 3 statistics, update count
    fresh = sgd(make_gan(FeedbackNoise(target=-2.0)))
    assert float(fresh.augment.p.numpy()) == 0.0
    fresh.load_weights(path)
    assert float(fresh.augment.p.numpy()) == pytest.approx(float(gan.augment.p.numpy()))
    assert float(fresh.augment.p.numpy()) > 0.0
    # A file written before the GAN had an augmentation (no state group) loads.
    plain = sgd(make_gan())
    old = str(tmp_path / "old.weights.h5")
    plain.save_weights(old)
    assert "state" not in saved_groups(old)
    fresh.load_weights(old)
    assert float(fresh.augment.p.numpy()) > 0.0   # kept
    # A stateless DiffAugment writes no state.
    diff = make_gan(augment.DiffAugment("translation"))
    diff_path = str(tmp_path / "diff.weights.h5")
    diff.save_weights(diff_path)
    assert "state" not in saved_groups(diff_path)


def test_old_state_group_without_the_hook_state_still_loads(tmp_path):
    """A net with a random layer writes a state group; files from before the GAN had
    a stateful augmentation hold that group without the augmentation's entries."""
    def noisy_gan(augmentation=None):
        keras.utils.set_random_seed(2)
        critic = keras.Sequential([keras.Input((2,)), keras.layers.GaussianNoise(0.1),
                                   keras.layers.Dense(1)])
        return GAN(mlp_generator(LATENT, (2,), (8,)), critic, augment=augmentation)

    path = str(tmp_path / "old.weights.h5")
    noisy_gan().save_weights(path)
    assert saved_groups(path)["state"] == 1
    with_augment = noisy_gan(FeedbackNoise())
    with_augment.load_weights(path)
    with h5py.File(path, "a") as f:
        del f["state"]["0000"]
    with pytest.raises(ValueError, match="state"):
        with_augment.load_weights(path)   # fewer entries than the non-optional ones


def test_checkpointed_resume_continues_the_augmentation_state_exactly(tmp_path, rng):
    values = data(rng, 32)
    ds = batches(values).repeat()

    def fresh():
        return sgd(make_gan(FeedbackNoise(target=0.2), regularizers=[PathLength(interval=2)]))

    straight = fresh()
    fit_with_checkpoints(straight, ds, str(tmp_path / "straight"), epochs=4, steps_per_epoch=2,
                         log=lambda *a, **k: None)
    first = fresh()
    fit_with_checkpoints(first, ds, str(tmp_path / "resumed"), epochs=2, steps_per_epoch=2,
                         log=lambda *a, **k: None)
    resumed = fresh()
    run = fit_with_checkpoints(resumed, ds, str(tmp_path / "resumed"), epochs=4,
                               steps_per_epoch=2, log=lambda *a, **k: None)
    assert run.initial_epoch == 2
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(straight._extra_state(), resumed._extra_state()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert float(resumed.generator_regularizers[0].mean.numpy()) > 0.0


def test_diffaugment_is_a_stateless_augmentation():
    diff = augment.DiffAugment("color")
    assert isinstance(diff, augment.Augmentation) and not diff.stateful
    assert diff.variables == [] and diff.log_values() == {}
    assert augment.AUGMENTATIONS.get("diffaugment") is augment.DiffAugment
    with pytest.raises(TypeError, match="`augment` must be None, a DiffAugment"):
        make_gan(3)


# ------------------------------------------------------ generator regularizers
def test_path_length_matches_its_definition_for_a_linear_generator():
    w = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]], "float32")   # z [3] -> x [2]
    seed = tf.constant([4, 5], tf.int64)
    pl = PathLength(weight=1.0, interval=1, decay=0.5)
    pl.build()
    z = tf.constant(np.random.default_rng(0).normal(size=(6, 3)).astype("float32"))
    value, stats = pl.compute(lambda latents, labels: latents @ w, z, None, seed)
    y = tf.random.stateless_normal((6, 2), seed=seed, alg="philox").numpy()
    lengths = np.linalg.norm(y @ w.T, axis=1)                         # |J^T y|, J = W^T
    np.testing.assert_allclose(float(stats["length"]), lengths.mean(), rtol=1e-5)
    np.testing.assert_allclose(float(value), np.mean(lengths ** 2), rtol=1e-5)   # a = 0
    pl.update(stats)
    assert float(pl.mean.numpy()) == pytest.approx(0.5 * lengths.mean(), rel=1e-5)
    value, _ = pl.compute(lambda latents, labels: latents @ w, z, None, seed)
    np.testing.assert_allclose(float(value), np.mean((lengths - 0.5 * lengths.mean()) ** 2),
                               rtol=1e-5)


def test_path_length_in_the_gan_is_lazy_logged_and_trains_the_generator(rng):
    values = data(rng, 32)
    plain = sgd(make_gan())
    plain.fit(batches(values), epochs=1, verbose=0)
    gan = sgd(make_gan(regularizers=[R1(gamma=1.0), {"name": "path_length", "interval": 2}]))
    assert [r.name for r in gan.penalties] == ["r1"]
    assert [r.name for r in gan.generator_regularizers] == ["path_length"]
    history = gan.fit(batches(values), epochs=1, verbose=0).history   # 4 steps: due on 0, 2
    assert gan._trackers["path_length"].count.numpy() == pytest.approx(2.0)
    assert history["path_length"][0] > 0.0
    assert float(gan.generator_regularizers[0].mean.numpy()) > 0.0
    assert not np.allclose(plain.generator.get_weights()[0], gan.generator.get_weights()[0])


class FixedNoisePathLength(PathLength):
    """y = 1: no random draw, so 2 replicas and 1 device compute the same step."""

    def noise(self, samples, seed):
        return tf.ones_like(samples)


@pytest.mark.parametrize("interval", [1, 2])
def test_path_length_on_two_replicas_equals_one_device(interval, two_cpu_strategy, rng):
    values = data(rng, 24)
    single = sgd(make_gan(regularizers=[FixedNoisePathLength(interval=interval, decay=0.5)]))
    single_logs = single.fit(batches(values), epochs=1, verbose=0).history
    with two_cpu_strategy.scope():
        mirrored = sgd(make_gan(regularizers=[FixedNoisePathLength(interval=interval, decay=0.5)]))
    mirrored_logs = mirrored.fit(batches(values), epochs=1, verbose=0).history
    for a, b in zip(single.get_weights(), mirrored.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    want = float(single.generator_regularizers[0].mean.numpy())
    got = local_values(mirrored.generator_regularizers[0].mean, two_cpu_strategy)
    assert want > 0.0 and got == pytest.approx([want, want], rel=1e-5)
    for key in single_logs:
        assert mirrored_logs[key][0] == pytest.approx(single_logs[key][0], rel=1e-5, abs=1e-6), key


def test_regularizers_are_sorted_by_class_and_names_stay_unique():
    with pytest.raises(ValueError, match="Each penalty may appear once"):
        make_gan(regularizers=[PathLength(), "path_length"])
    with pytest.raises(ValueError, match="Unknown discriminator penalty 'path_lenght'"):
        make_gan(regularizers=["path_lenght"])


# --------------------------------------------------------- objectives, config
def test_a_registered_loss_and_an_overridden_objective_plug_in(rng):
    def shifted_generator_loss(fake_logits, real_logits=None):
        return losses.non_saturating_generator_loss(fake_logits) + 1.0

    losses.register_loss("shifted", shifted_generator_loss,
                         losses.non_saturating_discriminator_loss)
    try:
        gan = sgd(make_gan(loss="shifted"))
        history = gan.fit(batches(data(rng, 8)), epochs=1, verbose=0).history
        reference = sgd(make_gan())
        ref = reference.fit(batches(data(np.random.default_rng(1234), 8)), epochs=1,
                            verbose=0).history
        assert history["g_loss"][0] > 1.0
    finally:
        losses.LOSSES.remove("shifted")

    class HalfD(GAN):
        def discriminator_objective(self, real_logits, fake_logits):
            return 0.5 * super().discriminator_objective(real_logits, fake_logits)

    keras.utils.set_random_seed(1)
    half = HalfD(mlp_generator(LATENT, (2,), (16,)), mlp_discriminator((2,), (16,)))
    sgd(half)
    logs = half.fit(batches(data(np.random.default_rng(1234), 8)), epochs=1, verbose=0).history
    assert logs["d_loss"][0] == pytest.approx(0.5 * ref["d_loss"][0], rel=1e-5)


def test_config_round_trips_hooks_and_accepts_the_old_dicts():
    gan = make_gan(FeedbackNoise(rate=0.1), regularizers=[R1(gamma=0.5, interval=4),
                                                          PathLength(weight=1.0, decay=0.1)])
    config = gan.get_config()
    assert config["augment"]["class_name"] == "FeedbackNoise"
    clone = GAN.from_config(config)
    assert isinstance(clone.augment, FeedbackNoise) and clone.augment.rate == 0.1
    assert clone.penalties[0].get_config() == {"gamma": 0.5, "interval": 4}
    assert clone.generator_regularizers[0].get_config() == {"weight": 1.0, "interval": 4,
                                                             "decay": 0.1}
    old = dict(config, regularizers=[{"name": "r1", "gamma": 0.5, "interval": 4}],
               augment={"policy": "translation", "translation": 0.125, "cutout": 0.5})
    clone = GAN.from_config(old)
    assert clone.penalties[0].gamma == 0.5 and clone.augment.policy == ("translation",)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(PathLength(weight=3.0)))
    assert isinstance(restored, PathLength) and restored.weight == 3.0


def test_registries():
    assert regularizers.REGULARIZERS.names(side="generator") == ["path_length"]
    assert regularizers.REGULARIZERS.names(side="discriminator") == \
        ["balanced_consistency", "dragan", "gradient_penalty", "lecam", "r1", "r2"]
    assert "r1" in regularizers.PENALTIES and regularizers.get("r2").name == "r2"
    assert MODELS.get("gan") is GAN and MODELS.get("cyclegan") is CycleGAN
    assert MODELS.metadata("pix2pix") == {"kind": "translation"}
    assert MODELS.names(kind="gan") == ["gan"]
    assert VARIANTS.names() == ["gan", "lsgan", "nsgan", "r1gan", "r3gan", "sngan", "wgan",
                                "wgan_gp"]
    assert "nsgan" in VARIANTS and VARIANTS.get("gan").__name__ == "MinimaxGAN"
    gan = create_variant("gan", mlp_generator(LATENT, (2,), (8,)), mlp_discriminator((2,), (8,)))
    assert gan.gan_loss.name == "minimax"
    assert Pix2Pix in [e.obj for e in MODELS.entries(kind="translation")]


class FeedbackShift(FeedbackNoise):
    """FeedbackNoise with a constant shift instead of noise: random draws differ
    between XLA and TensorFlow kernels (even Philox), this does not."""

    def call(self, images, seed):
        return images + tf.cast(self.p, images.dtype)


def test_hooks_under_xla_match_the_plain_step(rng):
    values = data(rng, 24)
    runs = []
    for jit in (False, True):
        model = make_gan(FeedbackShift(target=-2.0),
                         regularizers=[FixedNoisePathLength(interval=2)])
        model.compile(keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05), jit_compile=jit)
        model.fit(batches(values), epochs=1, verbose=0)
        runs.append(model)
    for a, b in zip(runs[0].get_weights(), runs[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for a, b in zip(runs[0]._extra_state(), runs[1]._extra_state()):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
    assert float(runs[1].augment.p.numpy()) == pytest.approx(0.15)
