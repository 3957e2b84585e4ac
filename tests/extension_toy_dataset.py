"""A dataset of a user's own, in its own module: a TFDS builder registered with its kind
and evaluation protocol; `kerasgan.data.load("toy_squares")` builds it locally."""

import numpy as np
import tensorflow_datasets as tfds

from kerasgan.data import register_dataset

SIZE = 28


def square_images(num, seed):
    """`num` uint8 images: a bright 8x8 square at a random place on a dark background."""
    rng = np.random.default_rng(seed)
    images = np.zeros((num, SIZE, SIZE, 1), np.uint8)
    for image, (row, col) in zip(images, rng.integers(0, SIZE - 8, size=(num, 2))):
        image[row:row + 8, col:col + 8] = 255
    return images


@register_dataset(kind="images", protocol={"extractor": "digits-net", "split": "test",
                                           "num_samples": 96})
class ToySquares(tfds.core.GeneratorBasedBuilder):
    """Squares on a dark background: 160 training images, 96 test images."""

    VERSION = tfds.core.Version("1.0.0")
    pkg_dir_path = None  # defined outside a package

    def _info(self):
        return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
            "image": tfds.features.Image(shape=(SIZE, SIZE, 1)),
            "label": tfds.features.ClassLabel(num_classes=1)}))

    def _split_generators(self, dl_manager):
        del dl_manager
        return {"train": self._generate_examples(160, 0), "test": self._generate_examples(96, 1)}

    def _generate_examples(self, num, seed):
        for i, image in enumerate(square_images(num, seed)):
            yield i, {"image": image, "label": 0}
