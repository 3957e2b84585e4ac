"""Batch unpacking and the data checks `GAN.fit` runs before the first step."""

import numpy as np
import tensorflow as tf

from kerasgan.core.images import range_violation, uint8_to_model_range

_DICT_KEYS = ("images", "labels", "latents")


def unpack_batch(data):
    """Split a batch into `(images, labels, latents)`; absent parts are None.

    Accepts `x`, `(x,)`, `(x, y)`, `(x, y, sample_weight)` or a dict with
    `"images"` and optionally `"labels"` and `"latents"`.

    Example:
    >>> unpack_batch({"images": 1, "latents": 2})
    (1, None, 2)
    >>> unpack_batch((1, 3))
    (1, 3, None)
    """
    if isinstance(data, dict):
        return data["images"], data.get("labels"), data.get("latents")
    if isinstance(data, (tuple, list)):
        if len(data) == 1 and isinstance(data[0], dict):
            return unpack_batch(data[0])
        images = data[0]
        labels = data[1] if len(data) > 1 else None
        return images, labels, None
    return data, None, None


def _spec_of(value):
    """(shape, dtype) of a tensor spec, tensor or array, or None if not array-like."""
    if isinstance(value, tf.TensorSpec):
        return tuple(value.shape.as_list()), value.dtype.as_numpy_dtype
    if isinstance(value, (tf.Tensor, np.ndarray)):
        return tuple(value.shape), np.dtype(value.dtype.as_numpy_dtype if isinstance(value, tf.Tensor) else value.dtype)
    return None


def check_training_data(x, data_shape, latent_dim, num_classes=None, y=None):
    """Check data given to `GAN.fit` against the model, before any step runs.

    Looks at a `tf.data.Dataset`'s element spec, or at arrays / dicts of
    arrays. Raises a ValueError that names the expected and the given structure,
    sample shape or dtype. Other inputs (generators, PyDatasets) are passed
    through to Keras unchecked.

    Example:
    >>> check_training_data(np.zeros((4, 3), "float32"), (2,), 8)
    Traceback (most recent call last):
    ...
    ValueError: Training images must have shape [batch, 2] and a float dtype; got shape [4, 3] (float32).
    """
    if isinstance(x, tf.data.Dataset):
        spec = x.element_spec
    elif isinstance(x, (np.ndarray, tf.Tensor, dict, tuple, list)):
        spec = x
    else:
        return
    if isinstance(spec, dict) and "images" not in spec:
        raise ValueError(
            "A dict batch must have an 'images' entry (and optionally 'labels', "
            f"'latents'); got keys {sorted(spec)}."
        )
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(_DICT_KEYS))
        if unknown:
            raise ValueError(
                f"Unknown batch keys {unknown}; expected some of {list(_DICT_KEYS)}."
            )
    images, labels, latents = unpack_batch(spec)
    if labels is None and y is not None:
        labels = y
    _check_part("images", images, data_shape, floating=True)
    if latents is not None:
        _check_part("latents", latents, (latent_dim,), floating=True)
    if num_classes is not None:
        _check_labels(x, labels, num_classes)


def with_label_checks(dataset, num_classes):
    """`dataset` with every batch's labels checked to lie in `[0, num_classes)`.

    The check runs in the input pipeline, on the host, so it also holds when the
    train step is XLA-compiled (XLA drops `tf.debugging` assertions); a bad batch
    stops `fit` with an `InvalidArgumentError` naming the expected range before
    its step runs.

    Example:
    >>> ds = tf.data.Dataset.from_tensor_slices(([[0.0], [0.0]], [1, 7])).batch(2)
    >>> try:
    ...     next(iter(with_label_checks(ds, 3)))
    ... except tf.errors.InvalidArgumentError as error:
    ...     print("labels that are integers in [0, 3)" in str(error))
    True
    """
    message = f"A conditional GAN needs labels that are integers in [0, {num_classes})"

    def check(labels):
        labels = tf.convert_to_tensor(labels)
        with tf.control_dependencies([
            tf.debugging.assert_non_negative(labels, message=message),
            tf.debugging.assert_less(labels, tf.cast(num_classes, labels.dtype), message=message),
        ]):
            return tf.identity(labels)

    def checked(*batch):
        if len(batch) == 1 and isinstance(batch[0], dict):
            element = dict(batch[0])
            if "labels" in element:
                element["labels"] = check(element["labels"])
            return element
        if len(batch) >= 2:
            return (batch[0], check(batch[1]), *batch[2:])
        return batch[0]

    return dataset.map(checked)


def _check_labels(x, labels, num_classes):
    """Labels of a conditional GAN: present, integer, in [0, num_classes)."""
    expected = f"int labels in [0, {num_classes})"
    if labels is None:
        raise ValueError(
            f"A conditional GAN (num_classes={num_classes}) needs {expected} with every "
            "batch: (images, labels) tuples or dicts with 'labels'; the data has none."
        )
    found = _spec_of(labels)
    if found is None or not np.issubdtype(found[1], np.integer):
        given = type(labels).__name__ if found is None else np.dtype(found[1]).name
        raise ValueError(f"A conditional GAN needs {expected}; got {given} labels.")
    if isinstance(x, tf.data.Dataset):
        return  # values are checked batch by batch on the host (with_label_checks)
    values = np.asarray(labels)
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(
            f"A conditional GAN needs {expected}; got labels in "
            f"[{values.min()}, {values.max()}]."
        )


