"""Regularizers of both players: discriminator penalties, generator regularizers, instance noise.

Each discriminator penalty is an object that the GAN model calls inside its discriminator
step as `penalty(critic, real, fake, seed)`, where `critic(x)` returns the
discriminator's logits (labels already bound for conditional models). It returns
the *unweighted* penalty value, a per-example mean; the model adds
`weight * interval * value` to the discriminator loss on the steps where the
penalty is due (every `interval` steps: lazy regularization, Karras et al. 2020).

- `GradientPenalty` — WGAN-GP (Gulrajani et al. 2017): E[(||grad D(x_hat)|| - 1)^2]
  at x_hat = a x + (1 - a) x_fake with a ~ U[0, 1] drawn per example; one-sided
  option E[relu(||grad|| - 1)^2].
- `R1` / `R2` (Mescheder et al. 2018): E ||grad D(x)||^2 on real / fake samples,
  weight gamma / 2.
- `DRAGAN` (Kodali et al. 2017): the gradient penalty around perturbed real data.
- `InstanceNoise` (Sonderby et al. 2017; Arjovsky & Bottou 2017): Gaussian noise
  added to both real and fake inputs of D, annealed to zero.

Generator regularizers (`GeneratorRegularizer`) are called inside the
generator's step as `regularizer(generate, latents, labels, seed)`, where
`generate(latents, labels)` runs the generator in training mode; like the
penalties they return the unweighted value, have a `weight` and an `interval`,
and the model adds `weight * interval * value` to the generator loss when due.

- `PathLength` (Karras et al. 2020): E[(|J^T y| - a)^2], J the generator's
  Jacobian with respect to the latents, y ~ N(0, I) / sqrt(pixels) and `a` an
  exponential moving average of the lengths, a non-trainable variable (saved
  with the model's state).

Both kinds are registered in `REGULARIZERS` (metadata `side`), the
discriminator penalties also in `PENALTIES`, and are Keras-serializable
(`keras.saving.serialize_keras_object` / `deserialize_keras_object`). A new
regularizer is a subclass decorated with `register`:

>>> @register("logit_centering")
... class LogitCentering(DiscriminatorPenalty):
...     name = "logit_centering"
...     def __call__(self, critic, real, fake, seed):
...         return tf.reduce_mean(tf.square(critic(real)))
>>> get({"name": "logit_centering", "weight": 0.1})
LogitCentering(weight=0.1, interval=1)
>>> REGULARIZERS.metadata("logit_centering")
{'side': 'discriminator'}
>>> REGULARIZERS.remove("logit_centering"); PENALTIES.remove("logit_centering")
"""

import keras
import tensorflow as tf

from kerasgan.core.naming import unknown_name_error
from kerasgan.core.registry import Registry
from kerasgan.core.validation import check_positive_int, check_positive_number
from kerasgan.losses import global_batch_mean

#: Every regularizer class by name, with its `side` ("discriminator" / "generator").
REGULARIZERS = Registry("regularizer")
#: The discriminator penalties by name (the discriminator side of `REGULARIZERS`).
PENALTIES = Registry("discriminator penalty")


def register(name):
    """Class decorator: register a regularizer class under `name`.

    Adds it to `REGULARIZERS` (metadata `side`), to `PENALTIES` for a
    `DiscriminatorPenalty`, and to Keras' serializable objects (package
    "kerasgan"), so models holding it save and load.

    Example:
    >>> sorted(REGULARIZERS.names(side="generator"))
    ['path_length']
    """

    def decorator(cls):
        if issubclass(cls, DiscriminatorPenalty):
            side = "discriminator"
        elif issubclass(cls, GeneratorRegularizer):
            side = "generator"
        else:
            raise TypeError(f"{cls.__name__} is neither a DiscriminatorPenalty nor a "
                            "GeneratorRegularizer.")
        cls = keras.saving.register_keras_serializable(package="kerasgan")(cls)
        REGULARIZERS.add(name, cls, side=side)
        if side == "discriminator":
            PENALTIES.add(name, cls)
        return cls

    return decorator


