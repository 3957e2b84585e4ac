"""kerasgan.training helpers: building every kind of zoo config, learning-rate scaling for
another global batch, the translation run; and the package's import layering."""

import copy
import json

import pytest
from synthetic_mnist import write_synthetic_mnist

from kerasgan import zoo
from kerasgan.data import local_sources
from kerasgan.training import build_gan, compile_gan, scale_learning_rates, train_run


def test_learning_rates_follow_the_scaling_rule():
    config = zoo.get_entry("dcgan_digits").config  # CosineDecay schedules, batch 64
    base = config["optimizers"]["generator"]["config"]["learning_rate"]["config"]
    for rule, factor in (("none", 1.0), ("linear", 4.0), ("sqrt", 2.0)):
        scaled = scale_learning_rates(config, 256, rule)
        for role in ("generator", "discriminator"):
            rate = scaled["optimizers"][role]["config"]["learning_rate"]["config"]
            original = config["optimizers"][role]["config"]["learning_rate"]["config"]
            assert rate["initial_learning_rate"] == pytest.approx(
                factor * original["initial_learning_rate"])
            assert rate["decay_steps"] == original["decay_steps"]
    assert base == config["optimizers"]["generator"]["config"]["learning_rate"]["config"]  # copy
    gan = compile_gan(build_gan(scale_learning_rates(config, 128, "linear")),
                      scale_learning_rates(config, 128, "linear"))
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(2 * base["initial_learning_rate"])
    with pytest.raises(ValueError, match=r"Unknown learning-rate scaling 'cubic'; expected one of"):
        scale_learning_rates(config, 128, "cubic")


def test_plain_rates_are_scaled_too():
    config = {"training": {"batch_size": 100}, "optimizers": {
        "generator": {"class_name": "Adam", "config": {"learning_rate": 2e-4}},
        "discriminator": {"class_name": "Adam", "config": {}}}}
    scaled = scale_learning_rates(config, 50, "linear")["optimizers"]
    assert scaled["generator"]["config"]["learning_rate"] == pytest.approx(1e-4)
    assert scaled["discriminator"]["config"]["learning_rate"] == pytest.approx(5e-4)  # Keras default 1e-3


def _tiny_translation_config(name):
    import copy

    config = copy.deepcopy(zoo.get_translation_entry(name).config)
    for spec in config["nets"].values():
        spec["args"]["base_filters"] = 4
        if "num_blocks" in spec["args"]:
            spec["args"]["num_blocks"] = 1
    return config


@pytest.mark.slow
def test_train_translation_run_on_two_folders_writes_a_run_directory(tmp_path):
    """`--dataset FOLDER_X,FOLDER_Y` for pix2pix: pairs by file name, checkpoints, metrics
    (no known transform: none), a picture, a SavedModel that serves the trained G."""
    import json

    import numpy as np
    import tensorflow as tf

    from kerasgan.plotting import save_png
    from kerasgan.training import train_translation_run

    rng = np.random.default_rng(0)
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
    for i in range(6):
        image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        save_png(image, tmp_path / "x" / f"{i}.png")
        save_png(255 - image, tmp_path / "y" / f"{i}.png")   # y = inverted x
    run_dir = tmp_path / "run"
    model, results = train_translation_run(
        _tiny_translation_config("pix2pix_digits"), str(run_dir),
        dataset=f"{tmp_path / 'x'},{tmp_path / 'y'}", epochs=2, steps_per_epoch=3, batch_size=2,
        verbose=0)
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "checkpoints", "logs", "metrics.json", "model.weights.h5", "samples.png", "saved_model"]
    saved = json.loads((run_dir / "metrics.json").read_text())
    assert saved["train_steps"] == 6 and saved["metrics"] == {} and saved["model"] == "pix2pix"
    assert len(saved["history"]["l1"]) == 2
    assert results["weights_digest"] == saved["weights_digest"]
    x = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    loaded = tf.saved_model.load(str(run_dir / "saved_model"))
    served = loaded.translate(tf.constant(x))["images"]
    np.testing.assert_allclose(served, model.translate(x), atol=1e-5)


def test_build_translation_names_what_is_unknown():
    from kerasgan.training import build_translation

    config = _tiny_translation_config("cyclegan_digits")
    config["model"] = "cycle_gan"
    with pytest.raises(ValueError, match="Unknown translation model 'cycle_gan'.*'cyclegan'"):
        build_translation(config)
    config = _tiny_translation_config("cyclegan_digits")
    config["nets"]["generator_xy"]["builder"] = "unet"
    with pytest.raises(ValueError, match="Unknown network builder 'unet'"):
        build_translation(config)


def test_build_model_builds_every_kind_of_config():
    from kerasgan.models import CycleGAN, Pix2Pix
    from kerasgan.training import build_model

    gan = build_model(zoo.get_entry("nsgan_ring8").config, compile=True, jit_compile=False)
    assert gan.latent_dim == 16 and gan.g_optimizer is not None and not gan.jit_compile
    assert isinstance(build_model(_tiny_translation_config("pix2pix_digits")), Pix2Pix)
    model = build_model(_tiny_translation_config("cyclegan_digits"), compile=True)
    assert isinstance(model, CycleGAN) and model.jit_compile is False  # "auto": off
    assert build_model(zoo.get_entry("mnist-net").config).output.shape == (None, 10)
    with pytest.raises(ValueError, match="Unknown zoo entry kind 'vae'"):
        build_model({"kind": "vae"})


def test_older_gan_configs_still_build():
    """Configs written before the one schema (generator / discriminator / variant)."""
    old = {"variant": "nsgan", "variant_args": {"d_steps": 2},
           "generator": {"builder": "mlp_generator", "args": {"latent_dim": 3}},
           "discriminator": {"builder": "mlp_discriminator", "args": {}}}
    gan = build_gan(old)
    assert (gan.latent_dim, gan.d_steps) == (3, 2)


def test_dataset_kinds_come_from_the_data_package():
    from kerasgan import data, metrics, training

    assert training.dataset_kind("gaussian_mixture/grid25") == "points"
    assert training.is_mixture_dataset("gaussian_mixture/ring8")
    assert not training.is_mixture_dataset("digits/28x28")
    assert data.dataset_info("digit_pairs").kind == "image_pairs"
    assert training.evaluate_gan is metrics.evaluate_gan  # one evaluation, re-exported


@pytest.mark.slow
def test_train_run_on_stacked_mnist_logs_its_modes(tmp_path):
    """A GAN trains on stacked_mnist from a local MNIST source; the run logs modes / KL."""
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    write_synthetic_mnist(mnist, train=200, test=100)
    config = copy.deepcopy(zoo.get_entry("dcgan_mnist").config)
    config["dataset"] = "stacked_mnist"
    for net in config["nets"].values():
        net["args"]["image_shape"] = [28, 28, 3]
    config["training"] = {"batch_size": 16, "epochs": 1, "steps_per_epoch": 2, "seed": 0}
    config["evaluation"] = {"seed": 1, "num_samples": 300,
                            "monitor": {"every_n_epochs": 1, "num_samples": 200}}
    with local_sources(mnist=str(mnist)):
        _, results = train_run(config, str(tmp_path / "run"), export=False)
    history = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert results["metrics"]["protocol"]["num_samples"] == 300
    assert 1 <= results["metrics"]["modes"] <= 300
    assert "stacked_modes" in str(history)
