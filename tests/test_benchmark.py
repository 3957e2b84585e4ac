"""The development benchmarks (tools/benchmarks: benchmark, benchmark_torch): FLOP counts,
the baselines, the helpers.

No timing is asserted: only that the measurements run and are well-formed.
"""

import argparse
import json
import math
import os
import sys

import keras
import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))

from benchmarks import benchmark, benchmark_torch  # noqa: E402
from kerasgan import zoo  # noqa: E402
from kerasgan.layers import SpectralNormalization  # noqa: E402
from kerasgan.models import GAN  # noqa: E402


def _tiny_gan(d_steps=1):
    z = keras.Input((6,))
    h = keras.layers.Dense(2 * 2 * 4)(z)
    h = keras.layers.Reshape((2, 2, 4))(h)
    images = keras.layers.Conv2DTranspose(3, 3, 2, padding="same")(h)  # -> 4x4x3
    generator = keras.Model(z, images)
    x = keras.Input((4, 4, 3))
    h = keras.layers.Conv2D(2, 3, 2, padding="same")(x)  # -> 2x2x2
    h = keras.layers.Flatten()(h)
    logits = keras.layers.Dense(1)(h)
    return GAN(generator, keras.Model(x, logits), d_steps=d_steps)


def test_train_step_flops_matches_the_closed_form():
    gan = _tiny_gan()
    # G: Dense 6->16, transposed conv over 2x2 inputs with a 3x3x4x3 kernel.
    f_g = 2 * 6 * 16 + 2 * (2 * 2) * (3 * 3) * 4 * 3
    # D: conv to 2x2 outputs with a 3x3x3x2 kernel, Dense 8->1.
    f_d = 2 * (2 * 2) * (3 * 3) * 3 * 2 + 2 * 8 * 1
    assert (f_g, f_d) == (1056, 448)
    assert benchmark.forward_flops(gan.generator) == f_g
    assert benchmark.forward_flops(gan.discriminator) == f_d
    # kerasgan's G update reuses the last D update's samples: 2 F_G there, not 3.
    assert benchmark.train_step_flops(gan, 10) == 10 * ((f_g + 6 * f_d) + (2 * f_g + 2 * f_d))
    assert benchmark.train_step_flops(gan, 10) == 67_520
    two = _tiny_gan(d_steps=2)
    assert benchmark.train_step_flops(two, 10) == 10 * (2 * (f_g + 6 * f_d) + 2 * f_g + 2 * f_d)
    plain = benchmark.PlainKerasGAN(gan.discriminator, gan.generator, 6)  # the tutorial's step
    assert benchmark.train_step_flops(plain, 10) == 10 * ((f_g + 6 * f_d) + (3 * f_g + 2 * f_d))


def test_wrapped_and_nested_layers_count_as_their_core():
    dense = keras.layers.Dense(7)
    wrapped = SpectralNormalization(keras.layers.Dense(7))
    inner = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    x = keras.Input((5,))
    model = keras.Model(x, [dense(x), wrapped(x), inner(x)])
    assert benchmark.layer_forward_flops(dense) == 2 * 5 * 7
    assert benchmark.layer_forward_flops(wrapped) == 2 * 5 * 7
    assert benchmark.forward_flops(model) == 2 * 5 * 7 * 2 + 2 * 5 * 3


def test_plain_keras_baseline_step_updates_both_nets():
    config = zoo.get_entry("dcgan_digits").config
    gan = benchmark.build_plain_keras(config, jit_compile=False)
    before_g = [w.copy() for w in gan.generator.get_weights()]
    before_d = [w.copy() for w in gan.discriminator.get_weights()]
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])
    for before, net in ((before_g, gan.generator), (before_d, gan.discriminator)):
        after = net.get_weights()
        assert any(not np.array_equal(a, b) for a, b in zip(before, after)), net.name
    # Two copies of the entry's nets, not the kerasgan GAN's.
    assert gan.generator.count_params() == benchmark.build_kerasgan(
        config, False).generator.count_params()


def test_baseline_is_skipped_for_steps_it_does_not_do():
    assert benchmark.baseline_skip_reason(zoo.get_entry("dcgan_digits").config) is None
    assert "conditional" in benchmark.baseline_skip_reason(zoo.get_entry("cdcgan_digits").config)
    assert "5 D steps" in benchmark.baseline_skip_reason(zoo.get_entry("wgan_gp_digits").config)