def _per_example_gradient_norm(critic, inputs):
    """||d critic(x) / dx|| for every example of `inputs` (shape [B])."""
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        logits = critic(inputs)
        total = tf.reduce_sum(logits)
    # float32 for the squares even when the critic computes in float16 (mixed precision).
    grads = tf.cast(tape.gradient(total, inputs), tf.float32)
    squared = tf.reduce_sum(tf.reshape(tf.square(grads), [tf.shape(grads)[0], -1]), axis=1)
    return squared


def _uniform_per_example(seed, like):
    """U[0, 1] of shape [B, 1, ..., 1] broadcastable against `like`."""
    shape = tf.concat([tf.shape(like)[:1], tf.ones([tf.rank(like) - 1], tf.int32)], 0)
    return tf.random.stateless_uniform(shape, seed=seed, dtype=like.dtype)


class Regularizer:
    """What the discriminator penalties and the generator regularizers share: a
    weight, a lazy-regularization interval, state variables and the Keras config.

    Subclass `DiscriminatorPenalty` or `GeneratorRegularizer`, not this class.

    Attributes:
        name: key under which `fit` logs the (unweighted) value.
        weight: coefficient of the value in its network's loss.
        interval: compute it every `interval` steps of its network, scaled by
            `interval` (lazy regularization); 1 = every step.

    Example:
    >>> R1(gamma=2.0, interval=4).interval, PathLength(weight=1.0).weight
    (4, 1.0)
    """

    name = "regularizer"

    def __init__(self, weight, interval=1):
        self.weight = check_positive_number("weight", weight, allow_zero=True)
        self.interval = check_positive_int("interval", interval)

    def build(self):
        """Create the state variables (none by default); the model calls it once, in
        its distribution strategy's scope.

        Example:
        >>> R1().build()
        """

    @property
    def variables(self):
        """The state variables, saved with the model's state (none by default).

        Example:
        >>> R1().variables, GeneratorRegularizer(1.0).variables
        ([], [])
        """
        return []

    def get_config(self):
        return {"weight": self.weight, "interval": self.interval}

    @classmethod
    def from_config(cls, config):
        """Rebuild from `get_config()`.

        Example:
        >>> R1.from_config(R1(gamma=2.0).get_config())
        R1(gamma=2.0, interval=1)
        >>> PathLength.from_config(PathLength(weight=1.0).get_config())
        PathLength(weight=1.0, interval=4, decay=0.01)
        """
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class DiscriminatorPenalty(Regularizer):
    """Base class of the penalties; subclasses implement `__call__`.

    Example (a custom penalty: E[D(x_real)^2], "logit centering"):
    >>> class LogitCentering(DiscriminatorPenalty):
    ...     name = "centering"
    ...     def __call__(self, critic, real, fake, seed):
    ...         return tf.reduce_mean(tf.square(critic(real)))
    >>> float(LogitCentering(weight=0.1)(lambda x: 2 * x[:, 0], tf.ones((3, 2)), None, [0, 0]))
    4.0

    Attributes:
        name: key under which `fit` logs the (unweighted) penalty.
        weight: coefficient of the penalty in the discriminator loss.
        interval: compute the penalty every `interval` discriminator steps,
            scaled by `interval` (lazy regularization); 1 = every step.
    """

    name = "penalty"

    def __call__(self, critic, real, fake, seed):
        raise NotImplementedError


