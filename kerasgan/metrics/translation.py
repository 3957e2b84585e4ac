"""Translation errors on a benchmark with a known answer (`digit_pairs`).

With T known, a translator is measured directly: mean absolute per-pixel error
(on the [0, 1] intensity scale, averaged over pixels and channels) of

* G(x) against T(x) (`x_to_y`), and F(y) against T^-1(y) (`y_to_x`);
* the cycle reconstructions F(G(x)) against x and G(F(y)) against y;

next to the same errors of the identity map (the floor any useful translator
must beat by far).

Example:
>>> import numpy as np
>>> x = np.zeros((2, 4, 4, 3), np.float32)
>>> translation_error(x, x + 0.5)  # [-1, 1] images: 0.5 apart = 0.25 on [0, 1]
0.25
"""

import numpy as np

__all__ = ["identity_errors", "translation_error", "translation_errors"]


def translation_error(predicted, target):
    """Mean absolute per-pixel error on the [0, 1] scale of two [-1, 1] image sets.

    Example:
    >>> translation_error(np.ones((1, 2, 2, 1)), -np.ones((1, 2, 2, 1)))
    1.0
    """
    predicted, target = np.asarray(predicted, np.float64), np.asarray(target, np.float64)
    if predicted.shape != target.shape:
        raise ValueError(f"Shapes differ: predicted {predicted.shape}, target {target.shape}.")
    return float(np.mean(np.abs(predicted - target)) / 2.0)


def identity_errors(x, y, transform, inverse):
    """The errors of the identity map (x as its own translation), the floor to beat.

    Example:
    >>> identity_errors(x, y, digit_transform, inverse_digit_transform)  # doctest: +SKIP
    {'x_to_y': 0.4, 'y_to_x': 0.4}
    """
    return {"x_to_y": translation_error(x, transform(x)),
            "y_to_x": translation_error(y, inverse(y))}


def translation_errors(translate_x_to_y, x, y, transform, inverse, translate_y_to_x=None):
    """Errors of a translator against the known transform on held-out images.

    Args:
        translate_x_to_y: G, a function from [-1, 1] images to [-1, 1] images.
        x, y: held-out images of both domains ([-1, 1] floats).
        transform, inverse: T and T^-1 (e.g. `kerasgan.data.digit_transform`).
        translate_y_to_x: F, for CycleGAN (adds `y_to_x` and the cycle errors).

    Example:
    >>> translation_errors(model.translate, x, y, T, T_inv)  # doctest: +SKIP
    {'x_to_y': 0.021}
    """
    out = {"x_to_y": translation_error(translate_x_to_y(x), transform(x))}
    if translate_y_to_x is not None:
        out["y_to_x"] = translation_error(translate_y_to_x(y), inverse(y))
        out["cycle_x"] = translation_error(translate_y_to_x(translate_x_to_y(x)), x)
        out["cycle_y"] = translation_error(translate_x_to_y(translate_y_to_x(y)), y)
    return out
