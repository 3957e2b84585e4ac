"""The differentiable image transformations of adaptive augmentation (ADA), as pure
functions of a batch of images `[B, H, W, C]` and per-image parameters.

`AdaptiveAugment` draws the parameters (`AdaptiveAugment.draw`) and applies these
in ADA's order: pixel blitting (`flip_x`, `rotate90`, `translate_integer`), one
combined geometric warp (`affine_warp`), one colour transformation
(`color_transform`). Every one is differentiable with respect to the images (the
blits and the warp are gathers of the input pixels, the colour transformation is
affine), and each leaves an image whose parameters are the identity unchanged.

Coordinates: x runs along the width (axis 2), y along the height (axis 1); the
geometric matrices act on centred pixel coordinates `(x - (W-1)/2, y - (H-1)/2, 1)`,
mapping an *output* pixel to the *input* point it samples (ADA's `G_inv`).
Outside the image the input is mirrored at the border pixels (reflection
padding, as PyTorch's and ADA's `"reflect"`).

Example:
>>> import numpy as np, tensorflow as tf
>>> x = tf.reshape(tf.range(4.0), (1, 2, 2, 1))
>>> flip_x(x, tf.constant([True]))[0, :, :, 0].numpy().tolist()
[[1.0, 0.0], [3.0, 2.0]]
"""

import math

import numpy as np
import tensorflow as tf

__all__ = ["affine_warp", "color_transform", "flip_x", "reflect", "rotate90", "translate_integer",
           "LUMA_AXIS"]

#: The luma axis of RGB colour space, (1, 1, 1) / sqrt(3), homogeneous (4th entry 0).
LUMA_AXIS = np.array([1.0, 1.0, 1.0, 0.0], "float32") / math.sqrt(3.0)


def _per_image(mask):
    """A `[B]` bool mask broadcast against `[B, H, W, C]` images."""
    return tf.reshape(mask, [-1, 1, 1, 1])


def flip_x(images, flip):
    """Mirror the images left-right where `flip` (bool `[B]`) is true.

    Example:
    >>> x = tf.reshape(tf.range(6.0), (1, 2, 3, 1))
    >>> flip_x(x, tf.constant([True]))[0, 0, :, 0].numpy().tolist()
    [2.0, 1.0, 0.0]
    """
    return tf.where(_per_image(flip), tf.reverse(images, axis=[2]), images)


def rotate90(images, k):
    """Rotate each (square) image by `k` (int `[B]`, 0-3) quarter turns counter-clockwise,
    as `np.rot90(image, k)` does.

    Example:
    >>> x = tf.reshape(tf.range(4.0), (1, 2, 2, 1))
    >>> rotate90(x, tf.constant([1]))[0, :, :, 0].numpy().tolist()
    [[1.0, 3.0], [0.0, 2.0]]
    """
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"90-degree rotations need square images; got {images.shape[1:3]}.")
    transposed = tf.transpose(images, [0, 2, 1, 3])
    turns = [images, tf.reverse(transposed, axis=[1]), tf.reverse(images, axis=[1, 2]),
             tf.reverse(transposed, axis=[2])]
    k = tf.math.floormod(tf.cast(k, tf.int32), 4)
    out = turns[0]
    for i in (1, 2, 3):
        out = tf.where(_per_image(tf.equal(k, i)), turns[i], out)
    return out


def reflect(coordinates, size):
    """Fold (float or int) pixel coordinates into `[0, size - 1]` by mirroring at the
    border pixels (reflection padding of any extent: -1 -> 1, size -> size - 2).

    Example:
    >>> reflect(tf.constant([-2, -1, 0, 3, 4, 5]), 4).numpy().tolist()
    [2, 1, 0, 3, 2, 1]
    """
    if size == 1:
        return tf.zeros_like(coordinates)
    last = tf.cast(size - 1, coordinates.dtype)
    folded = tf.math.floormod(coordinates, 2 * last)
    return last - tf.abs(folded - last)


def _gather_pixels(images, rows, cols):
    """`images[b, rows[b, i, j], cols[b, i, j]]` for int `[B, H', W']` index grids."""
    batch, height, width = tf.shape(images)[0], images.shape[1], images.shape[2]
    flat = tf.reshape(images, tf.stack([batch, height * width, -1]))
    index = tf.reshape(rows * width + cols, tf.stack([batch, -1]))
    out = tf.gather(flat, index, batch_dims=1)
    return tf.reshape(out, tf.concat([tf.shape(rows), [images.shape[3]]], 0))