@register("gradient_penalty")
class GradientPenalty(DiscriminatorPenalty):
    """WGAN-GP penalty: E[(||grad D(x_hat)||_2 - target)^2], x_hat between real and fake.

    Args:
        weight: lambda (10 in the paper).
        target: the gradient norm to enforce (1 for 1-Lipschitz).
        one_sided: penalize only norms above `target` (E[relu(||g|| - target)^2]).
        interval: lazy regularization interval.

    Example:
    >>> import numpy as np
    >>> critic = lambda x: tf.reduce_sum(x * [0.6, 0.8], axis=1)   # 1-Lipschitz, unit gradient
    >>> gp = GradientPenalty()
    >>> real, fake = np.ones((4, 2), "float32"), np.zeros((4, 2), "float32")
    >>> float(gp(critic, tf.constant(real), tf.constant(fake), seed=[1, 2]))
    0.0
    """

    name = "gradient_penalty"

    def __init__(self, weight=10.0, target=1.0, one_sided=False, interval=1):
        super().__init__(weight, interval)
        self.target = check_positive_number("target", target)
        self.one_sided = bool(one_sided)

    def interpolate(self, real, fake, seed):
        """x_hat = alpha * real + (1 - alpha) * fake with alpha ~ U[0, 1] per example.

        Example:
        >>> x_hat = GradientPenalty().interpolate(tf.ones((3, 2)), tf.zeros((3, 2)), seed=[0, 1])
        >>> bool(tf.reduce_all(x_hat[:, 0] == x_hat[:, 1]))   # one alpha per example
        True
        """
        alpha = _uniform_per_example(seed, real)
        return alpha * real + (1.0 - alpha) * fake

    def __call__(self, critic, real, fake, seed):
        x_hat = self.interpolate(real, fake, seed)
        norm = tf.sqrt(_per_example_gradient_norm(critic, x_hat) + 1e-12)
        gap = norm - self.target
        if self.one_sided:
            gap = tf.nn.relu(gap)
        return tf.reduce_mean(tf.square(gap))

    def get_config(self):
        return {**super().get_config(), "target": self.target, "one_sided": self.one_sided}


@register("r1")
class R1(DiscriminatorPenalty):
    """R1 penalty (Mescheder et al. 2018): (gamma / 2) E_real ||grad D(x)||^2.

    Args:
        gamma: the paper's gamma; the loss weight is gamma / 2.
        interval: lazy regularization interval (StyleGAN2 uses 16).

    Example:
    >>> critic = lambda x: tf.reduce_sum(3.0 * x, axis=1)   # gradient (3, 3): ||g||^2 = 18
    >>> float(R1(gamma=1.0)(critic, tf.ones((5, 2)), tf.zeros((5, 2)), seed=[0, 0]))
    18.0
    """

    name = "r1"
    _on_real = True

    def __init__(self, gamma=10.0, interval=1):
        self.gamma = check_positive_number("gamma", gamma, allow_zero=True)
        super().__init__(self.gamma / 2.0, interval)

    def __call__(self, critic, real, fake, seed):
        return tf.reduce_mean(_per_example_gradient_norm(critic, real if self._on_real else fake))

    def get_config(self):
        return {"gamma": self.gamma, "interval": self.interval}


@register("r2")
class R2(R1):
    """R2 penalty (Mescheder et al. 2018): (gamma / 2) E_fake ||grad D(x)||^2.

    Example:
    >>> critic = lambda x: tf.reduce_sum(x, axis=1)
    >>> float(R2(gamma=1.0)(critic, tf.ones((3, 4)), tf.zeros((3, 4)), seed=[0, 0]))
    4.0
    """

    name = "r2"
    _on_real = False