def test_matmul_peak_is_positive_and_finite():
    peak = benchmark.matmul_peak_flops(256, repeats=2)
    assert peak > 0 and math.isfinite(peak)


def test_input_wait_fraction_on_a_tiny_pipeline():
    config = {
        "kind": "gan", "model": "nsgan", "model_args": {}, "dataset": "gaussian_mixture/ring8",
        "nets": {
            "generator": {"builder": "mlp_generator",
                          "args": {"latent_dim": 2, "hidden_units": [8]}},
            "discriminator": {"builder": "mlp_discriminator", "args": {"hidden_units": [8]}}},
        "training": {"batch_size": 32},
    }
    wait = benchmark.input_wait_fraction(config, steps=3, warmup=1, repeats=1, jit_compile=False)
    assert 0.0 <= wait["fraction"] < 1.0
    assert wait["real_step_s"] > 0 and wait["cached_step_s"] > 0


def test_peak_rss_sees_an_allocation():
    before = benchmark.rss_mib()
    with benchmark.PeakRSS(interval=0.001) as monitor:
        block = np.ones((96, 1024, 1024), np.uint8)  # 96 MiB, touched
        block[::4096] = 2
    assert monitor.peak - before > 64
    del block


def _row(name, torch=True):
    settings = {k: {"images_per_second": 1000.0 + i, "peak_rss_mib": 10.0 * i}
                for i, k in enumerate(benchmark.SETTINGS) if torch or k != "torch"}
    row = {"name": name, "kind": "image", "batch": 64, "d_steps": 1, "settings": settings,
           "notes": [] if torch else ["no PyTorch figure: not run (--no-torch)"],
           "ratios": {"vs_plain_keras": 0.99, **({"vs_torch": 0.9} if torch else {})},
           "flops_per_step": 2.7e9, "achieved_flops_per_second": 4e10, "peak_flops": 1e11,
           "flops_fraction": 0.4, "sampling_batch": 1024, "sampling_images_per_second": 2e4,
           "input_wait": {"fraction": 0.02, "real_step_s": 0.05, "cached_step_s": 0.049}}
    row["targets"] = benchmark.check_targets(row)
    return row


def test_markdown_has_a_row_per_entry_in_each_table():
    rows = [_row("dcgan_digits"), _row("lsgan_digits", torch=False)]
    rows[0]["profile"] = [{"phase": "G forward", "flops": 2.4e8,
                           "seconds_xla": 0.004, "flops_per_second_xla": 6e10,
                           "fraction_of_peak_xla": 0.6, "seconds_no_xla": 0.005,
                           "flops_per_second_no_xla": 4.8e10, "fraction_of_peak_no_xla": 0.48}]
    text = benchmark.format_markdown(rows)
    lines = text.splitlines()
    for name in ("dcgan_digits", "lsgan_digits"):
        assert sum(line.startswith(f"| {name} |") for line in lines) == 3
    assert "| G forward | 0.24 | 4.0 | 60.0 (60%) | 5.0 | 48.0 (48%) |" in text
    assert "- lsgan_digits: no PyTorch figure" in text
    targets = rows[0]["targets"]
    assert targets["vs_plain_keras"] == (0.99, 1.3, False)
    assert targets["sampling_images_per_second"][2] is True
    assert rows[1]["targets"]["vs_torch"] == (None, 1.1, None)


def test_cli_arguments_and_patterns():
    parser = argparse.ArgumentParser()
    benchmark.add_arguments(parser)
    args = parser.parse_args(["dcgan_digits", "--batch-size", "256", "--no-torch",
                              "--source", "/tmp/mnist", "--markdown"])
    assert (args.batch_size, args.torch, args.data, args.markdown) == (256, False, "/tmp/mnist", True)
    assert parser.parse_args([]).patterns == ["*_digits", "*_mnist"]
    assert benchmark.names_for_patterns(["dcgan_digits", "*_digits"])[0] == "dcgan_digits"
    with pytest.raises(ValueError):
        benchmark.names_for_patterns(["no_such_entry"])
    other = argparse.ArgumentParser()
    benchmark.add_arguments(other, exclude=("steps", "patterns"))
    assert not hasattr(other.parse_args([]), "steps")


# ----------------------------------------------------------------- PyTorch
def _keras_nets(name):
    keras.utils.set_random_seed(1)
    gan = benchmark.build_kerasgan(zoo.get_entry(name).config, jit_compile=False)
    rng = np.random.default_rng(2)
    for layer in gan.generator.layers:  # non-trivial normalization state and parameters
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.1, layer.moving_mean.shape))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape))
            layer.gamma.assign(rng.uniform(0.5, 1.5, layer.gamma.shape))
            layer.beta.assign(rng.normal(0, 0.1, layer.beta.shape))
    return gan


