"""The embedded `digits` TFDS builder, IDX files and `load` on a local IDX directory.

Built from scikit-learn's installed copy of the digits and from IDX files the
tests write: no network, no ../shared data.
"""

import gzip

import numpy as np
import pytest
import tensorflow_datasets as tfds
from sklearn.datasets import load_digits

from kerasgan.data import digits_arrays, load, load_idx, read_idx
from kerasgan.data.digits import RESOLUTIONS, Digits


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("tfds")


def _whole(name, split, data_dir):
    builder = tfds.builder(name, data_dir=data_dir)
    builder.download_and_prepare()
    return tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))


def test_registered_configs():
    assert [c.name for c in Digits.BUILDER_CONFIGS] == list(RESOLUTIONS)
    assert "digits" in tfds.list_builders(with_community_datasets=False)


@pytest.mark.parametrize("config", ["8x8", "28x28"])
def test_builder_splits_partition_the_digits_stratified(config, data_dir):
    size = RESOLUTIONS[config]
    train = _whole(f"digits/{config}", "train", data_dir)
    test = _whole(f"digits/{config}", "test", data_dir)
    assert train["image"].shape == (1347, size, size, 1)
    assert test["image"].shape == (450, size, size, 1)
    assert train["image"].dtype == np.uint8
    full = np.bincount(load_digits().target, minlength=10)
    test_counts = np.bincount(test["label"], minlength=10)
    # A quarter of each class is held out (rounded), and nothing is lost.
    np.testing.assert_array_equal(test_counts, np.round(full * 0.25).astype(int))
    np.testing.assert_array_equal(test_counts + np.bincount(train["label"], minlength=10), full)


def test_8x8_images_are_the_originals_rescaled():
    """At 8x8 the images are sklearn's digits, 0-16 mapped to round(v * 255 / 16)."""
    originals = load_digits()
    images, labels = digits_arrays(8, "test")
    flat = np.round(originals.images.reshape(len(originals.images), -1) * 255 / 16)
    # Every test image is one of the originals, with the same label.
    lookup = {row.tobytes(): t for row, t in zip(flat.astype(np.uint8), originals.target)}
    for image, label in zip(images, labels):
        assert lookup[image.reshape(-1).tobytes()] == label


def test_train_and_test_are_disjoint():
    train, _ = digits_arrays(8, "train")
    test, _ = digits_arrays(8, "test")
    n_total = len(load_digits().target)
    assert len(train) + len(test) == n_total
    train_rows = {x.tobytes() for x in train}
    # The digits data has a few exact duplicates; at most those may coincide.
    assert sum(x.tobytes() in train_rows for x in test) <= 5


def test_upsampled_images_keep_the_digit():
    """A 28x28 image shrunk back to 8x8 correlates with its original, mostly more
    than with any other digit."""
    import tensorflow as tf

    big, _ = digits_arrays(28, "train")
    small, _ = digits_arrays(8, "train")
    back = tf.image.resize(big[:50].astype(np.float32), (8, 8), antialias=True).numpy()
    a = back.reshape(50, -1)
    b = small[:50].reshape(50, -1).astype(np.float32)
    corr = np.corrcoef(a, b)[:50, 50:]
    assert np.all(np.diag(corr) > 0.9), np.diag(corr).min()
    assert np.mean(np.argmax(corr, axis=1) == np.arange(50)) >= 0.9


def test_digits_arrays_are_deterministic_and_validated():
    a, la = digits_arrays(16, "train")
    b, lb = digits_arrays(16, "train")
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    with pytest.raises(ValueError, match="split must be 'train' or 'test'; got 'validation'"):
        digits_arrays(16, "validation")
    with pytest.raises(ValueError, match="size must be a positive int"):
        digits_arrays(0, "train")


