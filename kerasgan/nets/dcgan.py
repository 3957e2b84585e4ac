"""DCGAN generator and discriminator (Radford et al. 2016) for 28, 32 and 64 pixels.

The lecture's convolutional GAN: the generator maps z through a dense layer to a
small feature map and up-samples it with stride-2 transposed convolutions
(batch normalization and ReLU between them, tanh at the end); the discriminator
down-samples with stride-2 convolutions and leaky ReLUs to one logit.

Both take `num_classes` to become class-conditional:

* generator: `[z, labels]` -> images; the label's learned embedding is
  concatenated to z (the conditional-GAN recipe of Mirza & Osindero 2014);
* discriminator: `[images, labels]` -> logits, by **projection** (Miyato &
  Koyama 2018: logit + <embed(y), features>, the default) or by
  **concatenation** (the embedded label as an extra image channel).

The discriminator has no batch normalization, so it works with per-example
penalties (WGAN-GP, R1) and with spectral normalization (`spectral_norm=True`).

Example:
>>> g = dcgan_generator(64, (28, 28, 1))
>>> d = dcgan_discriminator((28, 28, 1))
>>> g.output_shape, d.output_shape
((None, 28, 28, 1), (None, 1))
"""

import keras

from kerasgan.core.validation import check_positive_int
from kerasgan.layers import SpectralNormalization
from kerasgan.nets.blocks import image_plan, projection_head
from kerasgan.nets.registry import register_net

#: Image sizes the DCGAN nets support -> (size of the first feature map, up/down-samplings).
RESOLUTIONS = {28: (7, 2), 32: (4, 3), 64: (4, 4)}

CONDITIONING = ("projection", "concat")


def _plan(image_shape):
    return image_plan(image_shape, RESOLUTIONS, "DCGAN")


@register_net(role="generator", partner="dcgan_discriminator",
              test_args={"latent_dim": 8, "base_filters": 4})
def dcgan_generator(
    latent_dim=100,
    image_shape=(28, 28, 1),
    base_filters=64,
    num_classes=None,
    embedding_dim=32,
    synchronized_bn=False,
    name="generator",
):
    """A DCGAN generator z (and optionally a class label) -> image in [-1, 1].

    Args:
        latent_dim: size of z.
        image_shape: `(H, W, C)` with H = W in {28, 32, 64}.
        base_filters: channels of the last hidden feature map; each earlier
            one has twice as many (e.g. 28 px, 64: 128 at 7x7, 64 at 14x14).
        num_classes: if set, the generator is conditional and takes
            `[z, labels]` (int labels in `[0, num_classes)`).
        embedding_dim: width of the label embedding concatenated to z.
        synchronized_bn: batch statistics over the global batch under a
            `tf.distribute` strategy (Keras' `BatchNormalization(synchronized=True)`);
            the default normalizes each replica's share of the batch.
        name: model name.

    Example:
    >>> g = dcgan_generator(32, (32, 32, 3), base_filters=16, num_classes=10)
    >>> [tuple(s) for s in g.input_shape], g.output_shape
    ([(None, 32), (None,)], (None, 32, 32, 3))
    """
    (size, _, channels), (start, steps) = _plan(image_shape)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    base_filters = check_positive_int("base_filters", base_filters)
    z = keras.Input((latent_dim,), name="latents")
    inputs, h = [z], z
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        embedded = keras.layers.Embedding(num_classes, embedding_dim, name="label_embedding")(labels)
        h = keras.layers.Concatenate(name="latents_and_label")([z, embedded])
    filters = base_filters * 2 ** (steps - 1)
    h = keras.layers.Dense(start * start * filters, use_bias=False, name="project")(h)
    h = keras.layers.BatchNormalization(synchronized=synchronized_bn, name="project_bn")(h)
    h = keras.layers.ReLU()(h)
    h = keras.layers.Reshape((start, start, filters))(h)
    for i in range(steps - 1):
        filters //= 2
        h = keras.layers.Conv2DTranspose(filters, 4, 2, padding="same", use_bias=False,
                                         name=f"up{i}")(h)
        h = keras.layers.BatchNormalization(synchronized=synchronized_bn, name=f"up{i}_bn")(h)
        h = keras.layers.ReLU()(h)
    images = keras.layers.Conv2DTranspose(channels, 4, 2, padding="same", activation="tanh",
                                          name="to_image")(h)
    return keras.Model(inputs if num_classes is not None else z, images, name=name)


@register_net(role="discriminator", partner="dcgan_generator", test_args={"base_filters": 4})
def dcgan_discriminator(
    image_shape=(28, 28, 1),
    base_filters=64,
    spectral_norm=False,
    num_classes=None,
    conditioning="projection",
    name="discriminator",
):
    """A DCGAN discriminator image (and optionally a class label) -> logit.

    Args:
        image_shape: `(H, W, C)` with H = W in {28, 32, 64}.
        base_filters: channels of the first convolution, doubled at each step.
        spectral_norm: wrap every convolution and the output layer in
            `SpectralNormalization` (SNGAN).
        num_classes: if set, the discriminator is conditional and takes
            `[images, labels]`.
        conditioning: `"projection"` (logit += <embed(y), features>) or
            `"concat"` (the embedded label as an extra input channel).
        name: model name.

    Example:
    >>> d = dcgan_discriminator((64, 64, 3), base_filters=8, spectral_norm=True,
    ...                         num_classes=5)
    >>> d.output_shape
    (None, 1)
    """
    (size, _, channels), (_, steps) = _plan(image_shape)
    base_filters = check_positive_int("base_filters", base_filters)
    if conditioning not in CONDITIONING:
        raise ValueError(f"conditioning must be one of {CONDITIONING}; got {conditioning!r}.")

    def wrap(layer):
        return SpectralNormalization(layer, name=f"sn_{layer.name}") if spectral_norm else layer

    x = keras.Input((size, size, channels), name="images")
    inputs, h = [x], x
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        if conditioning == "concat":
            plane = keras.layers.Embedding(num_classes, size * size, name="label_plane")(labels)
            plane = keras.layers.Reshape((size, size, 1))(plane)
            h = keras.layers.Concatenate(name="image_and_label")([x, plane])
    filters = base_filters
    for i in range(steps):
        h = wrap(keras.layers.Conv2D(filters, 4, 2, padding="same", name=f"down{i}"))(h)
        h = keras.layers.LeakyReLU(0.2)(h)
        filters *= 2
    features = keras.layers.Flatten(name="features")(h)
    logits = wrap(keras.layers.Dense(1, name="logits"))(features)
    if num_classes is not None and conditioning == "projection":
        logits = projection_head(logits, features, labels, num_classes, wrap)
    return keras.Model(inputs if num_classes is not None else x, logits, name=name)
