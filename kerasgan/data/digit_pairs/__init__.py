"""The `digit_pairs` TFDS dataset: an image-to-image translation benchmark with a known answer.

Importing this package registers the builder with TFDS.

Example:
>>> from kerasgan.data.digit_pairs import DigitPairs
>>> DigitPairs.name
'digit_pairs'
"""

from kerasgan.data.digit_pairs.digit_pairs import (
    BACKGROUND,
    FOREGROUND,
    DigitPairs,
    digit_transform,
    inverse_digit_transform,
)

__all__ = ["BACKGROUND", "FOREGROUND", "DigitPairs", "digit_transform", "inverse_digit_transform"]
