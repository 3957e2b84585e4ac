"""The `gaussian_mixture` TFDS dataset (configs `ring8`, `grid25`).

Importing this package registers the builder with TFDS.

Example:
>>> from kerasgan.data.gaussian_mixture import GaussianMixture
>>> GaussianMixture.name
'gaussian_mixture'
"""

from kerasgan.data.gaussian_mixture.gaussian_mixture import GaussianMixture

__all__ = ["GaussianMixture"]
