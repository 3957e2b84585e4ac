"""The base of every discriminator-input augmentation: `Augmentation`, and the
`AUGMENTATIONS` registry with its `register` decorator.

Example:
>>> issubclass(AUGMENTATIONS.get("diffaugment"), Augmentation)
True
"""

import keras

from kerasgan.core.registry import Registry

__all__ = ["AUGMENTATIONS", "Augmentation", "register"]

#: Augmentation classes by name; `get` builds them from names and configs.
AUGMENTATIONS = Registry("augmentation")


def register(name):
    """Class decorator: register an `Augmentation` subclass under `name` (in
    `AUGMENTATIONS` and as a Keras-serializable object of package "kerasgan").

    Example:
    >>> AUGMENTATIONS.names()
    ['ada', 'diffaugment']
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
    and `"fake_logits"` (mean logits), with `"batch_size"` (the global number
    of real images of the update) and `"step"` (the training step) -- identical
    on every replica, so the state stays identical too. State variables are saved with the model's
    weights (`save_weights`, checkpoints) and `log_values()` (name -> scalar)
    is added to the step's logs.

    Inputs are not cast to the layer's dtype (`autocast=False`): the images
    keep the discriminator's compute dtype.

    Example (a stateful augmentation: noise whose scale follows D's overfitting):
    >>> import tensorflow as tf
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
        >>> import tensorflow as tf
        >>> Augmentation().update({"real_sign": tf.constant(0.5)})
        """

    def log_values(self):
        """Scalars to add to the training logs (name -> value); none by default.

        Example:
        >>> Augmentation().log_values()
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