@register("dragan")
class DRAGAN(DiscriminatorPenalty):
    """DRAGAN penalty (Kodali et al. 2017): gradient penalty around perturbed real data.

    x_p = x + perturbation * std(x) * u with u ~ U[0, 1] per coordinate, and the
    penalty E[(||grad D(x_hat)|| - 1)^2] at x_hat = x + alpha (x_p - x), alpha ~ U[0, 1]
    per example (the authors' reference code).

    Example:
    >>> critic = lambda x: tf.reduce_sum(x * [0.6, 0.8], axis=1)
    >>> float(DRAGAN()(critic, tf.random.normal((8, 2)), None, seed=[3, 4]))
    0.0
    """

    name = "dragan"

    def __init__(self, weight=10.0, perturbation=0.5, interval=1):
        super().__init__(weight, interval)
        self.perturbation = check_positive_number("perturbation", perturbation)

    def __call__(self, critic, real, fake, seed):
        seeds = tf.random.experimental.stateless_split(seed, 2)
        mean = global_batch_mean(real)
        std = tf.sqrt(global_batch_mean(tf.square(real - mean)))
        noise = tf.random.stateless_uniform(tf.shape(real), seed=seeds[0], dtype=real.dtype)
        perturbed = real + self.perturbation * std * noise
        alpha = _uniform_per_example(seeds[1], real)
        x_hat = real + alpha * (perturbed - real)
        norm = tf.sqrt(_per_example_gradient_norm(critic, x_hat) + 1e-12)
        return tf.reduce_mean(tf.square(norm - 1.0))

    def get_config(self):
        return {**super().get_config(), "perturbation": self.perturbation}


class GeneratorRegularizer(Regularizer):
    """Base class of the generator-side regularizers; subclasses implement `compute`.

    The model calls `compute(generate, latents, labels, seed)` inside the
    generator's tape, where `generate(latents, labels)` runs the generator in
    training mode (labels None for unconditional models), `latents` are the
    step's latents and `seed` an int64 `[2]` stateless seed. It returns the
    unweighted value and a dict of per-replica scalar statistics; the model adds
    `weight * interval * value` to the generator loss every `interval`
    generator steps, logs the value under `name`, averages the statistics over
    the replicas and passes them to `update(statistics, due)` (outside any
    conditional, so state variables stay identical on every replica). State is
    created in `build`, which the model calls once in its strategy's scope,
    and listed by `variables`, so it is saved with the model's state. Calling
    the regularizer (`regularizer(generate, latents, labels, seed)`) does both
    on one device.

    Example (a custom regularizer: the mean squared sample norm):
    >>> class SampleNorm(GeneratorRegularizer):
    ...     name = "sample_norm"
    ...     def compute(self, generate, latents, labels, seed):
    ...         return tf.reduce_mean(tf.square(generate(latents, labels))), {}
    >>> float(SampleNorm(weight=0.1)(lambda z, y: 2 * z, tf.ones((3, 2)), None, [0, 0]))
    4.0

    Attributes:
        name: key under which `fit` logs the (unweighted) value.
        weight: coefficient of the value in the generator loss.
        interval: compute it every `interval` generator steps, scaled by
            `interval` (lazy regularization); 1 = every step.
    """

    name = "generator_regularizer"
    #: The keys of the statistics `compute` returns.
    statistic_names = ()

    def compute(self, generate, latents, labels, seed):
        """Return `(value, statistics)`: the unweighted value and per-replica scalars.

        Example:
        >>> GeneratorRegularizer(1.0).compute(None, None, None, None)
        Traceback (most recent call last):
        ...
        NotImplementedError: GeneratorRegularizer.compute
        """
        raise NotImplementedError(f"{type(self).__name__}.compute")

    def update(self, statistics, due=True):
        """Update the state from replica-averaged `statistics` where `due` (a bool tensor).

        Example:
        >>> GeneratorRegularizer(1.0).update({})
        """

    def __call__(self, generate, latents, labels, seed):
        self.build()
        value, statistics = self.compute(generate, latents, labels, seed)
        self.update({k: global_batch_mean(v) for k, v in statistics.items()})
        return value


