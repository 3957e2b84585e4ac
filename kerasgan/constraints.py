"""Weight constraints: WGAN weight clipping (Arjovsky et al. 2017).

A Keras constraint is applied by the optimizer right after each update
(`variable.assign(constraint(variable))`), which is exactly where WGAN clips the
critic's weights to [-c, c].
"""

import keras

from kerasgan.core.validation import check_positive_number


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


def clip_model_weights(model, clip_value):
    """Attach a `ClipWeights(clip_value)` constraint to every trainable weight of `model`.

    The weights are clipped once immediately, so `|w| <= c` holds from the
    start and after every optimizer step. `model` must be built. Returns `model`.

    Example:
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8)])
    >>> critic = clip_model_weights(critic, 0.01)
    >>> float(abs(critic.layers[0].kernel.numpy()).max()) <= 0.01
    True
    """
    if not model.built:
        raise ValueError(
            f"clip_model_weights needs a built model; {model.name!r} is not built. "
            "Call it on an input (or build it) first."
        )
    constraint = ClipWeights(clip_value)
    for variable in model.trainable_weights:
        variable.constraint = constraint
        variable.assign(constraint(variable))
    return model
