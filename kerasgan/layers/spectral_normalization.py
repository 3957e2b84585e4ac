"""Spectral normalization as in Miyato et al. 2018, with the gradient through sigma.

Why not `keras.layers.SpectralNormalization`? Keras' wrapper is a *projection*:
on every training call it overwrites the wrapped kernel with W / sigma(W), no
gradient flows through sigma, and with `training=False` it does not normalize at
all. Miyato et al. instead keep the raw weight W as the parameter and use
W_sn = W / sigma(W) in the forward pass, so the gradient of the loss reaches W
through sigma (with the power-iteration vectors held constant), and inference
uses the same normalized weight as training. This wrapper implements the latter:
the wrapped layer's kernel variable stays the raw W; at call time the layer is
run with W_sn substituted for it (`keras.StatelessScope`), so gradients with
respect to the kernel are exactly those of the paper.
"""

import keras
import tensorflow as tf

from kerasgan.core.validation import check_positive_int

_KERNEL_ATTRIBUTES = {
    "Dense": "kernel",
    "Conv1D": "kernel",
    "Conv2D": "kernel",
    "Conv3D": "kernel",
    "Conv2DTranspose": "kernel",
    "Conv1DTranspose": "kernel",
    "Conv3DTranspose": "kernel",
    "Embedding": "embeddings",
}


@keras.saving.register_keras_serializable(package="kerasgan")
class SpectralNormalization(keras.layers.Wrapper):
    """Wrap a Dense, Conv or Embedding layer so that its kernel has spectral norm 1.

    The kernel is viewed as a matrix `W` of shape `[-1, kernel.shape[-1]]` (the
    convention of Miyato et al. and of Keras); its largest singular value
    sigma(W) is estimated by power iteration with a persistent vector `u`, which
    is updated on every training call. The wrapped layer computes with
    `W / sigma(W)`.

    Args:
        layer: a `keras.layers.Dense`, `Conv1D/2D/3D`, `Conv*DTranspose` or
            `Embedding` layer.
        power_iterations: power-iteration steps per training call (default 1,
            as in the paper).
        epsilon: small constant for the vector normalization.

    Example:
    >>> import numpy as np
    >>> sn = SpectralNormalization(keras.layers.Dense(16))
    >>> y = sn(np.ones((2, 8), "float32"), training=True)
    >>> kernel = sn.normalized_kernel().numpy()
    >>> round(float(np.linalg.svd(kernel, compute_uv=False)[0]), 1)  # ~1 after a few calls
    ... # doctest: +SKIP
    1.0

    Reference:
        Miyato, Kataoka, Koyama, Yoshida. Spectral Normalization for Generative
        Adversarial Networks. ICLR 2018.
    """

    def __init__(self, layer, power_iterations=1, epsilon=1e-12, **kwargs):
        super().__init__(layer, **kwargs)
        kind = type(layer).__name__
        if kind not in _KERNEL_ATTRIBUTES:
            raise ValueError(
                "SpectralNormalization wraps one of "
                f"{sorted(_KERNEL_ATTRIBUTES)}; got a {kind} layer ({layer.name!r})."
            )
        self._kernel_attribute = _KERNEL_ATTRIBUTES[kind]
        self.power_iterations = check_positive_int("power_iterations", power_iterations)
        self.epsilon = float(epsilon)

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
        kernel = self.kernel
        self.u = self.add_weight(
            shape=(1, kernel.shape[-1]),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False,
            name="u",
            # Every replica computes the same u from the same (mirrored) kernel.
            aggregation="only_first_replica",
        )
        self.built = True

    @property
    def kernel(self):
        """The raw (unnormalized) kernel variable of the wrapped layer.

        Example:
        >>> sn = SpectralNormalization(keras.layers.Embedding(10, 4))
        >>> sn.build((None,))
        >>> tuple(sn.kernel.shape), sn.kernel.name
        ((10, 4), 'embeddings')
        """
        return getattr(self.layer, self._kernel_attribute)

    def _normalize(self, v):
        return v / tf.sqrt(tf.reduce_sum(tf.square(v)) + self.epsilon)

    def _sigma_and_u(self, kernel, iterations):
        matrix = tf.reshape(kernel, [-1, kernel.shape[-1]])
        u = tf.cast(tf.convert_to_tensor(self.u), matrix.dtype)
        v = self._normalize(tf.matmul(u, matrix, transpose_b=True))
        for _ in range(iterations):
            u = self._normalize(tf.matmul(v, matrix))
            v = self._normalize(tf.matmul(u, matrix, transpose_b=True))
        u = tf.stop_gradient(u)
        v = tf.stop_gradient(v)
        sigma = tf.reduce_sum(tf.matmul(v, matrix) * u)
        return sigma, u

    def normalized_kernel(self, training=False):
        """Return `W / sigma(W)`; with `training=True` also advance the power iteration.

        Example:
        >>> sn = SpectralNormalization(keras.layers.Dense(3))
        >>> sn.build((None, 5))
        >>> tuple(sn.normalized_kernel().shape)
        (5, 3)
        """
        kernel = tf.convert_to_tensor(self.kernel)
        iterations = self.power_iterations if training else 0
        sigma, u = self._sigma_and_u(kernel, iterations)
        if training:
            self.u.assign(tf.cast(u, self.u.dtype))
        return kernel / sigma

    def call(self, inputs, training=None):
        normalized = self.normalized_kernel(training=bool(training))
        with keras.StatelessScope(state_mapping=[(self.kernel, normalized)]):
            return self.layer(inputs, training=training)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(power_iterations=self.power_iterations, epsilon=self.epsilon)
        return config