@register("path_length")
class PathLength(GeneratorRegularizer):
    """Path-length regularization (Karras et al. 2020, StyleGAN2): E[(|J^T y| - a)^2].

    J is the Jacobian of the generator's output with respect to the latents,
    y ~ N(0, I) of the output's shape divided by sqrt(number of pixels) (images;
    by 1 for other samples), and `a` the exponential moving average of the
    lengths |J^T y|, kept in the non-trainable variable `mean`: after each
    computation `a <- a + decay * (mean length - a)`, the mean taken over the
    global batch, so every replica holds the same `a`. The value uses `a` from
    before the update (StyleGAN2 uses it after; the difference is one
    regularization step of the average). It pushes the generator towards a
    constant-scale mapping from latents to samples.

    Args:
        weight: coefficient (2 in StyleGAN2).
        interval: lazy regularization interval (4 in StyleGAN2).
        decay: the moving average's rate, in (0, 1] (0.01).

    Example:
    >>> pl = PathLength(weight=2.0, interval=1)
    >>> pl.build()
    >>> value = pl(lambda latents, labels: 2.0 * latents, tf.ones((4, 3)), None, [0, 1])
    >>> bool(value > 0.0), bool(pl.mean.numpy() > 0.0)   # a starts at 0 and moves
    (True, True)
    """

    name = "path_length"
    statistic_names = ("length",)

    def __init__(self, weight=2.0, interval=4, decay=0.01):
        super().__init__(weight, interval)
        self.decay = check_positive_number("decay", decay)
        if self.decay > 1.0:
            raise ValueError(f"decay must be in (0, 1]; got {decay!r}.")
        self.mean = None

    def build(self):
        if self.mean is None:
            self.mean = keras.Variable(0.0, dtype="float32", trainable=False,
                                       name="path_length_mean", aggregation="only_first_replica")

    @property
    def variables(self):
        """`[mean]`, the moving average of the lengths, once built.

        Example:
        >>> pl = PathLength(); pl.build(); [v.name for v in pl.variables]
        ['path_length_mean']
        """
        return [] if self.mean is None else [self.mean]

    def lengths(self, generate, latents, labels, seed):
        """|J^T y| per example, differentiable (second order) with respect to the generator.

        Example:
        >>> lengths = PathLength().lengths(lambda z, y: 3.0 * z, tf.ones((2, 1)), None, [0, 0])
        >>> tuple(lengths.shape)
        (2,)
        """
        latents = tf.convert_to_tensor(latents)
        with tf.GradientTape() as tape:
            tape.watch(latents)
            samples = tf.cast(generate(latents, labels), tf.float32)
            output = tf.reduce_sum(samples * self.noise(samples, seed))
        grads = tf.cast(tape.gradient(output, latents), tf.float32)
        return tf.sqrt(tf.reduce_sum(tf.square(grads), axis=-1) + 1e-12)

    def noise(self, samples, seed):
        """y ~ N(0, I) of the samples' shape, divided by sqrt(pixels) for images.

        Example:
        >>> tuple(PathLength().noise(tf.zeros((2, 4, 4, 3)), [0, 1]).shape)
        (2, 4, 4, 3)
        """
        pixels = 1
        if samples.shape.rank == 4:
            pixels = int(samples.shape[1]) * int(samples.shape[2])
        noise = tf.random.stateless_normal(tf.shape(samples), seed=seed, alg="philox")
        return noise / (pixels ** 0.5)

    def compute(self, generate, latents, labels, seed):
        """`(E[(length - a)^2], {"length": mean length on this replica})`.

        Example:
        >>> pl = PathLength(); pl.build()
        >>> value, stats = pl.compute(lambda z, y: z, tf.ones((2, 3)), None, [0, 0])
        >>> sorted(stats)
        ['length']
        """
        self.build()
        lengths = self.lengths(generate, latents, labels, seed)
        mean = tf.stop_gradient(tf.convert_to_tensor(self.mean))
        return tf.reduce_mean(tf.square(lengths - mean)), {"length": tf.reduce_mean(lengths)}

    def update(self, statistics, due=True):
        """Move `mean` towards the (replica-averaged) mean length where `due`.

        Example:
        >>> pl = PathLength(decay=0.5); pl.build()
        >>> pl.update({"length": tf.constant(2.0)}); float(pl.mean.numpy())
        1.0
        """
        self.build()
        mean = tf.convert_to_tensor(self.mean)
        new = mean + self.decay * (tf.stop_gradient(statistics["length"]) - mean)
        self.mean.assign(tf.where(due, new, mean))

    def get_config(self):
        return {**super().get_config(), "decay": self.decay}


