"""A tiny synthetic "MNIST" written as IDX files, with an exact digit classifier.

Digit d is drawn as a bright bar on rows 4 + 2d and 5 + 2d (trivially
separable); each image also carries its index in the bottom row, so every
image is distinct and can be found again. `exact_classifier` reads the bar:
it is right on every image (and on every channel of a stacked image).
"""

import gzip

import numpy as np


def write_idx(path, array):
    """Write a uint8 array as a gzip-compressed IDX file (`kerasgan.data.idx`)."""
    array = np.asarray(array, np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">i4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def digit_images(labels, offset=0):
    """uint8 `[N, 28, 28]` images of `labels`: a bar per digit and the index in the last row."""
    labels = np.asarray(labels)
    images = np.zeros((len(labels), 28, 28), np.uint8)
    for i, d in enumerate(labels):
        images[i, 4 + 2 * d:6 + 2 * d, 2:26] = 255
        index = offset + i
        images[i, 27, 0], images[i, 27, 1] = index % 256, index // 256
    return images


def write_synthetic_mnist(directory, train=500, test=300, digits=range(10)):
    """Write train and test splits (labels cycling through `digits`); returns the labels."""
    digits = np.asarray(list(digits))
    out = {}
    for prefix, count, offset in (("train", train, 0), ("t10k", test, 10_000)):
        labels = digits[np.arange(count) % len(digits)]
        write_idx(directory / f"{prefix}-images-idx3-ubyte.gz", digit_images(labels, offset))
        write_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", labels)
        out[prefix] = labels
    return out


def exact_classifier(images):
    """One-hot class probabilities `[N, 10]` of synthetic digits `[N, 28, 28, 1]` in [-1, 1]."""
    images = np.asarray(images)
    rows = images[:, 4:24, 2:26, 0].mean(axis=2).reshape(len(images), 10, 2).mean(axis=2)
    return np.eye(10)[np.argmax(rows, axis=1)]


def stacked_images(digits):
    """Float `[N, 28, 28, 3]` images in [-1, 1] whose channels show the digit triples `[N, 3]`."""
    digits = np.asarray(digits)
    channels = [digit_images(digits[:, c]) for c in range(3)]
    return np.stack(channels, axis=-1).astype(np.float32) / 127.5 - 1
