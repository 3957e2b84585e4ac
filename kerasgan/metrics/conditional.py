"""Quality metrics of class-conditional generators: intra-class FID and CAS.

A conditional GAN (`gan.num_classes` set) can score well on FID while mixing
up its classes, or while drawing every class from too narrow a set of
images. Two metrics look at the classes themselves:

* `intra_class_fid`: the FID of each class -- the generated samples requested
  for class c against the real images of class c, in the extractor's features
  (`kerasgan.metrics.distances.frechet_distance` on each class's features) --
  and the mean over the classes (Miyato & Koyama 2018, cGANs with projection
  discriminator). A generator whose classes are right but each collapsed to
  few modes has a good FID but a poor intra-class FID.
* `classification_accuracy_score` (CAS, Ravuri & Vinyals 2019): a classifier
  trained ONLY on generated samples, labelled with the classes they were
  requested for, then tested on real held-out images (`cas`), next to the same
  classifier (architecture, number and class histogram of training images,
  steps, optimizer, seed) trained on real training images (`cas_real`). A
  generator whose samples carry the information of their class reaches
  `cas_real`; one that ignores its labels scores chance (1 / K).

`conditional_metrics(gan, dataset, extractor)` measures both on a dataset's
train split (reference images of intra-class FID, training images of the real
classifier) and its held-out split (CAS's test images); it is what
`kerasgan.metrics.evaluate_gan` adds to the report of a conditional GAN whose
classes are the extractor's.

Defaults and their cost (28x28 digits, 10 classes, 2 shared CPU cores):
intra-class FID generates `DEFAULT_INTRA_FID_SAMPLES_PER_CLASS` = 1,000
samples per class (a few seconds); CAS trains two `digit_classifier`s for
`DEFAULT_CAS_STEPS` = 500 steps of `DEFAULT_CAS_BATCH_SIZE` = 64 images (Adam,
learning rate 1e-3), about 20 s each, on at most
`DEFAULT_CAS_TRAIN_PER_CLASS` = 1,000 images per class (the first ones of the
train split; the embedded digits have about 135 per class, MNIST 1,000).
Measured for the whole conditional part of the report (`conditional_metrics`,
2 CPU cores shared with other jobs): 35 s for `cdcgan_digits`, 52 s for
`cdcgan_mnist` (10,000 real training images, 4,000 test images).

Both metrics are biased at small sample counts (FID of ~135 reference images
per class in 64-d features is far above the FID of the whole set): compare
values measured with the same protocol only (it is returned with them).

Example (a "generator" returning real digits of the requested class):
>>> import numpy as np
>>> from kerasgan.data import digits_arrays
>>> from kerasgan.metrics.features import get_extractor
>>> digits, digit_labels = digits_arrays(28, "train")
>>> class RealDigits:
...     num_classes = 10
...     def generate(self, n, seed=None, labels=None):
...         pool = digits[digit_labels == labels]
...         return pool[np.random.default_rng(seed).integers(len(pool), size=n)]
>>> out = intra_class_fid(RealDigits(), (digits, digit_labels), get_extractor("digits-net"),
...                       samples_per_class=200)
>>> len(out["intra_fid_per_class"]), out["intra_fid"] < 1  # resampled real images: near 0
(10, True)
"""

import numpy as np
import keras
import tensorflow as tf

from kerasgan.core import entries as zoo_entries
from kerasgan.core.images import uint8_to_model_range
from kerasgan.core.naming import unknown_name_error
from kerasgan.core.validation import check_positive_int, check_positive_number
from kerasgan.data import load
import kerasgan.metrics.distances as distances
from kerasgan.nets import build_net

__all__ = [
    "DEFAULT_CAS_BATCH_SIZE",
    "DEFAULT_CAS_LEARNING_RATE",
    "DEFAULT_CAS_STEPS",
    "DEFAULT_CAS_TRAIN_PER_CLASS",
    "DEFAULT_INTRA_FID_SAMPLES_PER_CLASS",
    "CONDITIONAL_OPTIONS",
    "check_conditional_options",
    "classification_accuracy_score",
    "conditional_metrics",
    "intra_class_fid",
    "labelled_arrays",
]

