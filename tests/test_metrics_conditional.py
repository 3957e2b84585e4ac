"""Conditional quality metrics: intra-class FID and the Classification Accuracy Score.

Judged on the embedded digits (`digits/28x28`, digits-net) with "generators"
that return real digits: of the requested class (intra-class FID near 0, CAS
at the real-data value) or of any class (CAS at chance).
"""

import json
import shutil

import numpy as np
import pytest
from synthetic_mnist import write_idx

from kerasgan import zoo
from kerasgan.data import digits_arrays, local_sources
from kerasgan.metrics import distances, evaluate_gan
from kerasgan.metrics.conditional import (
    check_conditional_options,
    classification_accuracy_score,
    conditional_metrics,
    intra_class_fid,
)

TRAIN = digits_arrays(28, "train")
TEST = digits_arrays(28, "test")


class RealDigits:
    """A conditional 'GAN' drawing real train digits of the requested class (or of any class)."""

    num_classes = 10
    latent_dim = 4
    data_shape = (28, 28, 1)
    ema_generator = None

    def __init__(self, ignore_labels=False, noise=0.0):
        self.ignore_labels = ignore_labels
        self.noise = noise
        self.calls = []

    def generate(self, num_or_latents, seed=None, labels=None, **_):
        n = num_or_latents if np.ndim(num_or_latents) == 0 else len(num_or_latents)
        rng = np.random.default_rng(seed if np.ndim(num_or_latents) == 0
                                    else int(1e6 * abs(float(num_or_latents[0][0]))))
        labels = np.arange(n) % 10 if labels is None else np.broadcast_to(labels, (n,))
        images = TRAIN[0].astype(np.float32) / 127.5 - 1
        out = np.empty((n, 28, 28, 1), np.float32)
        for i, label in enumerate(labels):
            pool = images if self.ignore_labels else images[TRAIN[1] == label]
            out[i] = pool[rng.integers(len(pool))]
        out = np.clip(out + self.noise * rng.normal(size=out.shape), -1, 1).astype(np.float32)
        self.calls.append((np.asarray(labels).copy(), out))
        return out


class Refuses(RealDigits):
    """A conditional 'GAN' that must not be asked for samples (errors come first)."""

    def generate(self, *args, **kwargs):
        raise AssertionError("samples were generated before the inputs were checked")


class Unconditional(Refuses):
    num_classes = None


def test_intra_class_fid_is_the_mean_of_the_per_class_fids(extractor):
    gan = RealDigits(noise=0.2)
    out = intra_class_fid(gan, TRAIN, extractor, samples_per_class=80, seed=3)
    assert len(gan.calls) == 10
    expected = []
    for label, (labels, images) in enumerate(gan.calls):
        assert (labels == label).all() and len(images) == 80
        real = extractor.extract(TRAIN[0][TRAIN[1] == label]).features
        expected.append(distances.frechet_distance(extractor.extract(images).features, real))
    assert out["intra_fid_per_class"] == pytest.approx(expected, rel=1e-6)
    assert out["intra_fid"] == pytest.approx(np.mean(expected), rel=1e-6)
    assert out["protocol"]["samples_per_class"] == 80
    assert out["protocol"]["reference_per_class"] == np.bincount(TRAIN[1]).tolist()
    # The same samples, given as (images, labels), give the same values.
    given = (np.concatenate([im for _, im in gan.calls]), np.concatenate([lb for lb, _ in gan.calls]))
    again = intra_class_fid(given, TRAIN, extractor)
    assert again["intra_fid_per_class"] == pytest.approx(expected, rel=1e-6)
    # Noisy digits are further from their class than clean resampled ones.
    clean = intra_class_fid(RealDigits(), TRAIN, extractor, samples_per_class=80, seed=3)
    assert clean["intra_fid"] < out["intra_fid"]


def test_intra_class_fid_refuses_bad_input_before_generating(extractor):
    with pytest.raises(ValueError, match="needs a conditional GAN .* num_classes=None"):
        intra_class_fid(Unconditional(), TRAIN, extractor)
    with pytest.raises(ValueError, match=r"got samples_per_class=64 .* need at least 65"):
        intra_class_fid(Refuses(), TRAIN, extractor, samples_per_class=64)
    few = (TEST[0], TEST[1])  # about 45 test images per class, 64-d features
    with pytest.raises(ValueError, match=r"more reference images of every class than feature "
                                         r"dimensions \(64\): classes \[0, 1,"):
        intra_class_fid(Refuses(), few, extractor)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\); got values in \[0, 12\]"):
        intra_class_fid(Refuses(), (TRAIN[0][:3], np.array([0, 5, 12])), extractor)
    with pytest.raises(ValueError, match=r"labels must be 1347 integers"):
        intra_class_fid(Refuses(), (TRAIN[0], TRAIN[1][:10]), extractor)


