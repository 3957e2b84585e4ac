"""Mixed precision for kerasgan: policy names and loss-scaled optimizers.

Mixed precision is chosen the Keras way -- a dtype policy set before the nets
are built (`keras.mixed_precision.set_global_policy`, or `kerasgan train
--mixed-precision mixed_float16`). Layers then compute in float16 / bfloat16
and keep float32 variables; kerasgan's losses are computed in float32. With
`mixed_float16`, both of a model's optimizers are wrapped in a
`keras.optimizers.LossScaleOptimizer` (dynamic loss scaling: the loss is
multiplied by the scale inside each tape, gradients are unscaled before the
update, and a step with non-finite gradients is skipped while the scale
shrinks). `mixed_bfloat16` has float32's range and needs no loss scaling.
"""

import keras

#: Policy names `set_policy` and `kerasgan train --mixed-precision` accept.
POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def check_policy(name):
    """Return `name` if it is one of `POLICIES`, else raise a ValueError.

    Example:
    >>> check_policy("mixed_float16")
    'mixed_float16'
    """
    if name not in POLICIES:
        raise ValueError(f"Unknown precision policy {name!r}; expected one of {list(POLICIES)}.")
    return name


def loss_scaled(optimizer, nets):
    """`optimizer`, wrapped in a `LossScaleOptimizer` if any of `nets` computes in float16.

    Example:
    >>> net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, dtype="mixed_float16")])
    >>> type(loss_scaled(keras.optimizers.SGD(0.1), [net])).__name__
    'LossScaleOptimizer'
    """
    float16 = any(getattr(net, "dtype_policy", None) is not None
                  and net.dtype_policy.compute_dtype == "float16"
                  or any(layer.dtype_policy.compute_dtype == "float16"
                         for layer in getattr(net, "layers", []))
                  for net in nets)
    if float16 and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
