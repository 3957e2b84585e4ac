"""R3GAN nets (Huang et al. 2024, "The GAN is dead; long live the GAN!") at 28, 32 and 64 px.

The modernized baseline's generator and discriminator, after the reference
implementation (`R3GAN/Networks.py` of brownvc/R3GAN):

* **residual blocks** whose branch is a grouped-convolution inverted bottleneck,
  1x1 expand (x `expansion`) -> leaky ReLU -> grouped 3x3 (`groups` groups) ->
  leaky ReLU -> 1x1 project back, added to the block's input;
* **no normalization layers** anywhere;
* **fix-up initialization**: the projecting convolution of every branch starts
  at zero (each block is the identity at init); the other two are drawn with
  std `gain / sqrt(fan_in)`, `gain = sqrt(2 / (1 + 0.2**2)) * L ** (-1/4)`
  for a net of `L` residual blocks (R3GAN's variance scaling for branches of
  three linear layers); every other layer has `gain = 1`;
* **interpolating resampling**: 2x up-sampling is bilinear (nearest, then a
  [1, 2, 1] blur), 2x down-sampling is the [1, 3, 3, 1] low-pass filter of R3GAN
  (a [1, 2, 1] blur, then 2x2 average pooling), with edges replicated where
  R3GAN pads with zeros -- no transposed or strided convolutions; both are
  two small matrix products (`resampling_matrix`), fast on CPU with and
  without XLA (a depthwise convolution under XLA on CPU is not); a width
  change between stages is a 1x1 convolution (before up-sampling, after
  down-sampling);
* generator: a **learned constant basis** (`GenerativeBasis`: a `S x S x C`
  tensor scaled channel-wise by a linear map of the latent) at the first
  stage, residual stages up to the image size, a 1x1 convolution to the
  image channels, then tanh (the library's [-1, 1] range; R3GAN's output is
  linear);
* discriminator: a 1x1 convolution from the image, residual stages down to the
  basis size, a **discriminative basis** (`DiscriminativeBasis`: a learned
  `S x S` weighting per channel, i.e. a depthwise `S x S` valid convolution)
  and a linear logit.

Stages: the basis is 4x4 at 32 px (4 -> 8 -> 16 -> 32, four stages) and
64 px (4 -> ... -> 64, five stages). At 28 px (MNIST) it is **7x7** (7 -> 14 ->
28, three stages): the 4x4 basis generalized to the library's 28 px plan (as
`dcgan_*` and `resnet_*`), so that every resampling is an exact 2x step and no
image is cropped or resized. `widths`, `blocks` and `groups` take one entry per
stage (or one number for all stages), in the order the net runs: the generator
from the basis up to the image, the discriminator from the image down to the
basis -- a matching pair has reversed lists (R3GAN does the same).

Class-conditional with `num_classes` (the library's conventions, as
`dcgan_generator` / `dcgan_discriminator`):

* generator: `[latents, labels]` -> images; a learned label embedding is
  concatenated to the latent before the basis' linear map (R3GAN);
* discriminator: `[images, labels]` -> logits, by **projection**: the logit plus
  <embed(y), features> of the basis features (Miyato & Koyama 2018; R3GAN's
  conditional head is the projection term alone).

Grouped convolutions are computed group by group (`GroupedConv2D`): TensorFlow's
fused grouped convolution is unavailable or very slow on CPU (with XLA); the
weights have the layout of `keras.layers.Conv2D(groups=...)`.

The defaults are sized for CPU training (R3GAN's own configs are ~100x wider):
at 28 px widths (64, 32, 16) / (16, 32, 64), one block per stage, 64,016
generator and 59,984 discriminator weights.

Example:
>>> g = r3gan_generator(32, (28, 28, 1), widths=(32, 32, 16))
>>> d = r3gan_discriminator((28, 28, 1), widths=(16, 32, 32))
>>> g.output_shape, d.output_shape
((None, 28, 28, 1), (None, 1))
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from kerasgan.core.validation import check_positive_int
from kerasgan.nets.blocks import image_plan, projection_head
from kerasgan.nets.registry import register_net

__all__ = [
    "DEFAULT_WIDTHS",
    "DiscriminativeBasis",
    "Downsample2D",
    "GenerativeBasis",
    "GroupedConv2D",
    "RESOLUTIONS",
    "Upsample2D",
    "resampling_matrix",
    "r3gan_discriminator",
    "r3gan_generator",
]

#: Image sizes the R3GAN nets support -> (basis size, number of 2x resolution steps).
RESOLUTIONS = {28: (7, 2), 32: (4, 3), 64: (4, 4)}

#: Generator widths per stage when `widths=None` (basis first); the
#: discriminator's default is the reverse.
DEFAULT_WIDTHS = {28: (64, 32, 16), 32: (64, 64, 32, 16), 64: (64, 64, 32, 16, 8)}

#: Negative slope of the leaky ReLUs.
LEAKY_SLOPE = 0.2

#: Gain of a leaky ReLU of slope 0.2 (R3GAN's `BiasedActivation.Gain`).
ACTIVATION_GAIN = math.sqrt(2 / (1 + LEAKY_SLOPE ** 2))

#: Channels per group of the grouped convolution when `groups=None` (R3GAN's choice).
CHANNELS_PER_GROUP = 16


def _msr(gain=1.0):
    """std = gain / sqrt(fan_in) (R3GAN's `MSRInitializer`)."""
    return keras.initializers.VarianceScaling(gain ** 2, "fan_in", "untruncated_normal")


#: R3GAN's resampling filter along one axis: [1, 2, 1] convolved with [1, 1], normalized.
_TAPS = (0.125, 0.375, 0.375, 0.125)


def resampling_matrix(size, up):
    """The linear map of 2x resampling along one axis of `size` pixels, edges replicated.

    Up (`size` -> `2 * size`): bilinear, output `2i` is `(x[i-1] + 3 x[i]) / 4` and
    `2i + 1` is `(3 x[i] + x[i+1]) / 4` (R3GAN's interpolative up-sampler: zeros
    inserted, then the [1, 3, 3, 1] / 4 filter). Down (`size` -> `size / 2`):
    R3GAN's [1, 3, 3, 1] / 8 filter at stride 2, output `i` is
    `(x[2i-1] + 3 x[2i] + 3 x[2i+1] + x[2i+2]) / 8`.

    Args:
        size: pixels along the axis (even for `up=False`).
        up: True to up-sample, False to down-sample.

    Returns:
        a float32 numpy array `[outputs, size]`, each row summing to 1.

    Example:
    >>> resampling_matrix(2, up=True).tolist()
    [[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.0, 1.0]]
    >>> resampling_matrix(4, up=False).tolist()
    [[0.5, 0.375, 0.125, 0.0], [0.0, 0.125, 0.375, 0.5]]
    """
    def clamp(j):
        return min(max(j, 0), size - 1)

    if up:
        matrix = np.zeros((2 * size, size))
        for i in range(size):
            matrix[2 * i, i] += 0.75
            matrix[2 * i, clamp(i - 1)] += 0.25
            matrix[2 * i + 1, i] += 0.75
            matrix[2 * i + 1, clamp(i + 1)] += 0.25
    else:
        if size % 2:
            raise ValueError(f"2x down-sampling needs an even size; got {size}.")
        matrix = np.zeros((size // 2, size))
        for i in range(size // 2):
            for tap, j in zip(_TAPS, range(2 * i - 1, 2 * i + 3)):
                matrix[i, clamp(j)] += tap
    return matrix.astype("float32")


def _resample(x, up):
    """Resample height and width by `resampling_matrix` (two small matrix products:
    fast with and without XLA, unlike depthwise convolutions under XLA on CPU)."""
    rows = ops.cast(resampling_matrix(x.shape[1], up), x.dtype)
    cols = ops.cast(resampling_matrix(x.shape[2], up), x.dtype)
    x = ops.einsum("bhwc,Hh->bHwc", x, rows)
    return ops.einsum("bhwc,Ww->bhWc", x, cols)


@keras.saving.register_keras_serializable(package="kerasgan")
class Upsample2D(keras.layers.Layer):
    """2x bilinear up-sampling (R3GAN's interpolative up-sampler, filter [1, 2, 1]).

    Zeros inserted between the pixels, then the [1, 3, 3, 1] / 4 filter along
    each axis, edges replicated (`resampling_matrix`): exactly bilinear
    resizing with half-pixel centres (`tf.image.resize(..., "bilinear")`), and
    differentiable to any order.

    Example:
    >>> import numpy as np
    >>> x = np.array([0.0, 4.0], "float32").reshape(1, 1, 2, 1)
    >>> Upsample2D()(x).numpy()[0, 0, :, 0].tolist()
    [0.0, 1.0, 3.0, 4.0]
    """

    def call(self, x):
        return _resample(x, up=True)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        return (b, 2 * h, 2 * w, c)


@keras.saving.register_keras_serializable(package="kerasgan")
class Downsample2D(keras.layers.Layer):
    """2x low-pass down-sampling by R3GAN's [1, 3, 3, 1] / 8 filter at stride 2.

    (A [1, 2, 1] blur followed by 2x2 average pooling, as R3GAN's interpolative
    down-sampler, with edges replicated rather than zero-padded;
    `resampling_matrix`.) Even sizes only.

    Example:
    >>> import numpy as np
    >>> x = np.tile(np.array([0.0, 0.0, 8.0, 8.0], "float32"), (4, 1)).reshape(1, 4, 4, 1)
    >>> Downsample2D()(x).numpy()[0, :, :, 0].tolist()
    [[1.0, 7.0], [1.0, 7.0]]
    """

    def call(self, x):
        return _resample(x, up=False)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        return (b, h // 2, w // 2, c)


@keras.saving.register_keras_serializable(package="kerasgan")
class GroupedConv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D` with `groups > 1` computed group by group.

    The same weights (kernel `[k, k, in / groups, filters]`) and outputs as
    `keras.layers.Conv2D(..., groups=groups)`, but each group is an ordinary
    convolution and the results are concatenated: TensorFlow on CPU has no
    fast grouped convolution (Keras routes it through XLA, where it is about
    100x slower than this). Channels-last only.

    Example:
    >>> import numpy as np
    >>> layer = GroupedConv2D(8, 3, groups=4, padding="same")
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 5, 8)).astype("float32")
    >>> tuple(layer(x).shape), tuple(layer.kernel.shape)
    ((2, 5, 5, 8), (3, 3, 2, 8))
    >>> native = keras.layers.Conv2D(8, 3, groups=4, padding="same")
    >>> _ = native(x); native.set_weights(layer.get_weights())
    >>> bool(np.allclose(native(x), layer(x), atol=1e-5))
    True
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.data_format != "channels_last":
            raise ValueError(f"GroupedConv2D is channels-last only; got data_format={self.data_format!r}.")

    def convolution_op(self, inputs, kernel):
        """The convolution of `inputs` by `kernel`, one ordinary convolution per group.

        Example:
        >>> import numpy as np
        >>> layer = GroupedConv2D(4, 1, groups=2, use_bias=False, kernel_initializer="ones")
        >>> x = np.arange(4, dtype="float32").reshape(1, 1, 1, 4)
        >>> layer(x).numpy().ravel().tolist()  # group sums: 0 + 1, 2 + 3
        [1.0, 1.0, 5.0, 5.0]
        """
        if self.groups == 1:
            return super().convolution_op(inputs, kernel)
        pieces = zip(ops.split(inputs, self.groups, axis=-1), ops.split(kernel, self.groups, axis=-1))
        return ops.concatenate([
            ops.conv(x, k, strides=list(self.strides), padding=self.padding,
                     dilation_rate=self.dilation_rate, data_format=self.data_format)
            for x, k in pieces], axis=-1)


@keras.saving.register_keras_serializable(package="kerasgan")
class GenerativeBasis(keras.layers.Layer):
    """The generator's first feature map: a learned constant `S x S x C` basis
    scaled channel-wise by a linear map of the latent (R3GAN's `GenerativeBasis`).

    `[B, d]` -> `basis[None] * (latent @ kernel)[:, None, None, :]`, with the
    basis drawn from N(0, 1) and the kernel (no bias) with std `1 / sqrt(d)`.

    Args:
        size: height and width `S` of the basis.
        channels: channels `C` of the basis.

    Example:
    >>> import numpy as np
    >>> layer = GenerativeBasis(4, 8)
    >>> tuple(layer(np.ones((2, 16), "float32")).shape)
    (2, 4, 4, 8)
    >>> [tuple(w.shape) for w in layer.weights]
    [(4, 4, 8), (16, 8)]
    """

    def __init__(self, size, channels, **kwargs):
        super().__init__(**kwargs)
        self.size = check_positive_int("size", size)
        self.channels = check_positive_int("channels", channels)

    def build(self, input_shape):
        self.basis = self.add_weight(shape=(self.size, self.size, self.channels),
                                     initializer=keras.initializers.RandomNormal(0.0, 1.0),
                                     name="basis")
        self.kernel = self.add_weight(shape=(input_shape[-1], self.channels),
                                      initializer=_msr(), name="kernel")

    def call(self, latents):
        scales = ops.matmul(latents, self.kernel)
        return self.basis[None] * scales[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "channels": self.channels}


@keras.saving.register_keras_serializable(package="kerasgan")
class DiscriminativeBasis(keras.layers.Layer):
    """The discriminator's last feature map to a vector: a learned `S x S`
    weighting per channel (R3GAN's `DiscriminativeBasis`, a depthwise `S x S`
    valid convolution), `[B, S, S, C]` -> `[B, C]`.

    Weights drawn with std `1 / S` (fan-in `S * S`).

    Example:
    >>> import numpy as np
    >>> layer = DiscriminativeBasis()
    >>> tuple(layer(np.ones((2, 4, 4, 8), "float32")).shape), tuple(layer.kernel.shape)
    ((2, 8), (4, 4, 8))
    """

    def build(self, input_shape):
        _, h, w, c = input_shape
        self.kernel = self.add_weight(shape=(h, w, c), name="kernel",
                                      initializer=keras.initializers.RandomNormal(
                                          0.0, 1.0 / math.sqrt(h * w)))

    def call(self, x):
        return ops.sum(x * self.kernel[None], axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


# --------------------------------------------------------------------------- plan


def _per_stage(name, value, sizes, where):
    """One positive int per stage from an int or a sequence of one per stage."""
    stages = len(sizes)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * stages
    try:
        values = tuple(value)
    except TypeError:
        raise ValueError(
            f"{name} must be a positive integer or a sequence of {stages} of them (one per "
            f"stage); got {name}={value!r}.") from None
    if len(values) != stages:
        raise ValueError(
            f"{where} has {stages} stages ({' -> '.join(f'{s}x{s}' for s in sizes)}): {name} needs {stages} "
            f"entries, one per stage; got {name}={tuple(values)} ({len(values)}).")
    for v in values:
        check_positive_int(f"every entry of {name}", v)
    return tuple(int(v) for v in values)


def _plan(image_shape, widths, blocks, groups, expansion, family, order):
    """Check the arguments; return (shape, sizes, widths, blocks, groups, expansion).

    `order` is "up" (generator: basis first) or "down" (discriminator: image first).
    """
    shape, (start, steps) = image_plan(image_shape, RESOLUTIONS, "R3GAN")
    stages = steps + 1
    sizes = [start * 2 ** i for i in range(stages)]
    if order == "down":
        sizes = sizes[::-1]
    if widths is None:
        widths = DEFAULT_WIDTHS[shape[0]]
        widths = widths if order == "up" else widths[::-1]
    where = f"{family} at {shape[0]} px"
    widths = _per_stage("widths", widths, sizes, where)
    blocks = _per_stage("blocks", blocks, sizes, where)
    expansion = check_positive_int("expansion", expansion)
    expanded = [w * expansion for w in widths]
    if groups is None:
        groups = tuple(e // CHANNELS_PER_GROUP if e % CHANNELS_PER_GROUP == 0 else 1
                       for e in expanded)
    groups = _per_stage("groups", groups, sizes, where)
    for e, g, w in zip(expanded, groups, widths):
        if e % g:
            raise ValueError(
                f"groups must divide each stage's expanded width (width x expansion); got "
                f"groups={g} for width {w} x expansion {expansion} = {e} "
                f"(groups={groups}, widths={widths}).")
    return shape, sizes, widths, blocks, groups, expansion


def _residual_block(h, width, groups, expansion, gain, prefix):
    """x + project(lrelu(grouped(lrelu(expand(x))))), the projection zero-initialized."""
    wide = width * expansion
    y = keras.layers.Conv2D(wide, 1, kernel_initializer=_msr(gain), name=f"{prefix}_expand")(h)
    y = keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"{prefix}_act1")(y)
    y = GroupedConv2D(wide, 3, padding="same", groups=groups, kernel_initializer=_msr(gain),
                      name=f"{prefix}_grouped")(y)
    y = keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"{prefix}_act2")(y)
    y = keras.layers.Conv2D(width, 1, use_bias=False, kernel_initializer="zeros",
                            name=f"{prefix}_project")(y)
    return keras.layers.Add(name=f"{prefix}_out")([h, y])


def _branch_gain(blocks):
    """R3GAN's variance scaling: gain * L ** (-1 / (2 * 3 - 2)) for L blocks of 3 linear layers."""
    return ACTIVATION_GAIN * sum(blocks) ** (-1 / 4)


# --------------------------------------------------------------------------- nets


@register_net(role="generator", partner="r3gan_discriminator",
              test_args={"latent_dim": 8, "widths": (8, 8, 8), "blocks": 1, "groups": 2})
def r3gan_generator(
    latent_dim=64,
    image_shape=(28, 28, 1),
    widths=None,
    blocks=1,
    groups=None,
    expansion=2,
    num_classes=None,
    embedding_dim=None,
    name="generator",
):
    """An R3GAN generator z (and optionally a class label) -> image in [-1, 1].

    Args:
        latent_dim: size of z.
        image_shape: `(H, W, C)`, H = W in {28, 32, 64}; stages 7 -> 14 -> 28,
            4 -> 8 -> 16 -> 32 or 4 -> ... -> 64.
        widths: channels per stage, basis first (3, 4 or 5 entries); None:
            `DEFAULT_WIDTHS[H]`, (64, 32, 16) at 28 px.
        blocks: residual blocks per stage (an int for every stage, or one per stage).
        groups: groups of each block's grouped 3x3 convolution (an int or one per
            stage); each must divide that stage's `width * expansion`. None:
            16 channels per group (R3GAN), or 1 group where the expanded
            width is not a multiple of 16.
        expansion: the inverted bottleneck's expansion factor (R3GAN: 2).
        num_classes: if set, the generator is conditional and takes
            `[z, labels]` (int labels in `[0, num_classes)`).
        embedding_dim: width of the label embedding concatenated to z
            (None: `latent_dim`, as R3GAN).
        name: model name.

    Raises:
        ValueError: an image size other than 28, 32, 64; `widths` / `blocks` /
            `groups` with the wrong number of stages, non-positive sizes, or
            `groups` not dividing `width * expansion`.

    The default 28 px net (latent 64, widths (64, 32, 16), one block per
    stage, expansion 2, groups (8, 4, 2)) has 64,016 weights (68,752 with 10
    classes): small enough to train on MNIST on two CPU cores.

    Example:
    >>> g = r3gan_generator(32, (32, 32, 3), widths=(32, 32, 16, 16), num_classes=10)
    >>> [tuple(s) for s in g.input_shape], g.output_shape
    ([(None, 32), (None,)], (None, 32, 32, 3))
    >>> r3gan_generator().count_params()
    64016
    >>> r3gan_generator(image_shape=(28, 28, 1), widths=(64, 64))
    Traceback (most recent call last):
    ...
    ValueError: r3gan_generator at 28 px has 3 stages (7x7 -> 14x14 -> 28x28): widths needs 3 entries, one per stage; got widths=(64, 64) (2).
    """
    shape, sizes, widths, blocks, groups, expansion = _plan(
        image_shape, widths, blocks, groups, expansion, "r3gan_generator", "up")
    latent_dim = check_positive_int("latent_dim", latent_dim)
    gain = _branch_gain(blocks)
    z = keras.Input((latent_dim,), name="latents")
    inputs, h = [z], z
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
        embedding_dim = check_positive_int(
            "embedding_dim", latent_dim if embedding_dim is None else embedding_dim)
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        embedded = keras.layers.Embedding(
            num_classes, embedding_dim, name="label_embedding",
            embeddings_initializer=keras.initializers.RandomNormal(0.0, 1.0))(labels)
        h = keras.layers.Concatenate(name="latents_and_label")([z, embedded])
    h = GenerativeBasis(sizes[0], widths[0], name="basis")(h)
    for s, (width, count, g) in enumerate(zip(widths, blocks, groups)):
        if s > 0:
            if width != widths[s - 1]:
                h = keras.layers.Conv2D(width, 1, use_bias=False, kernel_initializer=_msr(),
                                        name=f"stage{s}_transition")(h)
            h = Upsample2D(name=f"stage{s}_up")(h)
        for b in range(count):
            h = _residual_block(h, width, g, expansion, gain, f"stage{s}_block{b}")
    h = keras.layers.Conv2D(shape[2], 1, use_bias=False, kernel_initializer=_msr(),
                            name="to_image")(h)
    images = keras.layers.Activation("tanh", name="images")(h)
    return keras.Model(inputs if num_classes is not None else z, images, name=name)


@register_net(role="discriminator", partner="r3gan_generator",
              test_args={"widths": (8, 8, 8), "blocks": 1, "groups": 2})
def r3gan_discriminator(
    image_shape=(28, 28, 1),
    widths=None,
    blocks=1,
    groups=None,
    expansion=2,
    num_classes=None,
    name="discriminator",
):
    """An R3GAN discriminator image (and optionally a class label) -> logit.

    Args:
        image_shape: `(H, W, C)`, H = W in {28, 32, 64}; stages 28 -> 14 -> 7,
            32 -> 16 -> 8 -> 4 or 64 -> ... -> 4.
        widths: channels per stage, image first (3, 4 or 5 entries); None:
            the reverse of `DEFAULT_WIDTHS[H]`, (16, 32, 64) at 28 px.
        blocks: residual blocks per stage (an int for every stage, or one per stage).
        groups: groups of each block's grouped 3x3 convolution (an int or one per
            stage), dividing `width * expansion`; None: 16 channels per group
            (R3GAN), or 1 group where the expanded width is not a multiple of 16.
        expansion: the inverted bottleneck's expansion factor (R3GAN: 2).
        num_classes: if set, the discriminator is conditional and takes
            `[images, labels]`: logit + <embed(y), basis features> (projection).
        name: model name.

    Raises:
        ValueError: as `r3gan_generator`.

    The default 28 px net (widths (16, 32, 64), one block per stage,
    expansion 2, groups (2, 4, 8)) has 59,984 weights (60,624 with 10 classes).

    Example:
    >>> d = r3gan_discriminator((64, 64, 3), widths=(16, 16, 32, 32, 32), num_classes=5)
    >>> d.output_shape
    (None, 1)
    >>> r3gan_discriminator().count_params()
    59984
    >>> r3gan_discriminator((32, 32, 3), widths=(32, 32, 32, 32), groups=3)
    Traceback (most recent call last):
    ...
    ValueError: groups must divide each stage's expanded width (width x expansion); got groups=3 for width 32 x expansion 2 = 64 (groups=(3, 3, 3, 3), widths=(32, 32, 32, 32)).
    """
    shape, sizes, widths, blocks, groups, expansion = _plan(
        image_shape, widths, blocks, groups, expansion, "r3gan_discriminator", "down")
    gain = _branch_gain(blocks)
    x = keras.Input(shape, name="images")
    inputs = [x]
    h = keras.layers.Conv2D(widths[0], 1, use_bias=False, kernel_initializer=_msr(),
                            name="from_image")(x)
    for s, (width, count, g) in enumerate(zip(widths, blocks, groups)):
        for b in range(count):
            h = _residual_block(h, width, g, expansion, gain, f"stage{s}_block{b}")
        if s + 1 < len(widths):
            h = Downsample2D(name=f"stage{s}_down")(h)
            if widths[s + 1] != width:
                h = keras.layers.Conv2D(widths[s + 1], 1, use_bias=False, kernel_initializer=_msr(),
                                        name=f"stage{s}_transition")(h)
    features = DiscriminativeBasis(name="basis")(h)
    logits = keras.layers.Dense(1, use_bias=False, kernel_initializer=_msr(), name="logits")(features)
    if num_classes is not None:
        num_classes = check_positive_int("num_classes", num_classes)
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        logits = projection_head(logits, features, labels, num_classes)
    return keras.Model(inputs if num_classes is not None else x, logits, name=name)
