"""`load`: any TFDS dataset as a ready, batched `tf.data.Dataset` for a GAN.

Every element is a dict with the library-wide keys:

* `"images"`: float32, the data the GAN models. For 2-D point datasets (a
  `"point"` feature, e.g. `gaussian_mixture/ring8`) the points `[B, 2]`; for
  image datasets (a uint8 `"image"` feature, e.g. `mnist`) the images
  `[B, H, W, C]` scaled to `[-1, 1]`.
* `"labels"`: int32 `[B]` (the `"mode"` of a point, the `"label"` of an image),
  only when the dataset has such a feature.

A TFDS name can be read from a local copy of its IDX files instead of TFDS
(`source=DIR`, `kerasgan.data.set_local_source`, `$KERASGAN_LOCAL_DATA`; see
`kerasgan.data.sources`): the recipe keeps naming `"mnist"`. `load` also takes
the path of a local directory of MNIST-format IDX files (`kerasgan.data.idx`),
read as MNIST, or of a folder of images (`kerasgan.data.folder`).
"""

import numbers
import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from kerasgan.core.images import uint8_to_model_range
from kerasgan.core.naming import unknown_name_error
from kerasgan.data.folder import image_folder_dataset, list_image_files
from kerasgan.data.idx import load_idx
from kerasgan.data.info import (  # noqa: F401  (is_image_folder, is_local_dataset: also loading's)
    _check_name_type,
    is_image_folder,
    is_local_dataset,
    split_name,
)
from kerasgan.data.registry import DATASETS
from kerasgan.data.sources import LOCAL_SOURCE_ENV, check_local_source, local_source

SHUFFLE_BUFFER = 10_000

_SUPPORTED = (
    "a float 'point' feature of shape (2,) (2-D point datasets, labels from "
    "'mode'), or a uint8 'image' feature of static shape (H, W, C) (image "
    "datasets, labels from 'label')"
)


def known_dataset_names():
    """Names accepted by `load` (without config): every TFDS builder + the registered families.

    Works offline (community datasets, which need the network, are left out).

    Example:
    >>> names = known_dataset_names()
    >>> "mnist" in names, "gaussian_mixture" in names
    (True, True)
    """
    names = set(tfds.list_builders(with_community_datasets=False))
    names.update(DATASETS.names())
    return sorted(names)


def builds_locally(name):
    """True for the registered datasets generated locally by their own TFDS builder.

    Their data never need a download, so `download=False` does not stop them
    from being prepared.

    Example:
    >>> builds_locally("digits/28x28"), builds_locally("mnist")
    (True, False)
    """
    family, _ = split_name(name)
    return family in DATASETS and DATASETS.metadata(family).get("builder") is not None


def _looks_like_path(name):
    text = os.fspath(name)
    return isinstance(name, os.PathLike) or text.startswith(("/", ".", "~")) or os.path.isdir(text)


def _validate(name, split, batch_size, data_dir):
    _check_name_type(name)
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size <= 0
    ):
        raise ValueError(
            f"batch_size must be a positive int, got {batch_size!r} "
            f"({type(batch_size).__name__})."
        )
    if not isinstance(split, str):
        raise TypeError(
            f"split must be a string such as 'train', 'test' or 'train[:10%]', "
            f"got {type(split).__name__} {split!r}."
        )
    if _looks_like_path(name):
        if is_local_dataset(name):
            return None
        directory = os.path.expanduser(os.fspath(name))
        if os.path.isdir(directory):
            list_image_files(directory)  # raises, naming what the folder holds
            return "folder"
        raise ValueError(
            f"{os.fspath(name)!r} is not a dataset kerasgan can read: expected a TFDS "
            "name, an existing directory of MNIST-format IDX files "
            "(train-images-idx3-ubyte[.gz] / t10k-images-idx3-ubyte[.gz] and their "
            "labels), or a folder of images (optionally in class subfolders)."
        )
    base, config = split_name(name)
    known = known_dataset_names()
    if base not in known:
        # A dataset prepared earlier without its code (read-only from files).
        if data_dir is not None and tf.io.gfile.isdir(f"{data_dir}/{base}"):
            return base
        raise unknown_name_error("dataset", base, known)
    if config is not None:
        configs = [c.name for c in (tfds.builder_cls(base).BUILDER_CONFIGS or [])]
        if configs and config not in configs:
            raise unknown_name_error(f"{base} config", config, configs)
    return base