#: Generated samples per class of intra-class FID.
DEFAULT_INTRA_FID_SAMPLES_PER_CLASS = 1000
#: CAS: at most this many training images per class (real; as many generated).
DEFAULT_CAS_TRAIN_PER_CLASS = 1000
#: CAS: training steps of each classifier.
DEFAULT_CAS_STEPS = 500
#: CAS: images per training step.
DEFAULT_CAS_BATCH_SIZE = 64
#: CAS: Adam's learning rate.
DEFAULT_CAS_LEARNING_RATE = 1e-3


def _class_seed(seed, label):
    """A seed of its own for each class, fixed by (seed, class)."""
    return int(np.random.default_rng([int(seed), int(label)]).integers(2**31 - 1))


def _num_classes(gan, function):
    classes = getattr(gan, "num_classes", None)
    if classes is None:
        raise ValueError(
            f"{function} needs a conditional GAN (num_classes set, generate(n, seed=..., "
            f"labels=c)); got {type(gan).__name__} with num_classes=None.")
    return check_positive_int("num_classes", classes)


def _labelled(pair, name, num_classes=None):
    """`(images, labels)` checked: 4-D images, one int label each in [0, num_classes)."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{name} must be a pair (images [N, H, W, C], labels [N]); got "
                         f"{type(pair).__name__}"
                         + (f" of length {len(pair)}" if isinstance(pair, (tuple, list)) else "")
                         + ".")
    images, labels = np.asarray(pair[0]), np.asarray(pair[1])
    if images.ndim != 4:
        raise ValueError(f"{name}: images must be [N, H, W, C]; got shape {images.shape}.")
    if labels.shape != images.shape[:1] or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{name}: labels must be {images.shape[0]} integers (one per image); "
                         f"got {labels.dtype.name} of shape {labels.shape}.")
    if len(labels) and (labels.min() < 0 or (num_classes is not None
                                             and labels.max() >= num_classes)):
        raise ValueError(f"{name}: labels must lie in [0, {num_classes or 'K'}); got values in "
                         f"[{labels.min()}, {labels.max()}].")
    return images, labels.astype(np.int64)


def intra_class_fid(gan, reference, extractor, *, samples_per_class=None, seed=12345,
                    batch_size=256):
    """FID of each class, generated vs real, and its mean over the classes.

    For each class c the samples requested for c (`gan.generate(n, seed=...,
    labels=c)`, a seed of their own per class) are compared with the real
    images of class c, in the features of `extractor`, by
    `kerasgan.metrics.distances.frechet_distance`.

    Args:
        gan: a conditional GAN (any object with `num_classes` and
            `generate(n, seed=..., labels=c)`), or generated samples already
            made: a pair `(images, labels)` (their classes are 0 .. K - 1 with K
            the reference's number of classes).
        reference: real images and their classes, `(images [N, H, W, C],
            labels [N])`; images float in [-1, 1] or uint8.
        extractor: a `FeatureExtractor`.
        samples_per_class: generated samples per class (default
            `DEFAULT_INTRA_FID_SAMPLES_PER_CLASS`, 1000); ignored for given samples.
        seed: seed of the latents (class c uses a seed derived from (seed, c)).
        batch_size: images per forward pass of the extractor.

    Returns:
        dict: `intra_fid` (the mean), `intra_fid_per_class` (a list of K
        floats), and `protocol` (`samples_per_class`, `reference_per_class`,
        `extractor`, `seed`).

    Raises:
        ValueError: before any image is generated, for an unconditional GAN, a
            class with no more real (or generated) images than the feature
            width (FID's covariance would be singular), or malformed inputs.

    Example:
    >>> import numpy as np
    >>> from kerasgan.data import digits_arrays
    >>> from kerasgan.metrics.features import get_extractor
    >>> images, labels = digits_arrays(28, "train")
    >>> out = intra_class_fid((images, labels), (images, labels), get_extractor("digits-net"))
    >>> [round(v, 6) for v in out["intra_fid_per_class"][:3]], out["protocol"]["reference_per_class"][:3]
    ([0.0, 0.0, 0.0], [134, 136, 133])
    """
    d = extractor.feature_dim
    given = isinstance(gan, (tuple, list))
    if given:
        ref_images, ref_labels = _labelled(reference, "reference")
        num_classes = int(ref_labels.max()) + 1 if len(ref_labels) else 0
        fake_images, fake_labels = _labelled(gan, "generated samples", num_classes)
        fake_counts = np.bincount(fake_labels, minlength=num_classes)
        _check_class_counts(fake_counts, d, "generated samples")
        n = [int(c) for c in fake_counts]
    else:
        num_classes = _num_classes(gan, "intra_class_fid")
        ref_images, ref_labels = _labelled(reference, "reference", num_classes)
        samples = check_positive_int("samples_per_class", DEFAULT_INTRA_FID_SAMPLES_PER_CLASS
                                     if samples_per_class is None else samples_per_class)
        if samples <= d:
            raise ValueError(
                f"intra_class_fid needs more samples per class than feature dimensions: got "
                f"samples_per_class={samples} for {extractor.name}'s {d}-d features; need at "
                f"least {d + 1}.")
        n = [samples] * num_classes
    ref_counts = np.bincount(ref_labels, minlength=num_classes)
    _check_class_counts(ref_counts, d, "reference")
    real = extractor.extract(ref_images, batch_size=batch_size).features
    if given:
        fake = extractor.extract(fake_images, batch_size=batch_size).features
    per_class = []
    for label in range(num_classes):
        if given:
            fake_c = fake[fake_labels == label]
        else:
            images = gan.generate(n[label], seed=_class_seed(seed, label), labels=label)
            fake_c = extractor.extract(images, batch_size=batch_size).features
        per_class.append(distances.frechet_distance(fake_c, real[ref_labels == label]))
    return {
        "intra_fid": float(np.mean(per_class)),
        "intra_fid_per_class": [float(v) for v in per_class],
        "protocol": {"samples_per_class": n if given else n[0],
                     "reference_per_class": [int(c) for c in ref_counts],
                     "extractor": extractor.name, "seed": None if given else seed},
    }


def _check_class_counts(counts, d, which):
    short = {c: int(k) for c, k in enumerate(counts) if k <= d}
    if short:
        raise ValueError(
            f"intra_class_fid needs more {which} images of every class than feature dimensions "
            f"({d}): classes {sorted(short)} have {list(short.values())}; need at least {d + 1} "
            f"each.")


def _classifier_builder(classifier):
    """A function building a fresh classifier (images -> logits) from `classifier`."""
    if callable(classifier) and not isinstance(classifier, (str, dict)):
        return classifier, getattr(classifier, "__name__", type(classifier).__name__)
    if isinstance(classifier, str):
        cards = zoo_entries.entries(kind="feature_net")
        if classifier not in cards:
            raise unknown_name_error("feature net (whose classifier CAS trains)", classifier,
                                     cards)
        spec = cards[classifier].config["nets"]["classifier"]
        return (lambda: build_net(spec)), {"feature_net": classifier, **spec}
    if isinstance(classifier, dict) and "builder" in classifier:
        return (lambda: build_net(classifier)), dict(classifier)
    raise ValueError(
        "classifier must be a feature net's name ('digits-net'), a net spec "
        "{'builder': ..., 'args': {...}} or a function returning a fresh keras.Model "
        f"(images -> logits); got {classifier!r}.")


def _model_range(images):
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return np.asarray(uint8_to_model_range(images))
    return images.astype(np.float32)


def _train_and_test(build, train, test, num_classes, steps, batch_size, learning_rate, seed):
    """Train a fresh classifier on `train` for `steps` steps; its accuracy on `test`."""
    images, labels = _model_range(train[0]), train[1].astype(np.int32)
    keras.utils.set_random_seed(seed)
    net = build()
    net.compile(optimizer=keras.optimizers.Adam(learning_rate),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    # Whole shuffled passes over the training set, cut into `steps` batches.
    rng = np.random.default_rng(seed)
    passes = -(-steps * batch_size // len(images))
    order = np.concatenate([rng.permutation(len(images)) for _ in range(passes)])
    order = order[:steps * batch_size].reshape(steps, batch_size)
    x, y = tf.constant(images), tf.constant(labels)
    ds = tf.data.Dataset.from_tensor_slices(order).map(
        lambda i: (tf.gather(x, i), tf.gather(y, i)))
    net.fit(ds, epochs=1, verbose=0, shuffle=False)
    predicted = np.argmax(net.predict(_model_range(test[0]), batch_size=500, verbose=0), axis=1)
    correct = predicted == test[1]
    per_class = [float(np.mean(correct[test[1] == c])) if np.any(test[1] == c) else None
                 for c in range(num_classes)]
    return float(np.mean(correct)), per_class


def classification_accuracy_score(gan, train, test, classifier, *, train_per_class=None,
                                  steps=None, batch_size=None, learning_rate=None, seed=0):
    """Classification Accuracy Score: a classifier trained on generated samples, tested on real.

    Two classifiers of the same architecture are trained from the same
    initialization (`seed`) with the same optimizer (Adam), steps, batch size
    and batch order, on as many images of each class: one on the real
    training images (at most `train_per_class` per class, the first ones of
    `train`), one on generated samples requested for those classes (as many
    per class as the real set has). Both are tested on the real `test`
    images. `keras.utils.set_random_seed(seed)` is called before building
    each, so the result is deterministic given `seed` (and it resets Keras'
    global seed).

    Args:
        gan: a conditional GAN (any object with `num_classes` and
            `generate(n, seed=..., labels=c)`).
        train: real training images and labels `(images [N, H, W, C], labels [N])`
            (float in [-1, 1] or uint8); every class must have at least one.
        test: real held-out images and labels, likewise.
        classifier: the classifier to train: a feature net's name
            (`"digits-net"`: the builder and args of its zoo card), a net spec
            `{"builder": ..., "args": {...}}`, or a function returning a fresh
            `keras.Model` from images to `num_classes` logits.
        train_per_class: at most this many real training images per class
            (default `DEFAULT_CAS_TRAIN_PER_CLASS`, 1000).
        steps: training steps of each classifier (default `DEFAULT_CAS_STEPS`, 500).
        batch_size: images per step (default `DEFAULT_CAS_BATCH_SIZE`, 64).
        learning_rate: Adam's (default `DEFAULT_CAS_LEARNING_RATE`, 1e-3).
        seed: initialization, batch order and generated latents.

    Returns:
        dict: `cas` (accuracy on `test` of the classifier trained on generated
        samples), `cas_real` (of the one trained on real images),
        `cas_per_class` / `cas_real_per_class` (accuracy on each class's test
        images, None for a class absent from `test`) and `protocol`
        (`classifier`, `train_images`, `train_per_class`, `test_images`,
        `steps`, `batch_size`, `learning_rate`, `seed`).

    Raises:
        ValueError: before any training or generation: an unconditional GAN,
            a class missing from `train`, images the classifier does not take,
            a classifier with another number of outputs, or bad settings.

    Example:
    >>> from kerasgan.data import digits_arrays
    >>> train, test = digits_arrays(28, "train"), digits_arrays(28, "test")
    >>> out = classification_accuracy_score(gan, train, test, "digits-net")  # doctest: +SKIP
    >>> out["cas"], out["cas_real"]                                          # doctest: +SKIP
    (0.93, 0.98)
    """
    num_classes = _num_classes(gan, "classification_accuracy_score")
    train = _labelled(train, "train", num_classes)
    test = _labelled(test, "test", num_classes)
    if len(test[1]) == 0:
        raise ValueError("classification_accuracy_score needs test images; got none.")
    cap = check_positive_int("train_per_class", DEFAULT_CAS_TRAIN_PER_CLASS
                             if train_per_class is None else train_per_class)
    steps = check_positive_int("steps", DEFAULT_CAS_STEPS if steps is None else steps)
    batch_size = check_positive_int("batch_size", DEFAULT_CAS_BATCH_SIZE
                                    if batch_size is None else batch_size)
    learning_rate = check_positive_number("learning_rate", DEFAULT_CAS_LEARNING_RATE
                                          if learning_rate is None else learning_rate)
    seed = int(seed)
    counts = np.bincount(train[1], minlength=num_classes)
    missing = [c for c in range(num_classes) if counts[c] == 0]
    if missing:
        raise ValueError(
            f"classification_accuracy_score needs real training images of every class "
            f"0..{num_classes - 1}; classes {missing} have none.")
    build, description = _classifier_builder(classifier)
    probe = build()
    shape, outputs = tuple(probe.input_shape[1:]), probe.output_shape[-1]
    del probe
    for name, images in (("train", train[0]), ("test", test[0])):
        if tuple(images.shape[1:]) != shape:
            raise ValueError(f"The classifier ({description}) takes images of shape {shape}; "
                             f"the {name} images have shape {tuple(images.shape[1:])}.")
    if outputs != num_classes:
        raise ValueError(f"The classifier ({description}) has {outputs} outputs; the GAN has "
                         f"{num_classes} classes.")

    keep = np.concatenate([np.flatnonzero(train[1] == c)[:cap] for c in range(num_classes)])
    keep.sort()  # the real images in their given order
    real = (train[0][keep], train[1][keep])
    per_class = [int(np.sum(real[1] == c)) for c in range(num_classes)]
    generated = [np.asarray(gan.generate(n, seed=_class_seed(seed, c), labels=c))
                 for c, n in enumerate(per_class)]
    fake = (np.concatenate(generated), np.repeat(np.arange(num_classes), per_class))
    if tuple(fake[0].shape[1:]) != shape:
        raise ValueError(f"The classifier ({description}) takes images of shape {shape}; the "
                         f"GAN generates images of shape {tuple(fake[0].shape[1:])}.")
    options = (num_classes, steps, batch_size, learning_rate, seed)
    cas, cas_per_class = _train_and_test(build, fake, test, *options)
    cas_real, real_per_class = _train_and_test(build, real, test, *options)
    return {
        "cas": cas, "cas_real": cas_real, "cas_per_class": cas_per_class,
        "cas_real_per_class": real_per_class,
        "protocol": {"classifier": description, "train_images": int(len(keep)),
                     "train_per_class": per_class, "test_images": int(len(test[1])),
                     "steps": steps, "batch_size": batch_size,
                     "learning_rate": float(learning_rate), "optimizer": "adam", "seed": seed},
    }


def labelled_arrays(dataset, split, *, per_class=None, num_classes=None, data_dir=None,
                    download=False, preprocessing=None):
    """Images ([-1, 1] float32) and labels of `dataset[split]` via `kerasgan.data.load`.

    With `per_class` (and `num_classes`), reading stops once every class has
    `per_class` images, and only the first `per_class` of each are kept.

    Raises:
        ValueError: a dataset without labels.

    Example:
    >>> images, labels = labelled_arrays("digits/28x28", "test")
    >>> images.shape, labels[:5].tolist()
    ((450, 28, 28, 1), [5, 2, 5, 1, 9])
    """
    ds = load(dataset, split=split, batch_size=1000, shuffle=False, repeat=False,
              drop_remainder=False, data_dir=data_dir, download=download,
              **dict(preprocessing or {}))
    images, labels = [], []
    counts = np.zeros(num_classes or 0, np.int64)
    for batch in ds:
        if "labels" not in batch:
            raise ValueError(f"{dataset}[{split}] has no labels; the conditional metrics need "
                             f"the class of every real image.")
        images.append(batch["images"].numpy())
        labels.append(batch["labels"].numpy().astype(np.int64))
        if per_class is not None:
            counts += np.bincount(labels[-1][labels[-1] < len(counts)], minlength=len(counts))
            if counts.min() >= per_class:
                break
    if not images:
        raise ValueError(f"{dataset}[{split}] has no images.")
    images, labels = np.concatenate(images), np.concatenate(labels)
    if per_class is not None:
        keep = np.sort(np.concatenate([np.flatnonzero(labels == c)[:per_class]
                                       for c in range(num_classes)]))
        images, labels = images[keep], labels[keep]
    return images, labels


#: The options of `conditional_metrics` (and of `evaluate_gan(..., conditional={...})`).
CONDITIONAL_OPTIONS = ("train_split", "samples_per_class", "classifier", "train_per_class",
                       "steps", "batch_size", "learning_rate", "cas_seed")


def _default_classifier(extractor):
    """The extractor's feature net (its card's builder), else a fresh copy of its classifier."""
    if extractor.name in zoo_entries.entries(kind="feature_net"):
        return extractor.name
    if getattr(extractor, "classifier", None) is not None:
        def fresh_copy():
            return keras.models.clone_model(extractor.classifier)

        fresh_copy.__name__ = f"fresh copy of {extractor.name}'s classifier"
        return fresh_copy
    raise ValueError(
        f"CAS trains a classifier; extractor {extractor.name!r} is no zoo feature net and has "
        "no classifier to copy. Give one (conditional={'classifier': spec or builder}) or skip "
        "the conditional metrics (conditional=False).")


def check_conditional_options(gan, extractor, options=None):
    """Check the options of `conditional_metrics` before any work; returns them with defaults.

    Args:
        gan: the conditional GAN (its classes must be the extractor's).
        extractor: a `FeatureExtractor`.
        options: a dict with keys of `CONDITIONAL_OPTIONS` (None: all defaults;
            the default classifier is the extractor's zoo feature net, else a
            fresh copy of its `classifier` model).

    Raises:
        ValueError: an unconditional GAN, classes other than the extractor's,
            an unknown option, too few samples per class for the feature width,
            an unknown classifier or a bad setting.

    Example:
    >>> from kerasgan.metrics.features import get_extractor
    >>> class Conditional:
    ...     num_classes = 10
    >>> check_conditional_options(Conditional(), get_extractor("digits-net"), {"steps": 100})["steps"]
    100
    >>> check_conditional_options(Conditional(), get_extractor("digits-net"), {"step": 100})
    Traceback (most recent call last):
    ...
    ValueError: Unknown conditional metric option(s) ['step']; expected some of: train_split, samples_per_class, classifier, train_per_class, steps, batch_size, learning_rate, cas_seed.
    """
    options = dict(options or {})
    unknown = sorted(set(options) - set(CONDITIONAL_OPTIONS))
    if unknown:
        raise ValueError(f"Unknown conditional metric option(s) {unknown}; expected some of: "
                         + ", ".join(CONDITIONAL_OPTIONS) + ".")
    num_classes = _num_classes(gan, "conditional_metrics")
    if num_classes != extractor.num_classes:
        raise ValueError(f"The GAN has {num_classes} classes but {extractor.name} predicts "
                         f"{extractor.num_classes}; the conditional metrics need the same classes.")

    def get(key, default):
        return default if options.get(key) is None else options[key]

    out = {
        "train_split": str(get("train_split", "train")),
        "samples_per_class": check_positive_int(
            "samples_per_class", get("samples_per_class", DEFAULT_INTRA_FID_SAMPLES_PER_CLASS)),
        "classifier": get("classifier", None) or _default_classifier(extractor),
        "train_per_class": check_positive_int(
            "train_per_class", get("train_per_class", DEFAULT_CAS_TRAIN_PER_CLASS)),
        "steps": check_positive_int("steps", get("steps", DEFAULT_CAS_STEPS)),
        "batch_size": check_positive_int("batch_size", get("batch_size", DEFAULT_CAS_BATCH_SIZE)),
        "learning_rate": check_positive_number(
            "learning_rate", get("learning_rate", DEFAULT_CAS_LEARNING_RATE)),
        "cas_seed": int(get("cas_seed", 0)),
    }
    d = extractor.feature_dim
    if out["samples_per_class"] <= d:
        raise ValueError(
            f"intra_class_fid needs more samples per class than feature dimensions: got "
            f"samples_per_class={out['samples_per_class']} for {extractor.name}'s {d}-d "
            f"features; need at least {d + 1}.")
    if out["train_per_class"] <= d:
        raise ValueError(
            f"intra_class_fid needs more real images per class than feature dimensions: got "
            f"train_per_class={out['train_per_class']} for {extractor.name}'s {d}-d features; "
            f"need at least {d + 1}.")
    _classifier_builder(out["classifier"])
    return out


def conditional_metrics(gan, dataset, extractor, *, test_split, seed=12345, data_dir=None,
                        download=False, preprocessing=None, **options):
    """Intra-class FID and CAS of a conditional GAN on `dataset`: the report's conditional part.

    The real images of the train split (`kerasgan.data.load(dataset,
    split=train_split)`, at most `train_per_class` per class, the first ones)
    are the reference of intra-class FID and the training set of CAS's real
    classifier; the `test_split` images are CAS's test set. The CAS
    classifier is the extractor's feature net architecture (its zoo card's
    builder and args) unless `classifier` is given.

    Args:
        gan: a conditional GAN whose classes are the extractor's.
        dataset: a dataset name `kerasgan.data.load` accepts, with labels.
        extractor: a `FeatureExtractor`.
        test_split: CAS's test split (the report uses the protocol's split).
        seed: latents seed of intra-class FID's samples.
        data_dir, download, preprocessing: passed to `kerasgan.data.load`.
        **options: `CONDITIONAL_OPTIONS` (checked by `check_conditional_options`
            before anything is read): `train_split` (default "train"),
            `samples_per_class` (intra-class FID's generated samples per
            class), CAS's `classifier`, `train_per_class`, `steps`,
            `batch_size`, `learning_rate` (`classification_accuracy_score`)
            and `cas_seed` (its seed, default 0).

    Returns:
        dict: `intra_fid`, `intra_fid_per_class`, `cas`, `cas_real`,
        `cas_per_class`, `cas_real_per_class`, and `conditional_protocol`
        (`{"intra_fid": {...}, "cas": {...}}`, with the dataset and splits).

    Example:
    >>> out = conditional_metrics(gan, "digits/28x28", get_extractor("digits-net"),
    ...                           test_split="test")                   # doctest: +SKIP
    >>> sorted(out)[:3]                                                # doctest: +SKIP
    ['cas', 'cas_per_class', 'cas_real']
    """
    o = check_conditional_options(gan, extractor, options)
    load_options = dict(data_dir=data_dir, download=download, preprocessing=preprocessing)
    try:
        train = labelled_arrays(dataset, o["train_split"], per_class=o["train_per_class"],
                                num_classes=gan.num_classes, **load_options)
        test = labelled_arrays(dataset, test_split, **load_options)
    except (ValueError, OSError) as error:
        raise ValueError(
            f"Intra-class FID and CAS need the labelled {o['train_split']!r} and {test_split!r} "
            f"splits of {dataset}: {error} (evaluate_gan(..., conditional=False) or `kerasgan "
            f"evaluate --noconditional` skips these metrics.)") from error
    intra = intra_class_fid(gan, train, extractor, samples_per_class=o["samples_per_class"],
                            seed=seed)
    cas = classification_accuracy_score(
        gan, train, test, o["classifier"], train_per_class=o["train_per_class"],
        steps=o["steps"], batch_size=o["batch_size"], learning_rate=o["learning_rate"],
        seed=o["cas_seed"])
    intra_protocol, cas_protocol = intra.pop("protocol"), cas.pop("protocol")
    intra_protocol.update(dataset=str(dataset), split=o["train_split"])
    cas_protocol.update(dataset=str(dataset), train_split=o["train_split"],
                        test_split=test_split)
    return {**intra, **cas,
            "conditional_protocol": {"intra_fid": intra_protocol, "cas": cas_protocol}}
