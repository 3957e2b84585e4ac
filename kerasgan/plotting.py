"""Pictures of generator samples, drawn with numpy only (no matplotlib).

`image_grid` tiles generated images; `scatter_image` draws samples over the 3σ discs of a Gaussian mixture's modes as
a uint8 RGB array; `encode_png` / `save_png` turn it into a PNG file (written
atomically). The same array goes straight into `tf.summary.image`.

Example:
>>> from kerasgan.data.mixtures import get_mixture
>>> spec = get_mixture("ring8")
>>> image = scatter_image(spec.sample(2500, seed=0), spec.centers, spec.sigma)
>>> image.shape, image.dtype
((256, 256, 3), dtype('uint8'))
>>> encode_png(image)[:4]
b'\\x89PNG'
"""

import os

import numpy as np
import tensorflow as tf

from kerasgan.core.images import model_range_to_uint8
from kerasgan.core.io import atomic_path

__all__ = [
    "BACKGROUND_COLOR",
    "MODE_FILL_COLOR",
    "MODE_OUTLINE_COLOR",
    "SAMPLE_COLOR",
    "default_bounds",
    "scatter_image",
    "encode_png",
    "save_png",
]

#: White background.
BACKGROUND_COLOR = (255, 255, 255)
#: Light orange inside each mode's threshold·σ disc.
MODE_FILL_COLOR = (255, 226, 190)
#: Thin grey outline of each mode's threshold·σ circle.
MODE_OUTLINE_COLOR = (150, 150, 150)
#: Dark blue sample dots.
SAMPLE_COLOR = (20, 40, 110)


def _as_xy(value, name, *, allow_nonfinite):
    array = np.asarray(value)
    if array.dtype.kind not in "fiu" or array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(
            f"{name} must be a real numeric array of shape [N, 2]; got shape "
            f"{tuple(array.shape)} and dtype {array.dtype}."
        )
    array = array.astype(np.float64, copy=False)
    if not allow_nonfinite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite; got {array!r}.")
    return array


def default_bounds(centers, sigma, threshold=3.0):
    """Square plot bounds `(xmin, xmax, ymin, ymax)` around the mode centres.

    The centres' bounding box is padded by 10σ plus 15 % of its larger side on
    every side, then widened to a square around its middle so circles stay round.
    `threshold` is accepted for symmetry with `scatter_image` (the padding always
    exceeds a 3σ circle).

    Example:
    >>> default_bounds([[-1, 0], [1, 0]], 0.01)
    (-1.4, 1.4, -1.4, 1.4)
    """
    centers = _as_xy(centers, "centers", allow_nonfinite=False)
    if len(centers) == 0:
        raise ValueError("centers must have at least one row; got shape (0, 2).")
    sigma = float(sigma)
    low, high = centers.min(axis=0), centers.max(axis=0)
    extent = float(np.max(high - low))
    half = extent / 2 + max(10 * sigma, threshold * sigma) + 0.15 * extent
    mid = (low + high) / 2
    return (
        round(float(mid[0] - half), 12),
        round(float(mid[0] + half), 12),
        round(float(mid[1] - half), 12),
        round(float(mid[1] + half), 12),
    )


def _check_bounds(bounds):
    try:
        xmin, xmax, ymin, ymax = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(
            f"bounds must be four numbers (xmin, xmax, ymin, ymax); got {bounds!r}."
        ) from None
    if not (np.isfinite([xmin, xmax, ymin, ymax]).all() and xmin < xmax and ymin < ymax):
        raise ValueError(
            "bounds must be finite with xmin < xmax and ymin < ymax; "
            f"got {bounds!r}."
        )
    return xmin, xmax, ymin, ymax


