"""The Stacked MNIST mode metric: modes of 1,000 and KL(q || uniform), with an exact
classifier of a synthetic MNIST (no download, no ../shared)."""

import math

import numpy as np
import pytest
from scipy import stats

from kerasgan import metrics
from kerasgan.data import load_idx, stack_digits
from kerasgan.metrics.features import FeatureExtractor
from kerasgan.models.latents import latents_for_seed

from synthetic_mnist import exact_classifier, stacked_images, write_synthetic_mnist


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("synthetic_mnist")
    write_synthetic_mnist(directory, train=500, test=300)
    return directory


def test_real_triples_cover_all_modes_with_low_kl(mnist_dir):
    """The floor on 26,000 real triples with an exact classifier: all 1,000 modes, and
    the KL of uniform sampling, about 999 / (2 * 26,000)."""
    floor = metrics.stacked_mnist_floor(source=str(mnist_dir), classifier=exact_classifier,
                                        seed=0)
    assert floor["modes"] == 1000 and floor["num_samples"] == 26_000
    assert floor["split"] == "test"
    assert 0.5 * 999 / 52_000 < floor["kl"] < 1.5 * 999 / 52_000


def test_restricted_digits_give_the_closed_form(tmp_path):
    """Digits {0..4} only on each channel: 125 modes, KL -> log(1000 / 125) = log 8."""
    write_synthetic_mnist(tmp_path, train=50, test=50, digits=range(5))
    images, labels = load_idx(str(tmp_path), "test")
    ds = stack_digits(images, labels, seed=1).repeat().batch(1000).take(26)
    samples = (np.concatenate([b["images"].numpy() for b in ds]).astype(np.float32) / 127.5 - 1)
    result = metrics.stacked_mnist_modes(samples, exact_classifier)
    assert result["modes"] == 125 and result["num_samples"] == 26_000
    # Sampling adds about (125 - 1) / (2 * 26,000) = 0.0024 to the closed form.
    assert result["kl"] == pytest.approx(math.log(8) + 124 / 52_000, abs=0.004)

    # Exactly uniform over the 125 modes: exactly log 8.
    grid = np.stack(np.meshgrid(*[np.arange(5)] * 3, indexing="ij"), -1).reshape(-1, 3)
    exact = metrics.stacked_mnist_modes(stacked_images(np.repeat(grid, 4, axis=0)),
                                        exact_classifier)
    assert exact["modes"] == 125
    assert exact["kl"] == pytest.approx(math.log(1000 / 125), rel=1e-12)