def test_load_digits_batches(data_dir):
    ds = load("digits/28x28", "test", batch_size=450, shuffle=False, repeat=False,
              data_dir=data_dir, download=False)
    batch = next(iter(ds))
    images = batch["images"].numpy()
    assert images.shape == (450, 28, 28, 1)
    assert images.min() == -1.0 and images.max() == 1.0
    expected, labels = digits_arrays(28, "test")
    np.testing.assert_allclose(np.sort(images.reshape(-1)),
                               np.sort(expected.reshape(-1) / 127.5 - 1), atol=1e-6)
    assert sorted(batch["labels"].numpy()) == sorted(labels)


# --------------------------------------------------------------------------
# IDX files.


def _write_idx(path, array, compress):
    codes = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}
    header = bytes([0, 0, codes[array.dtype.type], array.ndim])
    header += np.asarray(array.shape, ">i4").tobytes()
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(data)


@pytest.fixture
def idx_dir(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n, compress in (("train", 30, True), ("t10k", 20, False)):
        images = rng.integers(0, 256, (n, 6, 5), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        suffix = ".gz" if compress else ""
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)
    return tmp_path


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float32])
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trip(tmp_path, dtype, compress):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype) if dtype != np.uint8 \
        else np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "a.idx"
    _write_idx(path, array, compress)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_read_idx_refuses_truncated_and_foreign_files(tmp_path):
    path = tmp_path / "t.idx"
    _write_idx(path, np.zeros((4, 3), np.uint8), False)
    path.write_bytes(path.read_bytes()[:-2])
    with pytest.raises(ValueError, match=r"truncated or corrupt.*shape \(4, 3\).*10 bytes"):
        read_idx(path)
    header_only = tmp_path / "h.idx"
    header_only.write_bytes(bytes([0, 0, 8, 3, 0, 0, 0, 4]))
    with pytest.raises(ValueError, match="announces 3 dimensions .* only 4 bytes follow"):
        read_idx(header_only)
    broken_gzip = tmp_path / "b.idx.gz"
    broken_gzip.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 9]) + bytes(9))[:-12])
    with pytest.raises(ValueError, match="not a readable IDX file"):
        read_idx(broken_gzip)
    other = tmp_path / "x.png"
    other.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match="is not an IDX file"):
        read_idx(other)


def test_load_idx_and_mismatched_labels(idx_dir):
    images, labels = load_idx(idx_dir, "test")
    assert images.shape == (20, 6, 5, 1) and labels.dtype == np.int64
    _write_idx(idx_dir / "t10k-labels-idx1-ubyte", np.zeros(3, np.uint8), False)
    with pytest.raises(ValueError, match=r"holds \(3,\) labels for 20 images"):
        load_idx(idx_dir, "test")
    with pytest.raises(ValueError, match="holds the splits"):
        load_idx(idx_dir, "validation")


def test_missing_idx_split_names_the_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected t10k-images-idx3-ubyte or"):
        load_idx(tmp_path, "test")


def test_load_reads_an_idx_directory_with_split_slicing(idx_dir):
    images, labels = load_idx(idx_dir, "train")
    ds = load(str(idx_dir), "train[:50%]+test[-5:]", batch_size=100, shuffle=False,
              repeat=False, drop_remainder=False)
    batch = next(iter(ds))
    assert batch["images"].shape == (20, 6, 5, 1)
    np.testing.assert_allclose(batch["images"].numpy()[:15], images[:15] / 127.5 - 1, atol=1e-6)
    test_images, test_labels = load_idx(idx_dir, "test")
    np.testing.assert_array_equal(batch["labels"].numpy(),
                                  np.concatenate([labels[:15], test_labels[-5:]]))


def test_load_of_a_bad_local_path(tmp_path):
    with pytest.raises(ValueError, match="holds no image files"):
        load(str(tmp_path), "train")  # an existing folder with neither IDX files nor images
    with pytest.raises(ValueError, match="is not a dataset kerasgan can read"):
        load("/no/such/dir", "train")
