"""Reference sets, the full sample-quality report, and a generator's FID falling."""

import keras
import numpy as np
import pytest

from kerasgan import zoo
from kerasgan.data import digits_arrays, load
from kerasgan.metrics import (
    default_protocol,
    evaluate_generator_quality,
    frechet_distance,
    reference_set,
    sample_quality,
)
from kerasgan.metrics.quality import generated_batches
from kerasgan.models import create_variant
from kerasgan.nets import mlp_discriminator, mlp_generator


@pytest.fixture(scope="module")
def reference(extractor, tmp_path_factory):
    return reference_set("digits/28x28", "test", extractor,
                         cache_dir=tmp_path_factory.mktemp("cache"))


def test_report_reproduces_the_card_floor(extractor, reference):
    """Real train digits vs the test split: the floor recorded in digits-net's card
    (read in the same order as tools/measure_floors.py: TFDS's, unshuffled)."""
    train = load("digits/28x28", "train", batch_size=256, shuffle=False, repeat=False,
                 drop_remainder=False)
    report = sample_quality(train, reference, extractor)
    floors = zoo.get_feature_net_entry("digits-net").results["floors"]
    for key, value in floors["metrics"].items():
        assert report["metrics"][key] == pytest.approx(value, rel=1e-6, abs=1e-9), key
    p = report["protocol"]
    assert (p["n_fake"], p["n_real"], p["split"], p["extractor"]) == (1347, 450, "test",
                                                                      "digits-net")
    assert report["labels"]["fid"] == "FID (digits-net)"
    # Real data: high precision/recall and coverage, density ~1, IS near 10 classes.
    m = report["metrics"]
    assert m["precision"] > 0.8 and m["recall"] > 0.8 and m["coverage"] > 0.9
    assert 0.8 < m["density"] < 1.2
    assert m["inception_score"] > 8


def test_fid_is_the_one_shot_formula(extractor, reference):
    train, _ = digits_arrays(28, "train")
    report = sample_quality(train[:500], reference, extractor)
    expected = frechet_distance(extractor.extract(train[:500]).features, reference.features)
    assert report["metrics"]["fid"] == pytest.approx(expected, rel=1e-9)


def test_noise_scores_far_worse_than_real_digits(extractor, reference):
    rng = np.random.default_rng(0)
    noise = rng.uniform(-1, 1, (500, 28, 28, 1)).astype(np.float32)
    m = sample_quality(noise, reference, extractor)["metrics"]
    floor = zoo.get_feature_net_entry("digits-net").results["floors"]["metrics"]
    assert m["fid"] > 20 * floor["fid"]
    assert m["kid"] > 20 * abs(floor["kid"]) + 10 * floor["kid_std"]
    assert m["precision"] < 0.05 and m["coverage"] < 0.05


def test_reference_set_is_cached(extractor, tmp_path, monkeypatch):
    first = reference_set("digits/28x28", "test", extractor, num_samples=100, cache_dir=tmp_path)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"
    monkeypatch.setattr(type(extractor), "extract", lambda *a, **k: pytest.fail("recomputed"))
    again = reference_set("digits/28x28", "test", extractor, num_samples=100, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.features, first.features)
    assert again.protocol == first.protocol and first.protocol["n"] == 100