def scatter_image(
    samples,
    centers,
    sigma,
    *,
    size=256,
    bounds=None,
    threshold=3.0,
    dot_size=2,
    return_num_outside=False,
):
    """Draw 2-D samples over the modes of a Gaussian mixture.

    The picture has a white background, each mode's threshold·σ disc filled light
    orange with a thin grey outline, and every sample as a dark dot of
    `dot_size` × `dot_size` pixels (the pixel containing the sample and, for
    `dot_size` 2, the pixels to its right and below). The y axis points up:
    row 0 is the top edge, at y = ymax. Pixel column j covers
    x ∈ [xmin + j·w, xmin + (j + 1)·w) with w = (xmax − xmin) / size (the last one
    includes xmax), and likewise for rows from the bottom.

    Samples outside the bounds, and non-finite samples, are not drawn; pass
    `return_num_outside=True` to learn how many there were.

    Args:
        samples: array-like `[N, 2]` (N may be 0).
        centers: array-like `[K, 2]` of mode centres.
        sigma: the modes' standard deviation, > 0.
        size: the image's height and width in pixels.
        bounds: `(xmin, xmax, ymin, ymax)`; default `default_bounds(centers, sigma)`.
        threshold: radius of the drawn circles in units of σ.
        dot_size: side of a sample dot in pixels (>= 1).
        return_num_outside: also return the number of samples not drawn.

    Returns:
        uint8 array `[size, size, 3]`, or `(image, num_outside)`.

    Example (one sample in the middle of a 4 × 4 picture of [0, 4]²):
    >>> image = scatter_image([[2.5, 2.5]], [[0.5, 0.5]], 0.1, size=4,
    ...                       bounds=(0, 4, 0, 4), dot_size=1)
    >>> (image.sum(axis=-1) < 300).astype(int)  # the dark pixel: row 1, column 2
    array([[0, 0, 0, 0],
           [0, 0, 1, 0],
           [0, 0, 0, 0],
           [0, 0, 0, 0]])
    """
    samples = _as_xy(samples, "samples", allow_nonfinite=True)
    centers = _as_xy(centers, "centers", allow_nonfinite=False)
    sigma = float(sigma)
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive finite number; got {sigma!r}.")
    size = int(size)
    if size < 1:
        raise ValueError(f"size must be a positive number of pixels; got {size}.")
    dot_size = int(dot_size)
    if dot_size < 1:
        raise ValueError(f"dot_size must be >= 1; got {dot_size}.")
    if bounds is None:
        bounds = default_bounds(centers, sigma, threshold)
    xmin, xmax, ymin, ymax = _check_bounds(bounds)
    width = (xmax - xmin) / size  # data units per pixel
    height = (ymax - ymin) / size

    image = np.empty((size, size, 3), dtype=np.uint8)
    image[...] = BACKGROUND_COLOR

    # Mode discs and circles: evaluate pixel centres in a box around each mode.
    radius = threshold * sigma
    half_line = 0.5 * max(width, height)
    reach = radius + 2 * max(width, height)
    for cx, cy in centers:
        col0 = max(int(np.floor((cx - reach - xmin) / width)), 0)
        col1 = min(int(np.ceil((cx + reach - xmin) / width)), size)
        row0 = max(int(np.floor((ymax - cy - reach) / height)), 0)
        row1 = min(int(np.ceil((ymax - cy + reach) / height)), size)
        if col0 >= col1 or row0 >= row1:
            continue
        xs = xmin + (np.arange(col0, col1) + 0.5) * width
        ys = ymax - (np.arange(row0, row1) + 0.5) * height
        dist = np.hypot(xs[None, :] - cx, ys[:, None] - cy)
        patch = image[row0:row1, col0:col1]
        patch[dist <= radius] = MODE_FILL_COLOR
        patch[np.abs(dist - radius) <= half_line] = MODE_OUTLINE_COLOR

    # Sample dots.
    x, y = samples[:, 0], samples[:, 1]
    inside = np.isfinite(x) & np.isfinite(y)
    inside &= (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    num_outside = int(len(samples) - np.count_nonzero(inside))
    cols = np.minimum(((x[inside] - xmin) / width).astype(np.int64), size - 1)
    rows = size - 1 - np.minimum(((y[inside] - ymin) / height).astype(np.int64), size - 1)
    offset = (dot_size - 1) // 2
    for dr in range(-offset, dot_size - offset):
        for dc in range(-offset, dot_size - offset):
            r, c = rows + dr, cols + dc
            ok = (r >= 0) & (r < size) & (c >= 0) & (c < size)
            image[r[ok], c[ok]] = SAMPLE_COLOR

    if return_num_outside:
        return image, num_outside
    return image


def image_grid(images, columns=8, padding=2, background=255):
    """Tile images into one uint8 picture (rows of `columns`), for PNGs and TensorBoard.

    Args:
        images: `[N, H, W, C]` (C = 1 or 3), float in `[-1, 1]` (kerasgan's
            convention; clipped) or uint8.
        columns: images per row; the last row is padded with background.
        padding: pixels between images and around the grid.
        background: grey level (0-255) of the padding.

    Returns:
        uint8 `[rows * (H + padding) + padding, columns * (W + padding) + padding, C]`.

    Example:
    >>> image_grid(np.zeros((10, 4, 4, 1), np.float32), columns=5, padding=1).shape
    (11, 26, 1)
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(
            f"image_grid takes a non-empty batch [N, H, W, 1 or 3]; got shape {images.shape}."
        )
    if images.dtype != np.uint8:
        images = model_range_to_uint8(images)
    n, h, w, c = images.shape
    columns = min(int(columns), n)
    rows = -(-n // columns)
    grid = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, c),
                   background, np.uint8)
    for i, image in enumerate(images):
        top = padding + (i // columns) * (h + padding)
        left = padding + (i % columns) * (w + padding)
        grid[top:top + h, left:left + w] = image
    return grid


def encode_png(image):
    """Encode a uint8 image `[H, W]` or `[H, W, C]` (C in 1, 3, 4) as PNG bytes.

    Example:
    >>> len(encode_png(np.zeros((2, 2, 3), np.uint8))) > 0
    True
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise ValueError(
            "image must be uint8 of shape [H, W] or [H, W, C] with C in (1, 3, 4); "
            f"got shape {tuple(image.shape)} and dtype {image.dtype}."
        )
    return tf.io.encode_png(image).numpy()


def save_png(image, path):
    """Write `image` as a PNG file at `path`, atomically (temporary file, then rename).

    Readers see either the old file or the complete new one; a failure leaves
    no partial file behind. Returns `path`.

    Example:
    >>> import os, tempfile
    >>> path = save_png(np.zeros((4, 4, 3), np.uint8), os.path.join(tempfile.mkdtemp(), "x.png"))
    >>> open(path, "rb").read(4)
    b'\\x89PNG'
    """
    data = encode_png(image)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
    return os.fspath(path)