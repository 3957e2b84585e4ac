"""Weight constraints: WGAN weight clipping (Arjovsky et al. 2017).

A Keras constraint is applied by the optimizer right after each update
(`variable.assign(constraint(variable))`), which is exactly where WGAN clips the
critic's weights to [-c, c]. `ClipWeights` and the clipping itself live in
`kerasgan.layers.weight_clip`, shared with the `WeightClip` layer wrapper.
"""

from kerasgan.layers.weight_clip import ClipWeights, clip_variables

__all__ = ["ClipWeights", "clip_model_weights"]


def clip_model_weights(model, clip_value):
    """Attach a `ClipWeights(clip_value)` constraint to every trainable weight of `model`.

    The weights are clipped once immediately, so `|w| <= c` holds from the
    start and after every optimizer step. `model` must be built. Returns `model`.

    Example:
    >>> import keras
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
    clip_variables(model.trainable_weights, ClipWeights(clip_value))
    return model
