"""Local sources: a TFDS dataset read from a local folder of its IDX files.

Recipes name TFDS datasets (`"mnist"`, `"fashion_mnist"`). Where TFDS cannot
download them (no internet, a cluster without access), the same recipe reads
a local copy: a directory of the dataset's original IDX files
(`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
`t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`; the `t10k`
files are the `test` split, exactly as TFDS serves them).

A local source is named in one of three ways, the first that applies wins:

1. `kerasgan.data.load(name, source=DIR)` -- for one call;
2. `set_local_source(name, DIR)` -- for the process (the `--source DIR` flag of
   `kerasgan train` / `kerasgan evaluate` and of the tools does this);
3. the environment variable `KERASGAN_LOCAL_DATA`, `name=DIR` pairs separated
   by `;` (e.g. `mnist=/data/mnist;fashion_mnist=/data/fashion-mnist`).

Without one, TFDS is used (prepared data, or a download when allowed); when
neither works, the error says how to name a local source.

The folder's images are checked against the TFDS dataset's features (image
shape, number of classes) before anything is read further, so a Fashion-MNIST
folder given for CIFAR-10, or a folder without the expected files, is refused
with what was expected and what was found.

Example:
>>> set_local_source("mnist", "/data/mnist")   # doctest: +SKIP
>>> local_source("mnist")                      # doctest: +SKIP
'/data/mnist'
>>> local_source("cifar10") is None
True
"""

import os

import tensorflow_datasets as tfds

from kerasgan.data.idx import IDX_SPLIT_PREFIXES, find_idx_files, read_idx, read_idx_shape
from kerasgan.data.info import split_name

__all__ = ["LOCAL_SOURCE_ENV", "check_local_source", "local_source", "local_sources",
           "set_local_source"]

#: Environment variable naming local sources: `name=DIR` pairs separated by ";".
LOCAL_SOURCE_ENV = "KERASGAN_LOCAL_DATA"

_SOURCES = {}


def _family(name):
    return split_name(name)[0]


def _parse_env():
    text = os.environ.get(LOCAL_SOURCE_ENV, "").strip()
    sources = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, sep, directory = item.partition("=")
        if not sep or not name.strip() or not directory.strip():
            raise ValueError(
                f"${LOCAL_SOURCE_ENV} must hold name=DIR pairs separated by ';' (e.g. "
                f"'mnist=/data/mnist;fashion_mnist=/data/fashion-mnist'); got item {item!r} "
                f"in {text!r}.")
        sources[_family(name.strip())] = directory.strip()
    return sources


def local_source(name):
    """The local directory registered for the TFDS dataset `name`, or None.

    Looks at `set_local_source` registrations, then `$KERASGAN_LOCAL_DATA`.

    Example:
    >>> with local_sources(mnist="/data/mnist"):
    ...     local_source("mnist:3.0.1")
    '/data/mnist'
    >>> local_source("mnist") is None
    True
    """
    family = _family(name)
    if family in _SOURCES:
        return _SOURCES[family]
    return _parse_env().get(family)


def set_local_source(name, directory):
    """Read the TFDS dataset `name` from the IDX files in `directory` (None: forget it).

    The directory must exist and hold the IDX files of at least one split;
    their images are checked against the dataset's TFDS features when a split
    is read (`check_local_source`).

    Raises:
        ValueError: `directory` does not exist or holds no IDX split.

    Example:
    >>> set_local_source("fashion_mnist", "/data/fashion-mnist")   # doctest: +SKIP
    >>> set_local_source("fashion_mnist", None)                    # back to TFDS
    """
    family = _family(name)
    if directory is None:
        _SOURCES.pop(family, None)
        return
    _check_directory(family, directory)
    _SOURCES[family] = os.fspath(directory)


class local_sources:  # noqa: N801  (used like a function: `with local_sources(mnist=DIR):`)
    """Context manager: local sources for a block, restored afterwards.

    Example:
    >>> with local_sources(mnist="/data/mnist"):
    ...     print(local_source("mnist"))
    /data/mnist
    """

    def __init__(self, **sources):
        self.sources = {_family(k): v for k, v in sources.items()}

    def __enter__(self):
        self.saved = dict(_SOURCES)
        _SOURCES.update(self.sources)
        return self

    def __exit__(self, *exc):
        _SOURCES.clear()
        _SOURCES.update(self.saved)
        return False


def _check_directory(name, directory):
    directory = os.path.expanduser(os.fspath(directory))
    if not os.path.isdir(directory):
        raise ValueError(
            f"The local source of {name!r}, {directory!r}, is not a directory: expected a folder "
            "of the dataset's IDX files (train-images-idx3-ubyte[.gz], "
            "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
            "t10k-labels-idx1-ubyte[.gz]).")
    present = []
    for split in IDX_SPLIT_PREFIXES:
        try:
            find_idx_files(directory, split)
            present.append(split)
        except FileNotFoundError:
            continue
    if not present:
        raise ValueError(
            f"The local source of {name!r}, {directory!r}, holds no IDX split: expected "
            "train-images-idx3-ubyte[.gz] + train-labels-idx1-ubyte[.gz] (split 'train') "
            "and/or t10k-images-idx3-ubyte[.gz] + t10k-labels-idx1-ubyte[.gz] (split "
            f"'test'); the directory holds {sorted(os.listdir(directory))}.")
    return directory


def _expected_features(name):
    """`(image shape, number of classes)` of the TFDS dataset `name` (None where unknown)."""
    try:
        features = tfds.builder(str(name)).info.features
    except Exception:  # not a TFDS name: nothing to check against
        return None, None
    image = features["image"] if "image" in features.keys() else None
    label = features["label"] if "label" in features.keys() else None
    return (tuple(image.shape) if image is not None else None,
            getattr(label, "num_classes", None))


def check_local_source(name, directory, splits):
    """Check a local IDX source of `name` before it is used; returns the directory.

    Each split must have its files, and its images the shape (and its labels
    the range) of the TFDS dataset's features. Only the headers of the image
    files are read; labels are read in full (they are small).

    Raises:
        ValueError: not a directory, missing files, a different image shape or
            labels outside the dataset's classes -- saying what was expected and
            what was found.

    Example:
    >>> check_local_source("mnist", "/data/mnist", ["train"])   # doctest: +SKIP
    '/data/mnist'
    """
    directory = _check_directory(name, directory)
    shape, classes = _expected_features(name)
    for split in splits:
        try:
            images_path, labels_path = find_idx_files(directory, split)
        except FileNotFoundError as error:
            raise ValueError(f"The local source of {name!r} cannot serve split {split!r}: "
                             f"{error}") from None
        found = read_idx_shape(images_path)
        if len(found) != 3:
            raise ValueError(f"{images_path} must hold images of shape [N, H, W]; its header "
                             f"says {found}.")
        if shape is not None and tuple(found[1:]) + (1,) != shape:
            raise ValueError(
                f"The local source of {name!r} does not hold {name} images: TFDS's {name} "
                f"has images of shape {shape}; {images_path} holds {found[0]} images of "
                f"{found[1]}x{found[2]} pixels with 1 channel.")
        if classes is not None:
            labels = read_idx(labels_path)
            if labels.size and (labels.min() < 0 or labels.max() >= classes):
                raise ValueError(
                    f"The local source of {name!r} does not hold {name} labels: expected "
                    f"classes 0..{classes - 1}; {labels_path} holds labels "
                    f"{int(labels.min())}..{int(labels.max())}.")
    return directory
