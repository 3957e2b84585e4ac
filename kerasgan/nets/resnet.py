"""ResNet GAN nets: SNGAN's ResBlock-up generator / ResBlock-down discriminator, and
the BigGAN-style conditional pieces.

Generator (`resnet_generator`): z -> dense -> 4x4 (7x7 at 28 px) feature map ->
ResBlock-up x N -> BN, ReLU, 3x3 conv, tanh. A ResBlock-up is
BN -> ReLU -> 2x nearest up-sampling -> 3x3 conv -> BN -> ReLU -> 3x3 conv, plus
an up-sampled 1x1-conv shortcut. BigGAN options:

* `num_classes`: class-conditional; every BN becomes a
  `ConditionalBatchNormalization` driven by a **shared class embedding**
  (one embedding for all blocks);
* `hierarchical=True`: **hierarchical latents** -- z is split into one chunk for
  the first dense layer and one per block; each block's condition is
  [shared embedding, its z chunk];
* `attention_resolution`: a `SelfAttention` block after the block that outputs
  that resolution.

Discriminator (`resnet_discriminator`): ResBlock-down x N (ReLU -> 3x3 conv ->
ReLU -> 3x3 conv -> 2x2 average pooling, with a 1x1-conv pooled shortcut; the
first block without the leading ReLU) -> ReLU -> global sum pooling -> linear
logit, spectral normalization on every layer by default, and for `num_classes`
a **projection** term <embed(y), features> (Miyato & Koyama 2018).

The truncation trick is applied at sampling: `GAN.generate(n, truncation=0.5)`.

Example:
>>> g = resnet_generator(64, (32, 32, 3), base_filters=16, num_classes=10,
...                      hierarchical=True, attention_resolution=16)
>>> d = resnet_discriminator((32, 32, 3), base_filters=16, num_classes=10)
>>> g.output_shape, d.output_shape
((None, 32, 32, 3), (None, 1))
"""

import keras
from keras import ops

from kerasgan.core.validation import check_positive_int
from kerasgan.layers import ConditionalBatchNormalization, SelfAttention, SpectralNormalization
from kerasgan.nets.blocks import image_plan, projection_head
from kerasgan.nets.registry import register_net

#: Image sizes the ResNet nets support -> (first feature map size, number of resolution steps).
RESOLUTIONS = {28: (7, 2), 32: (4, 3), 64: (4, 4), 128: (4, 5)}


@keras.saving.register_keras_serializable(package="kerasgan")
class LatentChunk(keras.layers.Layer):
    """Columns `[start, start + size)` of a latent vector (hierarchical latents).

    Example:
    >>> import numpy as np
    >>> LatentChunk(2, 3)(np.arange(8, dtype="float32")[None]).numpy().tolist()
    [[2.0, 3.0, 4.0]]
    """

    def __init__(self, start, size, **kwargs):
        super().__init__(**kwargs)
        self.start, self.size = int(start), int(size)

    def call(self, z):
        return z[:, self.start:self.start + self.size]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "size": self.size}


