"""DiffAugment: what each policy does, differentiability, and its use inside the GAN step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.augment import DiffAugment
from kerasgan.data import load
from kerasgan.models import GAN, create_variant
from kerasgan.nets import dcgan_discriminator, dcgan_generator

SEED = tf.constant([7, 9], tf.int64)


def _images(n=4, size=8, channels=1):
    return tf.constant(np.random.default_rng(0).uniform(-1, 1, (n, size, size, channels)),
                       tf.float32)


def test_translation_is_a_per_image_shift_with_background_fill():
    x = _images()
    y = DiffAugment("translation", translation=0.25)(x, SEED).numpy()
    for image, shifted in zip(x.numpy(), y):
        matches = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                padded = np.pad(image, ((2, 2), (2, 2), (0, 0)), constant_values=-1)
                candidate = padded[2 - dy:2 - dy + 8, 2 - dx:2 - dx + 8]
                matches.append(np.array_equal(candidate, shifted))
        assert sum(matches) >= 1  # exactly some shift within ±2 px, background -1


def test_cutout_blanks_one_square_of_half_the_size():
    x = tf.ones((3, 8, 8, 1))
    y = DiffAugment("cutout", cutout=0.5)(x, SEED).numpy()[..., 0]
    for image in y:
        rows, cols = np.nonzero(image == 0)
        assert len(rows) == 16 and np.ptp(rows) == 3 and np.ptp(cols) == 3


def test_same_seed_same_augmentation_and_gradients_flow():
    x = _images(channels=3)
    augment = DiffAugment("color,translation,cutout")
    np.testing.assert_array_equal(augment(x, SEED), augment(x, SEED))
    assert not np.array_equal(augment(x, SEED), augment(x, SEED + 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(augment(x, SEED))
    assert np.abs(tape.gradient(total, x).numpy()).sum() > 0


def test_bad_policies_are_refused():
    with pytest.raises(ValueError, match="must be some of"):
        DiffAugment("rotate")
    with pytest.raises(ValueError, match=r"fractions in \(0, 1\)"):
        DiffAugment("cutout", cutout=1.5)


def test_the_gan_augments_discriminator_inputs_in_training_only():
    gan = create_variant("nsgan", dcgan_generator(8, (28, 28, 1), 8),
                         dcgan_discriminator((28, 28, 1), 8), augment="translation,cutout")
    x = tf.constant(np.random.default_rng(1).uniform(-1, 1, (4, 28, 28, 1)), tf.float32)
    # Outside training: the plain discriminator.
    np.testing.assert_array_equal(gan._discriminate(x, None, training=False),
                                  gan.discriminator(x, training=False))
    gan.compile()
    history = gan.fit(load("digits/28x28", "train", 8, seed=0), epochs=1, steps_per_epoch=2,
                      verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
    assert GAN.from_config(gan.get_config()).augment.policy == ("translation", "cutout")


def test_diffaugment_is_a_keras_serializable_augmentation_with_the_same_outputs():
    from kerasgan import augment

    original = DiffAugment("color,cutout", cutout=0.25)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(original))
    assert isinstance(clone, augment.Augmentation) and not clone.stateful
    assert (clone.policy, clone.cutout) == (("color", "cutout"), 0.25)
    x = tf.constant(np.random.default_rng(2).uniform(-1, 1, (3, 8, 8, 3)), tf.float32)
    np.testing.assert_array_equal(clone(x, SEED).numpy(), original(x, SEED).numpy())
    assert augment.get({"name": "diffaugment", "policy": "color"}).policy == ("color",)
    assert augment.get({"policy": "cutout"}).policy == ("cutout",)   # the old config dicts
    with pytest.raises(TypeError, match="`augment` must be None"):
        augment.get(3)
