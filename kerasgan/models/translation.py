"""Image-to-image translation GANs: `Pix2Pix` (paired) and `CycleGAN` (unpaired).

Both are `keras.Model`s trained with `fit` on batches `{"x": ..., "y": ...}`
(`kerasgan.data.load_translation`), each with its own `train_step` built from
`tf.GradientTape`s; images are float in [-1, 1].

* `Pix2Pix` (Isola et al. 2017): G: x -> y and a conditional PatchGAN D([x, y]);
  G minimises the adversarial loss + `l1_weight` (100) x |y - G(x)|.
* `CycleGAN` (Zhu et al. 2017): G: X -> Y, F: Y -> X, D_X, D_Y; least-squares
  adversarial losses, cycle consistency `cycle_weight` (10) x (|F(G(x)) - x| +
  |G(F(y)) - y|), identity `identity_weight` (0.5 x 10) x (|G(y) - y| + |F(x) - x|),
  and a history `ImagePool` (50) of generated images for the discriminators.
  `LinearDecay` gives the paper's schedule (constant, then linear to 0).

Losses and penalties are divided by the replica count under `tf.distribute`
(Keras sums gradients over replicas).

Example:
>>> from kerasgan.nets import unet_generator, patchgan_discriminator
>>> model = Pix2Pix(unet_generator((32, 32, 3), base_filters=8),
...                 patchgan_discriminator((32, 32, 3), condition_channels=3, base_filters=8))
>>> model.compile()
>>> model.translate(np.zeros((2, 32, 32, 3), "uint8")).shape
(2, 32, 32, 3)
"""

import copy
import numbers

import keras
import numpy as np
import tensorflow as tf

from kerasgan import losses as losses_lib
from kerasgan.core.images import range_violation, uint8_to_model_range
from kerasgan.core.validation import check_positive_int, check_positive_number
from kerasgan.models import serving
from kerasgan.models.base import MODELS, AdversarialModel
from kerasgan.models.data_checks import prepare_image_pairs

__all__ = ["CycleGAN", "ImagePool", "LinearDecay", "Pix2Pix", "to_model_range"]


def to_model_range(images):
    """uint8 images -> float32 in [-1, 1]; float images are checked to be in [-1, 1].

    Example:
    >>> to_model_range(np.array([[[[0], [255]]]], np.uint8)).numpy().ravel().tolist()
    [-1.0, 1.0]
    """
    images = tf.convert_to_tensor(images)
    if images.dtype == tf.uint8:
        return uint8_to_model_range(images)
    if not images.dtype.is_floating:
        raise ValueError(f"Images must be uint8 or float in [-1, 1]; got {images.dtype.name}.")
    images = tf.cast(images, tf.float32)
    if tf.executing_eagerly() and images.shape.num_elements():
        values = images.numpy()
        if range_violation(values[~np.isnan(values)]) is not None:
            low, high = float(np.nanmin(values)), float(np.nanmax(values))
            raise ValueError(f"Float images must be in [-1, 1]; got values in [{low:.4g}, {high:.4g}].")
    return images


def _patches(logits):
    """Patch logits [B, h, w, 1] -> [B * h * w]: every patch counts as one example."""
    return tf.reshape(logits, [-1])


def _l1(a, b):
    return tf.reduce_mean(tf.abs(tf.cast(a, tf.float32) - tf.cast(b, tf.float32)))


def _check_pair(model_name, expected, batch_x, batch_y):
    """Refuse batches whose image shapes do not fit the nets (at trace time)."""
    for key, want, got in (("x", expected[0], batch_x.shape), ("y", expected[1], batch_y.shape)):
        if len(got) != 4 or tuple(got[1:]) != tuple(want):
            raise ValueError(
                f"{model_name} expects '{key}' images of shape [batch, {', '.join(map(str, want))}]; "
                f"got {list(got)}."
            )


def _unpack(data):
    if isinstance(data, (tuple, list)) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict) or "x" not in data or "y" not in data:
        raise ValueError(
            "Translation models train on batches {'x': images, 'y': images} "
            f"(kerasgan.data.load_translation); got {type(data).__name__}."
        )
    return data["x"], data["y"]


def _shape(model):
    return tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) \
        else tuple(model.input_shape[-1][1:])


