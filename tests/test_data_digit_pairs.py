"""The `digit_pairs` translation benchmark: T and its inverse, disjoint unpaired halves."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from kerasgan.data import digit_transform, digits_arrays, inverse_digit_transform
from kerasgan.data.digit_pairs.digit_pairs import BACKGROUND, FOREGROUND, pair_arrays


def test_transform_is_the_documented_map_and_invertible(rng):
    v = rng.uniform(0, 1, (3, 5, 5, 1))
    x = v * 2 - 1  # [-1, 1] floats
    y = digit_transform(x)
    expected = BACKGROUND + np.sqrt(v) * (FOREGROUND - BACKGROUND)
    np.testing.assert_allclose((y + 1) / 2, expected, atol=1e-12)
    np.testing.assert_allclose(inverse_digit_transform(y), np.repeat(x, 3, axis=-1), atol=1e-9)
    # uint8 round trip loses at most one grey level (rounding of the stored colours).
    grey = rng.integers(0, 256, (4, 6, 6, 1)).astype(np.uint8)
    back = inverse_digit_transform(digit_transform(np.repeat(grey, 3, axis=-1)))
    assert np.abs(back[..., 0].astype(int) - grey[..., 0]).max() <= 3


def test_transform_is_not_trivial():
    x, y, _ = pair_arrays("test")
    assert np.abs(x.astype(float) - y.astype(float)).mean() > 40  # far from the identity


def test_unpaired_train_uses_disjoint_halves_and_paired_split_matches():
    train_grey, _ = digits_arrays(32, "train")
    x, y, labels = pair_arrays("train")
    px, py, plabels = pair_arrays("train_paired")
    np.testing.assert_array_equal(px, x)  # the same X half
    np.testing.assert_array_equal(py, digit_transform(px))  # paired: y = T(x)
    # In the unpaired split, no y is the translation of any x.
    translations = {t.tobytes() for t in digit_transform(x)}
    assert sum(t.tobytes() in translations for t in y) <= 5  # the digits hold a few duplicates
    assert np.bincount(labels, minlength=10).min() >= 60  # stratified halves


def test_builder_serves_the_arrays(tmp_path):
    builder = tfds.builder("digit_pairs", data_dir=tmp_path)
    builder.download_and_prepare()
    test = tfds.as_numpy(builder.as_dataset(split="test", batch_size=-1))
    x, y, labels = pair_arrays("test")
    assert test["image_x"].shape == (450, 32, 32, 3)
    assert sorted(test["label"].tolist()) == sorted(labels.tolist())
    # Every served pair is (x, T(x)).
    np.testing.assert_array_equal(test["image_y"], digit_transform(test["image_x"]))
    assert builder.info.splits["train"].num_examples == builder.info.splits["train_paired"].num_examples


def test_pair_arrays_refuses_unknown_splits():
    with pytest.raises(ValueError, match="'train', 'train_paired' or 'test'; got 'val'"):
        pair_arrays("val")
