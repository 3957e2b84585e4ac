"""Tests of kerasgan.data: the `gaussian_mixture` TFDS builder and `load`.

Nothing here touches the network: `gaussian_mixture` is generated locally and
`mnist` is replaced by `tfds.testing.mock_data`.
"""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import kerasgan.data
from kerasgan.data import MixtureSpec, get_mixture, load
from kerasgan.data.gaussian_mixture import GaussianMixture
from kerasgan.data.gaussian_mixture.gaussian_mixture import SPLITS

CONFIGS = ["ring8", "grid25"]
NUM_EXAMPLES = {"train": 100_000, "test": 10_000}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """One data dir for the module, with both configs prepared once.

    `ring8` is prepared through `tfds.load` (the public TFDS entry point),
    `grid25` through `load(..., download=False)`: both must generate the data
    locally from scratch.
    """
    path = tmp_path_factory.mktemp("tfds")
    tfds.load("gaussian_mixture/ring8", split="test", data_dir=path)
    load("gaussian_mixture/grid25", "test", batch_size=8, download=False, data_dir=path)
    return path


_ARRAYS = {}


def _split_arrays(config, split, data_dir):
    """The whole split as numpy arrays, read once per module."""
    key = (config, split, str(data_dir))
    if key not in _ARRAYS:
        builder = tfds.builder(f"gaussian_mixture/{config}", data_dir=data_dir)
        _ARRAYS[key] = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    return _ARRAYS[key]


# --------------------------------------------------------------------------
# The builder.


def test_exports_and_registration():
    assert kerasgan.data.get_mixture is get_mixture
    assert isinstance(get_mixture("ring8"), MixtureSpec)
    assert GaussianMixture.name == "gaussian_mixture"
    assert "gaussian_mixture" in tfds.list_builders(with_community_datasets=False)
    assert [c.name for c in GaussianMixture.BUILDER_CONFIGS] == CONFIGS
    assert str(GaussianMixture.VERSION) == "1.0.0"


@pytest.mark.parametrize("config", CONFIGS)
def test_builder_info(config, data_dir):
    builder = tfds.builder(f"gaussian_mixture/{config}", data_dir=data_dir)
    info = builder.info
    assert info.full_name == f"gaussian_mixture/{config}/1.0.0"
    assert {s: info.splits[s].num_examples for s in info.splits} == NUM_EXAMPLES
    features = info.features
    assert set(features.keys()) == {"point", "mode"}
    assert features["point"].shape == (2,)
    assert features["point"].np_dtype == np.float32
    assert features["mode"].num_classes == get_mixture(config).num_modes
    assert "PacGAN" in info.citation and "VEEGAN" in info.citation
    assert "Lin" in info.citation and "Srivastava" in info.citation
    assert info.description.strip()


@pytest.mark.parametrize(
    "config, split", [("ring8", "train"), ("ring8", "test"), ("grid25", "test")]
)
def test_builder_shapes_and_counts(config, split, data_dir):
    arrays = _split_arrays(config, split, data_dir)
    n = NUM_EXAMPLES[split]
    assert arrays["point"].shape == (n, 2) and arrays["point"].dtype == np.float32
    assert arrays["mode"].shape == (n,) and arrays["mode"].dtype == np.int64


def test_builder_train_split_of_grid25(data_dir):
    # Reading all 100,000 examples again is slow: count from the metadata and
    # check a slice.
    builder = tfds.builder("gaussian_mixture/grid25", data_dir=data_dir)
    assert int(builder.as_dataset(split="train").cardinality()) == 100_000
    arrays = tfds.as_numpy(builder.as_dataset(split="train[:1000]", batch_size=-1))
    assert arrays["point"].shape == (1000, 2) and arrays["point"].dtype == np.float32
    assert set(np.unique(arrays["mode"])) == set(range(25))


@pytest.mark.parametrize("config", CONFIGS)
def test_points_come_from_the_mixture(config, data_dir):
    spec = get_mixture(config)
    arrays = _split_arrays(config, "test", data_dir)
    points, modes = arrays["point"].astype(np.float64), arrays["mode"]
    dists = np.linalg.norm(points[:, None, :] - spec.centers[None], axis=-1)
    nearest = dists.argmin(axis=1)
    within = dists.min(axis=1) <= 3 * spec.sigma
    # P(|x - mu| <= 3 sigma) for a 2-D isotropic Gaussian is 1 - exp(-9/2).
    assert abs(within.mean() - (1 - np.exp(-4.5))) < 0.01
    assert set(np.unique(modes)) == set(range(spec.num_modes))
    assert (nearest == modes).mean() >= 0.99
    # Roughly equal weights (each mode ~ n / K, within a generous margin).
    counts = np.bincount(modes, minlength=spec.num_modes)
    assert counts.min() > 0.7 * len(modes) / spec.num_modes


def test_splits_use_different_seeds(data_dir):
    assert SPLITS["train"][1] != SPLITS["test"][1]
    train = _split_arrays("ring8", "train", data_dir)["point"]
    test = _split_arrays("ring8", "test", data_dir)["point"]
    # No test point (as a 2-D row) also appears in the training split.
    as_rows = lambda a: np.ascontiguousarray(a).view(np.dtype((np.void, 8))).ravel()
    assert not np.isin(as_rows(test), as_rows(train)).any()


def test_builder_is_deterministic_across_builds(data_dir, tmp_path):
    # A second, independent build in another data dir.
    tfds.builder("gaussian_mixture/ring8", data_dir=tmp_path).download_and_prepare()
    rebuilt = _split_arrays("ring8", "test", tmp_path)
    first = _split_arrays("ring8", "test", data_dir)
    np.testing.assert_array_equal(rebuilt["point"], first["point"])
    np.testing.assert_array_equal(rebuilt["mode"], first["mode"])
    assert (tmp_path / "gaussian_mixture" / "ring8" / "1.0.0").is_dir()