def _feature_summary(features):
    if not hasattr(features, "keys"):
        return type(features).__name__
    return ", ".join(f"{k!r}: {type(features[k]).__name__}" for k in features.keys())


def _plan(name, features, variable_size=False):
    """Pick the element layout: returns `(kind, data_key, label_key or None)`."""
    keys = set(features.keys()) if hasattr(features, "keys") else set()
    point = features["point"] if "point" in keys else None
    image = features["image"] if "image" in keys else None
    if point is not None:
        shape = tuple(point.shape)
        if shape != (2,) or not np.issubdtype(np.dtype(point.np_dtype), np.floating):
            raise ValueError(
                f"Dataset {name!r} has a 'point' feature of shape {shape} and dtype "
                f"{np.dtype(point.np_dtype).name}; supported: {_SUPPORTED}."
            )
        return "points", "point", ("mode" if "mode" in keys else None)
    if image is not None:
        shape = tuple(image.shape)
        dtype = np.dtype(image.np_dtype)
        if dtype != np.uint8 or len(shape) != 3 or (None in shape[:2] and not variable_size) \
                or shape[2] is None:
            raise ValueError(
                f"Dataset {name!r} has an 'image' feature of shape {shape} and dtype "
                f"{dtype.name}; supported: {_SUPPORTED}. Variable-size images need "
                "image_size=... to be resized."
            )
        return "images", "image", ("label" if "label" in keys else None)

    raise ValueError(
        f"Dataset {name!r} is not supported by kerasgan.data.load: found features "
        f"{{{_feature_summary(features)}}}; supported: {_SUPPORTED}."
    )


