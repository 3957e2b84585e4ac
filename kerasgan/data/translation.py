"""`load_translation`: two image domains X and Y as batches `{"x", "y"}` for translation GANs.

Sources:

* `"digit_pairs"` -- the embedded benchmark (`kerasgan.data.digit_pairs`): split
  `"train"` is unpaired (disjoint halves, each domain shuffled on its own),
  `"train_paired"` and `"test"` are aligned pairs (x, T(x));
* `"cycle_gan/<name>"` (TFDS: `horse2zebra`, `facades`, ...): split `"train"`
  reads `trainA` as X and `trainB` as Y, `"test"` reads `testA` / `testB`; the two
  domains are shuffled independently (unpaired);
* a pair of local image folders `(folder_x, folder_y)`: unpaired, or with
  `paired=True` aligned by file name (pix2pix data such as facades: labels in one
  folder, photos with the same names in the other).

Both domains must come out at the same image size (use `image_size=` to
resize); a mismatch is refused before any batch is read.

Example:
>>> ds = load_translation("digit_pairs", "train", batch_size=4)  # doctest: +SKIP
>>> batch = next(iter(ds))                                      # doctest: +SKIP
>>> batch["x"].shape, batch["y"].shape                          # doctest: +SKIP
(TensorShape([4, 32, 32, 3]), TensorShape([4, 32, 32, 3]))
"""

import os

import tensorflow as tf
import tensorflow_datasets as tfds

from kerasgan.core.images import uint8_to_model_range
from kerasgan.data.folder import list_image_files
from kerasgan.data.info import dataset_info
from kerasgan.data.loading import load

__all__ = ["PAIRED_SPLITS", "load_translation"]

#: Splits of `digit_pairs` whose x and y are aligned (y = T(x)).
PAIRED_SPLITS = ("train_paired", "test")

_to_float = uint8_to_model_range


def _feature_pairs(info, split, batch_size, shuffle, repeat, seed, data_dir, drop_remainder):
    """A registered pair dataset whose examples hold both domains (`domain_features`)."""
    family = info.family
    key_x, key_y = info.metadata["domain_features"]
    paired_splits = tuple(info.metadata.get("paired_splits", ()))
    builder = tfds.builder(info.name, data_dir=data_dir)
    builder.download_and_prepare()  # built locally, no download
    if split not in builder.info.splits:
        raise ValueError(f"{family} has the splits {sorted(builder.info.splits)}; got {split!r}.")
    ds = builder.as_dataset(split=split, read_config=tfds.ReadConfig(try_autocache=False)).cache()
    if split in paired_splits:
        pairs = ds.map(lambda e: {"x": e[key_x], "y": e[key_y]})
        if shuffle:
            pairs = pairs.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
        if repeat:
            pairs = pairs.repeat()
        pairs = pairs.batch(batch_size, drop_remainder=drop_remainder)
        return pairs.map(lambda b: {"x": _to_float(b["x"]), "y": _to_float(b["y"])}).prefetch(
            tf.data.AUTOTUNE)

    def domain(key, offset):
        d = ds.map(lambda e: e[key])
        if shuffle:
            d = d.shuffle(10_000, seed=None if seed is None else seed + offset,
                          reshuffle_each_iteration=True)
        return d.repeat() if repeat else d

    zipped = tf.data.Dataset.zip({"x": domain(key_x, 0), "y": domain(key_y, 1)})
    zipped = zipped.batch(batch_size, drop_remainder=drop_remainder)
    return zipped.map(lambda b: {"x": _to_float(b["x"]), "y": _to_float(b["y"])}).prefetch(
        tf.data.AUTOTUNE)


