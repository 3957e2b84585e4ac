"""Image data for `load`: local image folders, resizing and cropping, mocked TFDS image sets."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from kerasgan.data import load
from kerasgan.data.folder import list_image_files
from kerasgan.plotting import save_png


@pytest.fixture
def folder(tmp_path):
    """Two classes of 20x30 RGB images with known grey levels."""
    for label, name in enumerate(("cat", "dog")):
        (tmp_path / name).mkdir()
        for i in range(4):
            save_png(np.full((20, 30, 3), 10 * i + 100 * label, np.uint8),
                     tmp_path / name / f"{i}.png")
    return tmp_path


def test_class_subfolders_give_sorted_labels(folder):
    files, labels, classes = list_image_files(folder)
    assert classes == ["cat", "dog"] and labels.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    batch = next(iter(load(str(folder), "train", 8, shuffle=False, repeat=False)))
    assert batch["images"].shape == (8, 20, 30, 3)
    # Each image keeps its own label (grey level 10 i + 100 label), in the fixed file order.
    grey = np.round((batch["images"].numpy()[:, 0, 0, 0] + 1) * 127.5).astype(int)
    assert sorted(grey.tolist()) == [0, 10, 20, 30, 100, 110, 120, 130]
    np.testing.assert_array_equal(grey // 100, batch["labels"].numpy())
    assert batch["labels"].numpy().tolist() != sorted(batch["labels"].numpy().tolist())


def test_folder_resize_channels_and_split_slices(folder):
    half = load(str(folder), "train[:50%]", 8, shuffle=False, repeat=False,
                drop_remainder=False, image_size=16, channels=1)
    rest = load(str(folder), "train[50%:]", 8, shuffle=False, repeat=False,
                drop_remainder=False, image_size=16, channels=1)
    a, b = next(iter(half)), next(iter(rest))
    assert a["images"].shape == (4, 16, 16, 1) and b["images"].shape == (4, 16, 16, 1)
    # The slices split the (shuffled) files, not the classes, and do not overlap.
    assert sorted(a["labels"].numpy().tolist() + b["labels"].numpy().tolist()) == [0] * 4 + [1] * 4
    assert set(a["labels"].numpy()) == {0, 1}


def test_folder_crop_then_resize(tmp_path):
    image = np.zeros((40, 60, 3), np.uint8)
    image[10:30, 20:40] = 200  # the central 20x20 square
    save_png(image, tmp_path / "a.png")
    batch = next(iter(load(str(tmp_path), "train", 1, repeat=False, center_crop=20,
                           image_size=8)))
    np.testing.assert_allclose(batch["images"].numpy(), 200 / 127.5 - 1, atol=1e-6)


def test_flat_folder_has_no_labels(tmp_path):
    for i in range(3):
        save_png(np.zeros((8, 8, 3), np.uint8), tmp_path / f"{i}.png")
    batch = next(iter(load(str(tmp_path), "train", 3, repeat=False)))
    assert sorted(batch) == ["images"]


def test_empty_folder_and_mixed_sizes_fail_clearly(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match=r"holds no image files .* it holds \['notes.txt'\]"):
        load(str(tmp_path), "train")
    save_png(np.zeros((8, 8, 3), np.uint8), tmp_path / "a.png")
    save_png(np.zeros((9, 8, 3), np.uint8), tmp_path / "b.png")
    ds = load(str(tmp_path), "train", 2, shuffle=False, repeat=False)
    with pytest.raises(Exception, match="differ in size .* pass image_size"):
        next(iter(ds))
    assert next(iter(load(str(tmp_path), "train", 2, image_size=8, repeat=False)))[
        "images"].shape == (2, 8, 8, 3)


def test_bad_sizes_are_refused(folder):
    with pytest.raises(ValueError, match=r"image_size must be a positive int or \(height, width\)"):
        load(str(folder), "train", 2, image_size=(0, 4))


@pytest.mark.parametrize("name, shape", [("cifar10", (32, 32, 3)), ("fashion_mnist", (28, 28, 1))])
def test_mocked_tfds_image_datasets(name, shape):
    with tfds.testing.mock_data(num_examples=8):
        batch = next(iter(load(name, "train", 8, shuffle=False)))
    assert batch["images"].shape == (8, *shape)
    assert batch["images"].numpy().min() >= -1 and batch["images"].numpy().max() <= 1
    assert batch["labels"].dtype.name == "int32"


def test_celeb_a_standard_preprocessing_on_mocked_data():
    """CelebA's 218x178 images, central 140x140 crop, resized to 64x64."""
    with tfds.testing.mock_data(num_examples=4):
        batch = next(iter(load("celeb_a", "train", 4, center_crop=140, image_size=64,
                               shuffle=False)))
    assert batch["images"].shape == (4, 64, 64, 3)
    with tfds.testing.mock_data(num_examples=4):
        with pytest.raises(Exception, match="center_crop=.* is larger than an image"):
            next(iter(load("celeb_a", "train", 4, center_crop=300, image_size=64)))
