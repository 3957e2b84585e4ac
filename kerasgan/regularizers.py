"""Discriminator regularizers: gradient penalties and instance noise.

Each penalty is an object that the GAN model calls inside its discriminator
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
"""

import tensorflow as tf

from kerasgan.core.naming import unknown_name_error
from kerasgan.losses import global_batch_mean
from kerasgan.core.validation import check_positive_int, check_positive_number


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


class DiscriminatorPenalty:
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

    def __init__(self, weight, interval=1):
        self.weight = check_positive_number("weight", weight, allow_zero=True)
        self.interval = check_positive_int("interval", interval)

    def __call__(self, critic, real, fake, seed):
        raise NotImplementedError

    def get_config(self):
        return {"weight": self.weight, "interval": self.interval}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


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


class R2(R1):
    """R2 penalty (Mescheder et al. 2018): (gamma / 2) E_fake ||grad D(x)||^2.

    Example:
    >>> critic = lambda x: tf.reduce_sum(x, axis=1)
    >>> float(R2(gamma=1.0)(critic, tf.ones((3, 4)), tf.zeros((3, 4)), seed=[0, 0]))
    4.0
    """

    name = "r2"
    _on_real = False


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


PENALTIES = {
    "gradient_penalty": GradientPenalty,
    "r1": R1,
    "r2": R2,
    "dragan": DRAGAN,
}


def get(identifier):
    """Return a penalty object from a name, a `{"name": ..., **kwargs}` dict, or an instance.

    Example:
    >>> get({"name": "r1", "gamma": 0.1})
    R1(gamma=0.1, interval=1)
    >>> get("gradient_penalty").weight
    10.0
    """
    if isinstance(identifier, DiscriminatorPenalty):
        return identifier
    if isinstance(identifier, str):
        identifier = {"name": identifier}
    if isinstance(identifier, dict):
        kwargs = dict(identifier)
        name = kwargs.pop("name", None)
        if name not in PENALTIES:
            raise unknown_name_error("discriminator penalty", name, PENALTIES)
        return PENALTIES[name](**kwargs)
    raise TypeError(
        "Expected a penalty name, a {'name': ..., ...} dict or a DiscriminatorPenalty; "
        f"got {type(identifier).__name__}: {identifier!r}."
    )


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

    def __repr__(self):
        return f"InstanceNoise(stddev={self.stddev!r}, anneal_steps={self.anneal_steps!r})"


__all__ = [
    "DiscriminatorPenalty", "GradientPenalty", "R1", "R2", "DRAGAN", "InstanceNoise",
    "PENALTIES", "get",
]