def test_cas_of_real_digits_of_the_requested_class_matches_the_real_data_value():
    real = classification_accuracy_score(RealDigits(), TRAIN, TEST, "digits-net", steps=150, seed=1)
    assert real["cas_real"] > 0.9
    assert abs(real["cas"] - real["cas_real"]) < 0.04, real
    assert len(real["cas_per_class"]) == 10 and min(real["cas_per_class"]) > 0.7
    p = real["protocol"]
    assert (p["train_images"], p["test_images"], p["steps"], p["batch_size"]) == (1347, 450, 150, 64)
    assert p["train_per_class"] == np.bincount(TRAIN[1]).tolist()
    assert p["classifier"]["feature_net"] == "digits-net"


def test_cas_of_samples_that_ignore_their_labels_is_chance():
    blind = classification_accuracy_score(RealDigits(ignore_labels=True), TRAIN, TEST,
                                          "digits-net", steps=150, seed=1)
    assert abs(blind["cas"] - 0.1) < 0.08, blind["cas"]
    assert blind["cas_real"] > 0.9


def test_cas_is_deterministic_given_the_seed_and_caps_the_training_set():
    options = dict(steps=10, train_per_class=12, batch_size=16, seed=5)
    first = classification_accuracy_score(RealDigits(), TRAIN, TEST, "digits-net", **options)
    second = classification_accuracy_score(RealDigits(), TRAIN, TEST, "digits-net", **options)
    assert first == second
    assert first["protocol"]["train_per_class"] == [12] * 10
    assert first["protocol"]["train_images"] == 120


def test_cas_refuses_bad_input_before_training():
    with pytest.raises(ValueError, match="needs a conditional GAN"):
        classification_accuracy_score(Unconditional(), TRAIN, TEST, "digits-net")
    no_sevens = (TRAIN[0][TRAIN[1] != 7], TRAIN[1][TRAIN[1] != 7])
    with pytest.raises(ValueError, match=r"real training images of every class 0..9; "
                                         r"classes \[7\] have none"):
        classification_accuracy_score(Refuses(), no_sevens, TEST, "digits-net")
    with pytest.raises(ValueError, match="Unknown feature net .*'digits-nte'"):
        classification_accuracy_score(Refuses(), TRAIN, TEST, "digits-nte")
    with pytest.raises(ValueError, match=r"takes images of shape \(16, 16, 1\); the train "
                                         r"images have shape \(28, 28, 1\)"):
        classification_accuracy_score(
            Refuses(), TRAIN, TEST,
            {"builder": "digit_classifier", "args": {"input_shape": [16, 16, 1]}})
    with pytest.raises(ValueError, match="has 3 outputs; the GAN has 10 classes"):
        classification_accuracy_score(
            Refuses(), TRAIN, TEST, {"builder": "digit_classifier", "args": {"num_classes": 3}})
    with pytest.raises(ValueError, match="steps"):
        classification_accuracy_score(Refuses(), TRAIN, TEST, "digits-net", steps=0)
    with pytest.raises(ValueError, match="pair"):
        classification_accuracy_score(Refuses(), TRAIN[0], TEST, "digits-net")


def test_conditional_options_are_checked_before_any_work(extractor):
    with pytest.raises(ValueError, match=r"Unknown conditional metric option\(s\) \['step'\]"):
        check_conditional_options(RealDigits(), extractor, {"step": 3})
    with pytest.raises(ValueError, match="train_per_class=20 .* need at least 65"):
        check_conditional_options(RealDigits(), extractor, {"train_per_class": 20})

    class ThreeClasses(Refuses):
        num_classes = 3

    with pytest.raises(ValueError, match="The GAN has 3 classes but digits-net predicts 10"):
        conditional_metrics(ThreeClasses(), "digits/28x28", extractor, test_split="test")
    # An extractor that is no zoo feature net: CAS trains a fresh copy of its classifier.
    from kerasgan.metrics import FeatureExtractor

    own = FeatureExtractor("own-net", extractor.network, classifier=extractor.classifier)
    build = check_conditional_options(RealDigits(), own)["classifier"]
    net = build()
    assert net is not extractor.classifier and net.output_shape == (None, 10)
    assert not np.array_equal(net.get_weights()[0], extractor.classifier.get_weights()[0])
    with pytest.raises(ValueError, match="'bare-net' is no zoo feature net and has no classifier"):
        check_conditional_options(RealDigits(), FeatureExtractor("bare-net", extractor.network))
    # evaluate_gan checks them before it measures FID (Refuses cannot generate).
    with pytest.raises(ValueError, match="Unknown conditional metric option"):
        evaluate_gan(Refuses(), "digits/28x28", conditional={"step": 3})


