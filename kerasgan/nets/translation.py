"""Image-to-image translation nets: pix2pix's U-Net and PatchGAN, CycleGAN's ResNet generator.

* `unet_generator` (Isola et al. 2017): an encoder of stride-2 4x4 convolutions
  (leaky ReLU) and a decoder of stride-2 transposed convolutions (ReLU) with skip
  connections between mirrored levels; tanh output.
* `resnet_translator` (Zhu et al. 2017, after Johnson et al.): reflection padding,
  7x7 convolution, two stride-2 down-samplings, `num_blocks` residual blocks
  (reflection-padded 3x3 convolutions, instance normalization), two up-samplings,
  7x7 convolution, tanh.
* `patchgan_discriminator`: stride-2 4x4 convolutions then a 1-channel
  convolution: one logit per overlapping patch (70x70 receptive field with the
  default 3 layers at 256 px). With `condition_channels` it is pix2pix's
  conditional D and takes `[input_image, target_or_generated]`.

Instance normalization is `keras.layers.GroupNormalization(groups=-1)` (one
group per channel).

Example:
>>> g = unet_generator((32, 32, 3))
>>> d = patchgan_discriminator((32, 32, 3), condition_channels=3)
>>> g.output_shape, d.output_shape
((None, 32, 32, 3), (None, 4, 4, 1))
"""

import keras
from keras import ops

from kerasgan.core.validation import check_positive_int
from kerasgan.nets.registry import register_net

__all__ = ["ReflectionPadding2D", "patchgan_discriminator", "resnet_translator", "unet_generator"]


