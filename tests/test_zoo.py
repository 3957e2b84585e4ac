"""The zoo registry: entries, pretrained loading with sha256 checks, README table."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from kerasgan import zoo
from kerasgan.core.images import uint8_to_model_range
from kerasgan.models import GAN
from helpers import run_python_json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = ["gan", "nsgan", "lsgan", "wgan", "wgan_gp", "r1gan", "r3gan", "sngan"]
IMAGE_TRAINED = ["cdcgan_digits", "cdcgan_mnist", "dcgan_digits", "dcgan_mnist", "lsgan_digits",
                 "sngan_digits", "wgan_gp_digits"]
IMAGE_RECIPES = ["biggan_cifar10", "dcgan_celeba64", "sngan_resnet_cifar10"]  # not trained here


TRANSLATION = ["cyclegan_digits", "cyclegan_horse2zebra", "pix2pix_digits", "pix2pix_facades"]
FEATURE_NETS = ["digits-net", "fashion-net", "mnist-net"]


def test_every_entry_is_registered():
    mixtures = sorted(f"{v}_{d}" for v in VARIANTS for d in ("ring8", "grid25"))
    gans = sorted(mixtures + IMAGE_TRAINED + IMAGE_RECIPES)
    assert zoo.list_models(kind="gan") == gans
    assert zoo.list_models(kind="translation") == TRANSLATION
    assert zoo.list_models(kind="feature_net") == FEATURE_NETS
    assert zoo.list_models() == sorted(gans + TRANSLATION + FEATURE_NETS)  # every kind
    assert zoo.list_models(filter="*_ring8") == sorted(f"{v}_ring8" for v in VARIANTS)
    assert zoo.list_models("*digits", kind=("gan", "translation"), pretrained=True) == sorted(
        ["cyclegan_digits", "pix2pix_digits"] + [n for n in IMAGE_TRAINED if n.endswith("digits")])
    assert zoo.DEFAULT_ENTRY in IMAGE_TRAINED
    for name in zoo.list_models():
        entry = zoo.get_entry(name)
        assert entry.config["kind"] == entry.kind and entry.config["name"] == name
        assert set(entry.config) >= {"description", "dataset", "model", "model_args", "nets"}


def test_every_config_and_results_file_is_in_the_one_schema():
    """The json files on disk are migrated (tools/migrate_zoo_schema.py --check)."""
    for name in zoo.list_models():
        entry = zoo.get_entry(name)
        with open(os.path.join(entry.path, "config.json")) as f:
            raw = json.load(f)
        assert not {"variant", "variant_args", "generator", "discriminator", "builder",
                    "args"} & set(raw), name
        assert raw["kind"] == entry.kind and set(raw["nets"]) == set(entry.config["nets"])
        if entry.results:
            with open(os.path.join(entry.path, "results.json")) as f:
                files = json.load(f)["weights"]["files"]
            for info in files.values():
                assert set(info) == {"file", "sha256", "bytes"}, name
                assert os.path.getsize(os.path.join(entry.path, info["file"])) == info["bytes"]


def test_trained_entries_have_recorded_metrics_and_recipes_targets():
    assert zoo.list_models(pretrained=False, kind="gan") == IMAGE_RECIPES
    for name in zoo.list_models(pretrained=True, kind="gan"):
        entry = zoo.get_entry(name)
        metrics = entry.metrics
        if name in IMAGE_TRAINED:
            for key in ("fid", "kid", "precision", "recall", "density", "coverage"):
                assert key in metrics, (name, key)
            p = metrics["protocol"]
            assert {"n_real", "n_fake", "split", "extractor", "seed"} <= set(p)
            assert ("conditional_accuracy" in metrics) == name.startswith("cdcgan")
            assert os.path.exists(os.path.join(entry.path, "samples.png"))
        else:
            for key in ("modes_captured", "high_quality_percent", "reverse_kl", "spread"):
                assert key in metrics, (name, key)
            assert metrics["protocol"]["num_samples"] == 2500
        assert len(entry.sha256) == 64
        assert os.path.exists(os.path.join(entry.path, "README.md"))
    for name in IMAGE_RECIPES:
        entry = zoo.get_entry(name)
        assert entry.config["target"]["summary"] and "Not trained yet" in open(
            os.path.join(entry.path, "README.md")).read()


@pytest.mark.slow
@pytest.mark.parametrize("name", IMAGE_RECIPES)
def test_untrained_recipes_build_and_train_on_mocked_data(name):
    """The CIFAR-10 / CelebA architectures build from their configs and take a step."""
    import tensorflow_datasets as tfds

    from kerasgan.data import load

    entry = zoo.get_entry(name)
    training = entry.config["training"]
    gan = zoo.create(name, jit_compile=False)
    with tfds.testing.mock_data(num_examples=4):
        ds = load(entry.config["dataset"], "train", 2, seed=0, **{
            k: training[k] for k in ("image_size", "center_crop") if k in training})
        history = gan.fit(ds, epochs=1, steps_per_epoch=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert gan.generate(2, seed=0).shape == (2, *gan.data_shape)


def test_unknown_entry_lists_closest_names_first():
    with pytest.raises(ValueError, match=r"Unknown zoo entry 'nsgan_ring9'\. Expected one of: 'nsgan_ring8'"):
        zoo.get_entry("nsgan_ring9")


def test_create_untrained_architecture_matches_config():
    gan = zoo.create("sngan_ring8")
    assert isinstance(gan, GAN)
    assert gan.gan_loss.name == "hinge"
    latent_dim = zoo.get_entry("sngan_ring8").config["nets"]["generator"]["args"]["latent_dim"]
    assert gan.latent_dim == latent_dim


def test_create_builds_every_kind_of_entry():
    from kerasgan.models import CycleGAN, Pix2Pix

    assert isinstance(zoo.create("pix2pix_digits", compile=False), Pix2Pix)
    cyclegan = zoo.create("cyclegan_digits", pretrained=True, compile=False)
    assert isinstance(cyclegan, CycleGAN)
    net = zoo.create("digits-net", pretrained=True)
    assert net.output.shape == (None, 10)
    images = np.zeros((2, 28, 28, 1), np.float32)
    np.testing.assert_array_equal(  # the verified weights, as the feature extractor loads them
        net(images).numpy(), zoo.create("digits-net", pretrained=True)(images).numpy())


def test_describe_every_kind():
    assert "variant:    sngan" in zoo.describe("sngan_ring8")
    text = zoo.describe("cyclegan_digits")
    assert "kind:       translation" in text and "x_to_y" in text
    assert "generator_xy=resnet_translator" in text
    text = zoo.describe("mnist-net")
    assert "classifier=digit_classifier" in text and "held_out" in text


def test_older_names_are_aliases_of_the_one_lookup():
    assert zoo.translation_entries() == zoo.entries(kind="translation")
    assert sorted(zoo.feature_net_entries()) == FEATURE_NETS
    assert zoo.get_translation_entry("pix2pix_digits") is zoo.get_entry("pix2pix_digits")
    assert zoo.get_feature_net_entry("digits-net").path == zoo.get_entry("digits-net").path
    with pytest.raises(ValueError, match="Unknown translation entry 'nsgan_ring8'"):
        zoo.create_translation("nsgan_ring8")
    assert isinstance(zoo.verify_weights(zoo.get_entry("r1gan_ring8")), bytes)
    assert sorted(zoo.verify_weights(zoo.get_entry("cyclegan_digits"))) == [
        "generator_xy", "generator_yx"]
    assert zoo.ZooEntry is zoo.get_entry("r1gan_ring8").__class__


def test_render_table_has_a_column_for_every_registered_metric():
    """A metric registered by a test module shows up in the zoo table."""
    from kerasgan.metrics import METRICS

    from kerasgan.metrics import register_metric

    register_metric("test_sharpness", label="sharpness (test)", kinds=("points",))(lambda i: 0.0)
    try:
        table = zoo.render_table("gan")
    finally:
        METRICS.remove("test_sharpness")
    mixture_header = [line for line in table.splitlines() if "modes" in line and "|" in line][0]
    assert "sharpness (test)" in mixture_header
    assert "sharpness (test)" not in zoo.render_table("gan")
    assert "[pix2pix_digits](zoo/translation/pix2pix_digits/README.md)" in zoo.render_table(
        "translation")
    assert "digits-net" in zoo.render_table("feature_net")
    for line in table.splitlines():  # every row as wide as its header
        if line.startswith("| [r1gan_ring8]") or line.startswith("| [biggan_cifar10]"):
            assert line.count("|") == mixture_header.count("|") or "biggan" in line


@pytest.mark.parametrize("name", ["r1gan_ring8", "wgan_gp_grid25"])
def test_pretrained_round_trip_gives_the_same_samples(name, tmp_path):
    gan = zoo.create(name, pretrained=True)
    samples = gan.generate(64, seed=5)
    gan.save_weights(tmp_path / "copy.weights.h5")
    again = zoo.create(name, pretrained=False)
    again.load_weights(tmp_path / "copy.weights.h5")
    np.testing.assert_array_equal(samples, again.generate(64, seed=5))
    np.testing.assert_array_equal(samples, zoo.create(name, pretrained=True).generate(64, seed=5))


@pytest.mark.parametrize("name", ["dcgan_digits", "cdcgan_digits"])
def test_pretrained_image_entries_reproduce_their_cards(name):
    """FID, KID, classes (and per-class accuracy) recomputed from the shipped weights."""
    from kerasgan.training import evaluate_gan

    entry = zoo.get_entry(name)
    evaluation = {k: v for k, v in entry.config["evaluation"].items() if k != "monitor"}
    # The cards predate intra-class FID and CAS (tests/test_metrics_conditional.py): not redone here.
    metrics = evaluate_gan(zoo.create(name, pretrained=True), entry.config["dataset"],
                           conditional=False, **evaluation)
    for key in ("fid", "kid", "precision", "recall", "density", "coverage", "inception_score"):
        assert metrics[key] == pytest.approx(entry.metrics[key], rel=1e-4, abs=1e-6), key
    assert metrics["protocol"] == entry.metrics["protocol"]
    if "conditional_accuracy" in entry.metrics:
        assert metrics["conditional_accuracy"] == entry.metrics["conditional_accuracy"]


def test_pretrained_weights_reproduce_the_card_metrics():
    """Loading (not retraining) the weights gives the metrics written in the card."""
    from kerasgan.training import evaluate_gan

    for name in ("r1gan_ring8", "r1gan_grid25"):
        entry = zoo.get_entry(name)
        metrics = evaluate_gan(zoo.create(name, pretrained=True), entry.config["dataset"],
                               **entry.config["evaluation"])
        for key in ("modes_captured", "high_quality", "reverse_kl", "spread"):
            assert metrics[key] == pytest.approx(entry.metrics[key], rel=1e-4, abs=1e-6), (name, key)


@pytest.fixture
def private_zoo(tmp_path, monkeypatch):
    """A copy of one entry in a private zoo folder, so the test may damage it."""
    shutil.copytree(zoo.get_entry("nsgan_ring8").path, tmp_path / "nsgan_ring8")
    monkeypatch.setenv("KERASGAN_ZOO", str(tmp_path))
    zoo.refresh()
    yield tmp_path / "nsgan_ring8"
    zoo.refresh()


@pytest.mark.parametrize("damage", ["flip_byte", "truncate"])
def test_tampered_weights_are_refused_and_nothing_is_loaded(private_zoo, damage, monkeypatch):
    weights = private_zoo / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    if damage == "flip_byte":
        data[len(data) // 2] ^= 0xFF
    else:
        data = data[: len(data) // 2]
    weights.write_bytes(bytes(data))
    loaded = []
    monkeypatch.setattr(GAN, "load_weights", lambda self, path: loaded.append(path))
    with pytest.raises(zoo.WeightsVerificationError, match="sha256 is .* but the zoo card records"):
        zoo.create("nsgan_ring8", pretrained=True)
    assert loaded == []


def test_untrained_entry_cannot_load_pretrained(private_zoo):
    os.remove(private_zoo / "results.json")
    zoo.refresh()
    with pytest.raises(ValueError, match="has no trained weights yet"):
        zoo.create("nsgan_ring8", pretrained=True)


@pytest.mark.slow
def test_readme_zoo_table_is_rendered_from_the_cards():
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tools", "render_readme.py"), "--check"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_pretrained_entries_load_from_a_non_editable_install(tmp_path):
    """`pip install .` (not editable) ships the zoo's configs, cards and weights."""
    source = tmp_path / "source"  # build from a copy: no build/ or egg-info in the repo
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache", "runs"))
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(source)],
        capture_output=True, text=True, timeout=900,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    script = (
        "import kerasgan.zoo as z, json;"
        "e = z.get_entry('r1gan_ring8');"
        "from kerasgan.metrics import get_extractor;"
        "print(json.dumps([z.zoo_root(), z.list_models(pretrained=True, kind='gan'), "
        "len(z.verify_weights(e)), e.weights_path, get_extractor('mnist-net').feature_dim, "
        "z.get_feature_net_entry('digits-net').path, "
        "sorted(z.translation_entries()['cyclegan_digits'].weight_files)]))"
    )
    root, pretrained, size, weights, width, net_path, translation = run_python_json(
        script, env={"PYTHONPATH": str(target)}, cwd=str(tmp_path))
    assert translation == ["generator_xy", "generator_yx"]  # translation entries ship too
    assert width == 64 and net_path.startswith(str(target))  # feature nets ship too
    assert root.startswith(str(target))
    assert len(pretrained) == 2 * len(VARIANTS) + len(IMAGE_TRAINED)
    assert size > 0 and weights.startswith(str(target))


