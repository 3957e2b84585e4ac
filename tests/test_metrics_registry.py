"""Feature extractors and metrics by registry; the evaluation report picks up user metrics."""

import importlib.util
import sys
import textwrap

import numpy as np
import pytest

from kerasgan.core.registry import Registry
from kerasgan.data import digits_arrays, get_mixture
from kerasgan.metrics import (
    EXTRACTORS,
    METRICS,
    evaluate_gan,
    format_cell,
    get_extractor,
    mixture_metrics,
    register_metric,
    report_columns,
)


def test_extractors_are_a_registry():
    assert isinstance(EXTRACTORS, Registry)
    assert {"digits-net", "mnist-net", "inception-v3"} <= set(EXTRACTORS)
    assert "digits-net" in EXTRACTORS
    with pytest.raises(ValueError, match="Unknown feature extractor 'digit-net'.*'digits-net'"):
        get_extractor("digit-net")
    with pytest.raises(TypeError, match="digits-net takes no options"):
        get_extractor("digits-net", weights=None)


def test_report_columns_are_stable_and_name_the_extractor():
    images = report_columns("images")
    assert images[:3] == [("fid", "FID"), ("kid", "KID ×10³"), ("precision", "precision / recall")]
    assert report_columns("images", "digits-net")[0] == ("fid", "FID (digits-net)")
    assert report_columns("points")[:4] == [
        ("modes_captured", "modes"), ("high_quality_percent", "% high quality"),
        ("reverse_kl", "reverse KL"), ("spread", "spread (×σ)")]
    assert report_columns("image_pairs") == []


def test_cells_are_written_by_their_metric():
    values = {"fid": 4.1679, "kid": 0.07622, "precision": 0.3734, "recall": 0.8022,
              "modes_captured": 8, "high_quality_percent": 97.08, "reverse_kl": 0.008521,
              "spread": 0.7546}
    assert [format_cell(key, values) for key, _ in report_columns("images")[:3]] == [
        "4.17", "76.2", "0.37 / 0.80"]
    assert [format_cell(key, values) for key, _ in report_columns("points")[:4]] == [
        "8", "97.1", "0.0085", "0.75"]
    assert format_cell("fid", {}) == "" and format_cell("precision", {"precision": 0.5}) == ""


def test_columns_and_cells_must_name_reported_keys():
    with pytest.raises(ValueError, match="columns and cells must name keys it reports"):
        register_metric("bad_columns", label="bad", kinds=("points",), columns=("other",))
    with pytest.raises(ValueError, match="columns and cells must name keys it reports"):
        register_metric("bad_cells", label="bad", kinds=("points",), cells={"other": str})
    assert "bad_columns" not in METRICS and "bad_cells" not in METRICS


class MixtureSampler:
    """A perfect 'generator' of ring8: the mixture's own samples."""

    ema_generator = None
    num_classes = None

    def generate(self, n, seed=None):
        return get_mixture("ring8").sample(n, seed=seed)


class DigitsSampler:
    """An image 'generator' whose samples are the digits' train images."""

    latent_dim = 2
    data_shape = (28, 28, 1)
    num_classes = None
    ema_generator = None

    def __init__(self):
        self.images = digits_arrays(28, "train")[0].astype(np.float32) / 127.5 - 1
        self.next = 0

    def generate(self, latents, labels=None):
        n = len(latents)
        out = self.images[self.next:self.next + n]
        self.next += n
        return out


USER_METRIC = textwrap.dedent('''
    """A user's metric in a module of its own."""
    import numpy as np

    from kerasgan.metrics import register_metric


    @register_metric("mean_gap", label="mean gap", kinds=("images", "points"))
    def mean_gap(inputs):
        real = getattr(inputs.real, "features", inputs.real)
        fake = getattr(inputs.fake, "features", inputs.fake)
        return float(np.linalg.norm(real.mean(axis=0) - fake.mean(axis=0)))
''')


@pytest.fixture
def user_metric(tmp_path):
    path = tmp_path / "my_metrics.py"
    path.write_text(USER_METRIC)
    spec = importlib.util.spec_from_file_location("my_metrics", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["my_metrics"] = module
    spec.loader.exec_module(module)
    try:
        yield module
    finally:
        METRICS.remove("mean_gap")
        del sys.modules["my_metrics"]


def test_points_report_keeps_its_keys_and_values():
    report = evaluate_gan(MixtureSampler(), "gaussian_mixture/ring8", num_samples=600, seed=3)
    spec = get_mixture("ring8")
    expected = mixture_metrics(spec.sample(600, seed=3), spec.centers, spec.sigma)
    assert {k: report[k] for k in expected} == expected
    assert set(report) == set(expected) | {"protocol"}
    assert report["protocol"] == {"num_samples": 600, "seed": 3, "threshold_sigma": 3.0,
                                  "dataset": "gaussian_mixture/ring8", "sampler": "generator"}


def test_user_metric_is_in_the_points_report(user_metric):
    report = evaluate_gan(MixtureSampler(), "gaussian_mixture/ring8", num_samples=600)
    assert 0 <= report["mean_gap"] < 0.2
    assert report_columns("points")[-1] == ("mean_gap", "mean gap")


def test_user_metric_is_in_the_image_report_with_its_label(user_metric):
    report = evaluate_gan(DigitsSampler(), "digits/28x28", num_samples=300)
    assert report["labels"]["mean_gap"] == "mean gap (digits-net)"
    assert 0 <= report["mean_gap"] < 1
    assert report["labels"]["fid"] == "FID (digits-net)"
    assert report["protocol"]["n_fake"] == 300 and report["protocol"]["split"] == "test"


def test_pairs_are_not_judged_by_evaluate_gan():
    with pytest.raises(ValueError, match="dataset of image pairs"):
        evaluate_gan(MixtureSampler(), "digit_pairs")
