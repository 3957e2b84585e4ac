"""Small convolutional classifiers: the project's domain feature nets.

FID, KID and precision/recall compare images in the feature space of a trained
network. For 28x28 digits, ImageNet's InceptionV3 is a poor and slow judge; the
convention of MNIST GAN papers is a classifier trained on the domain itself.
`digit_classifier` is that net: its `"features"` layer (linear, `feature_dim`
wide) gives the features, its softmax the class probabilities (for the
Inception-score analogue and for checking conditional generators).

Trained instances ship in the zoo (`kerasgan.metrics.get_extractor("digits-net")`,
`"mnist-net"`), trained by `tools/train_feature_net.py`.
"""

import keras

from kerasgan.core.validation import check_positive_int
from kerasgan.nets.registry import register_net

#: Name of the layer whose output is the feature vector.
FEATURE_LAYER = "features"


@register_net(role="classifier",
              test_args={"input_shape": (8, 8, 1), "feature_dim": 4, "filters": (2, 2)})
def digit_classifier(
    input_shape=(28, 28, 1),
    num_classes=10,
    feature_dim=64,
    filters=(32, 64),
    dropout=0.3,
    name="digit_classifier",
):
    """A small CNN classifier with a named, linear feature layer.

    Two blocks of (3x3 conv, 3x3 conv with stride 2), ReLU, then flatten, a
    linear `Dense(feature_dim)` named `"features"`, ReLU, dropout and the
    `num_classes` logits.

    Args:
        input_shape: `(H, W, C)` of the images, which are in `[-1, 1]`.
        num_classes: number of classes.
        feature_dim: width of the feature layer (keep it well below the number
            of samples FID will be computed from: the covariance needs n > d).
        filters: channels of the two conv blocks.
        dropout: dropout rate before the logits (training only).
        name: model name.

    Returns:
        A functional `keras.Model` from `[None, H, W, C]` to `[None, num_classes]`
        logits.

    Example:
    >>> net = digit_classifier((28, 28, 1), feature_dim=64)
    >>> net.output_shape, net.get_layer("features").output.shape
    ((None, 10), (None, 64))
    """
    input_shape = tuple(check_positive_int("input_shape[i]", d) for d in input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (H, W, C); got {input_shape}.")
    num_classes = check_positive_int("num_classes", num_classes)
    feature_dim = check_positive_int("feature_dim", feature_dim)
    x = keras.Input(input_shape, name="images")
    h = x
    for i, width in enumerate(filters):
        width = check_positive_int("filters[i]", width)
        h = keras.layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{i}a")(h)
        h = keras.layers.Conv2D(
            width, 3, strides=2, padding="same", activation="relu", name=f"conv{i}b"
        )(h)
    h = keras.layers.Flatten(name="flatten")(h)
    features = keras.layers.Dense(feature_dim, name=FEATURE_LAYER)(h)
    h = keras.layers.ReLU()(features)
    h = keras.layers.Dropout(dropout)(h)
    logits = keras.layers.Dense(num_classes, name="logits")(h)
    return keras.Model(x, logits, name=name)
