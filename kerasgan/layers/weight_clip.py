"""WGAN weight clipping (Arjovsky et al. 2017), in one place: the `ClipWeights`
constraint, `clip_variables` (attach it and clip at once) and the `WeightClip`
layer wrapper. `kerasgan.constraints` exposes the constraint and
`clip_model_weights` for whole models; both use this module.

A Keras constraint is applied by the optimizer right after each update
(`variable.assign(constraint(variable))`), which is exactly where WGAN clips the
critic's weights to [-c, c].
"""

import keras

from kerasgan.core.validation import check_positive_number

__all__ = ["ClipWeights", "WeightClip", "clip_variables"]


@keras.saving.register_keras_serializable(package="kerasgan")
class ClipWeights(keras.constraints.Constraint):
    """Clip every entry of a weight to `[-clip_value, clip_value]`.

    Args:
        clip_value: positive float `c`; after each optimizer step `|w| <= c`.

    Example:
    >>> import numpy as np
    >>> clip = ClipWeights(0.01)
    >>> np.asarray(clip(np.array([-1.0, 0.005, 2.0], "float32"))).tolist()
    [-0.009999999776482582, 0.004999999888241291, 0.009999999776482582]
    >>> dense = keras.layers.Dense(4, kernel_constraint=ClipWeights(0.01))
    """

    def __init__(self, clip_value):
        self.clip_value = check_positive_number("clip_value", clip_value)

    def __call__(self, w):
        return keras.ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}


def clip_variables(variables, constraint):
    """Give each of `variables` the `constraint` and apply it once now.

    From then on the optimizer applies it after every update, so `|w| <= c`
    holds from the start. Returns `constraint`.

    Example:
    >>> v = keras.Variable([-2.0, 0.5])
    >>> _ = clip_variables([v], ClipWeights(1.0))
    >>> v.numpy().tolist(), v.constraint.clip_value
    ([-1.0, 0.5], 1.0)
    """
    for variable in variables:
        variable.constraint = constraint
        variable.assign(constraint(variable))
    return constraint


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
        clip_variables(self.layer.trainable_weights, self.constraint)
        self.built = True

    def call(self, inputs, training=None):
        return self.layer(inputs, training=training)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["clip_value"] = self.clip_value
        return config
