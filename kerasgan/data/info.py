"""`dataset_info(name)`: what a dataset name means to kerasgan -- its family, kind and protocol.

Code that must know what a dataset is asks here instead of testing names by
prefix:

>>> dataset_info("gaussian_mixture/ring8").kind
'points'
>>> info = dataset_info("digits/28x28")
>>> info.family, info.kind, info.protocol
('digits', 'images', {'extractor': 'digits-net', 'split': 'test', 'num_samples': 1347})
>>> dataset_info("digit_pairs").kind, dataset_info("cycle_gan/horse2zebra").kind
('image_pairs', 'image_pairs')
>>> dataset_info("lsun/bedroom").protocol["extractor"]   # an unregistered TFDS name
'inception-v3'
"""

import dataclasses
import os

import tensorflow_datasets as tfds

from kerasgan.core import entries as zoo_entries
from kerasgan.data.folder import has_image_files
from kerasgan.data.idx import has_idx_files
from kerasgan.data.registry import DATASETS, DEFAULT_IMAGE_PROTOCOL

__all__ = ["DatasetInfo", "dataset_info", "is_image_folder",
           "is_local_dataset", "split_name"]

#: The protocol of a local image folder: its only split is "train".
FOLDER_PROTOCOL = {"extractor": "inception-v3", "split": "train", "num_samples": 10_000}


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What kerasgan knows about one dataset name.

    Attributes:
        name: the name as given (a path for local data).
        family: the registered family (`"digits"` for `"digits/28x28"`);
            `"mnist"` for a local IDX directory (read as MNIST), `"folder"` for
            an image folder, else the TFDS base name.
        config: the TFDS config (`"28x28"`), or None.
        kind: `"points"`, `"images"` or `"image_pairs"`.
        builder: the TFDS builder class of a locally generated dataset, else None.
        protocol: the evaluation protocol (`extractor`, `split`, `num_samples`, ...).
        source: `"registered"` (a family of `DATASETS`), `"tfds"` (another
            TFDS name), `"idx"` or `"folder"` (local data).
        metadata: the family's registered metadata (`{}` if not registered).

    Example:
    >>> dataset_info("mnist:3.0.1").source, dataset_info("mnist").canonical
    ('registered', 'mnist')
    """

    name: str
    family: str
    config: str
    kind: str
    builder: type
    protocol: dict
    source: str
    metadata: dict

    @property
    def canonical(self):
        """`family/config` with the default config filled in and no version (`"digits/28x28"`).

        Example:
        >>> dataset_info("digits").canonical, dataset_info("gaussian_mixture/ring8:1.0.0").canonical
        ('digits/28x28', 'gaussian_mixture/ring8')
        """
        config = self.config
        if config is None and self.source in ("registered", "tfds"):
            config = _default_config(self.family, self.builder)
        return f"{self.family}/{config}" if config else self.family

    @property
    def is_local(self):
        """True for data read from local files (an IDX directory or an image folder).

        Example:
        >>> dataset_info("mnist").is_local
        False
        """
        return self.source in ("idx", "folder")


def split_name(name):
    """`"gaussian_mixture/ring8:1.0.0"` -> `("gaussian_mixture", "ring8")`.

    Example:
    >>> split_name("digits/28x28:1.0.0"), split_name("mnist:3.0.1")
    (('digits', '28x28'), ('mnist', None))
    """
    base, _, rest = str(name).partition("/")
    base = base.split(":")[0]
    config = rest.split(":")[0] if rest else None
    return base, config


def _check_name_type(name):
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(
            f"name must be a TFDS dataset name (str) such as 'mnist' or "
            f"'gaussian_mixture/ring8', or a directory of IDX files; got "
            f"{type(name).__name__} {name!r}."
        )


def is_image_folder(name):
    """True when `name` is a local folder of image files (not IDX).

    Example:
    >>> is_image_folder("mnist")
    False
    """
    _check_name_type(name)
    directory = os.path.expanduser(os.fspath(name))
    return os.path.isdir(directory) and not has_idx_files(directory) and has_image_files(directory)


def is_local_dataset(name):
    """True when `name` is a local directory of MNIST-format IDX files.

    Example:
    >>> is_local_dataset("mnist")
    False
    """
    _check_name_type(name)
    directory = os.path.expanduser(os.fspath(name))
    return os.path.isdir(directory) and has_idx_files(directory)


def _default_config(family, builder):
    if builder is None:
        try:
            builder = tfds.builder_cls(family)
        except Exception:  # unknown names keep their spelling
            return None
    configs = getattr(builder, "BUILDER_CONFIGS", None)
    return configs[0].name if configs else None


def _with_card_floor(protocol, canonical):
    """The protocol, with the split and sample count of its feature net's real-data floor."""
    extractor = protocol.get("extractor")
    card = zoo_entries.entries(kind="feature_net").get(extractor) if extractor else None
    if card is None or card.config.get("dataset") != canonical or "floor" not in card.config:
        return protocol
    floor = card.config["floor"]
    return {**protocol, "split": floor["reference"], "num_samples": floor["num_samples"]}


def dataset_info(name):
    """Resolve a dataset name (or local path) to a `DatasetInfo`.

    * a family registered in `kerasgan.data.DATASETS` (with any config and
      version, e.g. `digits/28x28`, `gaussian_mixture/ring8`, `cycle_gan/facades`):
      its kind and protocol;
    * a local directory of IDX files: images, judged as MNIST;
    * a local image folder: images, judged by InceptionV3 against its only
      split, `train`;
    * any other name (TFDS catalogue): images, InceptionV3, `test`, 10,000 samples.

    For image datasets judged by a domain feature net, the net's zoo card sets
    the split and sample count (its real-data floor protocol) when the card was
    measured on this dataset (`digits/28x28`, `mnist`).

    Raises:
        TypeError: `name` neither a string nor a path.

    Example:
    >>> dataset_info("digits/16x16").protocol["num_samples"]   # no floor measured at 16 px
    10000
    >>> dataset_info("gaussian_mixture/grid25").protocol["num_samples"]
    2500
    """
    _check_name_type(name)
    text = os.fspath(name)
    if is_local_dataset(name):
        meta = DATASETS.metadata("mnist")
        return DatasetInfo(text, "mnist", None, "images", None,
                           _with_card_floor(dict(meta["protocol"]), "mnist"), "idx", meta)
    if is_image_folder(name):
        return DatasetInfo(text, "folder", None, "images", None, dict(FOLDER_PROTOCOL), "folder",
                           {})
    family, config = split_name(text)
    if family in DATASETS:
        meta = DATASETS.metadata(family)
        info = DatasetInfo(text, family, config, meta["kind"], meta.get("builder"),
                           dict(meta["protocol"]), "registered", meta)
    else:
        info = DatasetInfo(text, family, config, "images", None, dict(DEFAULT_IMAGE_PROTOCOL),
                           "tfds", {})
    if info.kind == "images":
        info = dataclasses.replace(info, protocol=_with_card_floor(info.protocol, info.canonical))
    return info
