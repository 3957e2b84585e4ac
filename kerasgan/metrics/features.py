"""Feature extractors: images -> (features, class probabilities), behind one interface.

Sample-quality metrics compare real and generated images in the feature space of
a trained network. Two families, with the same interface (`FeatureExtractor`):

* **Domain feature nets** of the project's own, for small images (every
  feature-net entry of the zoo): `"digits-net"` (trained on the embedded
  `digits` train split), `"mnist-net"` and `"fashion-net"` (trained on the
  train splits of MNIST and Fashion-MNIST), CNN classifiers (`kerasgan.nets.digit_classifier`) shipped in the zoo with
  their sha256 and measured accuracy, loaded by `get_extractor(name)`.
* **InceptionV3** pool features (2048-d) and ImageNet class probabilities, from
  `keras.applications` with ImageNet weights: the path real users take for
  CIFAR-10, CelebA and larger images (`get_extractor("inception-v3")`).

Metrics are named after their extractor ("FID (digits-net)", "FID
(inception-v3)"): a digits-net FID is not comparable with an Inception FID.

Input convention (checked): images `[N, H, W, C]`, float in `[-1, 1]` (what
kerasgan generators and `kerasgan.data.load` produce) or uint8 in `[0, 255]`.
Images of another size are resized bilinearly (with antialiasing) to the net's
input size; 1-channel images are tiled to 3 channels for InceptionV3 and
3-channel ones converted to grey for the digit nets.

**InceptionV3 offline.** Keras downloads the ImageNet weights
(`inception_v3_weights_tf_dim_ordering_tf_kernels.h5`, 92 MB) once into its
cache, `$KERAS_HOME/models/` (default `~/.keras/models/`). On a machine without
internet, copy that file there from a machine that has it (or from
https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/);
`get_extractor("inception-v3", download=False)` then never touches the network
and fails at once, naming the path, when the file is missing. Note that the
Keras ImageNet weights are not the TF1 graph of the original FID code, so
Inception FIDs from kerasgan are close to, but not interchangeable with,
published ones.

Example:
>>> extractor = get_extractor("digits-net")
>>> extractor.name, extractor.image_shape, extractor.feature_dim
('digits-net', (28, 28, 1), 64)
>>> import numpy as np
>>> out = extractor.extract(np.zeros((3, 28, 28, 1), np.uint8))
>>> out.features.shape, out.probs.shape, out.features.dtype
((3, 64), (3, 10), dtype('float64'))
"""

import hashlib
import json
import os
import tempfile
import warnings
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from kerasgan.core import entries as zoo_entries
from kerasgan.core.images import RANGE_TOLERANCE, uint8_to_model_range
from kerasgan.core.registry import Registry
from kerasgan.core.validation import check_positive_int
from kerasgan.core.naming import unknown_name_error
from kerasgan.data import dataset_info
from kerasgan.nets import build_net
from kerasgan.nets.classifier import FEATURE_LAYER

__all__ = [
    "EXTRACTORS",
    "register_extractor",
    "ExtractedFeatures",
    "FeatureExtractor",
    "default_extractor_name",
    "get_extractor",
    "inception_v3",
    "iterate_batches",
    "load_feature_net",
]

#: Feature extractors by name: loaders `f(**options) -> FeatureExtractor`, registered where
#: defined (metadata: `options`, the keyword arguments the loader takes; `source`).
EXTRACTORS = Registry("feature extractor")

INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    + INCEPTION_WEIGHTS_FILE
)
INCEPTION_WEIGHTS_MD5 = "9a0d58056eeedaa3f26cb7ebd46da564"

# Float images may exceed [-1, 1] by this much (round-off of a tanh output).
_RANGE_TOLERANCE = RANGE_TOLERANCE


class ExtractedFeatures(NamedTuple):
    """Features and class probabilities of a set of images (numpy float64).

    Example:
    >>> out = get_extractor("digits-net").extract(np.zeros((2, 28, 28, 1), np.uint8))
    >>> out.features.shape, round(float(out.probs.sum(axis=1)[0]), 6)
    ((2, 64), 1.0)
    """

    features: np.ndarray
    probs: np.ndarray