@keras.saving.register_keras_serializable(package="kerasgan")
class GlobalSumPooling2D(keras.layers.Layer):
    """Sum over the spatial positions (SNGAN's discriminator head).

    Example:
    >>> import numpy as np
    >>> GlobalSumPooling2D()(np.ones((1, 2, 3, 4), "float32")).numpy().tolist()
    [[6.0, 6.0, 6.0, 6.0]]
    """

    def call(self, x):
        return ops.sum(x, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


def _plan(image_shape):
    return image_plan(image_shape, RESOLUTIONS, "ResNet GAN")


def _check_attention(attention_resolution, size, start):
    valid = [start * 2 ** i for i in range(1, 10) if start * 2 ** i <= size]
    if attention_resolution is not None and attention_resolution not in valid:
        raise ValueError(
            f"attention_resolution must be None or one of the feature-map sizes "
            f"{valid}; got {attention_resolution!r}."
        )


@register_net(role="generator", partner="resnet_discriminator",
              test_args={"latent_dim": 8, "image_shape": (28, 28, 1), "base_filters": 4})
def resnet_generator(
    latent_dim=128,
    image_shape=(32, 32, 3),
    base_filters=64,
    num_classes=None,
    embedding_dim=128,
    hierarchical=False,
    attention_resolution=None,
    synchronized_bn=False,
    name="generator",
):
    """SNGAN / BigGAN ResBlock-up generator.

    Args:
        latent_dim: size of z (with `hierarchical`, it must split into
            1 + number of blocks equal chunks).
        image_shape: `(H, W, C)`, H = W in {28, 32, 64, 128}.
        base_filters: channels of every block (constant width, as SNGAN's
            CIFAR generator).
        num_classes: class-conditional (inputs `[z, labels]`) with conditional
            batch norm from a shared class embedding.
        embedding_dim: width of the shared class embedding.
        hierarchical: hierarchical latents (BigGAN): a chunk of z per block.
        attention_resolution: add self-attention at this feature-map size.
        synchronized_bn: batch statistics (of the BN and conditional BN layers)
            over the global batch under a `tf.distribute` strategy.
        name: model name.

    Example:
    >>> resnet_generator(32, (28, 28, 1), base_filters=8).output_shape
    (None, 28, 28, 1)
    """
    (size, _, channels), (start, blocks) = _plan(image_shape)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    width = check_positive_int("base_filters", base_filters)
    _check_attention(attention_resolution, size, start)
    if hierarchical and latent_dim % (blocks + 1):
        raise ValueError(
            f"Hierarchical latents split z into {blocks + 1} equal chunks (one for the "
            f"input, one per block); latent_dim={latent_dim} is not divisible by {blocks + 1}."
        )
    z = keras.Input((latent_dim,), name="latents")
    inputs = [z]
    chunk = latent_dim // (blocks + 1)
    chunks = ([z] if not hierarchical else
              [LatentChunk(i * chunk, chunk, name=f"z_chunk{i}")(z) for i in range(blocks + 1)])
    embedded = None
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        embedded = keras.layers.Embedding(num_classes, embedding_dim, name="shared_embedding")(labels)

    def condition(i):
        parts = ([embedded] if embedded is not None else []) + ([chunks[i + 1]] if hierarchical else [])
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else keras.layers.Concatenate(name=f"cond{i}")(parts)

    def norm(h, cond, label):
        if cond is None:
            return keras.layers.BatchNormalization(synchronized=synchronized_bn, name=label)(h)
        return ConditionalBatchNormalization(synchronized=synchronized_bn, name=label)([h, cond])

    h = keras.layers.Dense(start * start * width, name="project")(chunks[0])
    h = keras.layers.Reshape((start, start, width))(h)
    resolution = start
    for i in range(blocks):
        cond = condition(i)
        shortcut = keras.layers.UpSampling2D(name=f"block{i}_up_skip")(h)
        shortcut = keras.layers.Conv2D(width, 1, name=f"block{i}_skip")(shortcut)
        h = keras.layers.ReLU()(norm(h, cond, f"block{i}_bn1"))
        h = keras.layers.UpSampling2D(name=f"block{i}_up")(h)
        h = keras.layers.Conv2D(width, 3, padding="same", name=f"block{i}_conv1")(h)
        h = keras.layers.ReLU()(norm(h, cond, f"block{i}_bn2"))
        h = keras.layers.Conv2D(width, 3, padding="same", name=f"block{i}_conv2")(h)
        h = keras.layers.Add(name=f"block{i}_out")([h, shortcut])
        resolution *= 2
        if resolution == attention_resolution:
            h = SelfAttention(name=f"attention{resolution}")(h)
    h = keras.layers.ReLU()(keras.layers.BatchNormalization(
        synchronized=synchronized_bn, name="out_bn")(h))
    images = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh", name="to_image")(h)
    return keras.Model(inputs if num_classes is not None else z, images, name=name)


@register_net(role="discriminator", partner="resnet_generator",
              test_args={"image_shape": (28, 28, 1), "base_filters": 4})
def resnet_discriminator(
    image_shape=(32, 32, 3),
    base_filters=64,
    num_classes=None,
    spectral_norm=True,
    attention_resolution=None,
    name="discriminator",
):
    """SNGAN ResBlock-down discriminator, with a projection head when conditional.

    Args:
        image_shape: `(H, W, C)`, H = W in {28, 32, 64, 128}.
        base_filters: channels of every block.
        num_classes: class-conditional by projection (inputs `[images, labels]`).
        spectral_norm: spectral normalization on every convolution, the output
            layer and the projection embedding.
        attention_resolution: add self-attention before the block that takes
            this feature-map size.
        name: model name.

    Example:
    >>> resnet_discriminator((28, 28, 1), base_filters=8).output_shape
    (None, 1)
    """
    (size, _, channels), (start, blocks) = _plan(image_shape)
    width = check_positive_int("base_filters", base_filters)
    _check_attention(attention_resolution, size, start)

    def sn(layer):
        return SpectralNormalization(layer, name=f"sn_{layer.name}") if spectral_norm else layer

    x = keras.Input((size, size, channels), name="images")
    inputs, h = [x], x
    resolution = size
    for i in range(blocks):
        if resolution == attention_resolution:
            h = SelfAttention(spectral_norm=spectral_norm, name=f"attention{resolution}")(h)
        shortcut = h
        if i > 0:
            h = keras.layers.ReLU()(h)
        h = sn(keras.layers.Conv2D(width, 3, padding="same", name=f"block{i}_conv1"))(h)
        h = keras.layers.ReLU()(h)
        h = sn(keras.layers.Conv2D(width, 3, padding="same", name=f"block{i}_conv2"))(h)
        h = keras.layers.AveragePooling2D(2, name=f"block{i}_pool")(h)
        shortcut = sn(keras.layers.Conv2D(width, 1, name=f"block{i}_skip"))(shortcut)
        shortcut = keras.layers.AveragePooling2D(2, name=f"block{i}_skip_pool")(shortcut)
        h = keras.layers.Add(name=f"block{i}_out")([h, shortcut])
        resolution //= 2
    h = keras.layers.ReLU()(h)
    features = GlobalSumPooling2D(name="sum_pool")(h)
    logits = sn(keras.layers.Dense(1, name="logits"))(features)
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        logits = projection_head(logits, features, labels, num_classes, sn)
    return keras.Model(inputs if num_classes is not None else x, logits, name=name)
