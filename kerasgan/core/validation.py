"""Argument checks shared across kerasgan: each error names what was expected and given."""

import math
import numbers


def check_positive_number(name, value, *, allow_zero=False):
    """Return `value` as a float, or raise a ValueError naming `name`.

    Example:
    >>> check_positive_number("clip_value", 0.01)
    0.01
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        expected = "a non-negative finite number" if allow_zero else "a positive finite number"
        raise ValueError(f"{name} must be {expected}; got {value!r}.")
    return float(value)


def check_positive_int(name, value, *, allow_zero=False):
    """Return `value` as an int, or raise a ValueError naming `name`.

    Example:
    >>> check_positive_int("d_steps", 5)
    5
    """
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    if not ok:
        expected = "a non-negative integer" if allow_zero else "a positive integer"
        raise ValueError(f"{name} must be {expected}; got {value!r}.")
    return int(value)