def load(
    name,
    split="train",
    batch_size=256,
    *,
    shuffle=True,
    repeat=True,
    seed=None,
    data_dir=None,
    download=True,
    drop_remainder=True,
    cache=True,
    image_size=None,
    center_crop=None,
    channels=None,
    source=None,
):
    """Load a TFDS dataset as batches of `{"images": float32, "labels": int32}`.

    Args:
        name: a TFDS name, with optional config/version: `"mnist"`,
            `"digits/28x28"`, `"gaussian_mixture/ring8"`, ...; or the path of a
            local directory of MNIST-format IDX files (`kerasgan.data.idx`), or
            of a folder of images (`folder/*.png`, or `folder/<class>/*.png`
            for labelled images; `kerasgan.data.folder`), whose only split is
            `"train"` (slices such as `"train[:90%]"` work).
        split: a TFDS split string (`"train"`, `"test"`, `"train[:10%]"`, ...).
        batch_size: positive int, examples per batch.
        shuffle: shuffle files and examples (buffer of 10,000 examples).
        repeat: repeat forever, for `model.fit(ds, steps_per_epoch=N)`.
        seed: int seed of the shuffle, for a reproducible order; `None`: random.
        data_dir: TFDS data directory (default: TFDS's own, `~/tensorflow_datasets`).
        download: let TFDS download and prepare the dataset if needed. The
            datasets registered with a builder of their own (`digits`,
            `gaussian_mixture`, `digit_pairs`, ...) are built locally, whatever
            `download` says.
        drop_remainder: drop the last partial batch so the batch dimension is
            static (`B` instead of `None`).
        cache: cache the decoded examples in memory after the first epoch.
        image_size: resize images to this size (`int` or `(H, W)`, bilinear
            with antialiasing) -- the standard preprocessing for e.g.
            `celeb_a` at 64 px; needed for variable-size images.
        center_crop: crop the central `center_crop` x `center_crop` pixels
            first (e.g. 140 for CelebA before resizing to 64).
        channels: image folders only: decode to 1 or 3 channels (default:
            the first image's).
        source: the local data to read instead of TFDS. For a TFDS name: a
            local copy, a directory of its IDX files (`train-*` / `t10k-*`,
            the `test` split; `kerasgan.data.sources`), checked against the
            TFDS features (image shape, classes) first; default: the source
            registered with `kerasgan.data.set_local_source` or
            `$KERASGAN_LOCAL_DATA` for `name`, else TFDS. For a dataset drawn
            from another one by a registered `loader` (`stacked_mnist`): the
            data it is drawn from (e.g. `"mnist"`, which follows MNIST's own
            local source, or an IDX directory); None: the loader's default.
            Loader datasets are never cached (each epoch is drawn anew).

    Returns:
        A prefetched `tf.data.Dataset` of dicts:
        `"images"`: float32 `[B, 2]` for point datasets, `[B, H, W, C]` in
        `[-1, 1]` for uint8 image datasets; `"labels"`: int32 `[B]` (from
        `"mode"` / `"label"`), present only if the dataset has that feature.

    Raises:
        ValueError: bad `batch_size`, unknown dataset name (the message lists the
            known names, closest first) or unsupported features.
        TypeError: `name` or `split` not a string.

    Example:
    >>> ds = load("mnist", split="test", source="/data/mnist")      # doctest: +SKIP
    >>> ds = load("gaussian_mixture/ring8", batch_size=64, seed=0)  # doctest: +SKIP
    >>> batch = next(iter(ds))                                     # doctest: +SKIP
    >>> batch["images"].shape, batch["labels"].dtype               # doctest: +SKIP
    (TensorShape([64, 2]), tf.int32)
    >>> gan.fit(ds, epochs=10, steps_per_epoch=500)                # doctest: +SKIP
    """
    base = _validate(name, split, batch_size, data_dir)
    loader = DATASETS.metadata(base).get("loader") if base in DATASETS else None
    if source is not None and (base in (None, "folder") or (builds_locally(base) and not loader)):
        what = ("is already a local path" if base in (None, "folder")
                else "is generated locally by kerasgan")
        raise ValueError(
            f"source= names the local data of a TFDS dataset (or the data a loader dataset such "
            f"as 'stacked_mnist' is drawn from); {os.fspath(name)!r} {what}, so there is "
            f"nothing to read instead (got source={source!r}).")
    if source is None and loader is None and base not in (None, "folder") \
            and not builds_locally(base):
        source = local_source(base)
    batch_size = int(batch_size)
    size = _check_size("image_size", image_size)
    crop = _check_size("center_crop", center_crop)
    directory = None if base not in (None, "folder") else os.path.expanduser(os.fspath(name))
    if loader is not None:
        kind = DATASETS.metadata(base)["kind"]
        ds = loader(split, seed=seed, source=source, data_dir=data_dir, download=download)
        cache = False  # a cache would freeze the loader's first epoch
    elif base is None:
        kind = "images"
        ds = _local_split(directory, split)
    elif source is not None and not builds_locally(base):
        kind = "images"
        ds = _local_split(os.path.expanduser(os.fspath(source)), split, name=base)
    elif base == "folder":
        kind = "images"
        ds = _folder_split(directory, split, size, channels, crop)
        size = crop = None  # cropped and resized while decoding
    else:
        ds, kind = _tfds_split(name, base, split, shuffle, seed, data_dir, download,
                               variable_size=size is not None)
    if kind == "images" and (size or crop):
        ds = ds.map(lambda example: _crop_and_resize(example, crop, size),
                    num_parallel_calls=tf.data.AUTOTUNE)
    return _pipeline(ds, kind, batch_size, shuffle, repeat, seed, drop_remainder, cache)


def _check_size(name, value):
    if value is None:
        return None
    pair = (value, value) if isinstance(value, numbers.Integral) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, numbers.Integral) and v > 0 for v in pair):
        raise ValueError(f"{name} must be a positive int or (height, width); got {value!r}.")
    return tuple(int(v) for v in pair)


def _crop_and_resize(example, crop, size):
    image = example["images"]
    if crop is not None:
        shape = tf.shape(image)
        tf.debugging.assert_greater_equal(
            shape[:2], tf.constant(crop, tf.int32),
            message=f"center_crop={crop} is larger than an image")
        top = (shape[0] - crop[0]) // 2
        left = (shape[1] - crop[1]) // 2
        image = image[top:top + crop[0], left:left + crop[1]]
    if size is not None:
        image = tf.image.resize(tf.cast(image, tf.float32), size, antialias=True)
        image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
    return {**example, "images": image}


