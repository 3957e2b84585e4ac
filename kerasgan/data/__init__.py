"""Datasets for GANs: TFDS loading and the 2-D Gaussian-mixture benchmark.

Importing this package registers the project's own TFDS builder
`gaussian_mixture` (configs `ring8`, `grid25`), generated locally (no download).

* `load(name, split, batch_size, ...)`: any TFDS dataset as batches of
  `{"images": float32, "labels": int32}`.
* `get_mixture(name)` / `MixtureSpec`: the mixtures' geometry and a sampler.

Example:
>>> import kerasgan.data
>>> kerasgan.data.get_mixture("ring8").num_modes
8
>>> ds = kerasgan.data.load("gaussian_mixture/ring8", batch_size=256)  # doctest: +SKIP
>>> ds = kerasgan.data.load("mnist", batch_size=64)                    # doctest: +SKIP
"""

from kerasgan.data.gaussian_mixture import GaussianMixture
from kerasgan.data.loading import known_dataset_names, load
from kerasgan.data.mixtures import MixtureSpec, get_mixture

__all__ = ["GaussianMixture", "MixtureSpec", "get_mixture", "known_dataset_names", "load"]
