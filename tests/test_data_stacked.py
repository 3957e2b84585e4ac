"""The `stacked_mnist` dataset: three digits of an MNIST source as R, G, B, drawn by a
registered loader with fresh triples every epoch. Built from a synthetic MNIST written
as IDX files (no download, no ../shared)."""

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

import kerasgan.data
from kerasgan.data import (DATASETS, dataset_info, load, local_sources, register_dataset,
                           stack_digits)
from kerasgan.data.stacked import stacked_mnist_examples

from synthetic_mnist import digit_images, write_idx, write_synthetic_mnist


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("synthetic_mnist")
    write_synthetic_mnist(directory, train=500, test=300)
    return directory


def _labels(ds):
    return np.concatenate([batch["labels"].numpy() for batch in ds])


def _digits(labels):
    labels = np.asarray(labels)
    return np.stack([labels // 100, labels // 10 % 10, labels % 10], axis=1)


def test_registered_with_a_loader():
    info = dataset_info("stacked_mnist")
    assert (info.kind, info.builder, info.source) == ("images", None, "registered")
    assert info.protocol["num_samples"] == 26_000 and info.protocol["split"] == "test"
    assert info.protocol["classifier"] == "mnist-net" and info.protocol["extractor"] is None
    assert DATASETS.metadata("stacked_mnist")["loader"] is stacked_mnist_examples
    assert "stacked_mnist" in kerasgan.data.known_dataset_names()
    assert not kerasgan.data.builds_locally("stacked_mnist")  # its source may need a download


def test_load_gives_batches_of_stacked_images(mnist_dir):
    ds = load("stacked_mnist", "test", batch_size=64, source=str(mnist_dir), seed=0)
    batch = next(iter(ds))
    assert batch["images"].shape == (64, 28, 28, 3) and batch["images"].dtype == tf.float32
    assert batch["labels"].dtype == tf.int32
    assert -1.0 <= float(tf.reduce_min(batch["images"])) <= float(tf.reduce_max(batch["images"])) <= 1.0
    assert 0 <= int(tf.reduce_min(batch["labels"])) and int(tf.reduce_max(batch["labels"])) < 1000


def test_channels_are_source_images_of_the_labelled_digits(mnist_dir):
    """Every channel is one image of the split, and the label spells its three digits."""
    source, labels = kerasgan.data.load_idx(str(mnist_dir), "test")
    lookup = {image.tobytes(): label for image, label in zip(source[..., 0], labels)}
    examples = list(stacked_mnist_examples("test", seed=3, source=str(mnist_dir)))
    assert len(examples) == 300  # an epoch: as many triples as the split has images
    for example in examples:
        image, label = example["images"].numpy(), int(example["labels"])
        assert image.dtype == np.uint8 and image.shape == (28, 28, 3)
        found = [lookup[image[..., c].tobytes()] for c in range(3)]  # KeyError: not a source image
        assert 100 * found[0] + 10 * found[1] + found[2] == label


def test_epoch_has_as_many_triples_as_the_split(mnist_dir):
    for split, count in (("train", 500), ("test", 300), ("test[:100]", 100)):
        ds = stacked_mnist_examples(split, seed=0, source=str(mnist_dir))
        assert int(ds.cardinality()) == count
        assert len(_labels(ds.batch(1000))) == count
    ds = load("stacked_mnist", "test", batch_size=64, source=str(mnist_dir), repeat=False,
              drop_remainder=False)
    assert len(_labels(ds)) == 300


def test_channel_digits_are_uniform_and_independent(mnist_dir):
    """Chi-square tests on 12,000 triples of a source whose digits are balanced: each
    channel's digit is uniform over 0..9, and the channels of each pair are independent."""
    ds = load("stacked_mnist", "train", batch_size=1000, source=str(mnist_dir), seed=11,
              shuffle=False)
    batches = list(ds.take(12))
    digits = _digits(_labels(batches))
    assert len(digits) == 12_000
    for channel in range(3):
        counts = np.bincount(digits[:, channel], minlength=10)
        assert stats.chisquare(counts).pvalue > 1e-3, counts
    for a, b in ((0, 1), (0, 2), (1, 2)):
        table = np.zeros((10, 10))
        np.add.at(table, (digits[:, a], digits[:, b]), 1)
        assert stats.chi2_contingency(table).pvalue > 1e-3, (a, b)
    # The image draws are uniform too: each of the 500 images is used about equally often
    # (an image's index is written in its last row).
    pixels = np.round((np.concatenate([b["images"].numpy() for b in batches]) + 1) * 127.5)
    index = (pixels[:, 27, 0, :] + 256 * pixels[:, 27, 1, :]).astype(int).ravel()
    picks = np.bincount(index, minlength=500)
    assert len(picks) == 500 and stats.chisquare(picks).pvalue > 1e-3


def test_the_tests_would_see_dependent_channels():
    """The independence test has power: channels made equal are rejected."""
    digits = np.random.default_rng(0).integers(0, 10, 12_000)
    table = np.zeros((10, 10))
    np.add.at(table, (digits, np.where(np.arange(12_000) % 5 == 0, (digits + 1) % 10, digits)), 1)
    assert stats.chi2_contingency(table).pvalue < 1e-6


def test_fresh_triples_every_epoch_and_the_same_seed_gives_the_same_data(mnist_dir):
    def epochs(seed, count=2):
        ds = load("stacked_mnist", "test", batch_size=100, source=str(mnist_dir), seed=seed,
                  repeat=False, shuffle=False)
        return [_labels(ds) for _ in range(count)]

    first, second = epochs(seed=5)
    assert len(first) == len(second) == 300
    assert np.mean(first != second) > 0.9  # new triples: not a cached set
    again = epochs(seed=5)
    np.testing.assert_array_equal(again[0], first)
    np.testing.assert_array_equal(again[1], second)
    assert np.mean(epochs(seed=6, count=1)[0] != first) > 0.9

    # The images, not only the labels, repeat with the seed (shuffled by load with it too).
    def images(seed):
        ds = load("stacked_mnist", "test", batch_size=50, source=str(mnist_dir), seed=seed)
        return next(iter(ds))["images"].numpy()
    np.testing.assert_array_equal(images(9), images(9))

    # A repeated dataset keeps drawing: its second epoch is not its first.
    ds = load("stacked_mnist", "test", batch_size=300, source=str(mnist_dir), seed=5,
              shuffle=False)
    batches = iter(ds)
    a, b = next(batches)["labels"].numpy(), next(batches)["labels"].numpy()
    assert np.mean(a != b) > 0.9


def test_stack_digits_of_arrays():
    images = digit_images(np.arange(10))[..., None]
    ds = stack_digits(images, np.arange(10), seed=0)
    examples = list(ds)
    assert len(examples) == 10
    same = list(stack_digits(images, np.arange(10), seed=0))
    assert [int(e["labels"]) for e in examples] == [int(e["labels"]) for e in same]


@pytest.mark.parametrize("images,labels,match", [
    (np.zeros((4, 14, 14, 1), np.uint8), np.zeros(4, np.int64),
     r"uint8 \[N, 28, 28, 1\]; the source has uint8 images of shape \(4, 14, 14, 1\)"),
    (np.zeros((4, 28, 28, 3), np.uint8), np.zeros(4, np.int64), r"shape \(4, 28, 28, 3\)"),
    (np.zeros((4, 28, 28, 1), np.float32), np.zeros(4, np.int64), "float32 images"),
    (np.zeros((4, 28, 28, 1), np.uint8), np.array([0, 1, 2, 10]), r"labels in 0..9; .* \[0, 10\]"),
    (np.zeros((4, 28, 28, 1), np.uint8), np.zeros(3, np.int64), r"one integer label per image"),
    (np.zeros((0, 28, 28, 1), np.uint8), np.zeros(0, np.int64), "at least one image"),
])
def test_arrays_that_are_not_mnist_shaped_are_refused(images, labels, match):
    with pytest.raises(ValueError, match=match):
        stack_digits(images, labels, seed=0)


def test_a_source_that_is_not_mnist_shaped_is_refused(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    write_idx(small / "t10k-images-idx3-ubyte.gz", np.zeros((5, 14, 14), np.uint8))
    write_idx(small / "t10k-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match=r"28x28x1 uint8.* has images of shape \(14, 14, 1\)"):
        load("stacked_mnist", "test", source=str(small))

    letters = tmp_path / "letters"
    letters.mkdir()
    write_idx(letters / "t10k-images-idx3-ubyte.gz", digit_images(np.zeros(5, int)))
    write_idx(letters / "t10k-labels-idx1-ubyte.gz", np.array([0, 1, 2, 25, 3]))
    with pytest.raises(ValueError, match=r"labels in 0..9; .* has labels in \[0, 25\]"):
        load("stacked_mnist", "test", source=str(letters))

    # Told by the name alone, before any data is read or downloaded.
    with pytest.raises(ValueError, match="got 'gaussian_mixture/ring8', a dataset of points"):
        load("stacked_mnist", source="gaussian_mixture/ring8", data_dir=str(tmp_path))
    with pytest.raises(ValueError, match=r"'cifar10' has images of shape \(32, 32, 3\)"):
        load("stacked_mnist", source="cifar10", data_dir=str(tmp_path), download=False)
    with pytest.raises(ValueError, match="itself drawn from a source"):
        load("stacked_mnist", source="stacked_mnist")


def test_source_is_refused_for_datasets_kerasgan_generates(mnist_dir):
    with pytest.raises(ValueError, match="'digits/8x8' is generated locally by kerasgan"):
        load("digits/8x8", source=str(mnist_dir))


def test_stacked_mnist_follows_mnists_local_source(mnist_dir):
    """With no source=, the default MNIST source is MNIST's own local source."""
    with local_sources(mnist=str(mnist_dir)):
        a = next(iter(load("stacked_mnist", "test", batch_size=32, seed=0, shuffle=False)))
    b = next(iter(load("stacked_mnist", "test", batch_size=32, seed=0, shuffle=False,
                       source=str(mnist_dir))))
    np.testing.assert_array_equal(a["images"].numpy(), b["images"].numpy())


def test_a_loader_dataset_of_ones_own(tmp_path):
    """The registration form: any family with a `loader` loads through `load`, uncached."""
    calls = []

    def toy_examples(split, *, seed, source, data_dir, download):
        calls.append((split, seed, source, download))
        values = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(4)
        return values.map(lambda v: {"images": tf.fill([2, 2, 1], tf.cast(v % 256, tf.uint8)),
                                     "labels": tf.cast(v % 3, tf.int32)})

    assert register_dataset("toy_loader", kind="images", loader=toy_examples) is toy_examples
    try:
        ds = load("toy_loader", "test", batch_size=4, seed=1, source="anything", repeat=False,
                  download=False)
        first, second = [next(iter(ds))["images"].numpy() for _ in range(2)]
        assert first.shape == (4, 2, 2, 1) and not np.array_equal(first, second)  # not cached
        assert calls == [("test", 1, "anything", False)]
    finally:
        DATASETS.remove("toy_loader")
    with pytest.raises(ValueError, match="needs a name and a callable loader"):
        register_dataset(kind="images", loader=toy_examples)
