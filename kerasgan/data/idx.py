"""MNIST-format IDX files from a local directory (MNIST, Fashion-MNIST, EMNIST...).

The IDX format (LeCun et al.) is a big-endian header -- two zero bytes, a type
code, the number of dimensions, one int32 per dimension -- followed by the
raw array. Files may be gzip-compressed (`.gz`).

A directory holds the splits under the standard names
`train-images-idx3-ubyte[.gz]` / `train-labels-idx1-ubyte[.gz]` and
`t10k-images-idx3-ubyte[.gz]` / `t10k-labels-idx1-ubyte[.gz]` (the test split).

Example:
>>> images, labels = load_idx("/data/mnist", split="test")  # doctest: +SKIP
>>> images.shape, labels[:3]                                 # doctest: +SKIP
((10000, 28, 28, 1), array([7, 2, 1]))
"""

import gzip
import os
import struct

import numpy as np

__all__ = ["IDX_SPLIT_PREFIXES", "find_idx_files", "has_idx_files", "load_idx", "read_idx",
           "read_idx_shape"]

# IDX type codes -> numpy big-endian dtypes.
_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: File-name prefix of each split in an IDX directory.
IDX_SPLIT_PREFIXES = {"train": "train", "test": "t10k"}


def _open(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _header(f, path):
    header = f.read(4)
    if len(header) != 4 or header[:2] != b"\x00\x00" or header[2] not in _DTYPES:
        raise ValueError(
            f"{path} is not an IDX file: expected a header of two zero bytes, a "
            f"type code in {sorted(hex(c) for c in _DTYPES)} and a dimension "
            f"count; got bytes {header!r}."
        )
    dtype, ndim = _DTYPES[header[2]], header[3]
    dims = f.read(4 * ndim)
    if len(dims) != 4 * ndim:
        raise ValueError(
            f"{path} is truncated: its header announces {ndim} dimensions "
            f"({4 * ndim} bytes of sizes) but only {len(dims)} bytes follow."
        )
    return dtype, struct.unpack(f">{ndim}i", dims)


def read_idx_shape(path):
    """The array shape an IDX file's header announces, without reading its data.

    Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx_shape(path)
    (3,)
    """
    try:
        with _open(path) as f:
            return _header(f, path)[1]
    except (OSError, EOFError) as error:  # a damaged gzip stream
        raise ValueError(f"{path} is not a readable IDX file: {error}") from None


def read_idx(path):
    """Read one IDX file (optionally gzip-compressed) into a numpy array.

    Raises ValueError for a file that is not IDX or is truncated.

    Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    try:
        with _open(path) as f:
            dtype, shape = _header(f, path)
            data = f.read()
    except (OSError, EOFError) as error:  # a damaged gzip stream
        raise ValueError(f"{path} is not a readable IDX file: {error}") from None
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: its header announces shape {shape} "
            f"({expected} bytes of {dtype.name}), but {len(data)} bytes follow."
        )
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def find_idx_files(directory, split):
    """Paths `(images, labels)` of `split` in an IDX directory.

    Example:
    >>> find_idx_files("/data/mnist", "test")  # doctest: +SKIP
    ('/data/mnist/t10k-images-idx3-ubyte.gz', '/data/mnist/t10k-labels-idx1-ubyte.gz')
    """
    if split not in IDX_SPLIT_PREFIXES:
        raise ValueError(
            f"An IDX directory holds the splits {sorted(IDX_SPLIT_PREFIXES)}; got "
            f"split {split!r}."
        )
    prefix = IDX_SPLIT_PREFIXES[split]
    found = []
    for kind, ndim in (("images", 3), ("labels", 1)):
        stem = os.path.join(directory, f"{prefix}-{kind}-idx{ndim}-ubyte")
        path = next((p for p in (stem, stem + ".gz") if os.path.isfile(p)), None)
        if path is None:
            present = sorted(os.listdir(directory)) if os.path.isdir(directory) else []
            raise FileNotFoundError(
                f"No {split} {kind} in IDX directory {directory!r}: expected "
                f"{os.path.basename(stem)} or {os.path.basename(stem)}.gz; the "
                f"directory holds {present}."
            )
        found.append(path)
    return tuple(found)


def has_idx_files(directory):
    """True when `directory` holds the images and labels of at least one IDX split.

    Example:
    >>> has_idx_files("/nonexistent")
    False
    """
    for split in IDX_SPLIT_PREFIXES:
        try:
            find_idx_files(directory, split)
            return True
        except FileNotFoundError:
            continue
    return False


def load_idx(directory, split="train"):
    """The images and labels of one split of an IDX directory.

    Args:
        directory: folder with the MNIST-format files (see the module doc).
        split: `"train"` or `"test"` (the `t10k-*` files).

    Returns:
        `(images, labels)`: uint8 `[N, H, W, 1]` and int64 `[N]`.

    Example:
    >>> images, labels = load_idx("/data/mnist", split="test")  # doctest: +SKIP
    >>> images.shape                                             # doctest: +SKIP
    (10000, 28, 28, 1)
    """
    image_path, label_path = find_idx_files(directory, split)
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{image_path} must hold uint8 images of shape [N, H, W]; got "
            f"{images.dtype.name} of shape {images.shape}."
        )
    if labels.shape != images.shape[:1]:
        raise ValueError(
            f"{label_path} holds {labels.shape} labels for {images.shape[0]} images in "
            f"{image_path}; expected one label per image."
        )
    return images[..., None], labels.astype(np.int64)