class FeatureExtractor:
    """A network mapping images to `(features, class probabilities)`.

    Args:
        name: the extractor's name, used in metric names ("FID (name)").
        network: a `keras.Model` from images `[B, H, W, C]` in `[-1, 1]` to
            `[features [B, d], probabilities [B, K]]`.
        fingerprint: a string identifying the weights (e.g. their sha256), used
            to key cached reference statistics; None disables caching.
        classifier: the underlying classifier `keras.Model` (images -> logits),
            if there is one (available as `.classifier`).

    Example:
    >>> from kerasgan.nets import digit_classifier
    >>> net = digit_classifier((8, 8, 1), feature_dim=16)
    >>> both = keras.Model(net.input, [net.get_layer("features").output,
    ...                                keras.activations.softmax(net.output)])
    >>> extractor = FeatureExtractor("toy-net", both)
    >>> extractor.extract(np.zeros((4, 8, 8, 1), np.float32)).features.shape
    (4, 16)
    """

    def __init__(self, name, network, fingerprint=None, classifier=None):
        self.name = str(name)
        self.classifier = classifier
        self.network = network
        self.fingerprint = fingerprint
        shape = tuple(network.input_shape[1:])
        if len(shape) != 3 or None in shape:
            raise ValueError(
                f"The network of extractor {name!r} must take images of a fixed "
                f"shape (H, W, C); its input shape is {network.input_shape}."
            )
        self._image_shape = shape
        feature_shape, prob_shape = (tuple(s) for s in network.output_shape)
        self._feature_dim = int(feature_shape[-1])
        self._num_classes = int(prob_shape[-1])

    def __repr__(self):
        return (
            f"FeatureExtractor({self.name!r}, image_shape={self.image_shape}, "
            f"feature_dim={self.feature_dim}, num_classes={self.num_classes})"
        )

    @property
    def image_shape(self):
        """`(H, W, C)` the network takes (other sizes are resized to it).

        Example:
        >>> get_extractor("digits-net").image_shape
        (28, 28, 1)
        """
        return self._image_shape

    @property
    def feature_dim(self):
        """Width d of the feature vectors.

        Example:
        >>> get_extractor("digits-net").feature_dim
        64
        """
        return self._feature_dim

    @property
    def num_classes(self):
        """Number of classes of the probabilities.

        Example:
        >>> get_extractor("digits-net").num_classes
        10
        """
        return self._num_classes

    def preprocess(self, images):
        """Check `images` and bring them to the network's size, channels and range.

        uint8 images are mapped from `[0, 255]` to `[-1, 1]`; float images must
        already be in `[-1, 1]`; other dtypes, ranks, channel counts and
        non-finite values are refused with a ValueError (in a `tf.function`:
        an `InvalidArgumentError`) that names what was expected and given.

        Example:
        >>> x = get_extractor("digits-net").preprocess(np.full((1, 8, 8, 1), 255, np.uint8))
        >>> tuple(x.shape), float(tf.reduce_min(x))
        ((1, 28, 28, 1), 1.0)
        """
        images = tf.convert_to_tensor(images)
        height, width, channels = self.image_shape
        if images.shape.rank != 4:
            raise ValueError(
                f"{self.name} expects a batch of images [N, H, W, C]; got a tensor of "
                f"shape {images.shape}."
            )
        given_channels = images.shape[-1]
        if given_channels not in (1, 3):
            raise ValueError(
                f"{self.name} takes images with 1 or 3 channels; got {given_channels} "
                f"(shape {images.shape})."
            )
        if images.dtype == tf.uint8:
            images = uint8_to_model_range(images)
        elif images.dtype.is_floating:
            images = tf.cast(images, tf.float32)
            _check_float_range(images, self.name)
        else:
            raise ValueError(
                f"{self.name} takes uint8 images in [0, 255] or float images in "
                f"[-1, 1]; got dtype {images.dtype.name}."
            )
        if given_channels != channels:
            images = (
                tf.image.grayscale_to_rgb(images) if channels == 3
                else tf.image.rgb_to_grayscale(images)
            )
        if tuple(images.shape[1:3]) != (height, width):
            images = tf.image.resize(images, (height, width), method="bilinear", antialias=True)
            images = tf.clip_by_value(images, -1.0, 1.0)
        return images

    def __call__(self, images):
        """`(features, probs)` of one batch, as float32 tensors (graph-safe).

        Example:
        >>> f, p = get_extractor("digits-net")(np.zeros((2, 28, 28, 1), np.uint8))
        >>> tuple(f.shape), tuple(p.shape)
        ((2, 64), (2, 10))
        """
        features, probs = self.network(self.preprocess(images), training=False)
        return features, probs

    def extract(self, images, batch_size=256):
        """Features and probabilities of many images, batch by batch, as float64 numpy.

        Args:
            images: an array / tensor `[N, H, W, C]`, or an iterable of batches
                (arrays, or dicts with an `"images"` key, e.g. a `tf.data.Dataset`
                from `kerasgan.data.load`).
            batch_size: images per forward pass when `images` is one array.

        Example:
        >>> out = get_extractor("digits-net").extract(np.zeros((5, 28, 28, 1), np.uint8), batch_size=2)
        >>> out.features.shape
        (5, 64)
        """
        features, probs = [], []
        lowest, is_float = np.inf, False
        for batch in iterate_batches(images, batch_size):
            f, p = self(batch)
            features.append(np.asarray(f, np.float64))
            probs.append(np.asarray(p, np.float64))
            if tf.as_dtype(getattr(batch, "dtype", np.float32)).is_floating:
                is_float = True
                lowest = min(lowest, float(tf.reduce_min(batch)))
        if not features:
            raise ValueError(f"{self.name}: no images were given (an empty set).")
        if is_float and lowest >= 0.0:
            warnings.warn(
                f"{self.name}: every float image value is >= 0 (smallest {lowest:.3g}). "
                "kerasgan expects float images in [-1, 1]; images in [0, 1] must be "
                "rescaled (x * 2 - 1) or the metrics are wrong.",
                RuntimeWarning, stacklevel=2,
            )
        return ExtractedFeatures(np.concatenate(features), np.concatenate(probs))


