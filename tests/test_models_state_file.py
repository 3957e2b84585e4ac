"""kerasgan.models.state_file: one checked weights file holds everything the next step needs."""

import os

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.data.translation import load_translation
from kerasgan.models.state_file import non_weight_state, saved_groups
from kerasgan.models.translation import Pix2Pix
from kerasgan.nets import patchgan_discriminator, unet_generator
from test_models_gan import sgd_compile, small_gan
from test_models_translation import _cyclegan


def _pix2pix():
    keras.utils.set_random_seed(3)
    model = Pix2Pix(unet_generator((32, 32, 3), base_filters=4, name="g"),
                    patchgan_discriminator((32, 32, 3), 3, base_filters=4, name="d"))
    model.compile()
    return model


def _data(n_skip, n_take):
    return load_translation("digit_pairs", "train", 2, seed=0).skip(n_skip).take(n_take)


def _same_state(a, b):
    va = [np.asarray(v) for vs in a._weight_groups().values() for v in vs]
    vb = [np.asarray(v) for vs in b._weight_groups().values() for v in vs]
    assert len(va) == len(vb)
    return all(np.array_equal(x, y) for x, y in zip(va, vb))


@pytest.mark.parametrize("build", [_pix2pix, lambda: _compiled(_cyclegan(pool_size=3))],
                         ids=["pix2pix", "cyclegan"])
@pytest.mark.slow
def test_saved_state_continues_exactly_like_the_original(build, tmp_path):
    """Train, save, load into a fresh model, train both on: bit-identical. The
    file holds the dropout seed states (pix2pix's U-Net) and the image pools."""
    original = build()
    original.fit(_data(0, 3), verbose=0)
    path = str(tmp_path / "m.weights.h5")
    original.save_weights(path)
    groups = saved_groups(path)
    assert "state" in groups and "g_optimizer" in groups and "d_optimizer" in groups
    fresh = build()
    assert not _same_state(original, fresh)
    fresh.load_weights(path)
    assert _same_state(original, fresh)
    if hasattr(original, "pool_x"):
        assert groups["state"] == 4 and int(fresh.pool_x.count.numpy()) == 3   # full pool of 3
        np.testing.assert_array_equal(fresh.pool_y.images.numpy(), original.pool_y.images.numpy())
    else:
        seeds = non_weight_state(original.networks().values())
        assert groups["state"] == len(seeds) == 3               # the three dropout layers
        assert all(int(np.asarray(s)[1]) > 0 for s in seeds)    # their states have advanced
    original.fit(_data(3, 3), verbose=0)
    fresh.fit(_data(3, 3), verbose=0)
    assert _same_state(original, fresh)


def _compiled(model):
    model.compile()
    return model


def test_keras_own_weights_file_misses_the_dropout_seeds(tmp_path):
    """Why the state group exists: a net's Keras `.weights.h5` has no seed state."""
    model = _pix2pix()
    model.fit(_data(0, 1), verbose=0)
    path = str(tmp_path / "g.weights.h5")
    model.generator.save_weights(path)
    with h5py.File(path) as f:
        stored = []
        f.visititems(lambda name, obj: stored.append(name) if isinstance(obj, h5py.Dataset)
                     else None)
    assert len(stored) == len(model.generator.weights)   # weights only, no seed state


def test_wrong_files_are_refused_and_nothing_is_assigned(tmp_path):
    cyclegan = _compiled(_cyclegan(pool_size=2))
    pix2pix = _pix2pix()
    cyclegan_file, pix2pix_file = str(tmp_path / "c.weights.h5"), str(tmp_path / "p.weights.h5")
    cyclegan.save_weights(cyclegan_file)
    pix2pix.save_weights(pix2pix_file)
    before = [np.asarray(v).copy() for v in pix2pix.weights]
    with pytest.raises(ValueError, match="is not a kerasgan Pix2Pix weights file .*"
                                         "kerasgan.cyclegan_weights/1"):
        pix2pix.load_weights(cyclegan_file)
    bigger = _compiled(_cyclegan(pool_size=5))     # pools of another size
    with pytest.raises(ValueError, match=r"state .* pool_x_images with shape \(5, 32, 32, 3\)"):
        bigger.load_weights(cyclegan_file)
    with open(pix2pix_file, "r+b") as f:            # truncated
        f.truncate(os.path.getsize(pix2pix_file) // 2)
    with pytest.raises(ValueError, match="Cannot read Pix2Pix weights"):
        pix2pix.load_weights(pix2pix_file)
    assert all(np.array_equal(a, np.asarray(v)) for a, v in zip(before, pix2pix.weights))


def test_gan_files_without_a_state_group_still_load(tmp_path):
    """Files written before the state group existed (the zoo's) load; a GAN whose nets
    have no random layers writes none."""
    gan = sgd_compile(small_gan())
    path = str(tmp_path / "gan.weights.h5")
    gan.save_weights(path)
    assert "state" not in saved_groups(path)
    keras.utils.set_random_seed(2)
    noisy = keras.Sequential([keras.Input((2,)), keras.layers.GaussianNoise(0.1),
                              keras.layers.Dense(1)])
    from kerasgan.models import GAN
    from kerasgan.nets import mlp_generator

    with_noise = GAN(mlp_generator(4, (2,), (8,)), noisy)
    assert len(non_weight_state(with_noise.networks().values())) == 1
    other = str(tmp_path / "noisy.weights.h5")
    with_noise.save_weights(other)
    assert saved_groups(other)["state"] == 1
    with h5py.File(other, "a") as f:
        del f["state"]
    with_noise.load_weights(other)   # optional group: loads


def test_pool_state_under_a_strategy_round_trips(two_cpu_strategy, tmp_path):
    """On-read (per-replica) pool variables: saved from the first replica, restored to all."""
    with two_cpu_strategy.scope():
        model = _compiled(_cyclegan(pool_size=4))

    @tf.function
    def pool_step(images):  # what train_step does with the pools, without the nets
        return model._pooled(model.pool_x, images, 1)

    images = tf.random.stateless_uniform((2, 32, 32, 3), (0, 1), -1.0, 1.0)
    batches = two_cpu_strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensors(images).repeat(2))
    for batch in batches:                      # 2 steps, 1 image per replica
        two_cpu_strategy.run(pool_step, args=(batch,))
    path = str(tmp_path / "c.weights.h5")
    model.save_weights(path)
    with h5py.File(path) as f:
        count = int(f["state"]["0001"][()])
    assert count == 2   # 2 steps x 1 image per replica
    with two_cpu_strategy.scope():
        again = _compiled(_cyclegan(pool_size=4))
    again.load_weights(path)
    counts = [int(v.numpy()) for v in
              two_cpu_strategy.experimental_local_results(again.pool_x.count)]
    assert counts == [2, 2]
    single = _compiled(_cyclegan(pool_size=4))
    single.load_weights(path)
    assert int(single.pool_x.count.numpy()) == 2
    assert tf.distribute.has_strategy() is False
