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
- `LeCam` (Tseng et al. 2021): D's logits on real / generated data held near
  moving anchors (EMAs of the other side's mean logits, saved state).
- `BalancedConsistency` (bCR, Zhao et al. 2020): D's logits unchanged by a
  fixed augmentation of real and generated images.
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

from kerasgan import augment as augment_lib
from kerasgan import schedules
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
        weight: coefficient of the value in its network's loss: a non-negative
            number or a schedule of the training step
            (`kerasgan.schedules.CosineSchedule`), evaluated by `weight_at`.
        interval: compute it every `interval` steps of its network, scaled by
            `interval` (lazy regularization); 1 = every step.

    Example:
    >>> R1(gamma=2.0, interval=4).interval, PathLength(weight=1.0).weight
    (4, 1.0)
    """

    name = "regularizer"

    def __init__(self, weight, interval=1):
        self.weight = schedules.get(weight, "weight")
        self.interval = check_positive_int("interval", interval)

    def weight_at(self, step):
        """The weight at training step `step` (the constant, or the schedule's value).

        Example:
        >>> from kerasgan.schedules import CosineSchedule
        >>> R1(gamma=2.0).weight_at(100)
        1.0
        >>> r1 = R1(gamma=CosineSchedule(2.0, 0.2, end=10, unit="steps"))
        >>> round(float(r1.weight_at(0)), 6), round(float(r1.weight_at(10)), 6)   # gamma / 2
        (1.0, 0.1)
        """
        return schedules.value_at(self.weight, step)

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
        return {"weight": schedules.serialize(self.weight), "interval": self.interval}

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
    #: The keys of the statistics `compute` returns (penalties with state).
    statistic_names = ()

    def __call__(self, critic, real, fake, seed):
        raise NotImplementedError

    def compute(self, critic, real, fake, seed, real_logits=None, fake_logits=None):
        """Return `(value, statistics)`: what the GAN calls in its discriminator step.

        `real_logits` / `fake_logits` are the discriminator's logits of this
        update on `real` / `fake` (inside its tape), which a penalty may reuse
        instead of calling `critic` again; `statistics` are per-replica scalars
        (keys `statistic_names`) that the GAN averages over the replicas and
        passes to `update(statistics, due)` after the discriminator's update.
        By default: `(self(critic, real, fake, seed), {})`.

        Example:
        >>> critic = lambda x: tf.reduce_sum(x, axis=1)
        >>> value, stats = R2(gamma=1.0).compute(critic, tf.ones((3, 4)), tf.zeros((3, 4)), [0, 0])
        >>> float(value), stats
        (4.0, {})
        """
        return self(critic, real, fake, seed), {}

    def update(self, statistics, due=True):
        """Update the state from replica-averaged `statistics` where `due` (no-op by default).

        Example:
        >>> R1().update({})
        """


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
        gamma: the paper's gamma; the loss weight is gamma / 2. A number or a
            schedule of the training step (`kerasgan.schedules.CosineSchedule`,
            e.g. R3GAN's decaying gamma); R1 and R2 may be used together
            (`regularizers=[R1(gamma), R2(gamma)]`), each with its own gamma.
        interval: lazy regularization interval (StyleGAN2 uses 16).

    Example:
    >>> critic = lambda x: tf.reduce_sum(3.0 * x, axis=1)   # gradient (3, 3): ||g||^2 = 18
    >>> float(R1(gamma=1.0)(critic, tf.ones((5, 2)), tf.zeros((5, 2)), seed=[0, 0]))
    18.0
    """

    name = "r1"
    _on_real = True

    def __init__(self, gamma=10.0, interval=1):
        self.gamma = schedules.get(gamma, "gamma")
        weight = schedules.Scaled(self.gamma, 0.5) if schedules.is_schedule(self.gamma) \
            else self.gamma / 2.0
        super().__init__(weight, interval)

    def __call__(self, critic, real, fake, seed):
        return tf.reduce_mean(_per_example_gradient_norm(critic, real if self._on_real else fake))

    def get_config(self):
        return {"gamma": schedules.serialize(self.gamma), "interval": self.interval}


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


def _flat_logits(logits):
    """Logits `[B]` or `[B, 1]` as float32 `[B]`."""
    return tf.reshape(tf.cast(logits, tf.float32), [-1])


@register("lecam")
class LeCam(DiscriminatorPenalty):
    """LeCam regularization (Tseng et al. 2021): D's outputs held near moving anchors.

    `R = E (D(x) - a_F)^2 + E (D(G(z)) - a_R)^2`, where `a_R` / `a_F` are
    exponential moving averages of D's mean logit on real / generated batches
    (`anchor_real`, `anchor_fake`: non-trainable variables, saved with the
    model's state, so checkpoints and `model.save` keep them and a resumed run
    continues them). After each discriminator update where it is due,
    `a <- decay * a + (1 - decay) * mean logit` (means over the global batch,
    identical on every replica). The value uses the anchors from before the
    update (the authors' code updates them first: one step's difference).
    The anchors start at 0. `one_sided=True` is the authors' code's form,
    `E relu(D(x) - a_F)^2 + E relu(a_R - D(G(z)))^2`.

    Args:
        weight: lambda (a number or a schedule of the training step).
        decay: the anchors' moving-average decay, in [0, 1) (0.99).
        one_sided: penalize only real logits above a_F and fake logits below a_R.
        interval: lazy regularization interval.

    Example (a linear critic; anchors start at 0):
    >>> lecam = LeCam(weight=0.3, decay=0.5)
    >>> lecam.build()
    >>> critic = lambda x: 2.0 * x[:, 0]
    >>> real, fake = tf.ones((4, 1)), -tf.ones((4, 1))
    >>> float(lecam(critic, real, fake, [0, 0]))    # (2 - 0)^2 + (-2 - 0)^2
    8.0
    >>> float(lecam.anchor_real.numpy()), float(lecam.anchor_fake.numpy())
    (1.0, -1.0)
    """

    name = "lecam"
    statistic_names = ("real_logits", "fake_logits")

    def __init__(self, weight=0.3, decay=0.99, one_sided=False, interval=1):
        super().__init__(weight, interval)
        self.decay = check_positive_number("decay", decay, allow_zero=True)
        if self.decay >= 1.0:
            raise ValueError(f"decay must be in [0, 1); got {decay!r}.")
        self.one_sided = bool(one_sided)
        self.anchor_real = None
        self.anchor_fake = None

    def build(self):
        if self.anchor_real is None:
            self.anchor_real = keras.Variable(0.0, dtype="float32", trainable=False,
                                              name="lecam_anchor_real",
                                              aggregation="only_first_replica")
            self.anchor_fake = keras.Variable(0.0, dtype="float32", trainable=False,
                                              name="lecam_anchor_fake",
                                              aggregation="only_first_replica")

    @property
    def variables(self):
        """`[anchor_real, anchor_fake]` once built.

        Example:
        >>> lecam = LeCam(); lecam.build(); [v.name for v in lecam.variables]
        ['lecam_anchor_real', 'lecam_anchor_fake']
        """
        return [] if self.anchor_real is None else [self.anchor_real, self.anchor_fake]

    def compute(self, critic, real, fake, seed, real_logits=None, fake_logits=None):
        """`(R, {"real_logits": mean D(x), "fake_logits": mean D(G(z))})` on this replica.

        Example:
        >>> lecam = LeCam(); lecam.build()
        >>> value, stats = lecam.compute(None, None, None, None, real_logits=tf.constant([1.0, 3.0]),
        ...                              fake_logits=tf.constant([0.0, -2.0]))
        >>> float(value), float(stats["real_logits"]), float(stats["fake_logits"])
        (7.0, 2.0, -1.0)
        """
        self.build()
        r = _flat_logits(critic(real) if real_logits is None else real_logits)
        f = _flat_logits(critic(fake) if fake_logits is None else fake_logits)
        anchor_real = tf.stop_gradient(tf.convert_to_tensor(self.anchor_real))
        anchor_fake = tf.stop_gradient(tf.convert_to_tensor(self.anchor_fake))
        real_gap, fake_gap = r - anchor_fake, anchor_real - f
        if self.one_sided:
            real_gap, fake_gap = tf.nn.relu(real_gap), tf.nn.relu(fake_gap)
        value = tf.reduce_mean(tf.square(real_gap)) + tf.reduce_mean(tf.square(fake_gap))
        return value, {"real_logits": tf.reduce_mean(r), "fake_logits": tf.reduce_mean(f)}

    def update(self, statistics, due=True):
        """Move the anchors towards the (replica-averaged) mean logits where `due`.

        Example:
        >>> lecam = LeCam(decay=0.9); lecam.build()
        >>> lecam.update({"real_logits": tf.constant(1.0), "fake_logits": tf.constant(-1.0)})
        >>> round(float(lecam.anchor_real.numpy()), 6), round(float(lecam.anchor_fake.numpy()), 6)
        (0.1, -0.1)
        """
        self.build()
        for anchor, key in ((self.anchor_real, "real_logits"), (self.anchor_fake, "fake_logits")):
            old = tf.convert_to_tensor(anchor)
            new = self.decay * old + (1.0 - self.decay) * tf.stop_gradient(
                tf.cast(statistics[key], tf.float32))
            anchor.assign(tf.where(due, new, old))

    def __call__(self, critic, real, fake, seed):
        """The value on one device, then the anchors' update (the GAN calls `compute`)."""
        value, statistics = self.compute(critic, real, fake, seed)
        self.update(statistics)
        return value

    def get_config(self):
        return {**super().get_config(), "decay": self.decay, "one_sided": self.one_sided}


@register("balanced_consistency")
class BalancedConsistency(DiscriminatorPenalty):
    """Balanced consistency regularization, bCR (Zhao et al. 2020).

    `R = lambda_real E (D(x) - D(T(x)))^2 + lambda_fake E (D(G(z)) - D(T(G(z))))^2`
    on D's logits, with `T` a fixed random augmentation of the images (by
    default DiffAugment translation, `kerasgan.augment`), drawn from the step's
    stateless seed. Gradients reach D through both terms of each difference.
    The GAN's own augmentation, if any, is applied on top (D sees it in every
    call). The images must suit `T` (`[B, H, W, C]` for DiffAugment).

    Args:
        lambda_real: coefficient of the real term (10 in the paper).
        lambda_fake: coefficient of the generated term (10 in the paper).
        augment: `T`: a `kerasgan.augment.Augmentation`, a DiffAugment policy string
            or config dict (`"translation"`).
        weight: overall coefficient (1; a number or a schedule).
        interval: lazy regularization interval.

    Example (T adds 0.5 to every pixel; D(x) = sum of pixels: each gap is 0.5 * 4 = 2):
    >>> from kerasgan.augment import Augmentation
    >>> class Brighten(Augmentation):
    ...     def call(self, images, seed):
    ...         return images + 0.5
    >>> bcr = BalancedConsistency(lambda_real=10.0, lambda_fake=1.0, augment=Brighten())
    >>> critic = lambda x: tf.reduce_sum(x, axis=[1, 2, 3])
    >>> float(bcr(critic, tf.zeros((3, 2, 2, 1)), tf.ones((3, 2, 2, 1)), [0, 1]))   # 10 * 4 + 1 * 4
    44.0
    """

    name = "balanced_consistency"

    def __init__(self, lambda_real=10.0, lambda_fake=10.0, augment="translation", weight=1.0,
                 interval=1):
        super().__init__(weight, interval)
        self.lambda_real = check_positive_number("lambda_real", lambda_real, allow_zero=True)
        self.lambda_fake = check_positive_number("lambda_fake", lambda_fake, allow_zero=True)
        if augment is None:
            raise ValueError("BalancedConsistency needs an augmentation T (e.g. 'translation'); "
                             "got None.")
        self.augment = augment_lib.get(augment)

    def compute(self, critic, real, fake, seed, real_logits=None, fake_logits=None):
        """`(R, {})`, reusing the update's logits on the un-augmented batches when given.

        Example:
        >>> bcr = BalancedConsistency(augment="translation")
        >>> x = tf.random.normal((2, 8, 8, 1))
        >>> value, _ = bcr.compute(lambda x: tf.reduce_mean(x, axis=[1, 2, 3]), x, x, [0, 0])
        >>> bool(value >= 0.0)
        True
        """
        seed = tf.cast(seed, tf.int64)
        value = 0.0
        terms = ((self.lambda_real, real, real_logits, 0), (self.lambda_fake, fake, fake_logits, 1))
        for coefficient, samples, logits, i in terms:
            if coefficient == 0.0:
                continue
            logits = _flat_logits(critic(samples) if logits is None else logits)
            transformed = self.augment(samples, tf.random.experimental.stateless_fold_in(seed, i))
            gap = logits - _flat_logits(critic(transformed))
            value = value + coefficient * tf.reduce_mean(tf.square(gap))
        return tf.convert_to_tensor(value, tf.float32), {}

    def __call__(self, critic, real, fake, seed):
        return self.compute(critic, real, fake, seed)[0]

    def get_config(self):
        return {**super().get_config(), "lambda_real": self.lambda_real,
                "lambda_fake": self.lambda_fake,
                "augment": keras.saving.serialize_keras_object(self.augment)}


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
    "Regularizer", "DiscriminatorPenalty", "GradientPenalty", "R1", "R2", "DRAGAN", "LeCam",
    "BalancedConsistency", "GeneratorRegularizer",
    "PathLength", "InstanceNoise", "PENALTIES", "REGULARIZERS", "get", "register",
]
