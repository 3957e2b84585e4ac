"""Differentiable augmentation of discriminator inputs (DiffAugment; Zhao et al. 2020).

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
discriminator's per-step statistics (`update`), as adaptive augmentation
(ADA, Karras et al. 2020) does. `DiffAugment` is a stateless one.
Augmentations are registered by name in `AUGMENTATIONS`.

Example:
>>> import numpy as np, tensorflow as tf
>>> augment = DiffAugment("translation,cutout")
>>> x = tf.zeros((4, 28, 28, 1))
>>> tuple(augment(x, seed=tf.constant([1, 2], tf.int64)).shape)
(4, 28, 28, 1)
"""

import keras
import tensorflow as tf

from kerasgan.core.registry import Registry

__all__ = ["AUGMENTATIONS", "Augmentation", "DiffAugment", "POLICIES", "get", "register"]

#: Augmentation classes by name; `get` builds them from names and configs.
AUGMENTATIONS = Registry("augmentation")


def register(name):
    """Class decorator: register an `Augmentation` subclass under `name` (in
    `AUGMENTATIONS` and as a Keras-serializable object of package "kerasgan").

    Example:
    >>> AUGMENTATIONS.names()
    ['diffaugment']
    """

    def decorator(cls):
        if not (isinstance(cls, type) and issubclass(cls, Augmentation)):
            raise TypeError(f"{cls!r} is not an Augmentation subclass.")
        cls = keras.saving.register_keras_serializable(package="kerasgan")(cls)
        AUGMENTATIONS.add(name, cls)
        return cls

    return decorator


@keras.saving.register_keras_serializable(package="kerasgan")
class Augmentation(keras.layers.Layer):
    """Base class of the discriminator-input augmentations a GAN applies in training.

    Subclasses implement `call(images, seed)` (images `[B, ...]`, an int64 `[2]`
    stateless seed; the GAN gives every call site of a step its own seed) and,
    if they keep state, create it in `build` with `add_state` and set
    `stateful = True`. After each discriminator update the GAN then calls
    `update(statistics)` with scalars averaged over the global batch (all
    replicas), at least `"real_sign"` (E[sign(D(real))]), `"real_logits"`
    and `"fake_logits"` (mean logits) -- identical on every replica, so the
    state stays identical too. State variables are saved with the model's
    weights (`save_weights`, checkpoints) and `log_values()` (name -> scalar)
    is added to the step's logs.

    Inputs are not cast to the layer's dtype (`autocast=False`): the images
    keep the discriminator's compute dtype.

    Example (a stateful augmentation: noise whose scale follows D's overfitting):
    >>> class FeedbackNoise(Augmentation):
    ...     stateful = True
    ...     def build(self, input_shape=None):
    ...         self.scale = self.add_state("scale")
    ...     def call(self, images, seed):
    ...         noise = tf.random.stateless_normal(tf.shape(images), seed, dtype=images.dtype)
    ...         return images + tf.cast(self.scale, images.dtype) * noise
    ...     def update(self, statistics):
    ...         step = 0.01 * tf.sign(statistics["real_sign"] - 0.6)
    ...         self.scale.assign(tf.clip_by_value(self.scale + step, 0.0, 1.0))
    ...     def log_values(self):
    ...         return {"noise_scale": self.scale}
    >>> augment = FeedbackNoise()
    >>> augment.build((None, 2))
    >>> augment.update({"real_sign": tf.constant(1.0)})
    >>> round(float(augment.log_values()["noise_scale"]), 4)
    0.01
    """

    #: Whether `update` uses the statistics (the GAN computes them only then).
    stateful = False

    def __init__(self, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)

    def call(self, images, seed):
        raise NotImplementedError(f"{type(self).__name__}.call")

    def update(self, statistics):
        """Adjust the state from the discriminator's statistics (no-op by default).

        Example:
        >>> DiffAugment().update({"real_sign": tf.constant(0.5)})
        """

    def log_values(self):
        """Scalars to add to the training logs (name -> value); none by default.

        Example:
        >>> DiffAugment().log_values()
        {}
        """
        return {}

    def add_state(self, name, initial_value=0.0, dtype="float32"):
        """A non-trainable scalar state variable, one value on every replica.

        Under a strategy the first replica's write is kept; the replicas compute
        the same value from the replica-averaged statistics.

        Example:
        >>> layer = Augmentation(); p = layer.add_state("p", 0.25); float(p.numpy())
        0.25
        """
        return self.add_weight(name=name, shape=(), dtype=dtype, trainable=False,
                               initializer=keras.initializers.Constant(initial_value),
                               aggregation="only_first_replica")

#: The transformations `DiffAugment` knows.
POLICIES = ("color", "translation", "cutout")


def _seed(seed, i):
    return tf.random.experimental.stateless_fold_in(seed, i)


