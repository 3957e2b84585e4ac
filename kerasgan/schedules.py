"""Training schedules: hyper-parameters that change over a run (R3GAN, Huang et al. 2024).

R3GAN anneals its learning rates, Adam's beta_2, the R1/R2 gamma and the
augmentation probability with one cosine curve each, counted in images shown
to the discriminator (kimg). `CosineSchedule` is that curve. It is a
`keras.optimizers.schedules.LearningRateSchedule`, so one class serves every
consumer:

- learning rates: `keras.optimizers.Adam(learning_rate=CosineSchedule(...))`
  (Keras calls it with the optimizer's step count);
- Adam's beta_2: `ScheduledAdam(beta_2=CosineSchedule(...))`, a small `Adam`
  subclass that reads the schedule every step (Keras' own `Adam` keeps beta_2
  as a Python float, fixed when the step is traced);
- the R1 / R2 gamma: `kerasgan.regularizers.R1(gamma=CosineSchedule(...))` (a
  regularizer's weight may be a schedule; the GAN evaluates it every training
  step);
- anything else (an augmentation ceiling ...): the schedule is a plain
  callable of the training step, `schedule(step)`, or of its own unit,
  `schedule.at(count)`.

**Unit.** A schedule is defined in `unit="images"` (R3GAN's choice: images
shown, i.e. training steps x the global batch size; `batch_size` is then
required) or `unit="steps"` (training steps). Every consumer calls it with a
*step* count (`schedule(step)`), which it converts to images as
`step * batch_size`; `batch_size` is the global batch (all replicas together),
and a run with another batch size moves along the curve at another pace. The
learning-rate and beta_2 schedules get their optimizer's own step count: the
discriminator's optimizer counts `d_steps` steps per training step.

Example (R3GAN's CIFAR-10 learning rate: 2e-4 to 5e-5 over 5M images at batch 512):
>>> lr = CosineSchedule(2e-4, 5e-5, end=5_000_000, unit="images", batch_size=512)
>>> [round(float(lr(step)), 8) for step in (0, 4883, 9766, 20000)]
[0.0002, 0.000125, 5e-05, 5e-05]
>>> optimizer = keras.optimizers.Adam(learning_rate=lr, beta_1=0.0)
"""

import math
import numbers

import keras
import tensorflow as tf

from kerasgan.core.validation import check_positive_int, check_positive_number

__all__ = ["CosineSchedule", "Scaled", "ScheduledAdam", "get", "serialize", "value_at", "is_schedule",
           "check_range"]

UNITS = ("images", "steps")