def _check_part(what, value, sample_shape, floating):
    found = _spec_of(value)
    expected = "[batch, " + ", ".join(str(d) for d in sample_shape) + "]"
    if found is None:
        raise ValueError(
            f"Training {what} must be a tensor of shape {expected}; got {type(value).__name__}."
        )
    shape, dtype = found
    given = "[" + ", ".join("None" if d is None else str(d) for d in shape) + "]"
    ok_shape = len(shape) == len(sample_shape) + 1 and all(
        g is None or g == e for g, e in zip(shape[1:], sample_shape)
    )
    ok_dtype = np.issubdtype(dtype, np.floating) if floating else True
    if not (ok_shape and ok_dtype):
        raise ValueError(
            f"Training {what} must have shape {expected} and a float dtype; "
            f"got shape {given} ({np.dtype(dtype).name})."
        )


def prepare_images(x, data_shape):
    """uint8 images converted to [-1, 1]; float images checked to lie in [-1, 1].

    For image GANs (samples of rank 3): a `tf.data.Dataset` or array of uint8
    images is mapped to float32 `x / 127.5 - 1`; float images outside
    [-1, 1] (e.g. still in [0, 255]) are refused before any step, from the
    values of the first batch (datasets) or of the whole array. Other data
    (2-D points, ...) is returned unchanged.

    Example:
    >>> float(prepare_images(np.full((2, 4, 4, 1), 255, np.uint8), (4, 4, 1)).max())
    1.0
    >>> prepare_images(np.full((2, 4, 4, 1), 255.0, np.float32), (4, 4, 1))
    Traceback (most recent call last):
    ...
    ValueError: Training images must be float values in [-1, 1] (the generator's tanh range) or uint8 images (converted); got float32 values in [255, 255]. Scale them with x / 127.5 - 1.
    """
    if len(data_shape) != 3:
        return x
    if isinstance(x, tf.data.Dataset):
        images = unpack_batch(x.element_spec)[0]
        if not isinstance(images, tf.TensorSpec):
            return x
        if images.dtype == tf.uint8:
            return x.map(_map_images(uint8_to_model_range), num_parallel_calls=tf.data.AUTOTUNE)
        if images.dtype.is_floating:
            first = next(iter(x.take(1)), None)
            if first is not None:
                _check_range(np.asarray(unpack_batch(first)[0]), images.dtype.name)
        return x
    if isinstance(x, np.ndarray):
        return _prepared_array(x)
    return x


def _prepared_array(images, what="images"):
    """A numpy array of images: uint8 converted to [-1, 1], floats range-checked."""
    if images.dtype == np.uint8:
        return np.asarray(uint8_to_model_range(images))
    if np.issubdtype(images.dtype, np.floating):
        _check_range(images, images.dtype.name, what)
    return images


def prepare_image_pairs(data):
    """For the translation models: batches `{"x": images, "y": images}` checked before
    any step; uint8 images converted to [-1, 1], float images outside [-1, 1] refused.

    `data` is a `tf.data.Dataset` (its first batch is checked) or a dict of
    arrays; anything else is refused with what was expected.

    Example:
    >>> pairs = {"x": np.zeros((2, 4, 4, 3), np.uint8), "y": np.ones((2, 4, 4, 3), np.float32)}
    >>> float(prepare_image_pairs(pairs)["x"].min())
    -1.0
    >>> prepare_image_pairs([np.zeros((2, 4, 4, 3))])
    Traceback (most recent call last):
    ...
    ValueError: Translation models train on batches {'x': images, 'y': images} (kerasgan.data.load_translation); got list.
    """
    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        if not isinstance(spec, dict) or not {"x", "y"} <= set(spec):
            raise ValueError(
                "Translation models train on batches {'x': images, 'y': images} "
                f"(kerasgan.data.load_translation); got a dataset of {spec}.")
        uint8 = [k for k in ("x", "y") if spec[k].dtype == tf.uint8]
        if uint8:
            data = data.map(lambda b: {**b, **{k: uint8_to_model_range(b[k]) for k in uint8}},
                            num_parallel_calls=tf.data.AUTOTUNE)
        first = next(iter(data.take(1)), None)
        if first is not None:
            for key in ("x", "y"):
                if spec[key].dtype.is_floating:
                    _check_range(np.asarray(first[key]), spec[key].dtype.name, f"'{key}' images")
        return data
    if not isinstance(data, dict) or not {"x", "y"} <= set(data):
        raise ValueError(
            "Translation models train on batches {'x': images, 'y': images} "
            f"(kerasgan.data.load_translation); got {type(data).__name__}.")
    return {**data, **{key: _prepared_array(np.asarray(data[key]), f"'{key}' images")
                       for key in ("x", "y")}}


def _map_images(fn):
    def mapped(*batch):
        if len(batch) == 1 and isinstance(batch[0], dict):
            return {**batch[0], "images": fn(batch[0]["images"])}
        if len(batch) == 1:
            return fn(batch[0])
        return (fn(batch[0]), *batch[1:])
    return mapped


def _check_range(values, dtype_name, what="images"):
    violation = range_violation(values)
    if violation is None:
        return
    raise ValueError(
        f"Training {what} must be float values in [-1, 1] (the generator's tanh range) or "
        f"uint8 images (converted); got {dtype_name} {violation}. "
        "Scale them with x / 127.5 - 1.")
