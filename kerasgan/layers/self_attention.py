"""Self-attention over image positions (SAGAN, Zhang et al. 2019; used by BigGAN)."""

import keras
from keras import ops

from kerasgan.layers.spectral_normalization import SpectralNormalization


@keras.saving.register_keras_serializable(package="kerasgan")
class SelfAttention(keras.layers.Layer):
    """Non-local self-attention block for feature maps: `x + gamma * attention(x)`.

    Queries and keys are 1x1 convolutions to C/8 channels, values to C/2; keys
    and values are max-pooled 2x2 (as in BigGAN) so the attention matrix is
    `[HW, HW/4]`; the attended values go back to C channels by a 1x1
    convolution. `gamma` starts at 0, so the block starts as the identity.

    Args:
        spectral_norm: wrap the four convolutions in `SpectralNormalization`.

    Example:
    >>> import numpy as np
    >>> layer = SelfAttention()
    >>> x = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
    >>> bool(np.allclose(layer(x), x))  # gamma = 0 at initialisation
    True
    """

    def __init__(self, spectral_norm=False, **kwargs):
        super().__init__(**kwargs)
        self.spectral_norm = spectral_norm

    def _conv(self, filters, name):
        conv = keras.layers.Conv2D(filters, 1, use_bias=False, name=name)
        return SpectralNormalization(conv, name=f"sn_{name}") if self.spectral_norm else conv

    def build(self, input_shape):
        channels = int(input_shape[-1])
        if channels < 8 or input_shape[1] is None or input_shape[1] % 2 or input_shape[2] % 2:
            raise ValueError(
                "SelfAttention needs at least 8 channels and an even, static height and "
                f"width; got input shape {tuple(input_shape)}."
            )
        self.query = self._conv(channels // 8, "query")
        self.key = self._conv(channels // 8, "key")
        self.value = self._conv(channels // 2, "value")
        self.output_conv = self._conv(channels, "output")
        self.query.build(input_shape)
        self.key.build(input_shape)
        self.value.build(input_shape)
        h, w = int(input_shape[1]), int(input_shape[2])
        self.output_conv.build((input_shape[0], h, w, channels // 2))
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")
        self._shape = (h, w, channels)

    def call(self, x):
        h, w, channels = self._shape
        query = ops.reshape(self.query(x), (-1, h * w, channels // 8))
        key = ops.max_pool(self.key(x), 2, 2)
        key = ops.reshape(key, (-1, h * w // 4, channels // 8))
        value = ops.max_pool(self.value(x), 2, 2)
        value = ops.reshape(value, (-1, h * w // 4, channels // 2))
        attention = ops.softmax(ops.matmul(query, ops.transpose(key, (0, 2, 1))), axis=-1)
        attended = ops.reshape(ops.matmul(attention, value), (-1, h, w, channels // 2))
        return x + self.gamma * self.output_conv(attended)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(spectral_norm=self.spectral_norm)
        return config