@keras.saving.register_keras_serializable(package="kerasgan")
class CosineSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A value going from `start_value` to `end_value` along half a cosine.

    With `t` the count in the schedule's unit:
    `value(t) = start_value` for `t <= start`, `end_value` for `t >= end`, and in between
    `end_value + (start_value - end_value) * (1 + cos(pi * (t - start) / (end - start))) / 2`
    (R3GAN's `cosine_decay_with_warmup` without its warm-up: `start` plays its
    hold period). The curve may go up as well as down.

    Args:
        start_value: the value until `start` (a non-negative finite number).
        end_value: the value from `end` on (a non-negative finite number).
        start: where the curve begins, in `unit`s (default 0).
        end: where it ends, in `unit`s; must be after `start`.
        unit: `"images"` (images shown to the discriminator: steps x `batch_size`)
            or `"steps"` (training steps).
        batch_size: the global batch size; required with `unit="images"`, refused
            with `unit="steps"`.

    Raises:
        ValueError: a schedule that ends before (or where) it starts, negative or
            non-finite values, an unknown unit, a missing or superfluous batch size.

    Example:
    >>> gamma = CosineSchedule(0.05, 0.005, end=1000, unit="steps")
    >>> [round(float(gamma(t)), 5) for t in (0, 500, 1000, 5000)]
    [0.05, 0.0275, 0.005, 0.005]
    >>> CosineSchedule(1.0, 0.0, start=100, end=50, unit="steps")
    Traceback (most recent call last):
    ...
    ValueError: CosineSchedule ends before it starts: expected end > start, got start=100, end=50 (steps).
    """

    def __init__(self, start_value, end_value, end, start=0, unit="images", batch_size=None,
                 name=None):
        self.start_value = check_positive_number("start_value", start_value, allow_zero=True)
        self.end_value = check_positive_number("end_value", end_value, allow_zero=True)
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}; got {unit!r}.")
        self.unit = unit
        self.start = check_positive_number("start", start, allow_zero=True)
        self.end = check_positive_number("end", end, allow_zero=True)
        if not self.end > self.start:
            raise ValueError(
                "CosineSchedule ends before it starts: expected end > start, got "
                f"start={start!r}, end={end!r} ({unit}).")
        if unit == "images":
            if batch_size is None:
                raise ValueError(
                    "A CosineSchedule counted in images needs the global batch_size (images = "
                    "steps x batch_size); got batch_size=None. Pass batch_size or use "
                    "unit='steps'.")
            self.batch_size = check_positive_int("batch_size", batch_size)
        else:
            if batch_size is not None:
                raise ValueError(
                    f"batch_size converts steps to images; a schedule with unit='steps' takes "
                    f"none, got batch_size={batch_size!r}.")
            self.batch_size = None
        self.name = name

    @property
    def value_range(self):
        """`(lowest, highest)` value the schedule takes.

        Example:
        >>> CosineSchedule(0.9, 0.99, end=10, unit="steps").value_range
        (0.9, 0.99)
        """
        return (min(self.start_value, self.end_value), max(self.start_value, self.end_value))

    def to_unit(self, step):
        """A training-step count converted to the schedule's unit (float32 tensor).

        Example:
        >>> float(CosineSchedule(1.0, 0.0, end=10, batch_size=32).to_unit(3))
        96.0
        """
        step = tf.cast(step, tf.float32)
        return step if self.batch_size is None else step * float(self.batch_size)

    def at(self, count):
        """The value at `count`, in the schedule's own unit (images or steps).

        Example:
        >>> schedule = CosineSchedule(1.0, 0.0, end=1000, batch_size=10)
        >>> round(float(schedule.at(500)), 6), round(float(schedule(50)), 6)
        (0.5, 0.5)
        """
        t = tf.cast(count, tf.float32)
        progress = tf.clip_by_value((t - self.start) / (self.end - self.start), 0.0, 1.0)
        cosine = 0.5 * (1.0 + tf.cos(math.pi * progress))
        return self.end_value + (self.start_value - self.end_value) * cosine

    def __call__(self, step):
        """The value at training step `step` (a float32 scalar tensor)."""
        return self.at(self.to_unit(step))

    def get_config(self):
        return {"start_value": self.start_value, "end_value": self.end_value,
                "start": self.start, "end": self.end, "unit": self.unit,
                "batch_size": self.batch_size, "name": self.name}

    @classmethod
    def from_config(cls, config):
        """Rebuild from `get_config()`.

        Example:
        >>> s = CosineSchedule(2e-4, 0.0, end=100, unit="steps")
        >>> CosineSchedule.from_config(s.get_config()) == s
        True
        """
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self):
        return hash(tuple(sorted(self.get_config().items())))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items()
                         if v is not None and k != "name")
        return f"CosineSchedule({args})"


@keras.saving.register_keras_serializable(package="kerasgan")
class Scaled(keras.optimizers.schedules.LearningRateSchedule):
    """A schedule times a constant factor (R1's loss weight is gamma / 2).

    Example:
    >>> half = Scaled(CosineSchedule(2.0, 0.0, end=10, unit="steps"), 0.5)
    >>> round(float(half(0)), 6), half.value_range
    (1.0, (0.0, 1.0))
    """

    def __init__(self, schedule, factor):
        self.schedule = get(schedule, "schedule")
        if not is_schedule(self.schedule):
            raise ValueError(f"Scaled takes a schedule; got {schedule!r}.")
        self.factor = check_positive_number("factor", factor, allow_zero=True)

    @property
    def value_range(self):
        """`(lowest, highest)` value, when the inner schedule has a `value_range`.

        Example:
        >>> Scaled(CosineSchedule(4.0, 2.0, end=10, unit="steps"), 0.25).value_range
        (0.5, 1.0)
        """
        low, high = self.schedule.value_range
        return (low * self.factor, high * self.factor)

    def __call__(self, step):
        return self.factor * self.schedule(step)

    def get_config(self):
        return {"schedule": serialize(self.schedule), "factor": self.factor}

    @classmethod
    def from_config(cls, config):
        """Rebuild from `get_config()`.

        Example:
        >>> s = Scaled(CosineSchedule(1.0, 0.0, end=10, unit="steps"), 0.5)
        >>> Scaled.from_config(s.get_config()) == s
        True
        """
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self):
        return hash((self.schedule, self.factor))

    def __repr__(self):
        return f"Scaled({self.schedule!r}, {self.factor!r})"


def is_schedule(value):
    """Whether `value` is a schedule (a Keras `LearningRateSchedule`), not a constant.

    Example:
    >>> is_schedule(0.5), is_schedule(CosineSchedule(1.0, 0.0, end=10, unit="steps"))
    (False, True)
    """
    return isinstance(value, keras.optimizers.schedules.LearningRateSchedule)


def get(identifier, name="value", allow_zero=True):
    """A constant (returned as a float, checked non-negative) or a schedule, from a
    number, a schedule, or a schedule's Keras serialization.

    Example:
    >>> get(0.5)
    0.5
    >>> s = CosineSchedule(1.0, 0.0, end=10, unit="steps")
    >>> get(keras.saving.serialize_keras_object(s)) == s
    True
    >>> get(-1.0, name="gamma")
    Traceback (most recent call last):
    ...
    ValueError: gamma must be a non-negative finite number; got -1.0.
    """
    if isinstance(identifier, dict) and "class_name" in identifier:
        identifier = keras.saving.deserialize_keras_object(identifier)
    if is_schedule(identifier):
        return identifier
    if isinstance(identifier, numbers.Real) and not isinstance(identifier, bool):
        return check_positive_number(name, identifier, allow_zero=allow_zero)
    raise ValueError(
        f"{name} must be a number or a schedule (e.g. kerasgan.schedules.CosineSchedule); "
        f"got {identifier!r} of type {type(identifier).__name__}.")


def serialize(value):
    """A constant as is, a schedule as its Keras serialization (for `get_config`).

    Example:
    >>> serialize(0.5)
    0.5
    >>> serialize(CosineSchedule(1.0, 0.0, end=10, unit="steps"))["class_name"]
    'CosineSchedule'
    """
    return keras.saving.serialize_keras_object(value) if is_schedule(value) else value


def value_at(value, step):
    """A constant as is, a schedule evaluated at training step `step`.

    Example:
    >>> value_at(0.5, 100)
    0.5
    >>> round(float(value_at(CosineSchedule(1.0, 0.0, end=10, unit="steps"), 5)), 6)
    0.5
    """
    return value(step) if is_schedule(value) else value


def check_range(name, value, low, high, *, include_low=True, include_high=False):
    """Check that a constant or every value of a `CosineSchedule` lies in [low, high)
    (bounds as chosen); returns `value`.

    Example:
    >>> check_range("beta_2", CosineSchedule(0.9, 1.5, end=10, unit="steps"), 0.0, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: beta_2 must stay in [0.0, 1.0); got a schedule from 0.9 to 1.5.
    """
    if isinstance(value, CosineSchedule):
        values, given = value.value_range, f"a schedule from {value.start_value} to {value.end_value}"
    elif is_schedule(value):
        return value  # other schedules: not checkable before training
    else:
        values, given = (value, value), repr(value)
    ok_low = values[0] >= low if include_low else values[0] > low
    ok_high = values[1] <= high if include_high else values[1] < high
    if not (ok_low and ok_high):
        brackets = ("[" if include_low else "(") + f"{low}, {high}" + ("]" if include_high else ")")
        raise ValueError(f"{name} must stay in {brackets}; got {given}.")
    return value


@keras.saving.register_keras_serializable(package="kerasgan")
class ScheduledAdam(keras.optimizers.Adam):
    """Keras' `Adam` whose `beta_2` (and `beta_1`) may be a schedule of its step count.

    Keras' `Adam` keeps `beta_2` as a Python float, baked into the traced step;
    this subclass evaluates the schedule at the optimizer's step every update
    (inside the compiled step, so it changes without retracing). The bias
    correction uses the current value, `1 - beta_2(t) ** t`, as PyTorch's Adam
    does when R3GAN edits its `betas` between steps. With constant betas it is
    Keras' `Adam` exactly. `get_config` / `from_config` carry the schedules, so
    a GAN compiled with it survives `get_compile_config` / `compile_from_config`
    and `model.save` / `keras.saving.load_model`.

    Raises:
        ValueError: a beta (constant or any value of its schedule) outside [0, 1).

    Example (R3GAN: beta_2 from 0.9 to 0.99):
    >>> beta_2 = CosineSchedule(0.9, 0.99, end=100, unit="steps")
    >>> opt = ScheduledAdam(learning_rate=2e-4, beta_1=0.0, beta_2=beta_2)
    >>> round(float(opt.beta_2_at(50)), 3)
    0.945
    >>> ScheduledAdam(beta_2=CosineSchedule(0.9, 1.2, end=100, unit="steps"))
    Traceback (most recent call last):
    ...
    ValueError: beta_2 must stay in [0.0, 1.0); got a schedule from 0.9 to 1.2.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, **kwargs):
        beta_1 = check_range("beta_1", get(beta_1, "beta_1"), 0.0, 1.0)
        beta_2 = check_range("beta_2", get(beta_2, "beta_2"), 0.0, 1.0)
        super().__init__(learning_rate=learning_rate, beta_1=0.9, beta_2=0.999, **kwargs)
        self.beta_1_schedule = beta_1
        self.beta_2_schedule = beta_2
        # Keras' attributes: the constants, or the schedules' starting values.
        self.beta_1 = beta_1 if not is_schedule(beta_1) else float(beta_1(0))
        self.beta_2 = beta_2 if not is_schedule(beta_2) else float(beta_2(0))

    def beta_1_at(self, step):
        """beta_1 at optimizer step `step`.

        Example:
        >>> ScheduledAdam(beta_1=0.5).beta_1_at(7)
        0.5
        """
        return value_at(self.beta_1_schedule, step)

    def beta_2_at(self, step):
        """beta_2 at optimizer step `step` (see the class example).

        Example:
        >>> ScheduledAdam(beta_2=0.99).beta_2_at(0)
        0.99
        """
        return value_at(self.beta_2_schedule, step)

    def update_step(self, gradient, variable, learning_rate):
        """Adam's update with the betas of the current step (Keras' `Adam.update_step`).

        Example:
        >>> opt = ScheduledAdam(learning_rate=0.1, beta_2=CosineSchedule(0.5, 0.9, end=4, unit="steps"))
        >>> w = keras.Variable([1.0])
        >>> _ = opt.apply_gradients([(tf.constant([2.0]), w)])
        >>> round(float(w.numpy()[0]), 4)   # the first Adam step moves by lr
        0.9
        """
        dtype = variable.dtype
        lr = tf.cast(learning_rate, dtype)
        gradient = tf.cast(gradient, dtype)
        # Constants stay Python floats (then this is Keras' Adam bit for bit).
        beta_1 = self.beta_1_at(self.iterations)
        beta_2 = self.beta_2_at(self.iterations)
        one_minus_beta_1 = 1 - (beta_1 if isinstance(beta_1, float) else tf.cast(beta_1, dtype))
        one_minus_beta_2 = 1 - (beta_2 if isinstance(beta_2, float) else tf.cast(beta_2, dtype))
        local_step = tf.cast(self.iterations + 1, dtype)
        beta_1_power = tf.pow(tf.cast(beta_1, dtype), local_step)
        beta_2_power = tf.pow(tf.cast(beta_2, dtype), local_step)
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]
        alpha = lr * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        self.assign_add(m, (gradient - m) * one_minus_beta_1)
        self.assign_add(v, (tf.square(gradient) - v) * one_minus_beta_2)
        if self.amsgrad:
            v_hat = self._velocity_hats[index]
            self.assign(v_hat, tf.maximum(v_hat, v))
            v = v_hat
        self.assign_sub(variable, (m * alpha) / (tf.sqrt(v) + self.epsilon))

    def get_config(self):
        config = super().get_config()
        config["beta_1"] = serialize(self.beta_1_schedule)
        config["beta_2"] = serialize(self.beta_2_schedule)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from `get_config()` (schedules included).

        Example:
        >>> opt = ScheduledAdam(beta_2=CosineSchedule(0.9, 0.99, end=10, unit="steps"))
        >>> ScheduledAdam.from_config(opt.get_config()).beta_2_schedule == opt.beta_2_schedule
        True
        """
        config = dict(config)
        for key in ("beta_1", "beta_2"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(
                    config[key], custom_objects=custom_objects)
        return super().from_config(config, custom_objects=custom_objects)
