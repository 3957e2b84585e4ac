"""Pieces shared by the DCGAN and ResNet nets: the size plan and the projection head.

* `image_plan(image_shape, resolutions, family)`: check a square image shape
  against the sizes a net family supports and return its plan (size of the
  first feature map, number of 2x resolution steps).
* `projection_head(logits, features, labels, num_classes, wrap)`: the
  projection discriminator's class term, logit + <embed(y), features>
  (Miyato & Koyama 2018).

Layer names are part of the weights files' layout: `projection_head` names its
layers `projection_embedding` (`sn_projection_embedding` when wrapped),
`projection` and `logits_with_projection`.

Example:
>>> image_plan((32, 32, 3), {28: (7, 2), 32: (4, 3)}, "DCGAN")
((32, 32, 3), (4, 3))
"""

import keras

from kerasgan.core.validation import check_positive_int

__all__ = ["image_plan", "projection_head"]


def image_plan(image_shape, resolutions, family):
    """`((H, W, C), (first feature-map size, steps))` of a square image shape.

    Args:
        image_shape: `(H, W, C)` with H = W a key of `resolutions`.
        resolutions: `{size: (first feature-map size, 2x steps)}`.
        family: the nets' name in the error message ("DCGAN", "ResNet GAN").

    Example:
    >>> image_plan((28, 28, 1), {28: (7, 2)}, "DCGAN")
    ((28, 28, 1), (7, 2))
    >>> image_plan((30, 30, 1), {28: (7, 2)}, "DCGAN")
    Traceback (most recent call last):
    ...
    ValueError: DCGAN nets take square images of [28] pixels, shape (H, W, C); got image_shape=(30, 30, 1).
    """
    shape = tuple(int(d) for d in image_shape)
    if len(shape) != 3 or shape[0] != shape[1] or shape[0] not in resolutions:
        raise ValueError(
            f"{family} nets take square images of {sorted(resolutions)} pixels, shape "
            f"(H, W, C); got image_shape={tuple(image_shape)}."
        )
    check_positive_int("channels", shape[2])
    return shape, resolutions[shape[0]]


def projection_head(logits, features, labels, num_classes, wrap=None):
    """Projection discriminator: logit + <embed(y), features> (Miyato & Koyama 2018).

    Args:
        logits: the unconditional logit tensor `[B, 1]`.
        features: the feature tensor `[B, d]` the logit was computed from.
        labels: int class labels `[B]`.
        num_classes: number of classes of the embedding.
        wrap: a function applied to the embedding layer (e.g. spectral
            normalization), or None.

    Example:
    >>> f = keras.Input((6,)); y = keras.Input((), dtype="int32")
    >>> out = projection_head(keras.layers.Dense(1)(f), f, y, 3)
    >>> keras.Model([f, y], out).output_shape
    (None, 1)
    """
    embedding = keras.layers.Embedding(num_classes, features.shape[-1],
                                       name="projection_embedding")
    embedded = (wrap(embedding) if wrap is not None else embedding)(labels)
    inner = keras.layers.Dot(axes=1, name="projection")([embedded, features])
    return keras.layers.Add(name="logits_with_projection")([logits, inner])
