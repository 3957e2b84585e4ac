"""Extending kerasgan is one file per part: a net, a dataset and a metric, each defined
and registered in its own module under tests/ with nothing else edited, train a GAN
through `train_run`, are measured by the evaluation report and appear in the zoo table."""

import importlib
import json
import sys

import numpy as np
import pytest

from kerasgan import data, metrics, nets, zoo
from kerasgan.core.io import sha256_of
from kerasgan.training import train_run

CONFIG = {
    "name": "toy_squares_gan", "kind": "gan", "dataset": "toy_squares",
    "description": "a GAN of a user's own net on a user's own dataset",
    "model": "nsgan", "model_args": {},
    "nets": {"generator": {"builder": "toy_generator", "args": {"latent_dim": 16}},
             "discriminator": {"builder": "toy_discriminator", "args": {}}},
    "training": {"batch_size": 32, "epochs": 1, "steps_per_epoch": 8, "seed": 0},
    "evaluation": {"num_samples": 96, "monitor": {"num_samples": 96}},
}


TOY_MODULES = ("extension_toy_net", "extension_toy_dataset", "extension_toy_metric")


@pytest.fixture(scope="module", autouse=True)
def toy_parts():
    """Import the three modules (which registers their parts); unregister them afterwards,
    so that the other tests see the package's registries only."""
    modules = {name: importlib.import_module(name) for name in TOY_MODULES}
    yield modules
    nets.NETS.remove("toy_generator")
    nets.NETS.remove("toy_discriminator")
    data.DATASETS.remove("toy_squares")
    metrics.METRICS.remove("toy_mean_gap")
    for name in TOY_MODULES:
        del sys.modules[name]


def test_the_parts_are_registered_where_they_are_defined():
    assert nets.NETS.metadata("toy_generator")["role"] == "generator"
    assert data.dataset_info("toy_squares").kind == "images"
    assert ("toy_mean_gap", "mean gap") in metrics.report_columns("images")


@pytest.mark.slow
def test_train_evaluate_and_tabulate_with_parts_of_ones_own(toy_parts, tmp_path, monkeypatch):
    run_dir = tmp_path / "run"
    gan, results = train_run(CONFIG, str(run_dir), data_dir=str(tmp_path / "tfds"),
                             download=False, verbose=0, export=False)
    assert gan.generator.name == "toy_generator"
    assert len(results["history"]["d_loss"]) == 1
    measured = results["metrics"]
    # The toy metric, computed by the report from the protocol's features ...
    assert measured["labels"]["toy_mean_gap"] == "mean gap (digits-net)"
    real = np.asarray(toy_parts["extension_toy_dataset"].square_images(96, 1), np.float32)
    real = real / 127.5 - 1
    extractor = metrics.get_extractor("digits-net")
    fake = gan.generate(96, seed=measured["protocol"]["seed"])
    expected = np.linalg.norm(extractor.extract(real).features.mean(0)
                              - extractor.extract(fake).features.mean(0))
    np.testing.assert_allclose(measured["toy_mean_gap"], expected, rtol=1e-4)
    # ... next to the built-in metrics of the same report.
    assert np.isfinite(measured["fid"]) and measured["protocol"]["n_real"] == 96
    with open(run_dir / "metrics.json") as f:
        assert json.load(f)["metrics"]["toy_mean_gap"] == measured["toy_mean_gap"]

    # A zoo entry made from the run shows the metric as a column of the zoo table.
    entry = tmp_path / "zoo" / "toy_squares_gan"
    entry.mkdir(parents=True)
    gan.save_weights(str(entry / "model.weights.h5"))
    (entry / "config.json").write_text(json.dumps(CONFIG))
    weights = {"file": "model.weights.h5", "sha256": sha256_of(str(entry / "model.weights.h5"))}
    (entry / "results.json").write_text(json.dumps(
        {"metrics": measured, "weights": {"files": {"model": weights}},
         "train_wall_time_s": results.get("train_wall_time_s", 1.0)}))
    monkeypatch.setenv("KERASGAN_ZOO", str(tmp_path / "zoo"))
    zoo.refresh()
    try:
        table = zoo.render_table("gan").splitlines()
        header = next(line for line in table if line.startswith("| entry"))
        row = next(line for line in table if line.startswith("| [toy_squares_gan]"))
        cells = dict(zip([c.strip() for c in header.split("|")],
                         [c.strip() for c in row.split("|")]))
        assert float(cells["mean gap"]) == pytest.approx(measured["toy_mean_gap"], rel=1e-2)
        again = zoo.create("toy_squares_gan", pretrained=True, compile=False)
        np.testing.assert_array_equal(again.generate(4, seed=0), gan.generate(4, seed=0))
    finally:
        monkeypatch.delenv("KERASGAN_ZOO")
        zoo.refresh()
