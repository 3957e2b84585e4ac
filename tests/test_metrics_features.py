"""Feature extractors: the shipped domain nets, InceptionV3, and input checks."""

import hashlib
import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from kerasgan.core import entries as zoo
from kerasgan.data import digits_arrays
from kerasgan.metrics import features as features_lib
from kerasgan.metrics import get_extractor


@pytest.fixture(scope="module")
def digits_net():
    return get_extractor("digits-net")


@pytest.fixture(scope="module")
def digits_test():
    return digits_arrays(28, "test")


def test_shipped_nets_are_what_their_cards_say():
    for name in ("digits-net", "mnist-net"):
        entry = zoo.get_entry(name, kind="feature_net")
        extractor = get_extractor(name)
        assert extractor.image_shape == tuple(entry.config["nets"]["classifier"]["args"]["input_shape"])
        assert extractor.feature_dim == entry.config["nets"]["classifier"]["args"]["feature_dim"]
        assert extractor.num_classes == 10
        assert extractor.fingerprint.startswith(entry.sha256)
        assert entry.results["accuracy"]["held_out"] >= 0.97


def test_digits_net_accuracy_matches_its_card(digits_net, digits_test):
    """Recompute the held-out accuracy recorded by tools/train_feature_net.py."""
    images, labels = digits_test
    probs = digits_net.extract(images).probs
    accuracy = float(np.mean(np.argmax(probs, axis=1) == labels))
    card = zoo.get_entry("digits-net", kind="feature_net").results["accuracy"]["held_out"]
    assert accuracy == pytest.approx(card, abs=1e-9)
    assert accuracy >= 0.97


def test_features_are_standardized_on_the_training_images(digits_net):
    """The card's standardization makes train features mean 0 and RMS 1."""
    images, _ = digits_arrays(28, "train")
    f = digits_net.extract(images).features
    np.testing.assert_allclose(f.mean(axis=0), 0, atol=1e-4)
    assert np.sqrt(np.mean(f ** 2)) == pytest.approx(1.0, abs=1e-4)


def test_uint8_and_float_inputs_give_the_same_features(digits_net, digits_test):
    images = digits_test[0][:64]
    a = digits_net.extract(images).features
    b = digits_net.extract(images.astype(np.float32) / 127.5 - 1).features
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_batching_does_not_change_features(digits_net, digits_test):
    images = digits_test[0][:100]
    whole = digits_net.extract(images, batch_size=100).features
    pieces = digits_net.extract(images, batch_size=7).features
    np.testing.assert_allclose(whole, pieces, atol=1e-5)
    as_dicts = digits_net.extract([{"images": images[:60]}, {"images": images[60:]}]).features
    np.testing.assert_allclose(whole, as_dicts, atol=1e-5)


def test_other_sizes_and_channels_are_converted(digits_net, digits_test):
    small, _ = digits_arrays(16, "test")
    out = digits_net.extract(small[:10])
    assert out.features.shape == (10, 64)
    rgb = np.repeat(digits_test[0][:10], 3, axis=-1)
    np.testing.assert_allclose(digits_net.extract(rgb).features,
                               digits_net.extract(digits_test[0][:10]).features, atol=2e-3)


@pytest.mark.parametrize(
    "images, message",
    [
        (np.full((2, 28, 28, 1), 1.5, np.float32), r"in \[-1, 1\].*got values in \[1.5, 1.5\]"),
        (np.full((2, 28, 28, 1), 200.0, np.float32), r"Rescale first"),
        (np.full((2, 28, 28, 1), np.nan, np.float32), "got 1568 NaN or infinite values"),
        (np.zeros((2, 28, 28, 2), np.float32), "1 or 3 channels; got 2"),
        (np.zeros((28, 28, 1), np.float32), r"batch of images \[N, H, W, C\]"),
        (np.zeros((2, 28, 28, 1), np.int32), "got dtype int32"),
    ],
)
def test_bad_images_are_refused(digits_net, images, message):
    with pytest.raises(ValueError, match=message):
        digits_net.extract(images)


def test_images_in_zero_one_get_a_warning(digits_net, digits_test):
    images = digits_test[0][:100].astype(np.float32) / 255.0
    with pytest.warns(RuntimeWarning, match=r"every float image value is >= 0.*\[0, 1\]"):
        digits_net.extract(images)