def translate_integer(images, shift):
    """Shift each image by whole pixels, `shift` int `[B, 2]` = (down, right), filling
    from the mirrored image (reflection padding): `out[y, x] = in[y - dy, x - dx]`.

    Example:
    >>> x = tf.reshape(tf.range(4.0), (1, 1, 4, 1))
    >>> translate_integer(x, tf.constant([[0, 1]]))[0, 0, :, 0].numpy().tolist()
    [1.0, 0.0, 1.0, 2.0]
    """
    shift = tf.cast(shift, tf.int32)
    height, width = images.shape[1], images.shape[2]
    rows = reflect(tf.range(height)[None, :] - shift[:, :1], height)          # [B, H]
    cols = reflect(tf.range(width)[None, :] - shift[:, 1:], width)            # [B, W]
    rows = tf.broadcast_to(rows[:, :, None], tf.stack([tf.shape(rows)[0], height, width]))
    cols = tf.broadcast_to(cols[:, None, :], tf.shape(rows))
    return _gather_pixels(images, rows, cols)


def affine_warp(images, matrix):
    """Resample each image through a 2-D affine map, bilinearly, with reflection padding.

    `matrix` `[B, 3, 3]` (or `[B, 2, 3]`) maps an output pixel's centred coordinates
    `(x, y, 1)` to the input point it samples (ADA's `G_inv`). An identity matrix
    returns the images exactly. (ADA also upsamples 2x with a wavelet filter before
    sampling and filters on the way down, against aliasing; this samples the image
    itself -- the same transformation, with some aliasing under strong shrinking.)

    Example:
    >>> x = tf.reshape(tf.range(4.0), (1, 1, 4, 1))
    >>> half_right = tf.constant([[[1.0, 0.0, -0.5], [0.0, 1.0, 0.0]]])
    >>> affine_warp(x, half_right)[0, 0, :, 0].numpy().tolist()
    [0.5, 0.5, 1.5, 2.5]
    """
    height, width = images.shape[1], images.shape[2]
    matrix = tf.cast(matrix, tf.float32)
    ys, xs = np.meshgrid(np.arange(height, dtype="float32") - (height - 1) / 2,
                         np.arange(width, dtype="float32") - (width - 1) / 2, indexing="ij")
    grid = tf.constant(np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size, "float32")]))  # [3, HW]
    source = tf.einsum("bij,jn->bin", matrix[:, :2, :], grid)                           # [B, 2, HW]
    x = reflect(source[:, 0] + (width - 1) / 2, width)
    y = reflect(source[:, 1] + (height - 1) / 2, height)

    def corners(coordinate, size):
        low = tf.minimum(tf.floor(coordinate), max(size - 2, 0))
        weight = coordinate - low
        low = tf.cast(low, tf.int32)
        return low, tf.minimum(low + 1, size - 1), weight

    x0, x1, wx = corners(x, width)
    y0, y1, wy = corners(y, height)
    shape = tf.stack([tf.shape(images)[0], height, width])
    dtype = images.dtype

    def pixels(rows, cols):
        return _gather_pixels(images, tf.reshape(rows, shape), tf.reshape(cols, shape))

    wx = tf.cast(tf.reshape(wx, shape)[..., None], dtype)
    wy = tf.cast(tf.reshape(wy, shape)[..., None], dtype)
    top = pixels(y0, x0) * (1 - wx) + pixels(y0, x1) * wx
    bottom = pixels(y1, x0) * (1 - wx) + pixels(y1, x1) * wx
    return top * (1 - wy) + bottom * wy


def color_transform(images, matrix):
    """Apply a per-image affine colour map `matrix` `[B, 4, 4]` (homogeneous RGB).

    RGB images: `out = M[:3, :3] @ rgb + M[:3, 3]`. Single-channel images use the map
    averaged over its three output rows, as ADA does: `out = x * sum(m[:3]) + m[3]`.

    Example:
    >>> brighter = tf.constant([[[1.0, 0, 0, 0.5], [0, 1, 0, 0.5], [0, 0, 1, 0.5], [0, 0, 0, 1]]])
    >>> color_transform(tf.zeros((1, 1, 1, 3)), brighter)[0, 0, 0].numpy().tolist()
    [0.5, 0.5, 0.5]
    """
    channels = images.shape[-1]
    matrix = tf.cast(matrix, images.dtype)
    if channels == 3:
        linear = matrix[:, None, None, :3, :3]                               # [B, 1, 1, 3, 3]
        return tf.reduce_sum(linear * images[..., None, :], axis=-1) + matrix[:, None, None, :3, 3]
    if channels == 1:
        rows = tf.reduce_mean(matrix[:, :3, :], axis=1)                      # [B, 4]
        gain = tf.reduce_sum(rows[:, :3], axis=1)
        return images * gain[:, None, None, None] + rows[:, 3][:, None, None, None]
    raise ValueError(f"Colour transformations need RGB or single-channel images; got {channels} "
                     "channels.")