def _write_idx_images(directory, images):
    import gzip

    header = bytes([0, 0, 8, 3]) + np.asarray(images.shape[:3], ">i4").tobytes()
    with gzip.open(directory / "t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(header + images.tobytes())
    labels = np.zeros(len(images), np.uint8)
    with open(directory / "t10k-labels-idx1-ubyte", "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + np.asarray([len(images)], ">i4").tobytes()
                + labels.tobytes())


def test_reference_cache_follows_the_data(extractor, tmp_path):
    """Changed IDX files give new features, never the stale cached ones."""
    rng = np.random.default_rng(0)
    data = tmp_path / "idx"
    data.mkdir()
    _write_idx_images(data, rng.integers(0, 256, (80, 28, 28), dtype=np.uint8))
    first = reference_set(str(data), "test", extractor, cache_dir=tmp_path / "cache")
    _write_idx_images(data, rng.integers(0, 256, (90, 28, 28), dtype=np.uint8))
    second = reference_set(str(data), "test", extractor, cache_dir=tmp_path / "cache")
    assert first.protocol["n"] == 80 and second.protocol["n"] == 90
    assert len(list((tmp_path / "cache").iterdir())) == 2


def test_reference_set_limit_beyond_the_split(extractor, tmp_path):
    with pytest.raises(ValueError, match="has 450 images; num_samples=1000"):
        reference_set("digits/28x28", "test", extractor, num_samples=1000, cache_dir=tmp_path)


def test_mismatched_extractor_and_too_few_samples(extractor, reference):
    from kerasgan.metrics import ReferenceSet

    other = ReferenceSet(reference.features[:, :10], reference.probs,
                         {**reference.protocol, "extractor": "other-net"})
    with pytest.raises(ValueError, match="computed with other-net"):
        sample_quality(np.zeros((100, 28, 28, 1), np.uint8), other, extractor)
    with pytest.raises(ValueError, match="got 30 generated samples of width 64; need at least 65"):
        sample_quality(np.zeros((30, 28, 28, 1), np.uint8), reference, extractor)
    small = ReferenceSet(reference.features[:40], reference.probs[:40], reference.protocol)
    with pytest.raises(ValueError, match="got 40 reference samples of width 64"):
        sample_quality(np.zeros((100, 28, 28, 1), np.uint8), small, extractor)


def test_default_protocol_matches_the_floor_protocols():
    for name in ("digits-net", "mnist-net"):
        entry = zoo.get_feature_net_entry(name)
        protocol = default_protocol(entry.config["dataset"])
        floors = entry.results["floors"]["protocol"]
        assert protocol["split"] == floors["reference_split"]
        assert protocol["num_samples"] == floors["n_fake"]
        assert protocol["extractor"] == name


def _image_gan():
    generator = mlp_generator(32, (28, 28, 1), (256, 256), output_activation="tanh")
    discriminator = mlp_discriminator((28, 28, 1), (256, 256))
    gan = create_variant("nsgan", generator, discriminator, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    return gan


def test_generated_batches_are_generate_in_pieces():
    gan = _image_gan()
    whole = gan.generate(70, seed=5)
    pieces = np.concatenate(list(generated_batches(gan, 70, seed=5, batch_size=32)))
    np.testing.assert_allclose(pieces, whole, atol=1e-6)


@pytest.mark.slow
def test_fid_falls_while_a_gan_learns_the_digits(tmp_path):
    """An MLP GAN on the embedded digits: FID halves within 1500 steps."""
    keras.utils.set_random_seed(0)
    gan = _image_gan()
    before = evaluate_generator_quality(gan, "digits/28x28", num_samples=400)
    gan.fit(load("digits/28x28", "train", 64, seed=0), epochs=1, steps_per_epoch=1500, verbose=0)
    after = evaluate_generator_quality(gan, "digits/28x28", num_samples=400)
    assert after["metrics"]["fid"] < before["metrics"]["fid"] / 2, (before, after)
    assert after["metrics"]["precision"] > before["metrics"]["precision"] + 0.2
    assert after["protocol"]["n_fake"] == 400 and after["protocol"]["seed"] == 12345


def test_non_image_generators_are_refused():
    gan = create_variant("nsgan", mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
    with pytest.raises(ValueError, match=r"need an image generator.*shape \(2,\)"):
        evaluate_generator_quality(gan, "digits/28x28")


def test_generated_batches_of_a_conditional_gan_keep_the_class_cycle():
    from kerasgan.nets import dcgan_discriminator, dcgan_generator

    gan = create_variant("nsgan", dcgan_generator(8, (28, 28, 1), 8, num_classes=10),
                         dcgan_discriminator((28, 28, 1), 8, num_classes=10), num_classes=10)
    whole = gan.generate(30, seed=2)  # sample i: class i mod 10
    pieces = np.concatenate(list(generated_batches(gan, 30, seed=2, batch_size=7)))
    np.testing.assert_allclose(pieces, whole, atol=1e-6)
