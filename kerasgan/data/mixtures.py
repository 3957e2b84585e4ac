"""The 2-D Gaussian mixtures of the PacGAN / VEEGAN mode-collapse benchmark.

`ring8`: 8 modes evenly spaced on a circle of radius 1, standard deviation 0.01.
`grid25`: 25 modes on the grid {-4, -2, 0, 2, 4}^2, standard deviation 0.05.
Every mode has the same weight.
"""

import dataclasses

import numpy as np

from kerasgan.core.naming import unknown_name_error


@dataclasses.dataclass(frozen=True)
class MixtureSpec:
    """An equal-weight isotropic Gaussian mixture in 2-D.

    Attributes:
        name: the mixture's name (`"ring8"`, `"grid25"`).
        centers: float64 array `[num_modes, 2]` of mode centres.
        sigma: the standard deviation of every mode, per coordinate.

    Example:
    >>> spec = get_mixture("ring8")
    >>> spec.num_modes, spec.sigma
    (8, 0.01)
    >>> spec.sample(5, seed=0).shape
    (5, 2)
    """

    name: str
    centers: np.ndarray
    sigma: float

    @property
    def num_modes(self):
        """The number of modes K.

        Example:
        >>> get_mixture("grid25").num_modes
        25
        """
        return len(self.centers)

    def sample(self, num, seed=None):
        """Draw `num` points (float32 `[num, 2]`); returns points only.

        Use `sample_with_modes` to also get each point's mode index.

        Example:
        >>> get_mixture("ring8").sample(4, seed=0).shape
        (4, 2)
        """
        return self.sample_with_modes(num, seed)[0]

    def sample_with_modes(self, num, seed=None):
        """Draw `num` points and the index of the mode each was drawn from.

        Example:
        >>> points, modes = get_mixture("grid25").sample_with_modes(3, seed=1)
        >>> points.dtype, modes.shape
        (dtype('float32'), (3,))
        """
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.num_modes, size=num)
        noise = rng.normal(0.0, self.sigma, size=(num, 2))
        return (self.centers[modes] + noise).astype(np.float32), modes.astype(np.int64)


def _ring(num_modes, radius):
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def _grid(values):
    xs, ys = np.meshgrid(values, values, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float64)


MIXTURES = {
    "ring8": MixtureSpec("ring8", _ring(8, 1.0), 0.01),
    "grid25": MixtureSpec("grid25", _grid(np.array([-4.0, -2.0, 0.0, 2.0, 4.0])), 0.05),
}


def get_mixture(name):
    """Return the `MixtureSpec` called `name` (`"ring8"` or `"grid25"`).

    Also accepts the tfds spelling `"gaussian_mixture/ring8"`.

    Example:
    >>> get_mixture("gaussian_mixture/grid25").num_modes
    25
    """
    key = str(name).split("/")[-1]
    if key not in MIXTURES:
        raise unknown_name_error("Gaussian mixture", name, MIXTURES)
    return MIXTURES[key]