def test_the_report_of_a_conditional_gan_has_intra_fid_and_cas(tmp_path):
    gan = RealDigits()
    report = evaluate_gan(gan, "digits/28x28", num_samples=300, seed=2, conditional={
        "samples_per_class": 70, "train_per_class": 70, "steps": 30})
    for key in ("fid", "kid", "labels", "protocol", "classes", "conditional_accuracy"):
        assert key in report, key  # the report's existing keys are unchanged
    assert report["protocol"]["n_fake"] == 300
    assert 0 <= report["intra_fid"] < 5 and len(report["intra_fid_per_class"]) == 10
    assert 0.5 < report["cas"] <= 1 and 0.5 < report["cas_real"] <= 1
    assert len(report["cas_per_class"]) == len(report["cas_real_per_class"]) == 10
    p = report["conditional_protocol"]
    assert p["intra_fid"]["reference_per_class"] == [70] * 10
    assert (p["intra_fid"]["split"], p["intra_fid"]["samples_per_class"]) == ("train", 70)
    assert (p["cas"]["train_split"], p["cas"]["test_split"]) == ("train", "test")
    assert (p["cas"]["train_images"], p["cas"]["test_images"], p["cas"]["steps"]) == (700, 450, 30)
    json.dumps(report)  # plain values only
    skipped = evaluate_gan(gan, "digits/28x28", num_samples=300, seed=2, conditional=False)
    assert "cas" not in skipped and "conditional_accuracy" in skipped

    from kerasgan import cli

    lines = cli.conditional_report_lines(report)
    text = "\n".join(lines)
    assert "intra-class FID (digits-net)" in text and "CAS" in text
    per_class = [line for line in lines if line.lstrip().startswith(("per class:", "real per class:"))]
    assert len(per_class) == 3 and all(len(line.split(":")[1].split()) == 10 for line in per_class)
    assert "70 generated per class vs 70 real images per class [train]" in text
    assert cli.conditional_report_lines({"fid": 1.0}) == []


def test_zoo_table_shows_intra_fid_and_cas_of_the_cards_that_have_them(tmp_path, monkeypatch):
    for name in ("cdcgan_digits", "dcgan_digits"):
        shutil.copytree(zoo.get_entry(name).path, tmp_path / name)
        path = tmp_path / name / "results.json"
        results = json.loads(path.read_text())
        for key in ("intra_fid", "intra_fid_per_class", "cas", "cas_real", "cas_per_class",
                    "cas_real_per_class", "conditional_protocol"):
            results["metrics"].pop(key, None)
        path.write_text(json.dumps(results))
    monkeypatch.setenv("KERASGAN_ZOO", str(tmp_path))
    zoo.refresh()
    try:
        table = zoo.render_table("gan")
        assert "intra-FID" not in table and "CAS" not in table  # no card has them: no columns
        results = json.loads((tmp_path / "cdcgan_digits" / "results.json").read_text())
        results["metrics"].update(intra_fid=3.0419, intra_fid_per_class=[3.0] * 10, cas=0.96,
                                  cas_real=0.99333)
        (tmp_path / "cdcgan_digits" / "results.json").write_text(json.dumps(results))
        zoo.refresh()
        lines = zoo.render_table("gan").splitlines()
        header = next(line for line in lines if line.startswith("| entry"))
        titles = [t.strip() for t in header.strip("|").split("|")]
        assert titles.index("intra-FID") + 1 == titles.index("CAS (real-trained)")
        rows = {line.split("]")[0].lstrip("| ["): [c.strip() for c in line.strip("|").split("|")]
                for line in lines if line.startswith("| [")}
        assert len(rows["cdcgan_digits"]) == len(rows["dcgan_digits"]) == len(titles)
        at = titles.index("intra-FID")
        assert rows["cdcgan_digits"][at:at + 2] == ["3.04", "0.960 (0.993)"]
        assert rows["dcgan_digits"][at:at + 2] == ["—", "—"]  # a card without them: a dash
    finally:
        monkeypatch.delenv("KERASGAN_ZOO")
        zoo.refresh()


def test_a_dataset_without_its_train_split_says_how_to_skip_the_conditional_metrics(
        extractor, monkeypatch):
    import kerasgan.metrics.conditional as conditional

    def unprepared(dataset, split, **_):
        raise ValueError(f"Dataset {dataset!r} is not prepared")

    monkeypatch.setattr(conditional, "labelled_arrays", unprepared)
    with pytest.raises(ValueError, match=r"need the labelled 'train' and 'test' splits of "
                                         r"digits/28x28: Dataset .* not prepared .*conditional=False"):
        conditional_metrics(Refuses(), "digits/28x28", extractor, test_split="test")


@pytest.mark.slow
def test_kerasgan_evaluate_prints_and_writes_the_conditional_metrics(tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "kerasgan.cli", "evaluate", "cdcgan_digits", "--num-samples", "300",
         "--out", str(out)], capture_output=True, text=True, timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "intra-class FID (digits-net)" in result.stdout
    assert "CAS (train on generated, test on real)" in result.stdout
    report = json.loads(out.read_text())
    assert report["cas"] > 0.9 and report["cas_real"] > 0.95 and report["intra_fid"] < 10
    assert report["conditional_protocol"]["cas"]["train_images"] == 1347
    assert len(report["intra_fid_per_class"]) == len(report["cas_per_class"]) == 10


def test_evaluate_gan_refuses_a_missing_train_split_before_any_work(tmp_path):
    """A local MNIST source with only its test files: the conditional report fails first."""
    rng = np.random.default_rng(0)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (200, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(200) % 10)
    with local_sources(mnist=str(tmp_path)):
        with pytest.raises(ValueError, match=r"need the labelled 'train' split of mnist: .*"
                                             r"t10k|train-images.*--noconditional"):
            evaluate_gan(Refuses(), "mnist", num_samples=200, split="test")