@register("diffaugment")
class DiffAugment(Augmentation):
    """Random differentiable augmentations for the discriminator's inputs (stateless).

    Args:
        policy: comma-separated policies from `POLICIES` (or a sequence), applied
            in the order color, translation, cutout.
        translation: largest shift, as a fraction of the image size (1/8 in the paper).
        cutout: side of the cut-out square, as a fraction of the image size (1/2).

    Call `augment(images, seed)` with images `[B, H, W, C]` in [-1, 1] and an int64
    seed `[2]`.

    Example:
    >>> DiffAugment("translation").policy
    ('translation',)
    """

    def __init__(self, policy="translation,cutout", translation=0.125, cutout=0.5, **kwargs):
        names = tuple(p.strip() for p in (policy.split(",") if isinstance(policy, str) else policy)
                      if p.strip())
        unknown = [p for p in names if p not in POLICIES]
        if unknown or not names:
            raise ValueError(f"DiffAugment policies must be some of {POLICIES}; got {policy!r}.")
        if not 0 < translation < 1 or not 0 < cutout < 1:
            raise ValueError(
                f"translation and cutout are fractions in (0, 1); got {translation!r}, {cutout!r}.")
        super().__init__(**kwargs)
        self.policy = tuple(p for p in POLICIES if p in names)
        self.translation = float(translation)
        self.cutout = float(cutout)
        self.built = True

    def __repr__(self):
        return (f"DiffAugment(policy={','.join(self.policy)!r}, translation={self.translation}, "
                f"cutout={self.cutout})")

    def get_config(self):
        """The arguments that rebuild this augmentation.

        Example:
        >>> DiffAugment("cutout").get_config()["policy"]
        'cutout'
        """
        return {**super().get_config(), "policy": ",".join(self.policy),
                "translation": self.translation, "cutout": self.cutout}

    def call(self, images, seed):
        seed = tf.cast(seed, tf.int64)
        if "color" in self.policy:
            images = self._color(images, _seed(seed, 0))
        if "translation" in self.policy:
            images = self._translate(images, _seed(seed, 1))
        if "cutout" in self.policy:
            images = self._cutout(images, _seed(seed, 2))
        return images

    @staticmethod
    def _uniform(shape, seed, i, dtype):
        return tf.random.stateless_uniform(shape, seed=_seed(seed, i), dtype=dtype, alg="philox")

    def _color(self, x, seed):
        batch = tf.shape(x)[0]
        shape = tf.stack([batch, 1, 1, 1])
        x = x + (self._uniform(shape, seed, 0, x.dtype) - 0.5)
        if x.shape[-1] == 3:
            mean = tf.reduce_mean(x, axis=3, keepdims=True)
            x = (x - mean) * (self._uniform(shape, seed, 1, x.dtype) * 2.0) + mean
        mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
        return (x - mean) * (self._uniform(shape, seed, 2, x.dtype) + 0.5) + mean

    def _translate(self, x, seed):
        batch, height, width = tf.shape(x)[0], x.shape[1], x.shape[2]
        pad_h = max(1, int(height * self.translation + 0.5))
        pad_w = max(1, int(width * self.translation + 0.5))
        shift_y = tf.random.stateless_uniform(
            [batch], seed=_seed(seed, 0), minval=-pad_h, maxval=pad_h + 1, dtype=tf.int32, alg="philox")
        shift_x = tf.random.stateless_uniform(
            [batch], seed=_seed(seed, 1), minval=-pad_w, maxval=pad_w + 1, dtype=tf.int32, alg="philox")
        padded = tf.pad(x, [[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]], constant_values=-1.0)
        rows = tf.range(height)[None, :] + pad_h - shift_y[:, None]          # [B, H]
        cols = tf.range(width)[None, :] + pad_w - shift_x[:, None]           # [B, W]
        x = tf.gather(padded, rows, axis=1, batch_dims=1)                    # [B, H, W+2p, C]
        return tf.gather(x, cols, axis=2, batch_dims=1)                      # [B, H, W, C]

    def _cutout(self, x, seed):
        batch, height, width = tf.shape(x)[0], x.shape[1], x.shape[2]
        size_h = int(height * self.cutout + 0.5)
        size_w = int(width * self.cutout + 0.5)
        top = tf.random.stateless_uniform(
            [batch], seed=_seed(seed, 0), minval=0, maxval=height - size_h + 1, dtype=tf.int32,
            alg="philox")
        left = tf.random.stateless_uniform(
            [batch], seed=_seed(seed, 1), minval=0, maxval=width - size_w + 1, dtype=tf.int32,
            alg="philox")
        rows = tf.range(height)[None, :]
        cols = tf.range(width)[None, :]
        inside_rows = (rows >= top[:, None]) & (rows < top[:, None] + size_h)   # [B, H]
        inside_cols = (cols >= left[:, None]) & (cols < left[:, None] + size_w)  # [B, W]
        inside = inside_rows[:, :, None] & inside_cols[:, None, :]               # [B, H, W]
        return x * tf.cast(~inside, x.dtype)[..., None]


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
