"""`DATASETS`: the dataset families kerasgan knows, each with its kind and evaluation protocol.

A family is the part of a dataset name before "/" and ":" (`digits` for
`digits/28x28:1.0.0`). Each registers where it is defined:

* the project's own TFDS builders, generated locally, with
  `@register_dataset(kind=..., protocol=...)` on the builder class (the family
  is the builder's TFDS `name`; `builder` is the class);
* TFDS catalogue datasets kerasgan knows how to judge with
  `register_dataset("mnist", kind="images", protocol=...)` as a plain call
  (`builder` None: TFDS downloads and prepares them);
* datasets drawn by a function of their own, e.g. `stacked_mnist` (fresh
  triples of MNIST digits every epoch), with
  `register_dataset("stacked_mnist", kind="images", protocol=..., loader=fn)`:
  `kerasgan.data.load` calls `loader(split, *, seed, source, data_dir,
  download)`, which returns a finite `tf.data.Dataset` of one epoch of
  examples `{"images": uint8 [H, W, C], "labels": int32}` (and may draw new
  ones each time it is iterated: `load` does not cache them).

Metadata:

* `kind`: `"points"`, `"images"` or `"image_pairs"` (one of `KINDS`);
* `builder`: the TFDS builder class for locally generated datasets, else None;
* `loader`: the function drawing the examples of a loader dataset, else None;
* `protocol`: the default evaluation protocol, a dict with `extractor` (a
  feature extractor name, None for points and pairs), `split` (the reference
  split) and `num_samples` (generated samples), plus kind-specific keys.

`kerasgan.data.dataset_info(name)` resolves any name `load` accepts (also
local folders and unregistered TFDS names) against this table.

Example:
>>> DATASETS.metadata("mnist")["kind"], DATASETS.metadata("digits")["protocol"]["extractor"]
('images', 'digits-net')
>>> DATASETS.names(kind="points")
['gaussian_mixture']
"""

from kerasgan.core.registry import Registry

__all__ = ["DATASETS", "KINDS", "DEFAULT_IMAGE_PROTOCOL", "register_dataset"]

#: What a dataset holds.
KINDS = ("points", "images", "image_pairs")

#: The protocol of an image dataset no registration says more about.
DEFAULT_IMAGE_PROTOCOL = {"extractor": "inception-v3", "split": "test", "num_samples": 10_000}

#: Dataset families by name (metadata: `kind`, `builder`, `protocol`, ...).
DATASETS = Registry("dataset")


def register_dataset(name=None, *, kind, protocol=None, loader=None, **metadata):
    """Register a dataset family; as a decorator on a TFDS builder class, or called with a name.

    Args:
        name: the family. Decorating a builder: default the builder's TFDS
            `name`. Called without decorating: required.
        kind: one of `KINDS`.
        protocol: the default evaluation protocol (`extractor`, `split`,
            `num_samples`, ...); image datasets default to
            `DEFAULT_IMAGE_PROTOCOL`.
        loader: a function `loader(split, *, seed, source, data_dir, download)`
            returning a finite `tf.data.Dataset` of one epoch of examples
            `{"images": uint8, "labels": int32}` (`kerasgan.data.load` batches
            them, without caching: a loader may draw new examples every
            epoch). With a loader the family is registered at once (a name
            is required) and the loader is returned.
        **metadata: anything else to record (e.g. the layout of image pairs).

    Returns:
        With a name and no class to decorate: a decorator that registers the
        class it decorates (TFDS builder). `register_dataset("x", kind=...)(None)`
        registers a catalogue dataset without a builder. With `loader`: the loader.

    Example:
    >>> _ = register_dataset("toy_catalogue_dataset", kind="images")(None)
    >>> DATASETS.metadata("toy_catalogue_dataset")["protocol"]["extractor"]
    'inception-v3'
    >>> DATASETS.remove("toy_catalogue_dataset")
    >>> def toy_examples(split, *, seed, source, data_dir, download):
    ...     import tensorflow as tf
    ...     return tf.data.Dataset.from_tensors({"images": tf.zeros([4, 4, 1], tf.uint8),
    ...                                         "labels": 0})
    >>> _ = register_dataset("toy_loader_dataset", kind="images", loader=toy_examples)
    >>> DATASETS.metadata("toy_loader_dataset")["loader"] is toy_examples
    True
    >>> DATASETS.remove("toy_loader_dataset")
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")
    if protocol is None:
        protocol = dict(DEFAULT_IMAGE_PROTOCOL) if kind == "images" else {
            "extractor": None, "split": "test", "num_samples": None}

    if loader is not None:
        if not name or not callable(loader):
            raise ValueError(
                f"register_dataset with a loader needs a name and a callable loader; got name "
                f"{name!r} and loader {loader!r}.")
        DATASETS.add(name, loader, kind=kind, builder=None, loader=loader,
                     protocol=dict(protocol), **metadata)
        return loader

    def decorator(builder):
        family = name or getattr(builder, "name", None)
        if not family:
            raise ValueError("register_dataset needs a name (or a TFDS builder with a `name`).")
        DATASETS.add(family, builder, kind=kind, builder=builder, protocol=dict(protocol),
                     **metadata)
        return builder

    return decorator
