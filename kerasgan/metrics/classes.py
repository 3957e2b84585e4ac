"""Class metrics of digit generators, judged by a domain classifier.

* `class_balance`: for an unconditional generator, the classifier's class
  histogram of its samples against the same classifier's histogram of real
  images -- every class should be present, none far above its data frequency
  (mode collapse shows as missing or over-represented classes).
* `conditional_accuracy`: for a conditional generator, the classifier's accuracy
  on samples generated for each requested class.

Example:
>>> import numpy as np
>>> probs = np.eye(10)[np.arange(1000) % 10]
>>> class_balance(probs, np.full(10, 0.1))["max_ratio"]
1.0
"""

import numpy as np

from kerasgan.core.validation import check_positive_int

__all__ = ["class_balance", "conditional_accuracy"]


def class_balance(probs, data_frequencies, min_share=0.2):
    """Class histogram of generated samples vs the data's.

    Args:
        probs: `[N, K]` classifier probabilities of generated samples.
        data_frequencies: `[K]` class frequencies of real images (as the same
            classifier predicts them).
        min_share: a class counts as present when its generated frequency is at
            least `min_share` times its data frequency.

    Returns:
        dict: `frequencies` (generated, per class), `ratios` (generated / data),
        `classes_present`, `max_ratio`, `min_ratio`, `num_samples`.

    Example:
    >>> probs = np.eye(3)[[0, 0, 0, 1]]
    >>> m = class_balance(probs, [1 / 3, 1 / 3, 1 / 3])
    >>> m["classes_present"], round(m["max_ratio"], 2)
    (2, 2.25)
    """
    probs = np.asarray(probs, np.float64)
    data = np.asarray(data_frequencies, np.float64)
    if probs.ndim != 2 or data.shape != (probs.shape[1],) or np.any(data <= 0):
        raise ValueError(
            f"class_balance needs probs [N, K] and K positive data frequencies; got "
            f"probs {probs.shape} and data_frequencies {data.shape}."
        )
    counts = np.bincount(np.argmax(probs, axis=1), minlength=probs.shape[1])
    frequencies = counts / max(len(probs), 1)
    ratios = frequencies / (data / data.sum())
    return {
        "frequencies": [float(f) for f in frequencies],
        "ratios": [float(r) for r in ratios],
        "classes_present": int(np.sum(ratios >= min_share)),
        "max_ratio": float(ratios.max()),
        "min_ratio": float(ratios.min()),
        "num_samples": int(len(probs)),
        "min_share": min_share,
    }


def conditional_accuracy(gan, extractor, samples_per_class=100, seed=12345):
    """The classifier's accuracy on samples generated for each class.

    Args:
        gan: a conditional `kerasgan.models.GAN` (`num_classes` set).
        extractor: a `FeatureExtractor` whose classes are the GAN's labels.
        samples_per_class: generated samples per class.
        seed: latents seed (the same latents for every class).

    Returns:
        dict: `per_class` accuracies, `mean`, `min`, `samples_per_class`.

    Example:
    >>> conditional_accuracy(gan, get_extractor("digits-net"))["mean"]  # doctest: +SKIP
    0.98
    """
    if gan.num_classes is None:
        raise ValueError("conditional_accuracy needs a conditional GAN (num_classes set).")
    if gan.num_classes != extractor.num_classes:
        raise ValueError(
            f"The GAN has {gan.num_classes} classes but {extractor.name} predicts "
            f"{extractor.num_classes}."
        )
    n = check_positive_int("samples_per_class", samples_per_class)
    per_class = []
    for label in range(gan.num_classes):
        images = gan.generate(n, seed=seed, labels=label)
        predicted = np.argmax(extractor.extract(images).probs, axis=1)
        per_class.append(float(np.mean(predicted == label)))
    return {"per_class": per_class, "mean": float(np.mean(per_class)),
            "min": float(np.min(per_class)), "samples_per_class": n}
