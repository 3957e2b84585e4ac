"""The `digits` TFDS dataset: scikit-learn's handwritten digits at a chosen size.

Importing this package registers the builder with TFDS.

Example:
>>> from kerasgan.data.digits import Digits
>>> [c.name for c in Digits.BUILDER_CONFIGS]
['28x28', '8x8', '16x16', '32x32', '64x64']
"""

from kerasgan.data.digits.digits import RESOLUTIONS, Digits, digits_arrays

__all__ = ["RESOLUTIONS", "Digits", "digits_arrays"]
