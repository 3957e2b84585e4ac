"""Conditional batch normalization: BN whose scale and shift come from a conditioning vector."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch normalization with per-example gain and bias computed from a condition.

    `y = BN(x) * (1 + gamma(c)) + beta(c)`, where `BN` has no learned scale or
    shift and `gamma`, `beta` are linear maps of the conditioning vector `c`
    (initialised to 0, so the layer starts as plain BN). In BigGAN `c` is the
    shared class embedding concatenated with this block's chunk of z
    (hierarchical latents); in a conditional DCGAN it can be a label embedding.

    Args:
        momentum, epsilon: of the underlying `BatchNormalization`.
        synchronized: synchronize the batch statistics across replicas under a
            `tf.distribute` strategy (Keras' `synchronized=True`).

    Call arguments: `[x, condition]` with `x` of shape `[B, ..., C]` and
    `condition` `[B, D]`.

    Example:
    >>> import numpy as np
    >>> layer = ConditionalBatchNormalization()
    >>> y = layer([np.ones((4, 2, 2, 3), "float32"), np.ones((4, 5), "float32")])
    >>> tuple(y.shape)
    (4, 2, 2, 3)
    """

    def __init__(self, momentum=0.99, epsilon=1e-3, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon
        self.synchronized = synchronized
        self.batch_norm = keras.layers.BatchNormalization(
            momentum=momentum, epsilon=epsilon, center=False, scale=False,
            synchronized=synchronized, name="bn")

    def build(self, input_shape):
        x_shape, condition_shape = input_shape
        channels = int(x_shape[-1])
        self.batch_norm.build(x_shape)
        self.gamma = keras.layers.Dense(channels, kernel_initializer="zeros", name="gamma")
        self.beta = keras.layers.Dense(channels, kernel_initializer="zeros", name="beta")
        self.gamma.build(condition_shape)
        self.beta.build(condition_shape)
        self._spatial = len(x_shape) - 2

    def call(self, inputs, training=None):
        x, condition = inputs
        normalized = self.batch_norm(x, training=training)
        shape = [-1] + [1] * self._spatial + [normalized.shape[-1]]
        gamma = ops.reshape(self.gamma(condition), shape)
        beta = ops.reshape(self.beta(condition), shape)
        return normalized * (1.0 + gamma) + beta

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, epsilon=self.epsilon,
                      synchronized=self.synchronized)
        return config