def test_range_is_checked_inside_tf_function(digits_net):
    @tf.function
    def features(x):
        return digits_net(x)[0]

    with pytest.raises(tf.errors.InvalidArgumentError, match=r"in \[-1, 1\]"):
        features(tf.fill((2, 28, 28, 1), 3.0))


def test_empty_input_is_refused(digits_net):
    with pytest.raises(ValueError, match="no images were given"):
        digits_net.extract([])


def test_unknown_extractor_lists_the_names():
    with pytest.raises(ValueError, match="Unknown feature extractor 'digit-net'.*'digits-net'"):
        get_extractor("digit-net")


def test_default_extractor_name():
    assert features_lib.default_extractor_name("digits/16x16") == "digits-net"
    assert features_lib.default_extractor_name("mnist") == "mnist-net"
    assert features_lib.default_extractor_name("celeb_a") == "inception-v3"


def test_tampered_feature_net_is_refused_and_nothing_loaded(tmp_path, monkeypatch):
    package = tmp_path / "zoo"
    shutil.copytree(zoo.package_zoo_root(), package)
    weights = package / "feature_nets" / "digits-net" / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    monkeypatch.setattr(zoo, "package_zoo_root", lambda: str(package))
    zoo.refresh()
    try:
        with pytest.raises(zoo.WeightsVerificationError, match="sha256"):
            get_extractor("digits-net")
    finally:
        zoo.refresh()


def test_missing_standardization_is_explained(tmp_path, monkeypatch):
    package = tmp_path / "zoo"
    shutil.copytree(zoo.package_zoo_root(), package)
    results_path = package / "feature_nets" / "mnist-net" / "results.json"
    results = json.loads(results_path.read_text())
    del results["feature_normalization"]
    results_path.write_text(json.dumps(results))
    monkeypatch.setattr(zoo, "package_zoo_root", lambda: str(package))
    zoo.refresh()
    try:
        with pytest.raises(ValueError, match="--calibrate-only"):
            get_extractor("mnist-net")
    finally:
        zoo.refresh()


# --------------------------------------------------------------------------
# InceptionV3 (random weights here: the ImageNet file cannot be downloaded).


def test_inception_v3_interface_with_random_weights():
    extractor = features_lib.inception_v3(weights=None)
    assert extractor.image_shape == (299, 299, 3)
    assert extractor.fingerprint is None  # random weights are never cached
    grey = np.random.default_rng(0).integers(0, 256, (2, 28, 28, 1), dtype=np.uint8)
    out = extractor.extract(grey)
    assert out.features.shape == (2, 2048) and out.probs.shape == (2, 1000)
    assert np.all(out.features >= 0)  # average of ReLU activations
    np.testing.assert_allclose(out.probs.sum(axis=1), 1, atol=1e-4)


def test_inception_v3_offline_without_cached_weights_fails_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    expected = os.path.join(str(tmp_path), "models", features_lib.INCEPTION_WEIGHTS_FILE)
    with pytest.raises(FileNotFoundError, match=f"expected {expected} and download=False"):
        get_extractor("inception-v3", download=False)


def test_inception_v3_uses_a_pre_seeded_cache(tmp_path, monkeypatch):
    """A weights file placed in $KERAS_HOME/models is used, with no download."""
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    # Write a (random) InceptionV3 in the legacy h5 layout of Keras' ImageNet files.
    model = keras.applications.InceptionV3(include_top=True, weights=None)
    os.makedirs(tmp_path / "models")
    path = tmp_path / "models" / features_lib.INCEPTION_WEIGHTS_FILE
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: pytest.fail("downloaded"))
    # The real file is checked against Keras' md5; this stand-in against its own.
    with pytest.raises(ValueError, match="is not Keras' InceptionV3 ImageNet weights file"):
        get_extractor("inception-v3", download=False)
    monkeypatch.setattr(features_lib, "INCEPTION_WEIGHTS_MD5",
                        hashlib.md5(path.read_bytes()).hexdigest())
    extractor = get_extractor("inception-v3", download=False)
    assert extractor.fingerprint.startswith("inception-v3:")
    x = np.random.default_rng(1).uniform(-1, 1, (1, 299, 299, 3)).astype(np.float32)
    expected = keras.Model(model.input, model.get_layer("avg_pool").output)(x)
    np.testing.assert_allclose(extractor.extract(x).features, expected, rtol=1e-4, atol=1e-5)