def test_kl_and_histogram_against_numpy():
    rng = np.random.default_rng(7)
    weights = rng.dirichlet(np.full(1000, 0.3))
    modes = rng.choice(1000, size=3000, p=weights)
    digits = np.stack([modes // 100, modes // 10 % 10, modes % 10], axis=1)
    result = metrics.stacked_mnist_modes(stacked_images(digits), exact_classifier,
                                         batch_size=128, histogram=True)
    counts = np.bincount(modes, minlength=1000)
    np.testing.assert_array_equal(result["histogram"], counts)
    assert result["modes"] == np.count_nonzero(counts)
    q = counts / counts.sum()
    direct = sum(p * np.log(p / 0.001) for p in q if p > 0)
    assert result["kl"] == pytest.approx(direct, rel=1e-10)
    assert result["kl"] == pytest.approx(stats.entropy(q, np.full(1000, 0.001)), rel=1e-10)


def test_one_mode_gives_log_1000():
    result = metrics.stacked_mnist_modes(stacked_images(np.tile([[3, 1, 4]], (20, 1))),
                                         exact_classifier)
    assert result == {"modes": 1, "kl": pytest.approx(math.log(1000)), "num_samples": 20}


def test_channels_are_read_in_rgb_order_and_uint8_is_accepted():
    digits = np.array([[1, 2, 3], [9, 0, 5]])
    images = stacked_images(digits)
    np.testing.assert_array_equal(metrics.stacked_mnist_labels(images, exact_classifier),
                                  [123, 905])
    as_uint8 = np.round((images + 1) * 127.5).astype(np.uint8)
    np.testing.assert_array_equal(metrics.stacked_mnist_labels(as_uint8, exact_classifier),
                                  [123, 905])
    # An iterable of batches gives the same.
    batches = [images[:1], images[1:]]
    np.testing.assert_array_equal(metrics.stacked_mnist_labels(batches, exact_classifier),
                                  [123, 905])


def test_classifier_forms():
    images = stacked_images(np.array([[1, 2, 3]]))
    # A callable returning (features, probs), like a FeatureExtractor's network.
    def two_headed(x):
        return np.zeros((len(x), 4)), exact_classifier(x)
    assert metrics.stacked_mnist_labels(images, two_headed).tolist() == [123]
    # The default: the mnist-net extractor (here only checked to run and give modes).
    fn, name = metrics.digit_classifier_fn()
    assert name == "mnist-net"
    assert fn(np.zeros((2, 28, 28, 1), np.float32)).shape == (2,)
    extractor = metrics.get_extractor("mnist-net")
    assert isinstance(extractor, FeatureExtractor)
    assert metrics.digit_classifier_fn(extractor)[1] == "mnist-net"


def test_bad_inputs_are_refused():
    good = stacked_images(np.array([[1, 2, 3]]))
    with pytest.raises(ValueError, match=r"\[N, 28, 28, 3\].*got shape \(1, 28, 28, 1\)"):
        metrics.stacked_mnist_modes(good[..., :1], exact_classifier)
    with pytest.raises(ValueError, match=r"in \[-1, 1\].*got values in \[0, 255\]"):
        metrics.stacked_mnist_modes((good + 1) * 127.5, exact_classifier)
    with pytest.raises(ValueError, match=r"class scores \[N, 10\].*returned shape \(3, 5\)"):
        metrics.stacked_mnist_modes(good, lambda x: np.zeros((len(x), 5)))
    with pytest.raises(TypeError, match="classifier must be"):
        metrics.stacked_mnist_modes(good, classifier=3)
    with pytest.raises(ValueError, match="need samples; none were given"):
        metrics.stacked_mnist_modes([], exact_classifier)
    with pytest.raises(ValueError, match=r"ints in \[0, 1000\)"):
        metrics.mode_statistics(np.array([0, 1000]))


class StackedGAN:
    """A fake GAN: `generate(n, seed)` gives stacked images of digits drawn from {0..7}^3."""

    ema_generator = None

    def __init__(self):
        self.calls = []

    def generate(self, n, seed=None):
        self.calls.append((n, seed))
        digits = np.random.default_rng(seed).integers(0, 8, (n, 3))
        return stacked_images(digits)


class LatentStackedGAN(StackedGAN):
    """A fake kerasgan-like GAN with `latent_dim`: samples are a function of the latents."""

    latent_dim = 3
    num_classes = None

    def generate(self, num_or_latents, seed=None, labels=None):
        latents = (latents_for_seed(num_or_latents, self.latent_dim, int(seed))
                   if np.ndim(num_or_latents) == 0 else np.asarray(num_or_latents))
        self.calls.append(len(latents))
        digits = np.clip(np.floor((np.asarray(latents) + 2) * 2.5), 0, 9).astype(int)
        return stacked_images(digits)


def test_evaluate_gan_on_stacked_mnist():
    gan = StackedGAN()
    report = metrics.evaluate_gan(gan, "stacked_mnist", classifier=exact_classifier)
    assert gan.calls == [(26_000, 12345)]
    expected = metrics.stacked_mnist_modes(gan.generate(26_000, seed=12345), exact_classifier)
    assert report["modes"] == expected["modes"] == 512
    assert report["kl"] == pytest.approx(expected["kl"])
    assert report["kl"] == pytest.approx(math.log(1000 / 512) + 511 / 52_000, abs=0.004)
    assert report["num_samples"] == 26_000
    assert report["labels"] == {"modes": "modes (of 1,000)", "kl": "KL"}
    protocol = report["protocol"]
    assert (protocol["num_samples"], protocol["seed"], protocol["classifier"]) == (
        26_000, 12345, "exact_classifier")
    assert protocol["dataset"] == "stacked_mnist" and "fid" not in report
    assert metrics.report_columns("stacked_mnist") == [("modes", "modes (of 1,000)"),
                                                       ("kl", "KL")]


def test_evaluate_gan_samples_a_kerasgan_gan_in_batches():
    gan = LatentStackedGAN()
    report = metrics.evaluate_gan(gan, "stacked_mnist", num_samples=2500, seed=4,
                                  classifier=exact_classifier)
    assert gan.calls == [1000, 1000, 500]  # bounded memory
    whole = metrics.stacked_mnist_modes(gan.generate(2500, seed=4), exact_classifier)
    assert (report["modes"], report["kl"]) == (whole["modes"], whole["kl"])
    assert report["protocol"]["num_samples"] == 2500


def test_classifier_is_refused_where_the_protocol_has_none():
    with pytest.raises(ValueError, match="classifier= is for datasets judged by a classifier"):
        metrics.evaluate_gan(StackedGAN(), "digits/28x28", classifier=exact_classifier)
