"""The dataset registry: kinds and protocols registered where datasets are defined, and
`dataset_info` for every name `load` accepts."""

import gzip

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import kerasgan.data
from kerasgan.data import DATASETS, dataset_info, register_dataset


@register_dataset(kind="images", protocol={"extractor": "digits-net", "split": "test",
                                           "num_samples": 6})
class ToyRegistryImages(tfds.core.GeneratorBasedBuilder):
    """Six 4x4 grey images per split, generated locally (a builder defined in a test module)."""

    VERSION = tfds.core.Version("1.0.0")
    pkg_dir_path = None  # defined outside a package: TFDS must not look for checksums files

    def _info(self):
        return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
            "image": tfds.features.Image(shape=(4, 4, 1)),
            "label": tfds.features.ClassLabel(num_classes=2)}))

    def _split_generators(self, dl_manager):
        del dl_manager
        return {"train": self._generate_examples(0), "test": self._generate_examples(100)}

    def _generate_examples(self, offset):
        for i in range(6):
            yield i, {"image": np.full((4, 4, 1), offset + 10 * i, np.uint8), "label": i % 2}


def test_project_and_catalogue_datasets_are_registered():
    assert {"digits", "gaussian_mixture", "digit_pairs", "mnist", "fashion_mnist", "cifar10",
            "celeb_a", "cycle_gan"} <= set(DATASETS.names())
    assert DATASETS.metadata("digits")["builder"] is kerasgan.data.Digits
    assert DATASETS.metadata("mnist")["builder"] is None
    assert DATASETS.names(kind="points") == ["gaussian_mixture"]
    assert set(DATASETS.names(kind="image_pairs")) == {"cycle_gan", "digit_pairs"}


@pytest.mark.parametrize("name,family,kind,extractor", [
    ("gaussian_mixture/ring8", "gaussian_mixture", "points", None),
    ("gaussian_mixture/grid25:1.0.0", "gaussian_mixture", "points", None),
    ("digits", "digits", "images", "digits-net"),
    ("digits/8x8", "digits", "images", "digits-net"),
    ("mnist", "mnist", "images", "mnist-net"),
    ("mnist:3.0.1", "mnist", "images", "mnist-net"),
    ("fashion_mnist", "fashion_mnist", "images", "fashion-net"),
    ("celeb_a", "celeb_a", "images", "inception-v3"),
    ("cifar10", "cifar10", "images", "inception-v3"),
    ("lsun/bedroom", "lsun", "images", "inception-v3"),  # not registered: images by default
    ("digit_pairs", "digit_pairs", "image_pairs", None),
    ("cycle_gan/horse2zebra", "cycle_gan", "image_pairs", None),
])
def test_dataset_info_of_names(name, family, kind, extractor):
    info = dataset_info(name)
    assert (info.family, info.kind, info.protocol["extractor"]) == (family, kind, extractor)


def test_protocols_follow_the_feature_net_floors():
    assert dataset_info("digits/28x28").protocol == {
        "extractor": "digits-net", "split": "test", "num_samples": 1347}
    assert dataset_info("mnist").protocol == {
        "extractor": "mnist-net", "split": "test", "num_samples": 10_000}
    assert dataset_info("digits/16x16").protocol["num_samples"] == 10_000  # no floor at 16 px
    assert dataset_info("gaussian_mixture/ring8").protocol["num_samples"] == 2500


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">i4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def test_local_directories(tmp_path):
    idx = tmp_path / "idx"
    idx.mkdir()
    _write_idx(idx / "t10k-images-idx3-ubyte.gz", np.zeros((3, 28, 28), np.uint8))
    _write_idx(idx / "t10k-labels-idx1-ubyte.gz", np.zeros((3,), np.uint8))
    info = dataset_info(str(idx))
    assert (info.family, info.kind, info.source, info.is_local) == ("mnist", "images", "idx", True)
    assert info.protocol == dataset_info("mnist").protocol  # judged as MNIST

    folder = tmp_path / "faces"
    folder.mkdir()
    tf.io.write_file(str(folder / "a.png"), tf.io.encode_png(np.zeros((4, 4, 3), np.uint8)))
    info = dataset_info(folder)
    assert (info.family, info.kind, info.source) == ("folder", "images", "folder")
    assert info.protocol["split"] == "train"  # a folder's only split


def test_bad_name_type():
    with pytest.raises(TypeError, match="name must be a TFDS dataset name"):
        dataset_info(3)


def test_a_registered_builder_loads_locally_with_nothing_else_edited(tmp_path):
    assert dataset_info("toy_registry_images").builder is ToyRegistryImages
    assert "toy_registry_images" in kerasgan.data.known_dataset_names()
    ds = kerasgan.data.load("toy_registry_images", "test", batch_size=6, shuffle=False,
                            data_dir=str(tmp_path), download=False)
    batch = next(iter(ds))
    assert batch["images"].shape == (6, 4, 4, 1)
    np.testing.assert_allclose(np.sort(batch["images"][:, 0, 0, 0].numpy()),  # TFDS stores shuffled
                               (100 + 10 * np.arange(6)) / 127.5 - 1, atol=1e-6)
    assert kerasgan.data.builds_locally("toy_registry_images")


def test_registration_checks_the_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        register_dataset("toy_bad_kind", kind="audio")