@pytest.mark.parametrize("training", [False, True])
def test_torch_conversion_matches_keras_forward(training):
    torch = pytest.importorskip("torch")

    gan = _keras_nets("dcgan_digits")
    rng = np.random.default_rng(3)
    z = rng.normal(size=(16, gan.latent_dim)).astype("float32")
    x = rng.uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    g = benchmark_torch.convert_keras_model(gan.generator).train(training)
    d = benchmark_torch.convert_keras_model(gan.discriminator).train(training)
    with torch.no_grad():
        torch_images = g(torch.from_numpy(z)).numpy().transpose(0, 2, 3, 1)
        torch_logits = d(benchmark_torch.nhwc_to_nchw(x)).numpy()
    np.testing.assert_allclose(torch_images, np.asarray(gan.generator(z, training=training)),
                               atol=1e-4)
    np.testing.assert_allclose(torch_logits, np.asarray(gan.discriminator(x, training=training)),
                               atol=1e-4)


def test_torch_conversion_of_tensorflow_asymmetric_same_padding():
    torch = pytest.importorskip("torch")

    x = keras.Input((7, 7, 3))
    h = keras.layers.Conv2D(5, 4, 2, padding="same")(x)  # 7 -> 4: TF pads 1 before, 2 after
    h = keras.layers.Conv2DTranspose(4, 3, 2, padding="same", activation="relu")(h)  # 4 -> 8
    h = keras.layers.Conv2DTranspose(2, 1, 2, padding="same")(h)  # kernel < stride: 8 -> 16
    h = keras.layers.Flatten()(h)
    model = keras.Model(x, keras.layers.Dense(3)(h))
    images = np.random.default_rng(4).normal(size=(2, 7, 7, 3)).astype("float32")
    with torch.no_grad():
        out = benchmark_torch.convert_keras_model(model)(benchmark_torch.nhwc_to_nchw(images))
    np.testing.assert_allclose(out.numpy(), np.asarray(model(images)), atol=1e-4)


def test_torch_conversion_refuses_spectral_norm_nets():
    pytest.importorskip("torch")

    gan = benchmark.build_kerasgan(zoo.get_entry("sngan_digits").config, jit_compile=False)
    with pytest.raises(ValueError, match="SpectralNormalization"):
        benchmark_torch.convert_keras_model(gan.discriminator)


@pytest.mark.slow
def test_torch_worker_runs_the_step():
    pytest.importorskip("torch")

    with benchmark_torch.TorchWorker() as worker:
        worker.build(zoo.get_entry("dcgan_digits").config, batch_size=8)
        reply = worker.run(steps=2, warmup=1)
    assert reply["images_per_second"] > 0 and math.isfinite(reply["peak_rss_mib"])


def test_the_benchmarks_are_not_part_of_the_installed_package():
    import kerasgan

    package = os.path.dirname(kerasgan.__file__)
    for module in ("benchmark.py", "benchmark_torch.py"):
        assert not os.path.exists(os.path.join(package, module)), module
    assert benchmark.__file__.endswith(os.path.join("tools", "benchmarks", "benchmark.py"))


@pytest.mark.slow
def test_run_from_args_measures_an_entry_and_refuses_unknown_names(tmp_path):
    """What `kerasgan bench` did, now `tools/bench.py`'s image path."""
    out = tmp_path / "bench.json"
    parser = argparse.ArgumentParser()
    benchmark.add_arguments(parser)
    benchmark.run_from_args(parser.parse_args([
        "dcgan_digits", "--steps", "2", "--warmup", "1", "--repeats", "1", "--no-torch",
        "--profile", "never", "--json", str(out)]), log=lambda *a, **k: None)
    row = json.loads(out.read_text())[0]
    assert row["name"] == "dcgan_digits" and row["batch"] == 64
    assert set(row["settings"]) >= {"kerasgan_xla", "kerasgan_no_xla", "plain_keras_xla",
                                    "plain_keras_no_xla"}
    assert row["sampling_images_per_second"] > 0 and 0 < row["flops_fraction"]
    with pytest.raises(ValueError, match="Unknown zoo entry 'nope'"):
        benchmark.names_for_patterns(["nope"])
