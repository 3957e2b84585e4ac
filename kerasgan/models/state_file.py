"""One weights-file format for every multi-network model (`GAN`, `Pix2Pix`, `CycleGAN`).

A `.weights.h5` file written by `StateFileMixin.save_weights` holds one HDF5
group per role: one per network (its `weights`, by role name), one per built
optimizer (`g_optimizer`, `d_optimizer`: step counters, learning rate and
moments) and, when there is any, a `state` group with everything else that
decides the next training step but is not a weight: the random-seed states of
layers such as `Dropout` (Keras' own `save_weights` skips them) and the
model's extra state (the `CycleGAN` image pools, the state of a `GAN`'s
augmentation and regularizers). Each array keeps its
variable path, so loading checks every group, count, path and shape before
anything is assigned: all or nothing.

Example:
>>> import os, tempfile
>>> from kerasgan.models import GAN
>>> from kerasgan.nets import mlp_generator, mlp_discriminator
>>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
>>> path = os.path.join(tempfile.mkdtemp(), "gan.weights.h5")
>>> gan.save_weights(path)
>>> sorted(saved_groups(path))
['discriminator', 'generator']
"""

import os
import re

import h5py
import numpy as np

from kerasgan.core.io import atomic_path

#: Groups a file may lack: optimizers (saved before `compile`) and the `state`
#: group (files written before it existed; nets without random layers).
OPTIONAL_GROUPS = ("g_optimizer", "d_optimizer", "state")


def variable_path(variable):
    """A variable's path without its model's name (`generator/dense_0/kernel` -> `dense_0/kernel`);
    plain `tf.Variable`s use their name without the `:0`.

    Example:
    >>> import keras
    >>> variable_path(keras.Variable(1.0, name="scale"))
    'scale'
    """
    path = getattr(variable, "path", None) or variable.name.split(":")[0]
    return path.split("/", 1)[-1]


def comparable_path(path):
    """The path compared on load, without Keras' numeric uniquifying suffixes.

    Auto-named layers get `_1`, `_2` ... depending on what else was built in the
    process, so `dense_3/kernel` and `dense/kernel` compare equal (order and
    shapes are still checked).

    Example:
    >>> comparable_path("dense_3/kernel") == comparable_path("dense/kernel")
    True
    """
    return re.sub(r"_\d+(?=/|$)", "", path)


def non_weight_state(networks):
    """The variables of `networks` that are not weights but change what the next
    training step does: random-seed states (`Dropout`, `GaussianNoise` ...), in order.

    Example:
    >>> import keras
    >>> net = keras.Sequential([keras.Input((3,)), keras.layers.Dropout(0.5)])
    >>> [variable_path(v) for v in non_weight_state([net])]
    ['seed_generator_state']
    """
    state, seen = [], set()
    for net in networks:
        weights = {id(w) for w in net.weights}
        for variable in net.variables:
            if id(variable) not in weights and id(variable) not in seen:
                seen.add(id(variable))
                state.append(variable)
    return state


def saved_groups(filepath):
    """`{group: number of arrays}` of a weights file written by `save_weights`.

    Example:
    >>> saved_groups("gan.weights.h5")  # doctest: +SKIP
    {'discriminator': 6, 'generator': 6}
    """
    with h5py.File(filepath, "r") as f:
        return {role: len(f[role]) for role in f}


def _read_group(group, role, variables, name):
    """Read and check one group against `variables`; returns (variable, array) pairs."""
    if len(group) != len(variables):
        raise ValueError(
            f"The {role} has {len(variables)} weights but {name} holds {len(group)}: "
            "the architectures differ."
        )
    pairs = []
    for i, variable in enumerate(variables):
        data = group[f"{i:04d}"]
        value = data[()]
        saved_path = data.attrs.get("path", "")
        expected_path = variable_path(variable)
        # Compared without their first component: nets built inside a model or on their
        # own name their variables with or without the net's name.
        same_path = comparable_path(saved_path.split("/", 1)[-1]) == \
            comparable_path(expected_path.split("/", 1)[-1])
        if not same_path or tuple(value.shape) != tuple(variable.shape):
            raise ValueError(
                f"Weight {i} of the {role} is {expected_path} with shape "
                f"{tuple(variable.shape)}, but {name} holds {saved_path} with shape "
                f"{tuple(value.shape)}: the architectures differ."
            )
        pairs.append((variable, value))
    return pairs


