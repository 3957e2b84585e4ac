"""`WeightClip`: a layer wrapper that keeps every weight of a layer in [-c, c]."""

import keras

from kerasgan.constraints import ClipWeights


@keras.saving.register_keras_serializable(package="kerasgan")
class WeightClip(keras.layers.Wrapper):
    """Wrap a layer so that all its trainable weights stay within `[-clip_value, clip_value]`.

    The weights are clipped when the layer is built and, through a Keras
    constraint, by the optimizer after every update — the critic of the original
    WGAN (Arjovsky et al. 2017), where `clip_value = 0.01`.

    Args:
        layer: any Keras layer with trainable weights.
        clip_value: positive float `c`.

    Example:
    >>> import numpy as np
    >>> clipped = WeightClip(keras.layers.Dense(4), clip_value=0.01)
    >>> y = clipped(np.ones((1, 3), "float32"))
    >>> float(np.abs(clipped.layer.kernel.numpy()).max()) <= 0.01
    True
    """

    def __init__(self, layer, clip_value=0.01, **kwargs):
        super().__init__(layer, **kwargs)
        self.constraint = ClipWeights(clip_value)
        self.clip_value = self.constraint.clip_value

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
        for variable in self.layer.trainable_weights:
            variable.constraint = self.constraint
            variable.assign(self.constraint(variable))
        self.built = True

    def call(self, inputs, training=None):
        return self.layer(inputs, training=training)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["clip_value"] = self.clip_value
        return config
