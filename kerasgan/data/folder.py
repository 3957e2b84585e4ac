"""Images from a local folder: `folder/*.png` or `folder/<class>/*.png` (labels by class).

Example:
>>> files, labels, classes = list_image_files("/data/faces")  # doctest: +SKIP
"""

import os

import numpy as np
import tensorflow as tf

__all__ = ["FILE_ORDER_SEED", "IMAGE_EXTENSIONS", "has_image_files", "image_folder_dataset", "list_image_files"]

#: File extensions read as images (what `tf.io.decode_image` decodes).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _images_in(directory):
    return sorted(
        os.path.join(directory, f) for f in os.listdir(directory)
        if f.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(os.path.join(directory, f))
    )


def list_image_files(directory):
    """The image files of a folder and their labels.

    Images directly in `directory` get no labels; with class subfolders (and no
    images at the top), each subfolder is a class, labelled by its sorted index.

    Returns:
        `(files, labels or None, class_names or None)`.

    Raises:
        ValueError: no image files (the message lists what the folder holds).

    Example:
    >>> import tempfile
    >>> list_image_files(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    ValueError: ...holds no image files...
    """
    directory = os.path.expanduser(os.fspath(directory))
    files = _images_in(directory)
    if files:
        return files, None, None
    classes = sorted(d for d in os.listdir(directory)
                     if os.path.isdir(os.path.join(directory, d)) and _images_in(os.path.join(directory, d)))
    if not classes:
        present = sorted(os.listdir(directory))[:10]
        raise ValueError(
            f"Image folder {directory!r} holds no image files ({', '.join(IMAGE_EXTENSIONS)}), "
            f"neither at the top nor in class subfolders; it holds {present}."
        )
    files, labels = [], []
    for index, name in enumerate(classes):
        found = _images_in(os.path.join(directory, name))
        files += found
        labels += [index] * len(found)
    return files, np.asarray(labels, np.int32), classes


def has_image_files(directory):
    """True when `directory` holds images at the top or in class subfolders.

    Example:
    >>> has_image_files("/nonexistent")
    False
    """
    try:
        list_image_files(directory)
        return True
    except (ValueError, OSError):
        return False


#: Seed of the fixed shuffle of a folder's file list (so split slices mix classes).
FILE_ORDER_SEED = 20240101


def image_folder_dataset(directory, image_size=None, channels=None, center_crop=None):
    """A dataset of `{"images": uint8 [H, W, C], "labels"?}` examples from an image folder.

    Args:
        directory: the folder.
        image_size: `(H, W)` to resize every image to (required when the images
            differ in size; checked on the first image otherwise).
        channels: 1 or 3; default the first image's channel count.
        center_crop: `(H, W)` of a central crop taken before resizing.

    The files are listed in a fixed pseudo-random order (seed
    `FILE_ORDER_SEED`), so slices of the split (`"train[:90%]"`) hold every
    class in proportion and batches are not sorted by class.

    Example:
    >>> ds = image_folder_dataset("/data/faces", image_size=(64, 64))  # doctest: +SKIP
    """
    files, labels, _ = list_image_files(directory)
    order = np.random.default_rng(FILE_ORDER_SEED).permutation(len(files))
    files = [files[i] for i in order]
    labels = None if labels is None else labels[order]
    first = tf.io.decode_image(tf.io.read_file(files[0]), expand_animations=False)
    channels = int(channels or (3 if first.shape[-1] >= 3 else 1))
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3; got {channels!r}.")
    size = (tuple(image_size) if image_size is not None
            else tuple(center_crop) if center_crop is not None else tuple(first.shape[:2]))

    def decode(path):
        image = tf.io.decode_image(tf.io.read_file(path), channels=channels,
                                   expand_animations=False)
        if center_crop is not None:
            shape = tf.shape(image)
            tf.debugging.assert_greater_equal(
                shape[:2], tf.constant(center_crop, tf.int32),
                message=f"center_crop={tuple(center_crop)} is larger than an image of {directory}")
            top, left = (shape[0] - center_crop[0]) // 2, (shape[1] - center_crop[1]) // 2
            image = image[top:top + center_crop[0], left:left + center_crop[1]]
        if image_size is None and center_crop is None:
            tf.debugging.assert_equal(
                tf.shape(image)[:2], tf.constant(size, tf.int32),
                message=f"Images of {directory} differ in size (the first is {size}); "
                        "pass image_size to resize them")
        elif image_size is not None:
            image = tf.cast(tf.clip_by_value(tf.round(tf.image.resize(
                image, size, antialias=True)), 0, 255), tf.uint8)
        image.set_shape((*size, channels))
        return image

    paths = tf.data.Dataset.from_tensor_slices(files)
    if labels is None:
        return paths.map(lambda p: {"images": decode(p)}, num_parallel_calls=tf.data.AUTOTUNE)
    return tf.data.Dataset.zip((paths, tf.data.Dataset.from_tensor_slices(labels))).map(
        lambda p, y: {"images": decode(p), "labels": y}, num_parallel_calls=tf.data.AUTOTUNE)
