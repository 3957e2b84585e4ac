"""`AdversarialModel`: what every kerasgan model with generators, discriminators
and two optimizers shares (`GAN`, `Pix2Pix`, `CycleGAN`).

A subclass defines its networks (`networks()`, `{role: keras.Model}`; roles
starting with "generator" are trained by `g_optimizer`, with "discriminator"
by `d_optimizer`), its `train_step` (its algorithm) and, optionally, how `fit`
checks and converts its data (`_prepare_fit_data`). The base provides:

- `compile(g_optimizer, d_optimizer, jit_compile="auto")`: two optimizers
  (Adam(2e-4, beta_1=0.5) by default), wrapped in a `LossScaleOptimizer` for
  float16 nets (`kerasgan.precision.loss_scaled`), both built at once (under a
  strategy: inside `strategy.scope()`); the generator's optimizer is Keras'
  `model.optimizer`, whose `iterations` count training steps and key the
  random draws. `get_compile_config` / `compile_from_config` make
  `model.save("m.keras")` + `keras.saving.load_model` give back a compiled
  model that trains on.
- `fit`: "compile first", the subclass' data checks, and
  `kerasgan.distribute.fit_with_strategy` (kerasgan's own loop under
  `MultiWorkerMirroredStrategy`, where Keras' `fit` fails).
- `_step_seed(*purpose)`: the stateless per-step seeds
  (`kerasgan.core.seeds.step_seed`, keyed on `seed`, the step and the replica).
- `_scaled(loss, optimizer)` / `_apply(tape, scaled, variables, optimizer)`:
  losses divided by the replica count (Keras sums replica gradients) and
  loss-scaled, then applied.
- loss trackers (`_init_trackers`, `_track`, `_logs`, `metrics`), and the
  grouped, checked weights file (`kerasgan.models.state_file`) -- whose `state`
  group `model.save` stores too (Keras' own saving misses seed states, image
  pools and regularizer state).

Example (a minimal adversarial model: a 1-D generator against a linear critic):
>>> import numpy as np
>>> class Tiny(AdversarialModel):
...     WEIGHTS_FORMAT = "example.tiny/1"
...     def __init__(self, **kwargs):
...         super().__init__(**kwargs)
...         self.generator = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
...         self.discriminator = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
...         self.seed = 0
...         self._init_trackers(["d_loss", "g_loss"])
...     def networks(self):
...         return {"generator": self.generator, "discriminator": self.discriminator}
...     def train_step(self, real):
...         z = tf.random.stateless_normal(tf.shape(real), self._step_seed(0))
...         with tf.GradientTape() as d_tape:
...             d_loss = tf.reduce_mean(self.discriminator(self.generator(z))
...                                     - self.discriminator(real))
...             d_scaled = self._scaled(d_loss, self.d_optimizer)
...         self._apply(d_tape, d_scaled, self._discriminator_variables(), self.d_optimizer)
...         with tf.GradientTape() as g_tape:
...             g_loss = -tf.reduce_mean(self.discriminator(self.generator(z)))
...             g_scaled = self._scaled(g_loss, self.g_optimizer)
...         self._apply(g_tape, g_scaled, self._generator_variables(), self.g_optimizer)
...         self._track({"d_loss": d_loss, "g_loss": g_loss})
...         return self._logs()
>>> model = Tiny()
>>> model.compile(keras.optimizers.SGD(0.01), keras.optimizers.SGD(0.01))
>>> sorted(model.fit(np.ones((8, 1), "float32"), batch_size=4, verbose=0).history)
['d_loss', 'g_loss']
"""

import keras
import tensorflow as tf

from kerasgan.core.registry import Registry
from kerasgan.core.seeds import step_seed
from kerasgan.distribute import fit_with_strategy, positional_fit_arguments
from kerasgan.models.state_file import StateFileMixin
from kerasgan.precision import loss_scaled

__all__ = ["AdversarialModel", "MODELS"]

#: The model classes by name, with their `kind` ("gan" / "translation"); each
#: registers itself where it is defined.
MODELS = Registry("model")


def _unwrapped(optimizer):
    """The optimizer a `LossScaleOptimizer` wraps (compile wraps again as needed)."""
    return getattr(optimizer, "inner_optimizer", optimizer)


