"""kerasgan.training helpers: learning-rate scaling for another global batch."""

import pytest

from kerasgan import zoo
from kerasgan.training import build_gan, compile_gan, scale_learning_rates


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
