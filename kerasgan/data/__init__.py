"""Datasets for GANs: TFDS loading, local IDX files, and the embedded datasets.

Every dataset family kerasgan knows is registered in `DATASETS` where it is
defined, with its kind (`"points"`, `"images"`, `"image_pairs"`), its TFDS
builder (for locally generated data) and its evaluation protocol;
`dataset_info(name)` resolves any name `load` accepts (registered families
with configs, TFDS names, local IDX directories and image folders) to a
`DatasetInfo` (`family`, `kind`, `builder`, `protocol`, ...). A new TFDS
builder decorated with `@register_dataset(kind=...)` loads with `load(name)`
(generated locally) and is judged by its protocol, with nothing else edited.

Importing this package registers the project's own TFDS builders, all built
locally with no download:

* `digits` (configs `28x28`, `8x8`, `16x16`, `32x32`, `64x64`): scikit-learn's
  1,797 handwritten digits, train 1,347 / test 450;
* `gaussian_mixture` (configs `ring8`, `grid25`): the 2-D mode-collapse benchmark;
* `digit_pairs`: image-to-image translation with a known answer -- grey digits
  (X) and their recoloured, bolder version T(X) (Y), unpaired and paired splits.

and `stacked_mnist`, drawn by a loader (`kerasgan.data.stacked`): three MNIST
digits as the R, G, B channels (1,000 modes), fresh triples every epoch, from
an MNIST source (`load("stacked_mnist", source="mnist" or an IDX directory)`).

* `load(name, split, batch_size, ...)`: any TFDS dataset, or a local directory of
  MNIST-format IDX files, as batches of `{"images": float32, "labels": int32}`.
* `set_local_source(name, DIR)` / `load(name, source=DIR)` / `$KERASGAN_LOCAL_DATA`:
  read a TFDS dataset (`mnist`, `fashion_mnist`) from a local folder of its
  IDX files where TFDS cannot download it (`kerasgan.data.sources`).
* `load_translation(source, split, batch_size)`: two image domains as `{"x", "y"}`
  batches (digit_pairs, cycle_gan/*, two folders) for translation GANs.
* `get_mixture(name)` / `MixtureSpec`: the mixtures' geometry and a sampler.
* `digits_arrays(size, split)`, `load_idx(directory, split)`: the raw arrays.

Example:
>>> import kerasgan.data
>>> kerasgan.data.get_mixture("ring8").num_modes
8
>>> kerasgan.data.dataset_info("digits/28x28").kind
'images'
>>> ds = kerasgan.data.load("digits/28x28", batch_size=64)            # doctest: +SKIP
>>> ds = kerasgan.data.load("/data/mnist", split="test", batch_size=64)  # doctest: +SKIP
>>> ds = kerasgan.data.load("fashion_mnist", source="/data/fashion-mnist")  # doctest: +SKIP
"""

from kerasgan.data.registry import DATASETS, KINDS, register_dataset
from kerasgan.data import catalogue  # noqa: F401  (registers the TFDS catalogue datasets)
from kerasgan.data.digit_pairs import DigitPairs, digit_transform, inverse_digit_transform
from kerasgan.data.digits import Digits, digits_arrays
from kerasgan.data.gaussian_mixture import GaussianMixture
from kerasgan.data.idx import load_idx, read_idx
from kerasgan.data.info import DatasetInfo, dataset_info
from kerasgan.data.loading import builds_locally, known_dataset_names, load
from kerasgan.data.mixtures import MixtureSpec, get_mixture
from kerasgan.data.sources import (LOCAL_SOURCE_ENV, check_local_source, local_source,
                                   local_sources, set_local_source)
from kerasgan.data.stacked import (
    mnist_source_arrays,
    stack_digits,
    stacked_mnist_examples,
    triple_labels,
)
from kerasgan.data.translation import load_translation

__all__ = [
    "DATASETS",
    "DatasetInfo",
    "KINDS",
    "LOCAL_SOURCE_ENV",
    "check_local_source",
    "local_source",
    "local_sources",
    "set_local_source",
    "builds_locally",
    "dataset_info",
    "register_dataset",
    "DigitPairs",
    "Digits",
    "GaussianMixture",
    "MixtureSpec",
    "digit_transform",
    "digits_arrays",
    "get_mixture",
    "inverse_digit_transform",
    "known_dataset_names",
    "load",
    "load_idx",
    "load_translation",
    "mnist_source_arrays",
    "read_idx",
    "stack_digits",
    "stacked_mnist_examples",
    "triple_labels",
]