def _paired_folders(folder_x, folder_y, batch_size, image_size, shuffle, repeat, seed,
                    drop_remainder):
    names_x = {os.path.relpath(p, folder_x): p for p in list_image_files(folder_x)[0]}
    names_y = {os.path.relpath(p, folder_y): p for p in list_image_files(folder_y)[0]}
    common = sorted(set(names_x) & set(names_y))
    if not common or len(common) != len(names_x) or len(common) != len(names_y):
        raise ValueError(
            f"Paired folders must hold the same file names: {len(names_x)} images in "
            f"{folder_x!r}, {len(names_y)} in {folder_y!r}, {len(common)} names in common.")
    size = None if image_size is None else (
        (image_size, image_size) if isinstance(image_size, int) else tuple(image_size))
    first = [tf.io.decode_image(tf.io.read_file(names[common[0]]), channels=3,
                                expand_animations=False).shape[:2] for names in (names_x, names_y)]
    if size is None and first[0] != first[1]:
        raise ValueError(
            f"The two domains must have one image size: X has {tuple(first[0])}, Y has "
            f"{tuple(first[1])}. Pass image_size=... to resize both.")
    # Without resizing, every image must have the first one's size (checked per image).
    shape = (*(size or tuple(first[0])), 3)

    x = tf.data.Dataset.from_tensor_slices([names_x[n] for n in common])
    y = tf.data.Dataset.from_tensor_slices([names_y[n] for n in common])

    def load_image(path):
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        if size is not None:
            image = tf.image.resize(image, size, antialias=True)
        image = tf.ensure_shape(image, shape)
        return uint8_to_model_range(image)

    pairs = tf.data.Dataset.zip({"x": x, "y": y})
    if shuffle:
        pairs = pairs.shuffle(len(common), seed=seed, reshuffle_each_iteration=True)
    pairs = pairs.map(lambda e: {"x": load_image(e["x"]), "y": load_image(e["y"])},
                      num_parallel_calls=tf.data.AUTOTUNE)
    if repeat:
        pairs = pairs.repeat()
    return pairs.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def load_translation(source, split="train", batch_size=1, *, image_size=None, shuffle=True,
                     repeat=True, seed=None, data_dir=None, download=True, drop_remainder=True,
                     paired=False):
    """Batches `{"x": float32 [B, H, W, C_x], "y": float32 [B, H, W, C_y]}` in [-1, 1].

    Args:
        source: `"digit_pairs"`, a `"cycle_gan/<name>"` TFDS name, or a pair of
            image folders `(folder_x, folder_y)`.
        split: `"train"` / `"test"` (and `"train_paired"` for digit_pairs).
        batch_size: examples of each domain per batch.
        image_size: resize both domains to this size (int or `(H, W)`).
        shuffle, repeat, seed, data_dir, download, drop_remainder: as in
            `kerasgan.data.load`, applied to each domain.
        paired: two folders only: pair their images by file name (RGB).

    Raises:
        ValueError: unknown source or split, or domains of different image sizes.

    Example:
    >>> ds = load_translation("cycle_gan/horse2zebra", "train", 1, image_size=256)  # doctest: +SKIP
    """
    options = dict(batch_size=batch_size, shuffle=shuffle, repeat=repeat, data_dir=data_dir,
                   download=download, drop_remainder=drop_remainder, image_size=image_size)
    info = dataset_info(source) if isinstance(source, (str, os.PathLike)) else None
    if isinstance(source, (tuple, list)):
        if len(source) != 2:
            raise ValueError(f"Give two image folders (folder_x, folder_y); got {source!r}.")
        if paired:
            return _paired_folders(os.fspath(source[0]), os.fspath(source[1]), int(batch_size),
                                   image_size, shuffle, repeat, seed, drop_remainder)
        x = load(os.fspath(source[0]), "train", seed=seed, **options)
        y = load(os.fspath(source[1]), "train", seed=None if seed is None else seed + 1,
                 **options)
    elif info is not None and info.kind == "image_pairs" and "domain_features" in info.metadata:
        if image_size is not None:
            size = info.metadata.get("image_shape")
            built = f" ({size[0]}x{size[1]})" if size else ""
            raise ValueError(f"{info.family} is served at its built size{built}; image_size is "
                             f"not supported for it; got image_size={image_size!r}.")
        return _feature_pairs(info, split, int(batch_size), shuffle, repeat, seed, data_dir,
                              drop_remainder)
    elif info is not None and info.kind == "image_pairs" and "domain_splits" in info.metadata:
        splits = info.metadata["domain_splits"]
        if split not in splits:
            raise ValueError(f"{info.family} datasets take split "
                             f"{' or '.join(repr(s) for s in splits)}; got {split!r}.")
        split_x, split_y = splits[split]
        x = load(source, split_x, seed=seed, **options)
        y = load(source, split_y, seed=None if seed is None else seed + 1, **options)
    else:
        raise ValueError(
            "load_translation takes 'digit_pairs', a 'cycle_gan/<name>' TFDS name, or two "
            f"image folders (folder_x, folder_y); got {source!r}."
        )
    shape_x = tuple(x.element_spec["images"].shape[1:3])
    shape_y = tuple(y.element_spec["images"].shape[1:3])
    if None in shape_x + shape_y or shape_x != shape_y:
        raise ValueError(
            f"The two domains must have one image size: X has {shape_x}, Y has {shape_y}. "
            "Pass image_size=... to resize both."
        )
    return tf.data.Dataset.zip({"x": x.map(lambda b: b["images"]),
                                "y": y.map(lambda b: b["images"])})