def test_translation_entries_and_recipes():
    assert sorted(zoo.translation_entries()) == [
        "cyclegan_digits", "cyclegan_horse2zebra", "pix2pix_digits", "pix2pix_facades"]
    for name in ("cyclegan_horse2zebra", "pix2pix_facades"):
        entry = zoo.get_translation_entry(name)
        assert entry.results is None and "Recipe only" in entry.config["description"]
    model = zoo.create_translation("cyclegan_horse2zebra", compile=False)
    assert model.x_shape == (256, 256, 3) and model.pool_x.size == 50


@pytest.mark.slow
@pytest.mark.parametrize("name", ["pix2pix_digits", "cyclegan_digits"])
def test_trained_translation_entries_reproduce_their_errors(name):
    from kerasgan.data import digit_transform, inverse_digit_transform
    from kerasgan.data.digit_pairs.digit_pairs import pair_arrays
    from kerasgan.metrics.translation import translation_errors

    entry = zoo.get_translation_entry(name)
    model = zoo.create_translation(name, pretrained=True, compile=False)
    x, y, _ = pair_arrays("test")
    x, y = uint8_to_model_range(x).numpy(), uint8_to_model_range(y).numpy()
    if entry.config["model"] == "cyclegan":
        errors = translation_errors(model.translate_x_to_y, x, y, digit_transform,
                                    inverse_digit_transform, model.translate_y_to_x)
    else:
        errors = translation_errors(model.translate, x, y, digit_transform, inverse_digit_transform)
    for key, value in entry.results["errors"].items():
        assert errors[key] == pytest.approx(value, rel=1e-4, abs=1e-6), key
    # Far better than doing nothing.
    assert errors["x_to_y"] < 0.5 * entry.results["identity_errors"]["x_to_y"]
