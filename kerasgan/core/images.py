"""The one conversion between stored images (uint8, [0, 255]) and kerasgan's
model range (float, [-1, 1], the generator's tanh range), and the one range check.

Every part of kerasgan that takes images (training data checks, translation
inputs, feature extractors, SavedModel endpoints, data loaders, pictures)
uses these, so the convention and its tolerance live in one place.

Example:
>>> import numpy as np
>>> x = np.array([0, 255], np.uint8)
>>> uint8_to_model_range(x).numpy().tolist()
[-1.0, 1.0]
>>> model_range_to_uint8(np.array([-1.0, 0.0, 1.0])).tolist()
[0, 128, 255]
"""

import numpy as np
import tensorflow as tf

__all__ = [
    "RANGE_TOLERANCE", "uint8_to_model_range", "model_range_to_uint8", "range_violation",
    "assert_model_range",
]

#: Float images may exceed [-1, 1] by this much (resampling and rounding).
RANGE_TOLERANCE = 1e-3


def uint8_to_model_range(images):
    """uint8 images (tensor or array) -> float32 tensor `x / 127.5 - 1` in [-1, 1].

    Example:
    >>> uint8_to_model_range(np.array([[0, 255]], np.uint8)).numpy().tolist()
    [[-1.0, 1.0]]
    """
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def model_range_to_uint8(images):
    """Float images in [-1, 1] -> numpy uint8 in [0, 255] (clipped, rounded).

    Example:
    >>> model_range_to_uint8(np.array([-2.0, 1.5])).tolist()
    [0, 255]
    """
    images = np.asarray(images, np.float64)
    return np.round((np.clip(images, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def range_violation(values):
    """Describe how numpy `values` break the model range, or return None if they do not.

    The description reads "values in [low, high]" (with " and NaN" where
    NaNs are present); callers put it into their own message.

    Example:
    >>> range_violation(np.array([-1.0, 1.0005])) is None
    True
    >>> range_violation(np.array([0.0, 255.0]))
    'values in [0, 255]'
    >>> range_violation(np.array([0.0, np.nan]))
    'values in [0, 0] and NaN'
    >>> range_violation(np.array([np.nan]))
    'values in [nan, nan] and NaN'
    """
    values = np.asarray(values)
    if values.size == 0:
        return None
    nan = bool(np.isnan(values).any())
    if nan and np.isnan(values).all():
        return "values in [nan, nan] and NaN"
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if nan or low < -1 - RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        return f"values in [{low:g}, {high:g}]" + (" and NaN" if nan else "")
    return None


def assert_model_range(images, message):
    """Graph-mode check (SavedModel endpoints, traced functions): `images` in [-1, 1].

    Returns `images`, made to depend on the assertion.

    Example:
    >>> assert_model_range(tf.constant([0.5]), "bad").numpy().tolist()
    [0.5]
    """
    checks = [
        tf.debugging.assert_greater_equal(images, tf.cast(-1 - RANGE_TOLERANCE, images.dtype),
                                          message=message),
        tf.debugging.assert_less_equal(images, tf.cast(1 + RANGE_TOLERANCE, images.dtype),
                                       message=message),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(images)
