"""`digit_pairs`: domain X = grey digits, domain Y = T(X), a known invertible transform.

CycleGAN learns G: X -> Y and F: Y -> X from *unpaired* examples. On real data its
quality can only be judged by eye; here the true translation is known, so it is
measured: the error of G(x) against T(x) and of F(y) against T^-1(y) on held-out
digits.

* X: the embedded digits (scikit-learn, `kerasgan.data.digits`) at 32x32, white
  strokes on black, as RGB.
* T: with v in [0, 1] the grey level, strokes are "thickened" by w = sqrt(v)
  (faint edge pixels brighten, so strokes look bolder) and **recoloured** from
  black/white to a dark-blue background and orange strokes:
  y = BACKGROUND + w (FOREGROUND - BACKGROUND). T is invertible:
  w = <y - BACKGROUND, FOREGROUND - BACKGROUND> / |FOREGROUND - BACKGROUND|^2, v = w^2.

Splits (built offline from the installed scikit-learn):

* `train`: unpaired -- `image_x` from one half of the digits' train split and
  `image_y` = T of a digit from the *other* half (disjoint halves, a fixed
  stratified permutation), so no x has its translation in the data;
* `train_paired`: the same X half with its own translations (x, T(x)), for
  pix2pix, the paired reference;
* `test`: the 450 held-out test digits with their translations, for measuring.

Example:
>>> import kerasgan.data  # registers the builder
>>> import tensorflow_datasets as tfds
>>> ds = tfds.load("digit_pairs", split="test")  # doctest: +SKIP
>>> sorted(next(iter(ds)))                        # doctest: +SKIP
['image_x', 'image_y', 'label']
"""

import numpy as np
import tensorflow_datasets as tfds

from kerasgan.data.digits.digits import digits_arrays
from kerasgan.data.registry import register_dataset

#: RGB (0-1) of Y's background and of its strokes.
BACKGROUND = np.array([0.08, 0.12, 0.36])
FOREGROUND = np.array([0.98, 0.66, 0.16])
SIZE = 32
_HALF_SEED = 4242

_DESCRIPTION = __doc__


def _to_unit(images):
    """uint8 / [-1, 1] float images -> float64 in [0, 1]."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float64) / 255.0
    return (images.astype(np.float64) + 1.0) / 2.0


def digit_transform(images):
    """T: grey digits (any channel count, uint8 or [-1, 1]) -> recoloured, bolder RGB digits.

    Returns images of the input's dtype and scale (uint8 in, uint8 out; float
    in [-1, 1] in, float in [-1, 1] out) with 3 channels.

    Example:
    >>> white = np.full((1, 2, 2, 1), 255, np.uint8)
    >>> digit_transform(white)[0, 0, 0].tolist()  # the stroke colour
    [250, 168, 41]
    """
    unit = _to_unit(images)
    grey = unit.mean(axis=-1, keepdims=True)
    w = np.sqrt(np.clip(grey, 0.0, 1.0))
    out = BACKGROUND + w * (FOREGROUND - BACKGROUND)
    return _from_unit(out, np.asarray(images).dtype)


def inverse_digit_transform(images):
    """T^-1: recoloured RGB digits -> grey digits (3 equal channels), same scale as the input.

    Example:
    >>> x = np.random.default_rng(0).integers(0, 256, (2, 4, 4, 1)).astype(np.uint8)
    >>> back = inverse_digit_transform(digit_transform(x))
    >>> int(np.abs(back[..., :1].astype(int) - x).max()) <= 3
    True
    """
    unit = _to_unit(images)
    direction = FOREGROUND - BACKGROUND
    w = np.clip((unit - BACKGROUND) @ direction / (direction @ direction), 0.0, 1.0)
    grey = np.repeat((w ** 2)[..., None], 3, axis=-1)
    return _from_unit(grey, np.asarray(images).dtype)


def _from_unit(unit, dtype):
    if dtype == np.uint8:
        return np.clip(np.round(unit * 255.0), 0, 255).astype(np.uint8)
    return (unit * 2.0 - 1.0).astype(dtype if np.issubdtype(dtype, np.floating) else np.float32)


def _halves(labels):
    """Two disjoint, class-stratified halves of the train split (fixed seed)."""
    rng = np.random.default_rng(_HALF_SEED)
    first, second = [], []
    for label in range(10):
        members = rng.permutation(np.flatnonzero(labels == label))
        first.extend(members[: len(members) // 2])
        second.extend(members[len(members) // 2:])
    return rng.permutation(first), rng.permutation(second)


def pair_arrays(split):
    """The images of one split as numpy arrays: `(image_x, image_y, label)`, uint8 RGB.

    Example:
    >>> x, y, labels = pair_arrays("test")
    >>> x.shape, y.shape, labels.shape
    ((450, 32, 32, 3), (450, 32, 32, 3), (450,))
    """
    if split == "test":
        grey, labels = digits_arrays(SIZE, "test")
        x = np.repeat(grey, 3, axis=-1)
        return x, digit_transform(x), labels
    if split not in ("train", "train_paired"):
        raise ValueError(f"split must be 'train', 'train_paired' or 'test'; got {split!r}.")
    grey, labels = digits_arrays(SIZE, "train")
    rgb = np.repeat(grey, 3, axis=-1)
    first, second = _halves(labels)
    if split == "train_paired":
        return rgb[first], digit_transform(rgb[first]), labels[first]
    n = min(len(first), len(second))
    # Unpaired: x from the first half, y = T(a digit of the second half).
    return rgb[first[:n]], digit_transform(rgb[second[:n]]), labels[first[:n]]


# x and y of a pair are two features of one example; "train" is unpaired (see above).
@register_dataset(kind="image_pairs", protocol={"extractor": None, "split": "test", "num_samples": None},
                  domain_features=("image_x", "image_y"), paired_splits=("train_paired", "test"),
                  image_shape=(SIZE, SIZE, 3))
class DigitPairs(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for `digit_pairs` (splits `train`, `train_paired`, `test`).

    Example:
    >>> import tensorflow_datasets as tfds
    >>> builder = tfds.builder("digit_pairs", data_dir="/tmp/tfds")  # doctest: +SKIP
    >>> builder.download_and_prepare()                               # doctest: +SKIP
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}

    def _info(self):
        image = tfds.features.Image(shape=(SIZE, SIZE, 3))
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict({
                "image_x": image, "image_y": image,
                "label": tfds.features.ClassLabel(num_classes=10),
            }),
            homepage="https://archive.ics.uci.edu/dataset/80",
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # built from the installed scikit-learn
        return {split: self._generate_examples(split)
                for split in ("train", "train_paired", "test")}

    def _generate_examples(self, split):
        x, y, labels = pair_arrays(split)
        for i in range(len(labels)):
            yield i, {"image_x": x[i], "image_y": y[i], "label": int(labels[i])}
