"""TFDS catalogue datasets kerasgan knows how to judge (registered in `DATASETS`).

These are downloaded and prepared by TFDS (`builder` None). Image datasets are
judged by InceptionV3 on their `test` split with 10,000 samples, except MNIST
and Fashion-MNIST, judged by the project's `mnist-net` and `fashion-net` (whose
cards' real-data floors set the split and sample count, see
`kerasgan.data.dataset_info`). Where TFDS cannot download them, both read a
local copy of their IDX files (`kerasgan.data.sources`). `cycle_gan/<name>`
holds unpaired image domains in the splits `trainA` / `trainB` /
`testA` / `testB`.

Any other TFDS image dataset loads too; it is judged like the unregistered
ones (InceptionV3, `test`, 10,000 samples).

Example:
>>> from kerasgan.data.registry import DATASETS
>>> DATASETS.metadata("cifar10")["protocol"]
{'extractor': 'inception-v3', 'split': 'test', 'num_samples': 10000}
>>> DATASETS.metadata("cycle_gan")["kind"]
'image_pairs'
"""

from kerasgan.data.registry import register_dataset

__all__ = ["CATALOGUE_IMAGE_DATASETS"]

#: Image datasets of the TFDS catalogue judged by InceptionV3 (test split, 10,000 samples).
CATALOGUE_IMAGE_DATASETS = ("cifar10", "cifar100", "svhn_cropped", "celeb_a")

register_dataset("mnist", kind="images", protocol={
    "extractor": "mnist-net", "split": "test", "num_samples": 10_000})(None)
register_dataset("fashion_mnist", kind="images", protocol={
    "extractor": "fashion-net", "split": "test", "num_samples": 10_000})(None)
for _name in CATALOGUE_IMAGE_DATASETS:
    register_dataset(_name, kind="images")(None)
register_dataset("cycle_gan", kind="image_pairs", protocol={
    "extractor": None, "split": "test", "num_samples": None},
    domain_splits={"train": ("trainA", "trainB"), "test": ("testA", "testB")})(None)