# --------------------------------------------------------------------------
# load.


@pytest.mark.parametrize("config", CONFIGS)
def test_load_points_batches(config, data_dir):
    ds = load(f"gaussian_mixture/{config}", batch_size=32, seed=0, data_dir=data_dir)
    spec = ds.element_spec
    assert set(spec) == {"images", "labels"}
    assert spec["images"].shape == (32, 2) and spec["images"].dtype == tf.float32
    assert spec["labels"].shape == (32,) and spec["labels"].dtype == tf.int32
    batch = next(iter(ds))
    labels = batch["labels"].numpy()
    assert labels.min() >= 0 and labels.max() < get_mixture(config).num_modes
    centers = get_mixture(config).centers
    np.testing.assert_allclose(
        batch["images"].numpy(), centers[labels], atol=6 * get_mixture(config).sigma
    )


def test_load_repeats_beyond_one_epoch(data_dir):
    ds = load("gaussian_mixture/ring8", "test[:100]", batch_size=32, seed=1, data_dir=data_dir)
    batches = list(ds.take(10))  # 320 examples from a 100-example split
    assert len(batches) == 10
    assert all(b["images"].shape == (32, 2) for b in batches)


def test_load_without_repeat_or_drop_remainder(data_dir):
    ds = load(
        "gaussian_mixture/ring8", "test[:100]", batch_size=32, repeat=False,
        drop_remainder=False, shuffle=False, cache=False, data_dir=data_dir,
    )
    assert ds.element_spec["images"].shape.as_list() == [None, 2]
    sizes = [int(b["images"].shape[0]) for b in ds]
    assert sizes == [32, 32, 32, 4]


def test_load_unshuffled_keeps_tfds_order(data_dir):
    ds = load("gaussian_mixture/ring8", "test", batch_size=50, shuffle=False, data_dir=data_dir)
    batch = next(iter(ds))
    arrays = _split_arrays("ring8", "test", data_dir)
    np.testing.assert_array_equal(batch["images"].numpy(), arrays["point"][:50])
    np.testing.assert_array_equal(batch["labels"].numpy(), arrays["mode"][:50])


def test_load_seeded_shuffle_is_reproducible(data_dir):
    def first_batches(seed):
        ds = load("gaussian_mixture/grid25", "test", batch_size=64, seed=seed, data_dir=data_dir)
        return np.concatenate([b["images"].numpy() for b in ds.take(3)])

    a, b, c = first_batches(7), first_batches(7), first_batches(8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    unshuffled = _split_arrays("grid25", "test", data_dir)["point"][: len(a)]
    assert not np.array_equal(a, unshuffled)


def test_load_mocked_mnist(tmp_path):
    with tfds.testing.mock_data(num_examples=40):
        ds = load("mnist", batch_size=16, seed=0, data_dir=tmp_path)
        spec = ds.element_spec
        assert spec["images"].shape == (16, 28, 28, 1)
        assert spec["images"].dtype == tf.float32
        assert spec["labels"].shape == (16,) and spec["labels"].dtype == tf.int32
        batches = list(ds.take(4))  # more than the 40 examples: repeats
    images = np.concatenate([b["images"].numpy() for b in batches])
    labels = np.concatenate([b["labels"].numpy() for b in batches])
    assert images.min() >= -1.0 and images.max() <= 1.0
    # x / 127.5 - 1 of uint8 data: mapping back gives integers in [0, 255].
    back = (images + 1.0) * 127.5
    np.testing.assert_allclose(back, np.round(back), atol=1e-3)
    assert labels.min() >= 0 and labels.max() < 10


# --------------------------------------------------------------------------
# Errors.


def test_unknown_name_lists_closest_first():
    with pytest.raises(ValueError, match="Unknown dataset 'gaussian_mixtur'") as err:
        load("gaussian_mixtur")
    assert str(err.value).split("Expected one of: ")[1].startswith("'gaussian_mixture'")
    with pytest.raises(ValueError) as err:
        load("mnsit/some_config")
    assert "Expected one of: 'mnist'" in str(err.value)


def test_unknown_config():
    with pytest.raises(ValueError, match="Unknown gaussian_mixture config 'ring9'") as err:
        load("gaussian_mixture/ring9")
    assert "Expected one of: 'ring8', 'grid25'" in str(err.value)


@pytest.mark.parametrize("bad", [0, -4, 2.5, "8", True, None])
def test_bad_batch_size(bad, tmp_path):
    with pytest.raises(ValueError, match="batch_size must be a positive int") as err:
        load("gaussian_mixture/ring8", batch_size=bad, data_dir=tmp_path / "unused")
    assert repr(bad) in str(err.value)
    assert not (tmp_path / "unused").exists()  # validated before any work


def test_bad_split_and_name_types():
    with pytest.raises(TypeError, match="split must be a string"):
        load("gaussian_mixture/ring8", split=["train"])
    with pytest.raises(TypeError, match="name must be"):
        load(3)


def test_unsupported_features(tmp_path):
    with tfds.testing.mock_data(num_examples=4):
        with pytest.raises(ValueError) as err:
            load("imdb_reviews", data_dir=tmp_path)
    message = str(err.value)
    assert "'text'" in message and "'label'" in message
    assert "'point'" in message and "'image'" in message


def test_unprepared_dataset_without_download_fails_at_once(tmp_path):
    """Offline, a dataset that would need a download is refused before any network use."""
    import time

    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"Dataset 'mnist' is not prepared .* download=False"):
        load("mnist", data_dir=str(tmp_path), download=False)
    assert time.perf_counter() - start < 30  # no download attempt, no retries