def iterate_batches(images, batch_size=256):
    """Yield batches of images from an array, a tensor or an iterable of batches.

    Dict batches (`{"images": ...}`, as `kerasgan.data.load` yields) give their
    images.

    Example:
    >>> [b.shape for b in iterate_batches(np.zeros((5, 2, 2, 1)), batch_size=2)]
    [(2, 2, 2, 1), (2, 2, 2, 1), (1, 2, 2, 1)]
    """
    batch_size = check_positive_int("batch_size", batch_size)
    if isinstance(images, (np.ndarray, tf.Tensor)) or (
        isinstance(images, (list, tuple)) and images and np.ndim(images[0]) == 3
    ):
        array = images if isinstance(images, tf.Tensor) else np.asarray(images)
        for start in range(0, int(array.shape[0]), batch_size):
            yield array[start:start + batch_size]
        return
    for batch in images:
        if isinstance(batch, dict):
            if "images" not in batch:
                raise ValueError(
                    f"Dict batches must have an 'images' key; got keys {sorted(batch)}."
                )
            batch = batch["images"]
        elif isinstance(batch, (tuple, list)):
            batch = batch[0]
        yield batch


def _check_float_range(images, name):
    low, high = -1.0 - _RANGE_TOLERANCE, 1.0 + _RANGE_TOLERANCE
    expected = (
        f"{name} takes float images in [-1, 1] (kerasgan's convention) or uint8 "
        "images in [0, 255]"
    )
    if tf.executing_eagerly():
        array = images.numpy()
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        if bad:
            raise ValueError(f"{expected}; got {bad} NaN or infinite values.")
        if array.size and (array.min() < low or array.max() > high):
            raise ValueError(
                f"{expected}; got values in [{array.min():.4g}, {array.max():.4g}]. "
                "Rescale first (e.g. x / 127.5 - 1 for [0, 255] floats)."
            )
        return
    tf.debugging.assert_all_finite(images, f"{expected}; got NaN or infinite values.")
    tf.debugging.assert_greater_equal(images, low, message=f"{expected}; got smaller values.")
    tf.debugging.assert_less_equal(images, high, message=f"{expected}; got larger values.")


