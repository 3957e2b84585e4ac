"""The `kerasgan` command line, run as a user would (subprocesses; `slow`), and its
listings in process."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from kerasgan import cli, zoo
from helpers import run_python

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def kerasgan(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "kerasgan.cli", *args],
        capture_output=True, text=True, env={**ENV, **(env or {})}, cwd=cwd, timeout=600,
    )


@pytest.mark.slow
def test_train_writes_a_complete_run_directory(tmp_path):
    out = tmp_path / "run"
    result = kerasgan("train", "nsgan_ring8", "--epochs", "2", "--steps-per-epoch", "20",
                      "--batch-size", "64", "--seed", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Epoch 2/2" in result.stdout  # Keras' progress output
    for name in ("model.weights.h5", "metrics.json", "samples.png", "saved_model", "logs",
                 "checkpoints"):
        assert (out / name).exists(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train_steps"] == 40
    assert metrics["training"]["batch_size"] == 64
    assert set(metrics["history"]) >= {"d_loss", "g_loss", "real_logits", "fake_logits",
                                       "modes_captured", "high_quality"}
    assert sorted(os.listdir(out / "checkpoints")) == [
        "epoch_0001.weights.h5", "epoch_0001.weights.h5.sha256", "epoch_0002.weights.h5",
        "epoch_0002.weights.h5.sha256", "progress.json"]
    assert not [p for p in os.listdir(out) if p.startswith(".tmp")]


@pytest.mark.slow
def test_zoo_list_and_show():
    listing = kerasgan("zoo", "list")
    assert listing.returncode == 0, listing.stderr[-2000:]
    lines = listing.stdout.strip().splitlines()
    assert len(lines) == len(zoo.list_models()) == 33  # 26 GANs, 4 translation, 3 feature nets
    assert "FID (digits-net)" in listing.stdout and "not trained" in listing.stdout
    assert "r1gan_ring8" in listing.stdout
    assert lines[-1].startswith("mnist-net") and "held-out accuracy" in lines[-1]
    show = kerasgan("zoo", "show", "wgan_gp_grid25")
    assert show.returncode == 0
    assert "gaussian_mixture/grid25" in show.stdout and "modes_captured" in show.stdout


@pytest.mark.slow
def test_evaluate_sample_and_export_a_pretrained_entry(tmp_path):
    result = kerasgan("evaluate", "r1gan_ring8", "--out", str(tmp_path / "m.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["modes_captured"] == 8
    result = kerasgan("sample", "r1gan_ring8", "--num", "100", "--out", str(tmp_path / "s.npy"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert np.load(tmp_path / "s.npy").shape == (100, 2)
    result = kerasgan("sample", "r1gan_ring8", "--out", str(tmp_path / "s.png"))
    assert result.returncode == 0 and (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"
    result = kerasgan("export", "r1gan_ring8", "--out", str(tmp_path / "sm"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "sm" / "saved_model.pb").exists()


IMAGE_ENTRY = {
    "description": "test-only MLP GAN on the embedded digits",
    "dataset": "digits/28x28",
    "variant": "nsgan",
    "generator": {"builder": "mlp_generator",
                  "args": {"latent_dim": 16, "output_shape": [28, 28, 1], "hidden_units": [64],
                           "output_activation": "tanh"}},
    "discriminator": {"builder": "mlp_discriminator",
                      "args": {"input_shape": [28, 28, 1], "hidden_units": [64]}},
}


@pytest.mark.slow
def test_evaluate_an_image_entry_writes_every_metric_with_its_protocol(tmp_path):
    """`kerasgan evaluate` on an image GAN of a user's own zoo folder (KERASGAN_ZOO)."""
    from kerasgan.training import build_gan

    (tmp_path / "zoo" / "mlp_digits").mkdir(parents=True)
    (tmp_path / "zoo" / "mlp_digits" / "config.json").write_text(json.dumps(IMAGE_ENTRY))
    build_gan(IMAGE_ENTRY).save_weights(str(tmp_path / "g.weights.h5"))
    env = {"KERASGAN_ZOO": str(tmp_path / "zoo"), "KERASGAN_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "report.json"
    result = kerasgan("evaluate", "mlp_digits", "--weights", str(tmp_path / "g.weights.h5"),
                      "--num-samples", "200", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "FID (digits-net)" in result.stdout
    assert "200 generated vs 450 real images of digits/28x28 [test]" in result.stdout
    report = json.loads(out.read_text())
    for key in ("fid", "kid", "kid_std", "inception_score", "precision", "recall", "density",
                "coverage"):
        assert np.isfinite(report[key]), key
    assert report["labels"]["kid"] == "KID (digits-net)"
    p = report["protocol"]
    assert (p["n_fake"], p["n_real"], p["split"], p["extractor"]) == (200, 450, "test",
                                                                      "digits-net")
    assert report["fid"] > 10  # an untrained generator
    assert list((tmp_path / "cache" / "reference").iterdir())  # reference cached


@pytest.mark.slow
def test_sample_grids_and_evaluate_a_pretrained_image_entry(tmp_path):
    result = kerasgan("sample", "cdcgan_digits", "--num", "20", "--out", str(tmp_path / "g.png"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    result = kerasgan("sample", "cdcgan_digits", "--num", "5", "--label", "3", "--truncation",
                      "0.5", "--out", str(tmp_path / "threes.npy"))
    assert result.returncode == 0, result.stderr[-2000:]
    threes = np.load(tmp_path / "threes.npy")
    assert threes.shape == (5, 28, 28, 1) and np.abs(threes).max() <= 1
    result = kerasgan("sample", "dcgan_digits", "--label", "3", "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2 and "not a conditional entry" in result.stderr
    result = kerasgan("evaluate", "dcgan_digits", "--num-samples", "300", "--out",
                      str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["protocol"]["n_fake"] == 300 and report["classes"]["num_samples"] == 300


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, message",
    [
        (["trian"], "Unknown command 'trian'. Expected one of: 'train'"),
        (["train", "nsgan_rng8"], "Unknown zoo entry 'nsgan_rng8'. Expected one of: 'nsgan_ring8'"),
        (["train", "nsgan_ring8", "--dataset", "gaussian_mixtur/ring8", "--out", "/tmp/x"],
         "Unknown dataset 'gaussian_mixtur"),
        (["sample", "r1gan_ring8", "--out", "x.txt"], "sample needs --out FILE.png or FILE.npy"),
        (["export", "r1gan_ring8"], "export needs --out DIR"),
        (["train", "--out", "/proc/forbidden/run"], "Cannot write to the run directory"),
        (["train", "nsgan_ring8", "--dataset", "mnist", "--out", "/tmp/kerasgan-cli-mnist"],
         "Dataset 'mnist' is not prepared"),
        (["train", "nsgan_ring8", "--dataset", "digits/28x28", "--out", "/tmp/kerasgan-cli-dg"],
         "Training images must have shape [batch, 2] and a float dtype; got shape [256, 28, 28, 1]"),
        (["evaluate", "r1gan_ring8", "--out", "/proc/forbidden/m.json"], "is not writable"),
        (["evaluate", "r1gan_ring8", "--out", "/tmp"], "is a directory"),
        (["train", "nsgan_ring8", "--strategy", "gpu"],
         "--strategy must be one of default, mirrored, multi_worker, tpu; got 'gpu'"),
        (["train", "nsgan_ring8", "--strategy", "tpu", "--out", "/tmp/kerasgan-cli-tpu"],
         "The tpu strategy needs a TPU, and this machine has none"),
        (["train", "nsgan_ring8", "--mixed-precision", "fp16"],
         "Unknown precision policy 'fp16'; expected one of ['float32', 'mixed_float16'"),
        (["train", "nsgan_ring8", "--jit", "maybe"], "--jit must be auto, on or off; got 'maybe'"),
        (["train", "nsgan_ring8", "--on-nonfinite", "skip"],
         "--on-nonfinite must be one of stop, restore; got 'skip'"),
        (["train", "nsgan_ring8", "--nonfinite-lr-factor", "1.5"],
         "--nonfinite-lr-factor must be in (0, 1) to lower the learning rates; got 1.5"),
        (["train", "cyclegan_digits", "--dataset", "nonsense", "--out", "/tmp/kerasgan-cli-cg"],
         "load_translation takes 'digit_pairs', a 'cycle_gan/<name>' TFDS name, or two image "
         "folders"),
        (["train", "--foo"], "Unknown command line flag 'foo'"),
        (["sample", "r1gan_ring8", "--num", "many"], "flag --num=many"),
    ],
)
def test_errors_are_one_paragraph_without_traceback(args, message):
    result = kerasgan(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_debug_flag_shows_the_traceback():
    result = kerasgan("zoo", "show", "nope", "--debug")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


@pytest.mark.slow
def test_malformed_tf_config_is_a_clear_cli_error():
    result = kerasgan("train", "nsgan_ring8", "--strategy", "multi_worker", "--out",
                      "/tmp/kerasgan-cli-mw", env={"TF_CONFIG": '{"cluster": {"worker": ["localhost"]}}'})
    assert result.returncode == 2
    assert "TF_CONFIG must be a JSON object with a 'cluster' object" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_train_in_mixed_float16_records_it_and_serves_float32(tmp_path):
    out = tmp_path / "run"
    result = kerasgan("train", "nsgan_ring8", "--mixed-precision", "mixed_float16", "--jit", "off",
                      "--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "64",
                      "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    scale = json.loads((out / "metrics.json").read_text())["scale"]
    assert scale == {"strategy": "_DefaultDistributionStrategy", "replicas": 1, "workers": 1,
                     "mixed_precision": "mixed_float16", "jit_compile": False,
                     "lr_scaling": "none"}
    script = (
        "import tensorflow as tf\n"
        f"m = tf.saved_model.load({str(out / 'saved_model')!r})\n"
        "s = m.sample(num=tf.constant(3), seed=tf.constant(1))['samples']\n"
        "print(s.dtype.name, s.shape)\n")
    assert run_python(script, env=ENV) == "float32 (3, 2)"


def _run_in_process(capsys, *argv):
    cli.FLAGS.unparse_flags()
    cli.FLAGS(["kerasgan", *argv])
    try:
        cli.main(["kerasgan", *[a for a in argv if not a.startswith("--")]])
    finally:
        cli.FLAGS.unparse_flags()
    return capsys.readouterr().out


def test_zoo_list_lists_every_kind_gans_first(capsys):
    lines = _run_in_process(capsys, "zoo", "list").splitlines()
    names = [line.split()[0] for line in lines]
    gans = zoo.list_models(kind="gan")
    assert names == gans + zoo.list_models(kind="translation") + zoo.list_models(kind="feature_net")
    assert "G(x) vs T(x) error" in lines[len(gans)]
    pretrained = _run_in_process(capsys, "zoo", "list", "*digits", "--pretrained").splitlines()
    assert [line.split()[0] for line in pretrained] == zoo.list_models(
        "*digits", pretrained=True, kind="gan") + ["cyclegan_digits", "pix2pix_digits"]


def test_bench_is_no_longer_a_command():
    assert "bench" not in cli.COMMANDS and "bench" not in cli.__doc__.split("NAME is")[0]
    with pytest.raises(cli.UsageError, match="run `python tools/bench.py`"):
        cli.main(["kerasgan", "bench"])


def test_gan_commands_refuse_other_kinds_of_entries():
    with pytest.raises(cli.UsageError, match="sample takes a GAN entry; 'pix2pix_digits' is a "
                                             "translation entry"):
        cli._load("pix2pix_digits", "sample")