@keras.saving.register_keras_serializable(package="kerasgan")
class ReflectionPadding2D(keras.layers.Layer):
    """Pad height and width by reflecting the border (CycleGAN's padding).

    Example:
    >>> import numpy as np
    >>> x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
    >>> ReflectionPadding2D(1)(x)[0, :, :, 0].numpy().tolist()[0]
    [3.0, 2.0, 3.0, 2.0]
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        grow = 2 * self.padding
        return (b, None if h is None else h + grow, None if w is None else w + grow, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def _instance_norm(name):
    return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


def _check_shape(image_shape, multiple, what):
    shape = tuple(int(d) for d in image_shape)
    if len(shape) != 3 or shape[0] % multiple or shape[1] % multiple or min(shape) <= 0:
        raise ValueError(
            f"{what} takes images (H, W, C) with H and W multiples of {multiple}; got "
            f"image_shape={tuple(image_shape)}."
        )
    return shape


@register_net(role="translator",
              test_args={"image_shape": (16, 16, 1), "base_filters": 2, "depth": 2})
def unet_generator(image_shape=(256, 256, 3), out_channels=None, base_filters=64, depth=None,
                   dropout=0.5, name="unet_generator"):
    """pix2pix's U-Net generator: image -> image of the same size, in [-1, 1].

    Args:
        image_shape: `(H, W, C)`; H and W must be multiples of 2**depth.
        out_channels: channels of the output (default: C).
        base_filters: channels of the first encoder level (doubling, capped at 8x).
        depth: encoder levels (default: down to a 1x1 bottleneck, capped at 8).
        dropout: dropout in the first three decoder levels (pix2pix's noise source).
        name: model name.

    Example:
    >>> unet_generator((64, 64, 1), out_channels=3, base_filters=8, depth=4).output_shape
    (None, 64, 64, 3)
    """
    size = min(int(image_shape[0]), int(image_shape[1]))
    if depth is None:
        depth = min(8, max(1, size.bit_length() - 1))
    depth = check_positive_int("depth", depth)
    h_, w_, c = _check_shape(image_shape, 2 ** depth, "unet_generator")
    out_channels = check_positive_int("out_channels", out_channels or c)
    base_filters = check_positive_int("base_filters", base_filters)
    x = keras.Input((h_, w_, c), name="images")
    skips, h = [], x
    for i in range(depth):
        filters = base_filters * min(2 ** i, 8)
        h = keras.layers.Conv2D(filters, 4, 2, padding="same", use_bias=i == 0, name=f"down{i}")(h)
        if 0 < i < depth - 1:
            h = _instance_norm(f"down{i}_norm")(h)
        h = keras.layers.LeakyReLU(0.2)(h)
        skips.append(h)
    for i in reversed(range(depth - 1)):
        filters = base_filters * min(2 ** i, 8)
        h = keras.layers.Conv2DTranspose(filters, 4, 2, padding="same", use_bias=False,
                                         name=f"up{i}")(h)
        h = _instance_norm(f"up{i}_norm")(h)
        if dropout and i >= depth - 4:
            h = keras.layers.Dropout(dropout, name=f"up{i}_dropout")(h)
        h = keras.layers.ReLU()(h)
        h = keras.layers.Concatenate(name=f"skip{i}")([h, skips[i]])
    out = keras.layers.Conv2DTranspose(out_channels, 4, 2, padding="same", activation="tanh",
                                       name="to_image")(h)
    return keras.Model(x, out, name=name)


@register_net(role="translator",
              test_args={"image_shape": (8, 8, 1), "base_filters": 2, "num_blocks": 1})
def resnet_translator(image_shape=(256, 256, 3), out_channels=None, base_filters=64,
                      num_blocks=9, name="resnet_translator"):
    """CycleGAN's ResNet generator: image -> image of the same size, in [-1, 1].

    Args:
        image_shape: `(H, W, C)`; H and W multiples of 4.
        out_channels: channels of the output (default: C).
        base_filters: channels after the first convolution (x2, x4 after the
            two down-samplings).
        num_blocks: residual blocks (9 at 256 px, 6 at 128 px in the paper).
        name: model name.

    Example:
    >>> resnet_translator((32, 32, 3), base_filters=8, num_blocks=2).output_shape
    (None, 32, 32, 3)
    """
    h_, w_, c = _check_shape(image_shape, 4, "resnet_translator")
    out_channels = check_positive_int("out_channels", out_channels or c)
    f = check_positive_int("base_filters", base_filters)
    x = keras.Input((h_, w_, c), name="images")
    h = ReflectionPadding2D(3, name="pad_in")(x)
    h = keras.layers.Conv2D(f, 7, use_bias=False, name="conv_in")(h)
    h = keras.layers.ReLU()(_instance_norm("conv_in_norm")(h))
    for i, filters in enumerate((2 * f, 4 * f)):
        h = keras.layers.Conv2D(filters, 3, 2, padding="same", use_bias=False, name=f"down{i}")(h)
        h = keras.layers.ReLU()(_instance_norm(f"down{i}_norm")(h))
    for i in range(check_positive_int("num_blocks", num_blocks)):
        r = ReflectionPadding2D(1, name=f"block{i}_pad1")(h)
        r = keras.layers.Conv2D(4 * f, 3, use_bias=False, name=f"block{i}_conv1")(r)
        r = keras.layers.ReLU()(_instance_norm(f"block{i}_norm1")(r))
        r = ReflectionPadding2D(1, name=f"block{i}_pad2")(r)
        r = keras.layers.Conv2D(4 * f, 3, use_bias=False, name=f"block{i}_conv2")(r)
        r = _instance_norm(f"block{i}_norm2")(r)
        h = keras.layers.Add(name=f"block{i}_out")([h, r])
    for i, filters in enumerate((2 * f, f)):
        h = keras.layers.Conv2DTranspose(filters, 3, 2, padding="same", use_bias=False,
                                         name=f"up{i}")(h)
        h = keras.layers.ReLU()(_instance_norm(f"up{i}_norm")(h))
    h = ReflectionPadding2D(3, name="pad_out")(h)
    out = keras.layers.Conv2D(out_channels, 7, activation="tanh", name="to_image")(h)
    return keras.Model(x, out, name=name)


@register_net(role="discriminator",
              test_args={"image_shape": (16, 16, 1), "base_filters": 2, "num_layers": 2})
def patchgan_discriminator(image_shape=(256, 256, 3), condition_channels=None, base_filters=64,
                           num_layers=3, name="patchgan_discriminator"):
    """PatchGAN discriminator: one logit per image patch.

    Args:
        image_shape: `(H, W, C)` of the judged images; H and W multiples of
            2**num_layers.
        condition_channels: pix2pix's conditional D: also takes the input image
            (`[condition, image]`, concatenated on channels); None for CycleGAN.
        base_filters: channels of the first layer (doubling, capped at 8x).
        num_layers: stride-2 layers (3 gives 70x70 patches).
        name: model name.

    Example:
    >>> patchgan_discriminator((64, 64, 3), base_filters=8).output_shape
    (None, 8, 8, 1)
    """
    num_layers = check_positive_int("num_layers", num_layers)
    h_, w_, c = _check_shape(image_shape, 2 ** num_layers, "patchgan_discriminator")
    images = keras.Input((h_, w_, c), name="images")
    inputs, h = images, images
    if condition_channels is not None:
        condition = keras.Input((h_, w_, check_positive_int("condition_channels",
                                                            condition_channels)), name="condition")
        inputs = [condition, images]
        h = keras.layers.Concatenate(name="condition_and_image")([condition, images])
    for i in range(num_layers):
        filters = base_filters * min(2 ** i, 8)
        h = keras.layers.Conv2D(filters, 4, 2, padding="same", use_bias=i == 0, name=f"down{i}")(h)
        if i > 0:
            h = _instance_norm(f"down{i}_norm")(h)
        h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Conv2D(base_filters * min(2 ** num_layers, 8), 4, padding="same",
                            use_bias=False, name="conv")(h)
    h = keras.layers.LeakyReLU(0.2)(_instance_norm("conv_norm")(h))
    logits = keras.layers.Conv2D(1, 4, padding="same", name="patch_logits")(h)
    return keras.Model(inputs, logits, name=name)