def get(identifier):
    """Return a regularizer from a name, a `{"name": ..., **kwargs}` dict, a Keras
    serialization (`keras.saving.serialize_keras_object`) or an instance.

    Discriminator penalties and generator regularizers are both accepted (the
    names of `REGULARIZERS`).

    Example:
    >>> get({"name": "r1", "gamma": 0.1})
    R1(gamma=0.1, interval=1)
    >>> get("gradient_penalty").weight
    10.0
    >>> get(keras.saving.serialize_keras_object(PathLength(weight=2.0)))
    PathLength(weight=2.0, interval=4, decay=0.01)
    """
    if isinstance(identifier, (DiscriminatorPenalty, GeneratorRegularizer)):
        return identifier
    if isinstance(identifier, str):
        identifier = {"name": identifier}
    if isinstance(identifier, dict) and "class_name" in identifier:
        return keras.saving.deserialize_keras_object(identifier)
    if isinstance(identifier, dict):
        kwargs = dict(identifier)
        name = kwargs.pop("name", None)
        if name not in REGULARIZERS:
            raise unknown_name_error("discriminator penalty", name, PENALTIES)
        return REGULARIZERS.get(name)(**kwargs)
    raise TypeError(
        "Expected a penalty name, a {'name': ..., ...} dict or a DiscriminatorPenalty; "
        f"got {type(identifier).__name__}: {identifier!r}."
    )


@keras.saving.register_keras_serializable(package="kerasgan")
class InstanceNoise:
    """Gaussian instance noise on D's real and fake inputs, annealed to zero.

    The standard deviation at training step t is
    `stddev * max(0, 1 - t / anneal_steps)` (linear) — zero from `anneal_steps` on.

    Args:
        stddev: initial standard deviation (in data units).
        anneal_steps: number of steps over which it decays to 0.

    Example:
    >>> noise = InstanceNoise(stddev=0.1, anneal_steps=1000)
    >>> [round(float(noise.stddev_at(t)), 3) for t in (0, 500, 1000, 5000)]
    [0.1, 0.05, 0.0, 0.0]
    """

    def __init__(self, stddev, anneal_steps):
        self.stddev = check_positive_number("stddev", stddev)
        self.anneal_steps = check_positive_int("anneal_steps", anneal_steps)

    def stddev_at(self, step):
        """The noise standard deviation at training step `step` (a scalar tensor).

        Example:
        >>> round(float(InstanceNoise(0.2, 100).stddev_at(50)), 6)
        0.1
        """
        step = tf.cast(step, tf.float32)
        return self.stddev * tf.maximum(0.0, 1.0 - step / float(self.anneal_steps))

    def __call__(self, inputs, step, seed):
        """Return `inputs` plus N(0, stddev_at(step)^2) noise drawn with `seed`."""
        noise = tf.random.stateless_normal(tf.shape(inputs), seed=seed, dtype=inputs.dtype)
        return inputs + tf.cast(self.stddev_at(step), inputs.dtype) * noise

    def get_config(self):
        return {"stddev": self.stddev, "anneal_steps": self.anneal_steps}

    @classmethod
    def from_config(cls, config):
        """Rebuild from `get_config()` (also through `keras.saving.deserialize_keras_object`).

        Example:
        >>> noise = keras.saving.deserialize_keras_object(
        ...     keras.saving.serialize_keras_object(InstanceNoise(0.1, 500)))
        >>> noise
        InstanceNoise(stddev=0.1, anneal_steps=500)
        """
        return cls(**config)

    def __repr__(self):
        return f"InstanceNoise(stddev={self.stddev!r}, anneal_steps={self.anneal_steps!r})"


__all__ = [
    "Regularizer", "DiscriminatorPenalty", "GradientPenalty", "R1", "R2", "DRAGAN", "GeneratorRegularizer",
    "PathLength", "InstanceNoise", "PENALTIES", "REGULARIZERS", "get", "register",
]