def _two_headed(model, feature_layer, probs_output):
    return keras.Model(model.input, [model.get_layer(feature_layer).output, probs_output])


def load_feature_net(name, normalize=True):
    """Load a domain feature net of the zoo (`"digits-net"`, `"mnist-net"`).

    The net's card is looked up in `$KERASGAN_ZOO` (when set), then in the
    package's zoo (`kerasgan.core.entries.entries(kind="feature_net")`).

    The weights are checked against the sha256 in the net's card before
    anything is loaded (`kerasgan.core.entries.WeightsVerificationError`
    otherwise). The card's `nets["classifier"]` spec names the builder
    (`kerasgan.nets.build_net`).
    The features are served standardized, `(f - mean) / scale`, with the mean
    and the single scale recorded in the card (fitted on the net's training
    images), so they are of order 1 as KID's polynomial kernel assumes.

    Args:
        name: the net's name.
        normalize: False serves the raw features (used when fitting the
            standardization).

    Example:
    >>> load_feature_net("mnist-net").image_shape
    (28, 28, 1)
    """
    cards = zoo_entries.entries(kind="feature_net")
    if name not in cards:
        raise unknown_name_error("feature net", name, cards)
    entry = cards[name]
    data = entry.verified_weights()[zoo_entries.MODEL_ROLE]
    classifier = build_net(entry.config["nets"]["classifier"])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net.weights.h5")
        with open(path, "wb") as f:
            f.write(data)
        classifier.load_weights(path)
    features = classifier.get_layer(FEATURE_LAYER).output
    fingerprint = entry.sha256
    if normalize:
        norm = entry.results.get("feature_normalization")
        if norm is None:
            raise ValueError(
                f"Feature net {name!r} has no feature standardization in its card; run "
                f"`python tools/train_feature_net.py {name} --calibrate-only`."
            )
        mean = np.asarray(norm["mean"], np.float32)
        features = keras.layers.Normalization(
            mean=mean, variance=np.full_like(mean, norm["scale"] ** 2),
            name="standardize")(features)
        blob = json.dumps([norm["mean"], norm["scale"]]).encode()
        fingerprint = f"{entry.sha256}:{hashlib.sha256(blob).hexdigest()[:16]}"
    probs = keras.activations.softmax(classifier.output)
    network = keras.Model(classifier.input, [features, probs])
    return FeatureExtractor(name, network, fingerprint=fingerprint, classifier=classifier)


def _keras_cache_dir():
    return os.path.join(
        os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras")),
        "models",
    )


def _check_md5(path, expected):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise ValueError(
            f"{path} is not Keras' InceptionV3 ImageNet weights file: its md5 is "
            f"{digest.hexdigest()}, expected {expected}. Replace it with the file from "
            f"{INCEPTION_WEIGHTS_URL}; nothing was loaded."
        )