@keras.saving.register_keras_serializable(package="kerasgan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant learning rate for `constant_steps`, then linear decay to 0 over `decay_steps`.

    Example:
    >>> schedule = LinearDecay(2e-4, constant_steps=100, decay_steps=100)
    >>> [round(float(schedule(s)), 6) for s in (0, 100, 150, 200, 300)]
    [0.0002, 0.0002, 0.0001, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, constant_steps, decay_steps):
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = check_positive_int("decay_steps", decay_steps)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        fraction = (step - self.constant_steps) / float(self.decay_steps)
        return self.initial_learning_rate * tf.clip_by_value(1.0 - fraction, 0.0, 1.0)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "constant_steps": self.constant_steps, "decay_steps": self.decay_steps}


class ImagePool:
    """A history of generated images for the discriminator (Shrivastava et al. 2017).

    `query(images, seed)` returns, per image: while the pool holds fewer than
    `size` images, the image itself (and stores it); then, with probability ½,
    a random stored image (replaced by the new one), else the new image. The
    pool never holds more than `size` images. State lives in `tf.Variable`s
    (`variables`), so it works inside `tf.function` and `CycleGAN.save_weights`
    saves it.

    Example:
    >>> pool = ImagePool(2, (1, 1, 1))
    >>> out = pool.query(tf.ones((3, 1, 1, 1)), seed=tf.constant([0, 1], tf.int64))
    >>> int(pool.count.numpy()), tuple(out.shape)
    (2, (3, 1, 1, 1))

    Under a `tf.distribute` strategy each replica keeps a pool of its own
    (on-read variables: every replica reads and writes its local copy; a
    checkpoint holds the first replica's), as each GPU's process would in a
    data-parallel PyTorch run; the draws are keyed on the replica id too.
    """

    def __init__(self, size, image_shape, name="image_pool"):
        self.size = check_positive_int("size", size)
        local = dict(trainable=False, synchronization=tf.VariableSynchronization.ON_READ,
                     aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        self.images = tf.Variable(tf.zeros((self.size, *image_shape)), name=f"{name}_images",
                                  **local)
        self.count = tf.Variable(0, dtype=tf.int32, name=f"{name}_count", **local)

    @property
    def variables(self):
        """The pool's state: the stored images and their count.

        Example:
        >>> [v.name for v in ImagePool(2, (1, 1, 1), "pool_x").variables]
        ['pool_x_images:0', 'pool_x_count:0']
        """
        return [self.images, self.count]

    def query(self, images, seed):
        """Return a batch drawn from the new images and the history (see the class doc).

        Example:
        >>> pool.query(fake_images, seed)  # doctest: +SKIP
        """
        images = tf.cast(images, tf.float32)  # the pool stores float32 (also under mixed precision)
        batch = images.shape[0]
        if batch is None:
            raise ValueError("ImagePool.query needs a static batch size (drop_remainder=True).")
        draws = tf.random.stateless_uniform([batch], seed=seed, alg="philox")
        picks = tf.random.stateless_uniform([batch], seed=tf.random.experimental.stateless_fold_in(
            seed, 1), maxval=self.size, dtype=tf.int32, alg="philox")
        # The pool is updated functionally and assigned once: branch-free (XLA),
        # and on-read (per-replica) variables accept a whole-value assign.
        pool = tf.convert_to_tensor(self.images)
        count = tf.convert_to_tensor(self.count)
        out = []
        for i in range(batch):
            new = images[i]
            filling = count < self.size
            swap = tf.logical_and(tf.logical_not(filling), draws[i] < 0.5)
            index = tf.where(filling, count, picks[i])
            old = tf.gather(pool, index)
            out.append(tf.where(swap, old, new))
            stored = tf.where(tf.logical_or(filling, swap), new, old)
            pool = tf.tensor_scatter_nd_update(pool, index[None, None], stored[None])
            count = count + tf.cast(filling, tf.int32)
        self.images.assign(pool)
        self.count.assign(count)
        return tf.stack(out)


class _TranslationModel(AdversarialModel):
    """Shared parts of the translation models (the rest is `AdversarialModel`'s):
    loss and seed set-up, the data checks of `fit`, batched translation, export.

    `compile`'s XLA (`jit_compile=True`) compiles both models' steps (the image
    pool is branch-free); `"auto"` (the default) leaves it off, its gain here
    being unsettled: CycleGAN digits ran at 31 vs 31 images/s with / without it
    in one run and 52 vs 35 in another, pix2pix at 66 vs 65 (2 CPU cores,
    tools/bench.py --translation).
    """

    AUTO_JIT_COMPILE = False

    def _setup(self, names, loss, seed):
        self.gan_loss = losses_lib.get(loss)
        if not isinstance(seed, numbers.Integral):
            raise ValueError(f"seed must be an integer; got {seed!r}.")
        self.seed = int(seed)
        self._init_trackers(names)
        self.built = True

    def _prepare_fit_data(self, x, y):
        """Batches must be `{"x": images, "y": images}`; uint8 images are converted to
        [-1, 1], float images outside it refused (`data_checks.prepare_image_pairs`)."""
        return prepare_image_pairs(x)  # before any step: structure, uint8 -> [-1, 1], range

    @staticmethod
    def _run(net, images, batch_size):
        images = to_model_range(images)
        return np.concatenate([np.asarray(net(images[i:i + batch_size], training=False))
                               for i in range(0, int(images.shape[0]), batch_size)])

    def translation_endpoints(self):
        """The exported endpoints: `{name: generator}` (the first is `serving_default`).

        Example:
        >>> list(model.translation_endpoints())  # doctest: +SKIP
        ['translate']
        """
        raise NotImplementedError(f"{type(self).__name__}.translation_endpoints")

    def export(self, filepath, format="tf_saved_model", verbose=False, **kwargs):
        """Write the generators as a SavedModel with one endpoint per entry of
        `translation_endpoints()` (`kerasgan.export.export_translation`).

        Example:
        >>> model.export("/tmp/pix2pix_digits")  # doctest: +SKIP
        """
        return serving.export_translation(self, filepath)

    def get_config(self):
        config = super().get_config()
        for role, net in self.networks().items():
            config[role] = keras.saving.serialize_keras_object(net)
        config.update(loss=self.gan_loss.name, seed=self.seed)
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # Keras' deserialization consumes nested configs
        for key, value in config.items():
            if key.startswith(("generator", "discriminator")):
                config[key] = keras.saving.deserialize_keras_object(value)
        return cls(**config)


@MODELS.register("pix2pix", kind="translation")
@keras.saving.register_keras_serializable(package="kerasgan")
class Pix2Pix(_TranslationModel):
    """Paired translation x -> y: U-Net G, conditional PatchGAN D, adversarial + L1 loss.

    Args:
        generator: x -> y images (e.g. `kerasgan.nets.unet_generator`).
        discriminator: `[x, y] -> patch logits` (`patchgan_discriminator(...,
            condition_channels=C_x)`).
        l1_weight: λ of the L1 term (100 in the paper).
        loss: adversarial loss name (`kerasgan.losses`), non-saturating by default.
        seed: unused randomness seed kept for symmetry with `CycleGAN`.

    Example:
    >>> from kerasgan.nets import unet_generator, patchgan_discriminator
    >>> Pix2Pix(unet_generator((32, 32, 3), base_filters=8),
    ...         patchgan_discriminator((32, 32, 3), 3, base_filters=8)).l1_weight
    100.0
    """

    def __init__(self, generator, discriminator, l1_weight=100.0, loss="non_saturating", seed=0,
                 **kwargs):
        kwargs.setdefault("name", "pix2pix")
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.l1_weight = check_positive_number("l1_weight", l1_weight, allow_zero=True)
        self.x_shape = _shape(generator)
        self.y_shape = tuple(generator.output_shape[1:])
        self._setup(["d_loss", "g_loss", "g_adversarial", "l1"], loss, seed)

    WEIGHTS_FORMAT = "kerasgan.pix2pix_weights/1"

    def networks(self):
        """The sub-networks whose weights make up the model, by role.

        Example:
        >>> sorted(model.networks())  # doctest: +SKIP
        ['discriminator', 'generator']
        """
        return {"generator": self.generator, "discriminator": self.discriminator}

    def train_step(self, data):
        x, y = _unpack(data)
        _check_pair("Pix2Pix", (self.x_shape, self.y_shape), x, y)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(x, training=True)
            real_logits = _patches(self.discriminator([x, y], training=True))
            fake_logits = _patches(self.discriminator([x, fake], training=True))
            d_loss = self.gan_loss.discriminator_loss(real_logits, fake_logits)
            adversarial = self.gan_loss.generator_loss(fake_logits, real_logits)
            l1 = _l1(y, fake)
            g_loss = adversarial + self.l1_weight * l1
            d_scaled = self._scaled(d_loss, self.d_optimizer)
            g_scaled = self._scaled(g_loss, self.g_optimizer)
        self._apply(d_tape, d_scaled, self._discriminator_variables(), self.d_optimizer)
        self._apply(g_tape, g_scaled, self._generator_variables(), self.g_optimizer)
        self._track({"d_loss": d_loss, "g_loss": g_loss, "g_adversarial": adversarial, "l1": l1})
        return self._logs()

    def translate(self, images, batch_size=256):
        """G(images) as numpy float in [-1, 1] (uint8 or [-1, 1] float input).

        Example:
        >>> model.translate(images).shape  # doctest: +SKIP
        (450, 32, 32, 3)
        """
        return self._run(self.generator, images, batch_size)

    def call(self, images, training=False):
        return self.generator(images, training=training)

    def translation_endpoints(self):
        """`{"translate": generator}`: the SavedModel's endpoint.

        Example:
        >>> list(model.translation_endpoints())  # doctest: +SKIP
        ['translate']
        """
        return {"translate": self.generator}

    def get_config(self):
        return {**super().get_config(), "l1_weight": self.l1_weight}


@MODELS.register("cyclegan", kind="translation")
@keras.saving.register_keras_serializable(package="kerasgan")
class CycleGAN(_TranslationModel):
    """Unpaired translation: G: X -> Y, F: Y -> X, discriminators D_X, D_Y.

    Args:
        generator_xy, generator_yx: G and F (e.g. `kerasgan.nets.resnet_translator`).
        discriminator_x, discriminator_y: PatchGANs on X and on Y images.
        cycle_weight: λ of the cycle loss (10).
        identity_weight: weight of the identity loss (0.5 λ = 5); 0 disables it
            (needed when X and Y have different channel counts).
        pool_size: images in each history pool (50); 0 disables the pools.
        loss: adversarial loss name, least squares by default (as the paper).
        seed: seed of the pools' random draws.

    Example:
    >>> from kerasgan.nets import resnet_translator, patchgan_discriminator
    >>> model = CycleGAN(resnet_translator((32, 32, 3), base_filters=8, num_blocks=1),
    ...                  resnet_translator((32, 32, 3), base_filters=8, num_blocks=1),
    ...                  patchgan_discriminator((32, 32, 3), base_filters=8),
    ...                  patchgan_discriminator((32, 32, 3), base_filters=8))
    >>> model.cycle_weight, model.identity_weight
    (10.0, 5.0)
    """

    def __init__(self, generator_xy, generator_yx, discriminator_x, discriminator_y,
                 cycle_weight=10.0, identity_weight=5.0, pool_size=50, loss="least_squares",
                 seed=0, **kwargs):
        kwargs.setdefault("name", "cyclegan")
        super().__init__(**kwargs)
        self.generator_xy, self.generator_yx = generator_xy, generator_yx
        self.discriminator_x, self.discriminator_y = discriminator_x, discriminator_y
        self.x_shape, self.y_shape = _shape(generator_xy), _shape(generator_yx)
        if tuple(generator_xy.output_shape[1:]) != self.y_shape or \
                tuple(generator_yx.output_shape[1:]) != self.x_shape:
            raise ValueError(
                f"G must map X {self.x_shape} to Y and F Y {self.y_shape} to X; G outputs "
                f"{generator_xy.output_shape[1:]}, F outputs {generator_yx.output_shape[1:]}."
            )
        self.cycle_weight = check_positive_number("cycle_weight", cycle_weight, allow_zero=True)
        self.identity_weight = check_positive_number("identity_weight", identity_weight,
                                                     allow_zero=True)
        if self.identity_weight and self.x_shape != self.y_shape:
            raise ValueError(
                f"The identity loss needs X and Y of one shape; got {self.x_shape} and "
                f"{self.y_shape}: set identity_weight=0."
            )
        pool_size = check_positive_int("pool_size", pool_size, allow_zero=True)
        self.pool_x = ImagePool(pool_size, self.x_shape, "pool_x") if pool_size else None
        self.pool_y = ImagePool(pool_size, self.y_shape, "pool_y") if pool_size else None
        self._setup(["d_x_loss", "d_y_loss", "g_loss", "cycle", "identity"], loss, seed)

    WEIGHTS_FORMAT = "kerasgan.cyclegan_weights/1"

    def networks(self):
        """The sub-networks whose weights make up the model, by role.

        Example:
        >>> sorted(model.networks())  # doctest: +SKIP
        ['discriminator_x', 'discriminator_y', 'generator_xy', 'generator_yx']
        """
        return {"generator_xy": self.generator_xy, "generator_yx": self.generator_yx,
                "discriminator_x": self.discriminator_x, "discriminator_y": self.discriminator_y}

    def _extra_state(self):
        return [v for pool in (self.pool_x, self.pool_y) if pool is not None for v in pool.variables]

    def _pooled(self, pool, images, purpose):
        if pool is None:
            return images
        # The replica id is folded in too (0 without a strategy: inside a train
        # step there is always a replica context).
        seed = self._step_seed(purpose)
        return pool.query(tf.stop_gradient(images), seed)

    def train_step(self, data):
        x, y = _unpack(data)
        _check_pair("CycleGAN", (self.x_shape, self.y_shape), x, y)
        G, F = self.generator_xy, self.generator_yx
        with tf.GradientTape() as g_tape:
            fake_y, fake_x = G(x, training=True), F(y, training=True)
            cycle = _l1(x, F(fake_y, training=True)) + _l1(y, G(fake_x, training=True))
            adversarial = (
                self.gan_loss.generator_loss(_patches(self.discriminator_y(fake_y, training=True)))
                + self.gan_loss.generator_loss(_patches(self.discriminator_x(fake_x, training=True))))
            identity = tf.constant(0.0)
            if self.identity_weight:
                identity = _l1(y, G(y, training=True)) + _l1(x, F(x, training=True))
            g_loss = adversarial + self.cycle_weight * cycle + self.identity_weight * identity
            g_scaled = self._scaled(g_loss, self.g_optimizer)
        self._apply(g_tape, g_scaled, self._generator_variables(), self.g_optimizer)
        old_y = self._pooled(self.pool_y, fake_y, 0)
        old_x = self._pooled(self.pool_x, fake_x, 1)
        with tf.GradientTape() as d_tape:
            # Halved, as in the paper, to slow D relative to G.
            d_y = 0.5 * self.gan_loss.discriminator_loss(
                _patches(self.discriminator_y(y, training=True)),
                _patches(self.discriminator_y(old_y, training=True)))
            d_x = 0.5 * self.gan_loss.discriminator_loss(
                _patches(self.discriminator_x(x, training=True)),
                _patches(self.discriminator_x(old_x, training=True)))
            d_scaled = self._scaled(d_x + d_y, self.d_optimizer)
        self._apply(d_tape, d_scaled, self._discriminator_variables(), self.d_optimizer)
        self._track({"d_x_loss": d_x, "d_y_loss": d_y, "g_loss": g_loss, "cycle": cycle,
                     "identity": identity})
        return self._logs()

    def translate_x_to_y(self, images, batch_size=256):
        """G(images) as numpy float in [-1, 1].

        Example:
        >>> model.translate_x_to_y(x).shape  # doctest: +SKIP
        (450, 32, 32, 3)
        """
        return self._run(self.generator_xy, images, batch_size)

    def translate_y_to_x(self, images, batch_size=256):
        """F(images) as numpy float in [-1, 1].

        Example:
        >>> model.translate_y_to_x(y).shape  # doctest: +SKIP
        (450, 32, 32, 3)
        """
        return self._run(self.generator_yx, images, batch_size)

    def call(self, images, training=False):
        return self.generator_xy(images, training=training)

    def translation_endpoints(self):
        """`{"translate_x_to_y": G, "translate_y_to_x": F}`: the SavedModel's endpoints.

        Example:
        >>> list(model.translation_endpoints())  # doctest: +SKIP
        ['translate_x_to_y', 'translate_y_to_x']
        """
        return {"translate_x_to_y": self.generator_xy, "translate_y_to_x": self.generator_yx}

    def get_config(self):
        return {**super().get_config(), "cycle_weight": self.cycle_weight,
                "identity_weight": self.identity_weight,
                "pool_size": 0 if self.pool_x is None else self.pool_x.size}
