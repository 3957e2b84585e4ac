"""`load_translation`: the embedded digit pairs, mocked cycle_gan, two folders."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from kerasgan.data import digit_transform
from kerasgan.data.translation import load_translation
from kerasgan.plotting import save_png


def _unit8(batch):
    return np.round((batch.numpy() + 1) * 127.5).astype(np.uint8)


def test_paired_splits_are_aligned_and_the_train_split_is_not():
    test = next(iter(load_translation("digit_pairs", "test", 16, seed=0)))
    np.testing.assert_array_equal(_unit8(test["y"]), digit_transform(_unit8(test["x"])))
    train = next(iter(load_translation("digit_pairs", "train", 16, seed=0)))
    assert train["x"].shape == (16, 32, 32, 3) and train["y"].shape == (16, 32, 32, 3)
    mismatches = (_unit8(train["y"]) != digit_transform(_unit8(train["x"]))).any(axis=(1, 2, 3))
    assert mismatches.all()
    with pytest.raises(ValueError, match="has the splits"):
        load_translation("digit_pairs", "validation", 4)


def test_mocked_cycle_gan_with_resizing():
    with tfds.testing.mock_data(num_examples=4):
        batch = next(iter(load_translation("cycle_gan/horse2zebra", "train", 2, image_size=16)))
    assert batch["x"].shape == (2, 16, 16, 3) and batch["y"].shape == (2, 16, 16, 3)
    assert -1 <= batch["x"].numpy().min() and batch["y"].numpy().max() <= 1
    with pytest.raises(ValueError, match="split 'train' or 'test'"):
        load_translation("cycle_gan/horse2zebra", "trainA", 2, image_size=16)


def test_two_folders_and_mismatched_sizes(tmp_path):
    for name, size in (("a", 12), ("b", 12), ("c", 10)):
        (tmp_path / name).mkdir()
        for i in range(3):
            save_png(np.full((size, size, 3), 40 * i, np.uint8), tmp_path / name / f"{i}.png")
    batch = next(iter(load_translation((tmp_path / "a", tmp_path / "b"), "train", 2)))
    assert batch["x"].shape == (2, 12, 12, 3)
    with pytest.raises(ValueError, match=r"one image size: X has \(12, 12\), Y has \(10, 10\)"):
        load_translation((tmp_path / "a", tmp_path / "c"), "train", 2)
    assert next(iter(load_translation((tmp_path / "a", tmp_path / "c"), "train", 2,
                                      image_size=8)))["y"].shape == (2, 8, 8, 3)


def test_unknown_sources_are_refused():
    with pytest.raises(ValueError, match="takes 'digit_pairs', a 'cycle_gan/<name>'"):
        load_translation("mnist", "train", 2)


def test_paired_folders_align_by_file_name(tmp_path):
    (tmp_path / "labels").mkdir()
    (tmp_path / "photos").mkdir()
    for i in range(4):
        save_png(np.full((8, 8, 3), 10 * i, np.uint8), tmp_path / "labels" / f"{i}.png")
        save_png(np.full((8, 8, 3), 10 * i + 100, np.uint8), tmp_path / "photos" / f"{i}.png")
    batch = next(iter(load_translation((tmp_path / "labels", tmp_path / "photos"), "train", 4,
                                       paired=True, seed=3)))
    x = np.round((batch["x"].numpy()[:, 0, 0, 0] + 1) * 127.5)
    y = np.round((batch["y"].numpy()[:, 0, 0, 0] + 1) * 127.5)
    np.testing.assert_array_equal(y, x + 100)  # each photo with its own label image
    save_png(np.zeros((8, 8, 3), np.uint8), tmp_path / "photos" / "extra.png")
    with pytest.raises(ValueError, match="same file names: 4 images .* 5 in .* 4 names in common"):
        load_translation((tmp_path / "labels", tmp_path / "photos"), "train", 2, paired=True)