def _split_instructions(split, sizes, where):
    try:
        return tfds.core.ReadInstruction.from_spec(split).to_absolute(
            {name: _SplitSize(n) for name, n in sizes.items()})
    except (ValueError, AssertionError, KeyError) as error:
        raise ValueError(
            f"Bad split {split!r} for {where} (splits: {sorted(sizes)}): {error}"
        ) from None


def _folder_split(directory, split, size, channels, crop):
    """An image folder (split `"train"` and its slices) as a dataset of examples."""
    ds = image_folder_dataset(directory, image_size=size, channels=channels, center_crop=crop)
    total = len(ds)
    parts = _split_instructions(split, {"train": total}, f"image folder {directory!r}")
    out = None
    for part in parts:
        start = part.from_ or 0
        stop = total if part.to is None else part.to
        piece = ds.skip(start).take(stop - start)
        out = piece if out is None else out.concatenate(piece)
    return out


def _local_split(directory, split, name=None):
    """A local IDX directory's `split` (TFDS split syntax) as a dataset of examples.

    `name`: the TFDS dataset the directory is a copy of (checked against its features).
    """
    names = sorted({part.split("[")[0].strip() for part in split.split("+")})
    if name is not None:
        check_local_source(name, directory, names)
    arrays = {name: load_idx(directory, name) for name in names}
    instructions = _split_instructions(
        split, {name: len(arrays[name][1]) for name in names}, f"IDX directory {directory!r}")
    images, labels = [], []
    for part in instructions:
        x, y = arrays[part.splitname]
        images.append(x[part.from_:part.to])
        labels.append(y[part.from_:part.to])
    return tf.data.Dataset.from_tensor_slices(
        {"images": np.concatenate(images), "labels": np.concatenate(labels).astype(np.int32)}
    )


class _SplitSize:
    def __init__(self, num_examples):
        self.num_examples = num_examples


def _tfds_split(name, base, split, shuffle, seed, data_dir, download, variable_size=False):
    """A TFDS split as a dataset of `{"images", "labels"?}` examples, and its kind."""
    builder = tfds.builder(name, data_dir=data_dir)
    kind, data_key, label_key = _plan(name, builder.info.features, variable_size)

    local_hint = (
        f"or read a local copy of its IDX files: load({base!r}, source=DIR), "
        f"kerasgan.data.set_local_source({base!r}, DIR), `--source DIR` on the command line, "
        f"or ${LOCAL_SOURCE_ENV}='{base}=DIR'")
    if builds_locally(base) or (download and builder.is_prepared()):
        builder.download_and_prepare()
    elif download:
        try:
            builder.download_and_prepare()
        except Exception as error:  # offline, a blocked host, a failed checksum...
            raise ValueError(
                f"Dataset {name!r} is not prepared in {builder.data_dir!r} and TFDS could not "
                f"download it ({type(error).__name__}: {str(error)[:300]}). Prepare it where "
                f"there is internet access (`tfds build {base}`), {local_hint}.") from None
    elif not builder.is_prepared():
        # Fail at once: TFDS would otherwise fail later with a less direct
        # message (and a download attempt offline stalls for minutes).
        raise ValueError(
            f"Dataset {name!r} is not prepared in {builder.data_dir!r} and "
            "download=False. Prepare it where there is internet access "
            f"(`tfds build {base}`, or load(..., download=True) / `kerasgan train "
            f"--download`), point data_dir at a copy, {local_hint}."
        )
    # try_autocache=False: caching is ours to decide (`cache`), and TFDS's own
    # automatic cache of small datasets would hold a second copy in memory.
    read_config = tfds.ReadConfig(shuffle_seed=seed, try_autocache=False)
    ds = builder.as_dataset(
        split=split, shuffle_files=shuffle, read_config=read_config
    )

    def select(example):
        out = {"images": example[data_key]}
        if label_key is not None:
            out["labels"] = tf.cast(example[label_key], tf.int32)
        return out

    return ds.map(select, num_parallel_calls=tf.data.AUTOTUNE), kind


def _pipeline(ds, kind, batch_size, shuffle, repeat, seed, drop_remainder, cache):
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    # Convert after batching (vectorised, and the cache keeps compact uint8).
    if kind == "images":
        def to_float(batch):
            return {**batch, "images": uint8_to_model_range(batch["images"])}
    else:
        def to_float(batch):
            return {**batch, "images": tf.cast(batch["images"], tf.float32)}

    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)

