"""Differentiable augmentation of discriminator inputs: DiffAugment (Zhao et al. 2020),
a fixed policy, and adaptive discriminator augmentation (ADA; Karras et al. 2020).

With little data (the embedded digits: 1,347 images) the discriminator memorises
the training set and stops teaching the generator. DiffAugment applies the same
kind of random, *differentiable* transformations to real and generated images
every time the discriminator sees them -- in its own update and in the
generator's -- so D cannot memorise, and G's gradients flow through the
augmentation. (Augmenting only the real images would teach G to produce
augmented images.)

Policies, each drawn independently per image:

* `"translation"`: shift by up to `translation` of the image size (zero-padded
  with the background value -1);
* `"cutout"`: blank a square of `cutout` of the image size at a random
  position (to 0);
* `"color"`: random brightness (±0.5), saturation (0-2x, RGB only) and contrast
  (0.5-1.5x), as in the paper.

Random draws are stateless (Philox), keyed on a seed tensor, so runs are
reproducible and replicas draw differently.

`Augmentation` is the base of every augmentation a GAN accepts (`GAN(...,
augment=...)`): a Keras layer called as `augment(images, seed)`, which may keep
state in variables (saved with the model's weights) and adjust it from the
discriminator's per-step statistics (`update`). `DiffAugment` (`"diffaugment"`)
is a stateless one; `AdaptiveAugment` (`"ada"`, `kerasgan.augment.ada`) is ADA:
its pipeline (`kerasgan.augment.transforms`) applied with a probability p that
follows the overfitting heuristic r_t = E[sign(D(real))]. Augmentations are
registered by name in `AUGMENTATIONS`.

Modules: `base` (`Augmentation`, `register`, `AUGMENTATIONS`), `diffaugment`,
`ada`, `transforms`; everything public is importable from `kerasgan.augment`.

Example:
>>> import numpy as np, tensorflow as tf
>>> augment = DiffAugment("translation,cutout")
>>> x = tf.zeros((4, 28, 28, 1))
>>> tuple(augment(x, seed=tf.constant([1, 2], tf.int64)).shape)
(4, 28, 28, 1)
>>> get({"name": "ada", "target": 0.6, "groups": "bgc"})
AdaptiveAugment(target=0.6, interval=4, kimg=500.0, groups='bgc', ceiling=1.0)
"""

import keras

from kerasgan.augment.ada import AdaptiveAugment
from kerasgan.augment.base import AUGMENTATIONS, Augmentation, register
from kerasgan.augment.diffaugment import POLICIES, DiffAugment

__all__ = ["AUGMENTATIONS", "AdaptiveAugment", "Augmentation", "DiffAugment", "POLICIES", "get",
           "register"]


def get(identifier):
    """An `Augmentation` from an instance, a DiffAugment policy string, a Keras
    serialization, a `{"name": ..., ...}` dict of `AUGMENTATIONS`, a plain
    DiffAugment config dict, or None.

    Example:
    >>> get("translation").policy
    ('translation',)
    >>> get({"name": "diffaugment", "policy": "cutout"}).policy
    ('cutout',)
    >>> get(None) is None
    True
    """
    if identifier is None or isinstance(identifier, Augmentation):
        return identifier
    if isinstance(identifier, str):
        return DiffAugment(identifier)
    if isinstance(identifier, dict) and "class_name" in identifier:
        return keras.saving.deserialize_keras_object(identifier)
    if isinstance(identifier, dict) and "name" in identifier and identifier["name"] in AUGMENTATIONS:
        config = dict(identifier)
        return AUGMENTATIONS.get(config.pop("name"))(**config)
    if isinstance(identifier, dict):
        return DiffAugment(**identifier)
    raise TypeError(
        "`augment` must be None, a DiffAugment, a policy string or a config dict; "
        f"got {identifier!r}.")
