"""Local sources: a TFDS name (`mnist`, `fashion_mnist`) read from a folder of its IDX files.

The folders are written by the tests (tiny "MNIST"s of 28x28 images), so nothing
depends on ../shared or on a download.
"""

import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from kerasgan import data
from kerasgan.metrics import quality

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def write_idx(path, array, compress=False):
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">i4").tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_mnist_like(folder, sizes=(("train", 40), ("t10k", 30)), shape=(28, 28), classes=10,
                     seed=0):
    """Random images and cyclic labels in the MNIST file layout; returns the arrays by split."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {}
    for prefix, n in sizes:
        images = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
        labels = (np.arange(n) % classes).astype(np.uint8)
        write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), images, compress=True)
        write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), labels)
        arrays["test" if prefix == "t10k" else prefix] = (images, labels)
    return arrays


def read_all(ds):
    images, labels = [], []
    for batch in ds:
        images.append(batch["images"].numpy())
        labels.append(batch["labels"].numpy())
    return np.concatenate(images), np.concatenate(labels)


def as_model_range(images):
    return images[..., None].astype(np.float32) / 127.5 - 1.0


@pytest.fixture
def mnist_copy(tmp_path):
    folder = tmp_path / "my-mnist"
    return str(folder), write_mnist_like(folder)


@pytest.mark.parametrize("split, part", [("test", slice(None)), ("train[:10]", slice(0, 10))])
def test_source_argument_reads_the_named_split_exactly(mnist_copy, split, part):
    folder, arrays = mnist_copy
    name = split.split("[")[0]
    ds = data.load("mnist", split=split, batch_size=7, shuffle=False, repeat=False,
                   drop_remainder=False, download=False, source=folder)
    images, labels = read_all(ds)
    np.testing.assert_allclose(images, as_model_range(arrays[name][0][part]), atol=1e-6)
    np.testing.assert_array_equal(labels, arrays[name][1][part])


def test_registered_and_environment_sources_serve_the_recipe_name(mnist_copy, monkeypatch):
    folder, arrays = mnist_copy
    expected = as_model_range(arrays["test"][0])
    kwargs = dict(split="test", batch_size=10, shuffle=False, repeat=False, download=False)
    with data.local_sources(mnist=folder):
        assert data.local_source("mnist:3.0.1") == folder
        np.testing.assert_allclose(read_all(data.load("mnist", **kwargs))[0], expected, atol=1e-6)
    assert data.local_source("mnist") is None  # restored after the block

    monkeypatch.setenv(data.LOCAL_SOURCE_ENV, f"cifar10=/nowhere; mnist={folder}")
    assert data.local_source("mnist") == folder
    np.testing.assert_allclose(read_all(data.load("mnist", **kwargs))[0], expected, atol=1e-6)

    data.set_local_source("mnist", folder)
    try:
        monkeypatch.setenv(data.LOCAL_SOURCE_ENV, "mnist=/elsewhere")
        assert data.local_source("mnist") == folder  # a registration beats the environment
    finally:
        data.set_local_source("mnist", None)


def test_a_local_source_is_judged_as_its_tfds_name(mnist_copy):
    folder, _ = mnist_copy
    with data.local_sources(fashion_mnist=folder):
        info = data.dataset_info("fashion_mnist")
        assert info.family == "fashion_mnist" and info.protocol["extractor"] == "fashion-net"
        identity = quality._dataset_identity("fashion_mnist", "test", None)
    assert identity["name"] == "fashion_mnist"
    assert identity["directory"] == os.path.abspath(folder)
    assert sorted(f[0] for f in identity["files"]) == [
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte",
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte"]


def test_missing_files_are_named(tmp_path):
    folder = tmp_path / "half"
    write_mnist_like(folder, sizes=(("train", 20),))
    with pytest.raises(ValueError, match=r"cannot serve split 'test'.*t10k-images-idx3-ubyte"):
        data.load("mnist", split="test", source=str(folder), download=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"holds no IDX split.*\['notes.txt'\]"):
        data.set_local_source("mnist", str(empty))
    with pytest.raises(ValueError, match="is not a directory"):
        data.load("mnist", source=str(tmp_path / "missing"), download=False)


def test_a_folder_of_other_images_or_classes_is_refused(tmp_path):
    small = tmp_path / "small"
    write_mnist_like(small, shape=(6, 5))
    with pytest.raises(ValueError, match=r"\(28, 28, 1\).*30 images of 6x5 pixels"):
        data.load("mnist", split="test", source=str(small), download=False)
    with pytest.raises(ValueError, match=r"\(32, 32, 3\)"):
        data.load("cifar10", split="test", source=str(small), download=False)
    many = tmp_path / "many"
    write_mnist_like(many, classes=12)
    with pytest.raises(ValueError, match=r"classes 0\.\.9.*labels 0\.\.11"):
        data.load("mnist", split="test", source=str(many), download=False)


def test_neither_tfds_nor_a_source_says_how_to_name_one(tmp_path, monkeypatch):
    monkeypatch.delenv(data.LOCAL_SOURCE_ENV, raising=False)
    with pytest.raises(ValueError, match=r"not prepared.*source=DIR.*--source DIR.*"
                                         r"KERASGAN_LOCAL_DATA='mnist=DIR'"):
        data.load("mnist", data_dir=str(tmp_path / "tfds"), download=False)


def test_bad_environment_and_source_for_a_path_are_refused(tmp_path, monkeypatch, mnist_copy):
    monkeypatch.setenv(data.LOCAL_SOURCE_ENV, "mnist")
    with pytest.raises(ValueError, match="name=DIR pairs separated by ';'.*'mnist'"):
        data.local_source("mnist")
    monkeypatch.delenv(data.LOCAL_SOURCE_ENV)
    folder, _ = mnist_copy
    with pytest.raises(ValueError, match="already a local path"):
        data.load(folder, source=folder)


def _cli(*args, cwd):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop(data.LOCAL_SOURCE_ENV, None)
    return subprocess.run([sys.executable, "-m", "kerasgan.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600)


@pytest.mark.slow
def test_cli_evaluates_an_mnist_entry_on_a_local_source_and_refuses_bad_ones(tmp_path):
    folder = tmp_path / "mnist-copy"
    write_mnist_like(folder, sizes=(("train", 20), ("t10k", 120)))
    result = _cli("evaluate", "dcgan_mnist", "--source", str(folder), "--split", "test",
                  "--num-samples", "120", "--out", str(tmp_path / "m.json"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "m.json").read_text())
    assert report["protocol"]["n_real"] == 120 and report["protocol"]["split"] == "test"
    assert report["fid"] > 0

    small = tmp_path / "small"
    write_mnist_like(small, shape=(6, 5))
    for args, message in [
        (("evaluate", "dcgan_mnist", "--source", str(small)), "does not hold mnist images"),
        (("train", "dcgan_mnist", "--source", str(tmp_path / "nope"), "--out",
          str(tmp_path / "run")), "is not a directory"),
        (("train", "dcgan_digits", "--source", str(folder), "--out", str(tmp_path / "run")),
         "kerasgan reads without one"),
    ]:
        result = _cli(*args, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()