def inception_v3(weights="imagenet", download=True):
    """InceptionV3 (`keras.applications`): 2048-d pool features + ImageNet probabilities.

    Images are resized to 299x299 (bilinear, antialiased), grey images tiled to
    RGB; `[-1, 1]` is already InceptionV3's input range.

    Args:
        weights: `"imagenet"` (Keras' cached file, see the module doc), the
            path of a weights file, or None for random weights (tests only:
            the metrics then mean nothing).
        download: with `weights="imagenet"`, let Keras download the file when
            it is not in the cache. With False a missing file fails at once.

    Example:
    >>> extractor = inception_v3(weights=None)
    >>> extractor.image_shape, extractor.feature_dim, extractor.num_classes
    ((299, 299, 3), 2048, 1000)
    """
    fingerprint = None
    if weights == "imagenet":
        cached = os.path.join(_keras_cache_dir(), INCEPTION_WEIGHTS_FILE)
        if os.path.isfile(cached):
            _check_md5(cached, INCEPTION_WEIGHTS_MD5)
            weights = cached
        elif not download:
            raise FileNotFoundError(
                f"InceptionV3 ImageNet weights are not in Keras' cache: expected "
                f"{cached} and download=False. Copy {INCEPTION_WEIGHTS_FILE} there "
                f"(from {INCEPTION_WEIGHTS_URL}) or set KERAS_HOME to a folder whose "
                "models/ holds it."
            )
        else:
            try:
                weights = keras.utils.get_file(
                    INCEPTION_WEIGHTS_FILE, INCEPTION_WEIGHTS_URL,
                    cache_subdir="models", file_hash=INCEPTION_WEIGHTS_MD5,
                )
            except Exception as error:  # network errors come in many types
                raise RuntimeError(
                    f"Could not download the InceptionV3 ImageNet weights from "
                    f"{INCEPTION_WEIGHTS_URL} ({type(error).__name__}: {error}). "
                    f"Offline, copy {INCEPTION_WEIGHTS_FILE} into {_keras_cache_dir()}."
                ) from error
    if weights is not None:
        with open(weights, "rb") as f:
            fingerprint = "inception-v3:" + hashlib.sha256(f.read()).hexdigest()
    model = keras.applications.InceptionV3(include_top=True, weights=weights)
    return FeatureExtractor("inception-v3", _two_headed(model, "avg_pool", model.output), fingerprint)


def register_extractor(name, loader=None, *, options=(), **metadata):
    """Register a feature extractor loader in `EXTRACTORS` (a decorator without `loader`).

    Args:
        name: the extractor's name (metric labels read "FID (name)").
        loader: a function `loader(**options) -> FeatureExtractor`.
        options: names of the keyword arguments the loader takes
            (`get_extractor(name, **options)`); an extractor without options
            refuses any.
        **metadata: anything else to record.

    Example:
    >>> @register_extractor("toy-doctest-net")
    ... def toy_net():
    ...     return inception_v3(weights=None)
    >>> "toy-doctest-net" in EXTRACTORS
    True
    >>> EXTRACTORS.remove("toy-doctest-net")
    """
    def decorator(function):
        EXTRACTORS.add(name, function, options=tuple(options), **metadata)
        return function

    return decorator if loader is None else decorator(loader)


def _feature_net_loader(name):
    def load():
        return load_feature_net(name)

    load.__name__ = load.__qualname__ = f"load_{name.replace('-', '_')}"
    load.__doc__ = f"Load the zoo's domain feature net {name!r} (`load_feature_net`)."
    return load


# The project's domain feature nets: every feature-net entry of the zoo (digits-net,
# mnist-net, fashion-net; their cards hold the weights and floors).
for _name in sorted(zoo_entries.entries(kind="feature_net")):
    register_extractor(_name, _feature_net_loader(_name), source="zoo")
register_extractor("inception-v3", inception_v3, options=("weights", "download"),
                   source="keras.applications")


def get_extractor(name, **kwargs):
    """The feature extractor called `name` (one registered in `EXTRACTORS`).

    Args:
        name: `"digits-net"`, `"mnist-net"`, `"inception-v3"` or another
            registered name.
        **kwargs: the loader's options (`inception_v3`: `weights`, `download`).

    Example:
    >>> get_extractor("digits-net").name
    'digits-net'
    """
    loader = EXTRACTORS.get(name)
    options = EXTRACTORS.metadata(name).get("options", ())
    if kwargs and not options:
        raise TypeError(f"{name} takes no options; got {sorted(kwargs)}.")
    return loader(**kwargs)


def default_extractor_name(dataset):
    """The extractor that judges samples of `dataset` best (the dataset registry's protocol).

    `digits/*` -> digits-net; `mnist` (or a local IDX directory, which kerasgan
    reads as MNIST) -> mnist-net; other image datasets -> inception-v3; None
    for datasets not judged by features (2-D points, image pairs).

    Example:
    >>> default_extractor_name("digits/28x28"), default_extractor_name("cifar10")
    ('digits-net', 'inception-v3')
    """
    return dataset_info(dataset).protocol.get("extractor")
