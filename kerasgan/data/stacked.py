"""Stacked MNIST: three MNIST digits as the R, G, B channels of one image (1,000 modes).

The mode-collapse benchmark of Metz et al. (2017), used by VEEGAN and PacGAN:
each sample stacks three MNIST images, drawn independently and uniformly from
the images of the split, as the channels of a 28x28x3 uint8 image. Its label
is `100 * d_R + 10 * d_G + d_B` (`d_*` the digits), so the data has 1,000
equally likely modes (digit triples). `kerasgan.metrics.stacked_mnist_modes`
counts the modes a generator covers.

The dataset is registered as `stacked_mnist` with a `loader`
(`kerasgan.data.register_dataset(..., loader=...)`): it is not a stored set
but drawn from an MNIST source, with FRESH triples on every pass over it.
`kerasgan.data.load("stacked_mnist", split, batch_size, source=...)` calls
`stacked_mnist_examples(split, seed=..., source=..., data_dir=...,
download=...)`, whose finite dataset (one epoch: as many triples as the
source split has images) draws new triples each time it is iterated
(`tf.data.Dataset.random(seed, rerandomize_each_iteration=True)` and stateless
gathers from the MNIST images held as one tensor); the same seed gives the
same epochs (under the same TensorFlow global seed, as every tf.data seed).

`source` is the MNIST data to stack: any name `kerasgan.data.load` accepts
(default `"mnist"`, or a local directory of MNIST-format IDX files); its images
must be 28x28x1 uint8 with labels 0..9.

Example:
>>> import numpy as np
>>> digits = np.zeros((10, 28, 28, 1), np.uint8); digits[:, 0, 0, 0] = np.arange(10) * 20
>>> ds = stack_digits(digits, np.arange(10), seed=0)
>>> example = next(iter(ds))
>>> example["images"].shape, example["images"].dtype.name
(TensorShape([28, 28, 3]), 'uint8')
>>> label = int(example["labels"])
>>> [int(v) // 20 for v in example["images"][0, 0]] == [label // 100, label // 10 % 10, label % 10]
True
>>> ds = kerasgan.data.load("stacked_mnist", "test", batch_size=64)  # doctest: +SKIP
"""

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from kerasgan.core.images import model_range_to_uint8
from kerasgan.data.info import dataset_info
from kerasgan.data.loading import load
from kerasgan.data.registry import register_dataset

__all__ = ["DEFAULT_SOURCE", "NUM_MODES", "STACKED_MNIST_PROTOCOL", "mnist_source_arrays",
           "stack_digits", "stacked_mnist_examples", "triple_labels"]

#: The MNIST data stacked when no `source` is given.
DEFAULT_SOURCE = "mnist"

#: Digit triples: 10 ** 3.
NUM_MODES = 1000

#: How a generator of stacked MNIST is judged: the number of digit triples (of 1,000) among
#: 26,000 samples and the KL of their histogram from uniform, each channel classified by the
#: `mnist-net` classifier (PacGAN's protocol). No feature extractor: the image-quality
#: metrics (FID, ...) are not computed (`metrics` names the report's metric set).
STACKED_MNIST_PROTOCOL = {"extractor": None, "classifier": "mnist-net", "split": "test",
                          "num_samples": 26_000, "metrics": "stacked_mnist"}

_SHAPE = (28, 28, 1)
_CHUNK = 256  # triples drawn per random seed


def triple_labels(digits):
    """The mode label `100 * d_R + 10 * d_G + d_B` of digit triples `[N, 3]`.

    Example:
    >>> triple_labels(np.array([[1, 2, 3], [0, 0, 9]])).tolist()
    [123, 9]
    """
    digits = np.asarray(digits)
    if digits.ndim != 2 or digits.shape[1] != 3:
        raise ValueError(f"triple_labels takes digit triples [N, 3]; got shape {digits.shape}.")
    return (100 * digits[:, 0] + 10 * digits[:, 1] + digits[:, 2]).astype(np.int32)


def _check_mnist_arrays(images, labels, what):
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim == 3:
        images = images[..., None]
    if images.dtype != np.uint8 or images.shape[1:] != _SHAPE:
        raise ValueError(
            f"Stacked MNIST needs MNIST-shaped images: uint8 [N, 28, 28, 1]; {what} has "
            f"{images.dtype.name} images of shape {images.shape}.")
    if len(images) == 0:
        raise ValueError(f"Stacked MNIST needs at least one image; {what} has none.")
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"Stacked MNIST needs one integer label per image ([{len(images)}]); {what} has "
            f"{labels.dtype.name} labels of shape {labels.shape}.")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(
            f"Stacked MNIST needs digit labels in 0..9; {what} has labels in "
            f"[{labels.min()}, {labels.max()}].")
    return images, labels.astype(np.int32)


