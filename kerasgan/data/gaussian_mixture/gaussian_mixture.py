"""`gaussian_mixture`: the 2-D mode-collapse benchmark as a TFDS dataset.

The data are generated locally (no download) from the mixtures defined in
`kerasgan.data.mixtures`, with a fixed numpy seed per split, so every build of
the same version gives byte-identical examples.

Example:
>>> import kerasgan.data  # registers the builder
>>> import tensorflow_datasets as tfds
>>> ds = tfds.load("gaussian_mixture/ring8", split="test")  # doctest: +SKIP
>>> next(iter(ds))["point"].shape                             # doctest: +SKIP
TensorShape([2])
"""

import numpy as np
import tensorflow_datasets as tfds

from kerasgan.data.mixtures import MIXTURES, get_mixture
from kerasgan.data.registry import register_dataset

_DESCRIPTION = """\
Equal-weight isotropic Gaussian mixtures in 2-D, the standard synthetic
benchmark for mode collapse in GANs (VEEGAN; PacGAN).

* `ring8`: 8 modes evenly spaced on a circle of radius 1, standard deviation 0.01.
* `grid25`: 25 modes on the grid {-4, -2, 0, 2, 4}^2, standard deviation 0.05.

Each example is a point (float32 `[2]`) and the index of the mode it was drawn
from (`mode`). The data are generated locally with a fixed seed per split
(train: 100,000 examples, test: 10,000), so no download is needed and every
build is identical.
"""

_CITATION = """\
@inproceedings{lin2018pacgan,
  title     = {PacGAN: The power of two samples in generative adversarial networks},
  author    = {Lin, Zinan and Khetan, Ashish and Fanti, Giulia and Oh, Sewoong},
  booktitle = {Advances in Neural Information Processing Systems},
  volume    = {31},
  year      = {2018}
}

@inproceedings{srivastava2017veegan,
  title     = {VEEGAN: Reducing mode collapse in GANs using implicit variational learning},
  author    = {Srivastava, Akash and Valkov, Lazar and Russell, Chris and Gutmann, Michael U. and Sutton, Charles},
  booktitle = {Advances in Neural Information Processing Systems},
  volume    = {30},
  year      = {2017}
}
"""

# Number of examples and numpy seed of every split. The seeds differ so that
# the test points are independent of the training points.
SPLITS = {
    "train": (100_000, 20180101),
    "test": (10_000, 20180102),
}


# The mixture protocol: 2,500 samples scored against the modes (3 sigma), as PacGAN / VEEGAN.
@register_dataset(kind="points", protocol={"extractor": None, "split": None, "num_samples": 2500,
                                           "threshold_sigma": 3.0})
class GaussianMixture(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for the `gaussian_mixture` dataset (configs `ring8`, `grid25`).

    Example:
    >>> import tensorflow_datasets as tfds
    >>> builder = tfds.builder("gaussian_mixture/grid25", data_dir="/tmp/tfds")  # doctest: +SKIP
    >>> builder.download_and_prepare()                    # local, no download   # doctest: +SKIP
    >>> builder.info.features["mode"].num_classes                               # doctest: +SKIP
    25
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        tfds.core.BuilderConfig(
            name=name,
            description=(
                f"{spec.num_modes} modes, standard deviation {spec.sigma}."
            ),
        )
        for name, spec in MIXTURES.items()
    ]

    def _info(self):
        spec = get_mixture(self.builder_config.name)
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "point": tfds.features.Tensor(shape=(2,), dtype=np.float32),
                    "mode": tfds.features.ClassLabel(num_classes=spec.num_modes),
                }
            ),
            supervised_keys=("point", "mode"),
            homepage="https://arxiv.org/abs/1712.04086",
            citation=_CITATION,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Generated locally: nothing to download.
        return {
            split: self._generate_examples(num, seed)
            for split, (num, seed) in SPLITS.items()
        }

    def _generate_examples(self, num, seed):
        spec = get_mixture(self.builder_config.name)
        points, modes = spec.sample_with_modes(num, seed=seed)
        for i in range(num):
            yield i, {"point": points[i], "mode": int(modes[i])}
