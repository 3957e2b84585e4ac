"""`digits`: the UCI / scikit-learn handwritten digits as a TFDS image dataset.

The 1,797 8x8 grey-level digits ship inside the installed scikit-learn package
(`sklearn.datasets.load_digits`), so the dataset is built locally, offline, in
about a second. Each config serves them at one resolution (`28x28` -- the default
and MNIST's size --, `8x8` -- the originals --, `16x16`, `32x32`, `64x64`),
upsampled bilinearly and stored as uint8 `[H, W, 1]` images with their label.

The split is fixed and stratified by class: a quarter of each class (450 images)
is the `test` split, the rest (1,347) the `train` split, so `test` is a held-out
set for evaluating generators trained on `train`.

Example:
>>> import kerasgan.data  # registers the builder
>>> import tensorflow_datasets as tfds
>>> ds = tfds.load("digits/28x28", split="train")  # doctest: +SKIP
>>> next(iter(ds))["image"].shape                   # doctest: +SKIP
TensorShape([28, 28, 1])
"""

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from kerasgan.data.registry import register_dataset

_DESCRIPTION = """\
The optical-recognition handwritten digits of the UCI repository (Alpaydin &
Kaynak, 1998), as shipped with scikit-learn: 1,797 images of the digits 0-9,
8x8 pixels with 17 grey levels. kerasgan serves them as uint8 images at the
config's resolution (bilinear upsampling of the originals, values 0-16 mapped
to 0-255) with a fixed class-stratified split: test = 450 images (a quarter of
each class), train = the other 1,347. Built offline from the installed
scikit-learn package.
"""

_CITATION = """\
@misc{alpaydin1998optical,
  title  = {Optical Recognition of Handwritten Digits},
  author = {Alpaydin, E. and Kaynak, C.},
  year   = {1998},
  howpublished = {UCI Machine Learning Repository},
  doi    = {10.24432/C50P49}
}
"""

#: Side length (pixels) of the images of each config; the first is the default.
RESOLUTIONS = {"28x28": 28, "8x8": 8, "16x16": 16, "32x32": 32, "64x64": 64}

# A quarter of each class is held out, chosen by this fixed seed.
_TEST_FRACTION = 0.25
_SPLIT_SEED = 1797


def _split_indices(labels):
    rng = np.random.default_rng(_SPLIT_SEED)
    test = []
    for label in range(10):
        members = rng.permutation(np.flatnonzero(labels == label))
        test.extend(members[: round(_TEST_FRACTION * len(members))])
    test = np.sort(np.asarray(test))
    train = np.setdiff1d(np.arange(len(labels)), test)
    return {"train": train, "test": test}


def digits_arrays(size=28, split="train"):
    """The digits of one split as numpy arrays, without TFDS.

    Args:
        size: image side length in pixels (any positive int; the TFDS configs
            offer 8, 16, 28, 32 and 64).
        split: `"train"` (1,347 images) or `"test"` (450 images).

    Returns:
        `(images, labels)`: uint8 `[N, size, size, 1]` and int64 `[N]`.

    Example:
    >>> images, labels = digits_arrays(16, "test")
    >>> images.shape, images.dtype, labels.shape
    ((450, 16, 16, 1), dtype('uint8'), (450,))
    """
    from sklearn.datasets import load_digits

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}.")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size <= 0:
        raise ValueError(f"size must be a positive int (pixels); got {size!r}.")
    digits = load_digits()
    labels = digits.target.astype(np.int64)
    index = _split_indices(labels)[split]
    images = digits.images[index].astype(np.float32) * (255.0 / 16.0)  # [N, 8, 8]
    images = images[..., None]
    if size != 8:
        images = tf.image.resize(images, (size, size), method="bilinear").numpy()
    images = np.clip(np.round(images), 0, 255).astype(np.uint8)
    return images, labels[index]


@register_dataset(kind="images",
                  protocol={"extractor": "digits-net", "split": "test", "num_samples": 10_000})
class Digits(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for `digits` (configs `28x28`, `8x8`, `16x16`, `32x32`, `64x64`).

    Example:
    >>> import tensorflow_datasets as tfds
    >>> builder = tfds.builder("digits/16x16", data_dir="/tmp/tfds")  # doctest: +SKIP
    >>> builder.download_and_prepare()              # local, no download  # doctest: +SKIP
    >>> builder.info.splits["test"].num_examples                         # doctest: +SKIP
    450
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        tfds.core.BuilderConfig(name=name, description=f"{size}x{size} pixels, 1 channel.")
        for name, size in RESOLUTIONS.items()
    ]

    def _info(self):
        size = RESOLUTIONS[self.builder_config.name]
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 1)),
                    "label": tfds.features.ClassLabel(num_classes=10),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://archive.ics.uci.edu/dataset/80",
            citation=_CITATION,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Built from the installed scikit-learn: nothing to download.
        return {split: self._generate_examples(split) for split in ("train", "test")}

    def _generate_examples(self, split):
        images, labels = digits_arrays(RESOLUTIONS[self.builder_config.name], split)
        for i, (image, label) in enumerate(zip(images, labels)):
            yield i, {"image": image, "label": int(label)}