def stack_digits(images, labels, *, seed=None):
    """Fresh stacked triples of MNIST-shaped arrays: a finite `tf.data.Dataset`, one epoch.

    Each example is `{"images": uint8 [28, 28, 3], "labels": int32}`: three
    images drawn independently and uniformly (with replacement) as the R, G, B
    channels, labelled `100 * d_R + 10 * d_G + d_B`. An epoch has `len(images)`
    examples; every iteration over the dataset draws new triples, and a dataset
    made with the same `seed` gives the same iterations.

    Args:
        images: uint8 `[N, 28, 28, 1]` (or `[N, 28, 28]`).
        labels: `[N]` integer digits in 0..9.
        seed: int seed; None: random.

    Raises:
        ValueError: images not 28x28x1 uint8, or labels not digits (before any work).

    Example:
    >>> digits = np.zeros((4, 28, 28, 1), np.uint8)
    >>> ds = stack_digits(digits, [0, 1, 2, 3], seed=1)
    >>> len(list(ds)), ds.element_spec["labels"].dtype.name
    (4, 'int32')
    """
    images, labels = _check_mnist_arrays(images, labels, "the source")
    count = len(images)
    images = tf.constant(images[..., 0])
    labels = tf.constant(labels)

    def draw(random):
        seed_pair = tf.stack([random, tf.constant(0, tf.int64)])
        picks = tf.random.stateless_uniform([_CHUNK, 3], seed=seed_pair, minval=0,
                                            maxval=count, dtype=tf.int64)
        channels = tf.gather(images, picks)                     # [chunk, 3, 28, 28]
        digits = tf.gather(labels, picks)                       # [chunk, 3]
        return {"images": tf.transpose(channels, [0, 2, 3, 1]),
                "labels": digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]}

    chunks = -(-count // _CHUNK)
    ds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(chunks)
    ds = ds.map(draw, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.unbatch().take(count)
    return ds.apply(tf.data.experimental.assert_cardinality(count))


def _check_source_name(source, data_dir):
    """Refuse a source that is not MNIST-shaped, from its description alone (no data read)."""
    info = dataset_info(source)
    if info.kind != "images" or info.metadata.get("loader") is not None:
        raise ValueError(
            f"Stacked MNIST needs an MNIST source (images of 28x28x1 uint8, labels 0..9: "
            f"'mnist' or a directory of MNIST IDX files); got {source!r}, "
            + ("itself drawn from a source" if info.kind == "images" else
               f"a dataset of {info.kind.replace('_', ' ')}") + ".")
    if info.source not in ("registered", "tfds") or info.builder is not None:
        return
    try:  # the TFDS feature spec is in code: checked before any download
        features = tfds.builder(str(source), data_dir=data_dir).info.features
    except Exception:  # an unknown name: load() names the known ones
        return
    image = features["image"] if "image" in features.keys() else None
    shape = None if image is None else tuple(image.shape)
    if shape != _SHAPE or "label" not in features.keys():
        raise ValueError(
            f"Stacked MNIST needs an MNIST source (labelled images of 28x28x1 uint8); "
            f"{source!r} has " + (f"images of shape {shape}" if image is not None
                                  else "no 'image' feature")
            + ("" if "label" in features.keys() else " and no 'label'") + ".")


def mnist_source_arrays(source=DEFAULT_SOURCE, split="train", *, data_dir=None, download=True):
    """The images and labels of `split` of an MNIST source, checked MNIST-shaped.

    Args:
        source: any name `kerasgan.data.load` accepts (`"mnist"`, a directory
            of MNIST-format IDX files, ...).
        split: a split of it (`"train"`, `"test"`, `"test[:50%]"`, ...).
        data_dir, download: as in `kerasgan.data.load`.

    Returns:
        `(images, labels)`: uint8 `[N, 28, 28, 1]`, int32 `[N]`.

    Raises:
        ValueError: the source is not MNIST-shaped (images 28x28x1 uint8,
            labels 0..9): said before reading data where its description
            tells (a dataset of points, a TFDS dataset of other images).

    Example:
    >>> images, labels = mnist_source_arrays("/data/mnist", "test")  # doctest: +SKIP
    >>> images.shape, labels.dtype                                  # doctest: +SKIP
    ((10000, 28, 28, 1), dtype('int32'))
    """
    _check_source_name(source, data_dir)
    ds = load(source, split, batch_size=8192, shuffle=False, repeat=False, cache=False,
              drop_remainder=False, data_dir=data_dir, download=download)
    spec = ds.element_spec
    shape = tuple(spec["images"].shape[1:])
    if shape != _SHAPE or "labels" not in spec:
        raise ValueError(
            f"Stacked MNIST needs an MNIST source (labelled images of 28x28x1 uint8); "
            f"{source!r} has images of shape {shape}"
            + ("" if "labels" in spec else " and no labels") + ".")
    images, labels = [], []
    for batch in ds:
        images.append(model_range_to_uint8(batch["images"].numpy()))  # exact: they were uint8
        labels.append(batch["labels"].numpy())
    if not images:
        raise ValueError(f"Stacked MNIST needs at least one image; split {split!r} of "
                         f"{source!r} is empty.")
    return _check_mnist_arrays(np.concatenate(images), np.concatenate(labels),
                               f"split {split!r} of {source!r}")


def stacked_mnist_examples(split="train", *, seed=None, source=None, data_dir=None,
                           download=True):
    """The registered loader of `stacked_mnist`: fresh triples of an MNIST source's split.

    `kerasgan.data.load("stacked_mnist", split, ..., source=...)` calls it
    and batches its examples (never caching them: every epoch is new).

    Args:
        split: the split of the source whose images are stacked.
        seed: int seed of the triples; None: random.
        source: the MNIST data (default `"mnist"`; see `mnist_source_arrays`).
        data_dir, download: passed on to load the source.

    Returns:
        A finite `tf.data.Dataset` of `{"images": uint8 [28, 28, 3], "labels":
        int32}`, as many examples as the source's split has images, with new
        triples on each iteration (`stack_digits`).

    Example:
    >>> ds = stacked_mnist_examples("test", seed=0, source="/data/mnist")  # doctest: +SKIP
    >>> ds.cardinality().numpy()                                          # doctest: +SKIP
    10000
    """
    images, labels = mnist_source_arrays(DEFAULT_SOURCE if source is None else source, split,
                                         data_dir=data_dir, download=download)
    return stack_digits(images, labels, seed=seed)


register_dataset("stacked_mnist", kind="images", protocol=STACKED_MNIST_PROTOCOL,
                 loader=stacked_mnist_examples, source_dataset=DEFAULT_SOURCE)