class AdversarialModel(StateFileMixin, keras.Model):
    """Base class of the adversarial models: two optimizers, `fit`, seeds, replica
    scaling, loss trackers, the weights file and compile (de)serialization.

    Class attributes a subclass may set:
        MODEL_NOUN: how messages name the model ("GAN", "model").
        AUTO_JIT_COMPILE: what `jit_compile="auto"` means: True: XLA with a
            single replica, off under a multi-replica strategy; False: off.
        WEIGHTS_FORMAT: the weights-file tag (`kerasgan.models.state_file`).

    Example:
    >>> from kerasgan.models import GAN
    >>> issubclass(GAN, AdversarialModel)
    True
    """

    MODEL_NOUN = "model"
    AUTO_JIT_COMPILE = True

    # ------------------------------------------------------------- networks
    def networks(self):
        """The sub-networks whose weights make up the model, by role.

        Example:
        >>> from kerasgan.models import GAN
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> sorted(GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,))).networks())
        ['discriminator', 'generator']
        """
        raise NotImplementedError(f"{type(self).__name__}.networks")

    def _generators(self):
        return [net for role, net in self.networks().items() if role.startswith("generator")]

    def _discriminators(self):
        return [net for role, net in self.networks().items() if role.startswith("discriminator")]

    def _generator_variables(self):
        return [v for net in self._generators() for v in net.trainable_variables]

    def _discriminator_variables(self):
        return [v for net in self._discriminators() for v in net.trainable_variables]

    # ------------------------------------------------------------- trackers
    def _init_trackers(self, names):
        """One `keras.metrics.Mean` per logged name (reset by Keras every epoch)."""
        self._trackers = {name: keras.metrics.Mean(name=name) for name in names}

    def _track(self, values, sample_weights=None):
        """Update the trackers with `{name: value}` (optionally weighted per name)."""
        sample_weights = sample_weights or {}
        for name, value in values.items():
            self._trackers[name].update_state(value, sample_weight=sample_weights.get(name))

    def _logs(self):
        """The step's logs: every tracker's running mean."""
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    @property
    def metrics(self):
        return list(self._trackers.values())

    # -------------------------------------------------------------- compile
    def compile(self, g_optimizer=None, d_optimizer=None, jit_compile="auto", **kwargs):
        """Configure the two optimizers.

        Args:
            g_optimizer: the generators' optimizer (default Adam(2e-4, beta_1=0.5)).
            d_optimizer: the discriminators' optimizer (default Adam(2e-4, beta_1=0.5)).
                Different learning rates for G and D give TTUR (Heusel et al. 2017).
            jit_compile: compile the train step with XLA. `"auto"` (default):
                see the class' `AUTO_JIT_COMPILE`.
            **kwargs: passed to `keras.Model.compile` (e.g. `steps_per_execution`);
                `loss`, `optimizer` and `metrics` are refused.

        If a generator or discriminator computes in float16 (built under a
        `mixed_float16` policy), its optimizer is wrapped in a
        `keras.optimizers.LossScaleOptimizer` (`kerasgan.precision`).
        Both optimizers are built here, so under a strategy call `compile`
        inside `strategy.scope()`.

        Example:
        >>> from kerasgan.models import GAN
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(8, (2,), (16,)), mlp_discriminator((2,), (16,)))
        >>> gan.compile(g_optimizer=keras.optimizers.Adam(1e-4),
        ...             d_optimizer=keras.optimizers.Adam(4e-4))
        >>> round(float(gan.d_optimizer.learning_rate), 6)
        0.0004
        """
        for key in ("loss", "optimizer", "metrics"):
            if key in kwargs:
                raise ValueError(
                    f"{type(self).__name__}.compile takes g_optimizer and d_optimizer; `{key}` "
                    f"is not used (losses are chosen when the {self.MODEL_NOUN} is constructed)."
                )
        self._compile_arguments = {"jit_compile": jit_compile, **kwargs}
        g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        if g_optimizer is d_optimizer:
            raise ValueError("g_optimizer and d_optimizer must be two different optimizers.")
        if jit_compile == "auto":
            jit_compile = bool(self.AUTO_JIT_COMPILE) and \
                tf.distribute.get_strategy().num_replicas_in_sync == 1
        # Nets computing in float16 (a mixed_float16 policy): dynamic loss scaling.
        g_optimizer = loss_scaled(g_optimizer, self._generators())
        d_optimizer = loss_scaled(d_optimizer, self._discriminators())
        # The generator's optimizer is Keras' `model.optimizer`: its `iterations`
        # counts training steps (callbacks, TensorBoard) and keys the random draws.
        super().compile(optimizer=g_optimizer, jit_compile=jit_compile, **kwargs)
        self.g_optimizer = self.optimizer
        self.d_optimizer = d_optimizer
        self.g_optimizer.build(self._generator_variables())
        self.d_optimizer.build(self._discriminator_variables())

    def get_compile_config(self):
        """The `compile` arguments, serialized: both optimizers (their configs) and
        the other arguments; `{}` before `compile`. `model.save` stores it.

        Example:
        >>> from kerasgan.models import GAN
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
        >>> gan.get_compile_config()
        {}
        >>> gan.compile(keras.optimizers.SGD(0.5), keras.optimizers.Adam(0.25))
        >>> config = gan.get_compile_config()
        >>> config["d_optimizer"]["class_name"], config["d_optimizer"]["config"]["learning_rate"]
        ('Adam', 0.25)
        """
        if getattr(self, "d_optimizer", None) is None:
            return {}
        return {
            "g_optimizer": keras.saving.serialize_keras_object(_unwrapped(self.g_optimizer)),
            "d_optimizer": keras.saving.serialize_keras_object(_unwrapped(self.d_optimizer)),
            **getattr(self, "_compile_arguments", {}),
        }

    def compile_from_config(self, config):
        """Compile from `get_compile_config()` (what `keras.saving.load_model` calls).

        Example:
        >>> from kerasgan.models import GAN
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
        >>> gan.compile(keras.optimizers.SGD(0.5), keras.optimizers.Adam(0.25))
        >>> other = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
        >>> other.compile_from_config(gan.get_compile_config())
        >>> float(other.g_optimizer.learning_rate), float(other.d_optimizer.learning_rate)
        (0.5, 0.25)
        """
        if not config:
            return
        config = dict(config)
        optimizers = {key: keras.saving.deserialize_keras_object(config.pop(key))
                      for key in ("g_optimizer", "d_optimizer") if key in config}
        self.compile(**optimizers, **config)

    # ------------------------------------------------------------------ fit
    def _prepare_fit_data(self, x, y):
        """Check and convert the data `fit` was given, before any step (subclasses)."""
        return x

    def fit(self, x=None, y=None, *args, training_loop="auto", **kwargs):
        """`keras.Model.fit`, after checking the data against the model.

        The data is checked (and uint8 images converted) before the first
        step by the subclass (`_prepare_fit_data`); a global batch that does
        not split over the strategy's replicas is refused. Under
        `MultiWorkerMirroredStrategy` the steps run in kerasgan's own loop
        (`kerasgan.distribute.fit_loop`, same callbacks and History), because
        Keras 3.15's `fit` fails there; `training_loop="own"` / `"keras"`
        chooses explicitly.

        Example:
        >>> import numpy as np
        >>> from kerasgan.models import GAN
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,))).fit(
        ...     np.zeros((8, 2), "float32"))
        Traceback (most recent call last):
        ...
        RuntimeError: Call gan.compile() before gan.fit().
        """
        if getattr(self, "d_optimizer", None) is None:
            noun = self.MODEL_NOUN.lower()
            raise RuntimeError(f"Call {noun}.compile() before {noun}.fit().")
        x = self._prepare_fit_data(x, y)
        kwargs.update(positional_fit_arguments(args))
        return fit_with_strategy(self, super().fit, x, y, training_loop=training_loop, **kwargs)

    # --------------------------------------------------------- step helpers
    def _step_seed(self, *purpose):
        """The stateless seed of one random draw of the current training step."""
        return step_seed(self.seed, self.optimizer.iterations, *purpose)

    @staticmethod
    def _scaled(loss, optimizer):
        """The loss divided by the replica count (Keras sums replica gradients) and
        multiplied by the optimizer's loss scale (mixed_float16); call inside the tape."""
        return optimizer.scale_loss(loss / tf.distribute.get_strategy().num_replicas_in_sync)

    @staticmethod
    def _apply(tape, scaled_loss, variables, optimizer):
        """Differentiate `scaled_loss` on `tape` and apply the gradients to `variables`."""
        grads = tape.gradient(scaled_loss, variables)
        optimizer.apply_gradients(zip(grads, variables))

    # ------------------------------------------------------ model.save state
    def save_own_variables(self, store):
        """Keras' saving of the model's own variables, plus the weights file's `state`
        group (`kerasgan.models.state_file`: dropout seed states, image pools,
        augmentation and regularizer state), which Keras' own saving misses in
        part, so `model.save("m.keras")` keeps all of it.

        Example:
        >>> import os, tempfile
        >>> from kerasgan.models import GAN
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> from kerasgan.regularizers import PathLength
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)),
        ...           regularizers=[PathLength()])
        >>> gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(2e-3))
        >>> _ = gan.generator_regularizers[0].mean.assign(0.5)
        >>> path = os.path.join(tempfile.mkdtemp(), "gan.keras")
        >>> gan.save(path)
        >>> loaded = keras.saving.load_model(path)
        >>> pl_mean = float(loaded.generator_regularizers[0].mean.numpy())
        >>> pl_mean, round(float(loaded.d_optimizer.learning_rate), 6)
        (0.5, 0.002)
        """
        super().save_own_variables(store)
        for i, variable in enumerate(self._state_variables()):
            store[f"state_{i}"] = variable

    def load_own_variables(self, store):
        """Load what `save_own_variables` wrote (`keras.saving.load_model` calls it);
        state a file lacks keeps its value.

        Example:
        >>> loaded = keras.saving.load_model("gan.keras")  # doctest: +SKIP
        """
        own = self._trainable_variables + self._non_trainable_variables
        for i, variable in enumerate(own):
            variable.assign(store[f"{i}"])
        for i, variable in enumerate(self._state_variables()):
            if f"state_{i}" in store:
                variable.assign(store[f"state_{i}"])