class StateFileMixin:
    """`save_weights` / `load_weights` in the grouped, checked format of this module.

    A model using it defines `networks()` (`{role: keras.Model}`), may define
    `_extra_state()` (more variables for the `state` group) and
    `_optional_state_count()` (how many of those, at the end, files written
    before they existed may lack; they then keep their values), and sets
    `WEIGHTS_FORMAT`, the tag that keeps one model's files from loading into
    another kind of model.

    Example:
    >>> class Twin(StateFileMixin, keras.Model): ...  # doctest: +SKIP
    """

    WEIGHTS_FORMAT = None

    def _extra_state(self):
        return []

    def _optional_state_count(self):
        return 0

    def _state_variables(self):
        """The `state` group: the nets' non-weight state (seeds), then `_extra_state()`."""
        return non_weight_state(self.networks().values()) + list(self._extra_state())

    def _weight_groups(self):
        """`{group: variables}`: networks, built optimizers, then the `state` group."""
        networks = self.networks()
        groups = {role: list(net.weights) for role, net in networks.items()}
        for role in ("g_optimizer", "d_optimizer"):
            optimizer = getattr(self, role, None)
            if optimizer is not None and optimizer.built:
                groups[role] = list(optimizer.variables)
        state = self._state_variables()
        if state:
            groups["state"] = state
        return groups

    def save_weights(self, filepath, overwrite=True):
        """Save the model's full state to a `.weights.h5` file, atomically.

        One HDF5 group per network (`networks()`), per optimizer once compiled
        (step counters and moments, so a run can resume exactly) and a `state`
        group for random-seed states and image pools. Each array keeps its
        variable path, so loading can check that the architecture matches
        before assigning anything. Written to a temporary file and renamed.

        Example:
        >>> import os, tempfile
        >>> from kerasgan.models import GAN
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
        >>> path = os.path.join(tempfile.mkdtemp(), "gan.weights.h5")
        >>> gan.save_weights(path); os.path.exists(path)
        True
        """
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(f"The weights file name must end in .weights.h5; got {filepath!r}.")
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False.")
        with atomic_path(filepath) as tmp:
            with h5py.File(tmp, "w") as f:
                f.attrs["format"] = self.WEIGHTS_FORMAT
                for role, variables in self._weight_groups().items():
                    group = f.create_group(role)
                    for i, variable in enumerate(variables):
                        data = group.create_dataset(f"{i:04d}", data=np.asarray(variable))
                        data.attrs["path"] = variable_path(variable)

    def load_weights(self, filepath, skip_mismatch=False):
        """Load a file written by `save_weights` (a path or a binary file object).

        Every array is read and checked against the model — groups, number of
        weights, variable paths and shapes — before any is assigned: on a
        mismatch a ValueError names the first difference and the model is left
        unchanged. Optimizer groups are restored when the optimizers are built
        (after `compile`) and skipped otherwise.

        Example:
        >>> import os, tempfile
        >>> from kerasgan.models import GAN
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
        >>> path = os.path.join(tempfile.mkdtemp(), "gan.weights.h5")
        >>> gan.save_weights(path)
        >>> other = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
        >>> other.load_weights(path)
        >>> bool((other.generate(3, seed=0) == gan.generate(3, seed=0)).all())
        True
        """
        kind = type(self).__name__
        if skip_mismatch:
            raise ValueError(f"{kind}.load_weights loads all weights or none; "
                             "skip_mismatch=True is not supported.")
        name = filepath if isinstance(filepath, (str, os.PathLike)) else "the given file"
        try:
            f = h5py.File(filepath, "r")
        except OSError as error:
            raise ValueError(f"Cannot read {kind} weights from {name!r}: {error}") from None
        with f:
            if f.attrs.get("format") != self.WEIGHTS_FORMAT:
                raise ValueError(
                    f"{name} is not a kerasgan {kind} weights file (format "
                    f"{f.attrs.get('format')!r}, expected {self.WEIGHTS_FORMAT!r})."
                )
            assignments = []
            for role, variables in self._weight_groups().items():
                if role not in f:
                    if role in OPTIONAL_GROUPS:
                        continue  # saved before compile, or before the state group existed
                    raise ValueError(f"{name} has no weights for the {role} (it has {sorted(f)}).")
                if role == "state" and len(variables) - self._optional_state_count() \
                        <= len(f[role]) < len(variables):
                    variables = variables[:len(f[role])]  # written before the newer state
                assignments += _read_group(f[role], role, variables, name)
        for variable, value in assignments:
            variable.assign(value)
