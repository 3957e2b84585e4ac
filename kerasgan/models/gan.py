"""`GAN`: the one adversarial training loop that every kerasgan variant reuses.

A variant (NS-GAN, LSGAN, WGAN, WGAN-GP, R1-GAN, SNGAN ...) is a choice of loss,
regularizers and network options passed to this class; see
`kerasgan.models.variants`. A new technique plugs in without editing this
file, through the hooks of the step:

- objectives: a loss registered in `kerasgan.losses` (`register_loss`), or a
  subclass overriding `discriminator_objective` / `generator_objective`;
- regularizers of both players (`kerasgan.regularizers`): discriminator
  penalties and generator regularizers, each with its weight and interval;
- an augmentation of everything the discriminator sees
  (`kerasgan.augment.Augmentation`), which may keep state and is fed the
  discriminator's statistics after every discriminator update.

Distribution (`tf.distribute`) is handled inside `train_step`:

- Keras sums gradients over replicas, so every loss and penalty, computed as a
  mean over the replica's share of the batch, is divided by the number of
  replicas before differentiation: the summed gradient equals the gradient of
  the global-batch mean on one device.
- Logged values are the unscaled per-replica means; Keras averages them over
  replicas, which gives the global-batch value.
- Random numbers are stateless and keyed on (model seed, training step,
  purpose, replica id): every replica draws different latents, reruns with the
  same seed draw the same ones, and a checkpoint of the optimizers' step
  counters is all that is needed to resume the random stream.
"""

import copy
import numbers

import keras
import numpy as np
import tensorflow as tf

from kerasgan import augment as augment_lib
from kerasgan import losses as losses_lib
from kerasgan import regularizers as regularizers_lib
from kerasgan.constraints import clip_model_weights
from kerasgan.core.validation import check_positive_int, check_positive_number
from kerasgan.losses import global_batch_mean
from kerasgan.models import serving
from kerasgan.models.base import MODELS, AdversarialModel
from kerasgan.models.data_checks import (
    check_training_data, prepare_images, unpack_batch, with_label_checks)
from kerasgan.models.latents import latents_for_seed, truncated_latents_for_seed

__all__ = ["GAN", "WEIGHTS_FORMAT", "latents_for_seed", "truncated_latents_for_seed"]

# Purposes folded into the step seed, so that each random draw is independent.
_LATENTS_D = 0
# 1 was the generator update's own latents; it now reuses the last D update's samples.
_NOISE_REAL = 2
_NOISE_FAKE = 3
_PENALTY = 4
_AUGMENT = 5
_G_REGULARIZER = 6

#: Format tag of the files written by `GAN.save_weights`.
WEIGHTS_FORMAT = "kerasgan.gan_weights/1"


def _all_layers(model):
    """Every layer of `model`, nested models and wrapped layers included."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)
        inner = getattr(layer, "layer", None)
        if isinstance(inner, keras.layers.Layer):
            yield inner


def _logits_mean(logits):
    return tf.reduce_mean(tf.cast(logits, tf.float32))


def _first_input_shape(model):
    """The shape of a model's first input (the latents / the samples)."""
    shape = model.input_shape
    return tuple(shape[0]) if isinstance(shape, list) else tuple(shape)


def _when_due(compute, regularizer, optimizer):
    """`(value, statistics, due)` of `compute()` on the steps of `optimizer` the regularizer's
    lazy `interval` makes due; zeros (and `due` False) on the others."""
    if regularizer.interval == 1:
        value, statistics = compute()
        return value, statistics, tf.constant(True)
    due = tf.equal(optimizer.iterations % regularizer.interval, 0)
    names = regularizer.statistic_names
    value, statistics = tf.cond(
        due, compute, lambda: (tf.constant(0.0), {key: tf.constant(0.0) for key in names}))
    return value, statistics, due


@MODELS.register("gan", kind="gan")
@keras.saving.register_keras_serializable(package="kerasgan")
class GAN(AdversarialModel):
    """A generative adversarial network trained with `model.fit`.

    One `train_step` runs `d_steps` discriminator updates and one generator
    update, each with its own `tf.GradientTape`. The generator update scores
    the samples generated for the last discriminator update (the generator has
    not changed since; generated once, under the generator's tape, as TF-GAN's
    train ops share one generated batch) with the updated discriminator. A
    discriminator without batch normalization and without augmentation sees
    the real and the generated batch in one call (same logits, larger
    kernels). Both save time: tools/bench.py.

    Args:
        generator: a built `keras.Model` from latents `[B, latent_dim]` to samples.
        discriminator: a built `keras.Model` from samples to logits `[B]` or `[B, 1]`.
        latent_dim: size of z; inferred from the generator's input when None.
        loss: a `kerasgan.losses` name (`"minimax"`, `"non_saturating"`,
            `"least_squares"`, `"wasserstein"`, `"hinge"`,
            `"relativistic_average"`) or a `kerasgan.losses.GANLoss`.
        regularizers: regularizers of either player (`kerasgan.regularizers`
            objects, names, `{"name": ..., ...}` dicts or Keras serializations),
            sorted by class: `DiscriminatorPenalty`s (e.g.
            `kerasgan.regularizers.R1(gamma=1.0)`) join the discriminator's
            loss, `GeneratorRegularizer`s (e.g. `PathLength()`) the
            generator's; each is logged under its name.
        d_steps: discriminator updates per generator update.
        ema_decay: if set (e.g. 0.999), keep an exponential moving average of
            the generator's weights; `generate`, `call` and `export` use it.
            Non-trainable state (batch-norm moving statistics) is copied from
            the generator, not averaged: for BN generators this is an
            approximation (BigGAN recomputes "standing statistics" instead).
        ema_half_life_images: instead of a fixed `ema_decay`, the EMA's half-life
            counted in images (Karras et al.: StyleGAN2-ADA's `ema_kimg` x 1000):
            the decay of a step with global batch B is
            `beta = 0.5 ** (B / max(h, 1e-8))`, with `h` this half-life, or with
            `ema_rampup` set `h = min(ema_half_life_images, images_seen * ema_rampup)`,
            `images_seen` the images shown before this step (training step x B).
            See `ema_beta`. Exact for normalization-free generators (nothing
            but weights to average).
        ema_rampup: the ramp-up factor of the half-life (e.g. 0.05; None: no
            ramp-up); only with `ema_half_life_images`.
        instance_noise: a `kerasgan.regularizers.InstanceNoise`, or None.
        seed: integer seed of the latent and noise draws.
        clip_discriminator: if a number c, every trainable weight of the
            discriminator is kept in [-c, c] (WGAN weight clipping, applied by
            the optimizer after each update; recorded in `get_config`).
        augment: differentiable augmentation of everything the discriminator
            sees in training (real, generated and penalty inputs) -- a
            `kerasgan.augment.Augmentation` (e.g. `DiffAugment`; a stateful
            one gets `update(statistics)` after every discriminator update,
            its state is saved with the weights and its `log_values()` are
            logged), a DiffAugment policy string (e.g.
            `"translation,cutout"`) or config dict; None: no augmentation.
        num_classes: makes the GAN class-conditional: the generator takes
            `[latents, labels]`, the discriminator `[samples, labels]` (e.g.
            `kerasgan.nets.dcgan_generator(..., num_classes=10)`), batches must
            carry int labels in `[0, num_classes)`, and generated samples get
            the real batch's labels during training. `generate(..., labels=...)`
            picks the classes.

    Batches may be `x`, `(x, y)`, or a dict `{"images", "labels", "latents"}`;
    with `"latents"` the step uses those latent vectors (for all of its
    discriminator updates, hence also the generator update) instead of drawing
    its own.
    The real batch is reused by the `d_steps` discriminator updates.

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> gan = GAN(mlp_generator(8, (2,), (32,)), mlp_discriminator((2,), (32,)))
    >>> gan.compile()
    >>> history = gan.fit(np.random.randn(256, 2).astype("float32"), batch_size=64,
    ...                   epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'fake_logits', 'g_loss', 'real_logits']
    >>> gan.generate(5, seed=0).shape
    (5, 2)
    """

    WEIGHTS_FORMAT = WEIGHTS_FORMAT

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        loss="non_saturating",
        regularizers=(),
        d_steps=1,
        ema_decay=None,
        ema_half_life_images=None,
        ema_rampup=None,
        instance_noise=None,
        seed=0,
        clip_discriminator=None,
        num_classes=None,
        augment=None,
        **kwargs,
    ):
        kwargs.setdefault("name", "gan")
        super().__init__(**kwargs)
        for role, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, keras.Model):
                raise TypeError(f"`{role}` must be a keras.Model; got {type(net).__name__}.")
            if not net.built:
                raise ValueError(
                    f"The {role} {net.name!r} is not built. Build it (e.g. a functional "
                    "model with keras.Input, or call it once) before creating the GAN."
                )
        self.num_classes = None if num_classes is None else check_positive_int(
            "num_classes", num_classes)
        for role, net in (("generator", generator), ("discriminator", discriminator)):
            inputs = len(net.inputs)
            if self.num_classes is not None and inputs != 2:
                raise ValueError(
                    f"A conditional GAN (num_classes={self.num_classes}) needs a {role} "
                    f"with two inputs [{'latents' if role == 'generator' else 'samples'}, "
                    f"labels]; {net.name!r} has {inputs}. Build it with num_classes set."
                )
            if self.num_classes is None and inputs != 1:
                raise ValueError(
                    f"The {role} {net.name!r} takes {inputs} inputs (a conditional net?); "
                    "pass num_classes to make the GAN conditional."
                )
        self.generator = generator
        self.discriminator = discriminator
        inferred = _first_input_shape(generator)[-1]
        if latent_dim is None:
            latent_dim = inferred
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        if inferred is not None and inferred != self.latent_dim:
            raise ValueError(
                f"latent_dim={self.latent_dim} does not match the generator's input "
                f"width {inferred}."
            )
        self.data_shape = tuple(generator.output_shape[1:])
        d_shape = tuple(_first_input_shape(discriminator)[1:])
        if d_shape != self.data_shape:
            raise ValueError(
                f"The generator makes samples of shape {self.data_shape} but the "
                f"discriminator expects {d_shape}."
            )
        self.clip_discriminator = None
        if clip_discriminator is not None:
            clip_model_weights(discriminator, clip_discriminator)
            self.clip_discriminator = float(clip_discriminator)
        self.gan_loss = losses_lib.get(loss)
        resolved = [regularizers_lib.get(r) for r in regularizers]
        self.penalties = [r for r in resolved
                          if not isinstance(r, regularizers_lib.GeneratorRegularizer)]
        self.generator_regularizers = [
            r for r in resolved if isinstance(r, regularizers_lib.GeneratorRegularizer)]
        names = [r.name for r in resolved]
        if len(set(names)) != len(names):
            raise ValueError(f"Each penalty may appear once; got {names}.")
        for regularizer in resolved:
            regularizer.build()  # state variables, in the caller's strategy scope
        self.d_steps = check_positive_int("d_steps", d_steps)
        if ema_decay is not None and not (
            isinstance(ema_decay, numbers.Real) and 0.0 < ema_decay < 1.0
        ):
            raise ValueError(f"`ema_decay` must be None or in (0, 1); got {ema_decay!r}.")
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        if ema_half_life_images is not None:
            if ema_decay is not None:
                raise ValueError(
                    "Give the EMA either a fixed `ema_decay` or `ema_half_life_images`, not both; "
                    f"got ema_decay={ema_decay!r}, ema_half_life_images={ema_half_life_images!r}.")
            ema_half_life_images = check_positive_number(
                "ema_half_life_images", ema_half_life_images)
        if ema_rampup is not None:
            if ema_half_life_images is None:
                raise ValueError(
                    "`ema_rampup` ramps up `ema_half_life_images`, which is None; got "
                    f"ema_rampup={ema_rampup!r}. Set ema_half_life_images (in images).")
            ema_rampup = check_positive_number("ema_rampup", ema_rampup)
        self.ema_half_life_images = ema_half_life_images
        self.ema_rampup = ema_rampup
        if instance_noise is not None and not isinstance(
            instance_noise, regularizers_lib.InstanceNoise
        ):
            if isinstance(instance_noise, dict):
                instance_noise = regularizers_lib.InstanceNoise(**instance_noise)
            else:
                raise TypeError(
                    "`instance_noise` must be None, an InstanceNoise or its config dict; "
                    f"got {instance_noise!r}."
                )
        self.instance_noise = instance_noise
        augment = augment_lib.get(augment)
        if augment is not None and not augment.built:
            augment.build((None, *self.data_shape))  # state, in the caller's strategy scope
        self.augment = augment
        self._augment_calls = 0
        # A critic whose output for one example does not depend on the others
        # (no batch normalization of any kind) and no augmentation: real and fake
        # batches go through it in one call.
        self._batch_independent_critic = augment is None and not any(
            "BatchNormalization" in type(layer).__name__ for layer in _all_layers(discriminator))
        if not isinstance(seed, numbers.Integral):
            raise ValueError(f"`seed` must be an integer; got {seed!r}.")
        self.seed = int(seed)
        self.ema_generator = None
        if self.ema_decay is not None or self.ema_half_life_images is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.name = f"{generator.name}_ema"
            self.ema_generator.set_weights(generator.get_weights())
        self._init_trackers(["d_loss", "g_loss", "real_logits", "fake_logits", *names])
        self.built = True

    MODEL_NOUN = "GAN"
    #: `jit_compile="auto"` turns XLA on with a single replica (1.1-1.5x the
    #: steps/s of the 2-D zoo entries here, tools/bench.py) and off under a
    #: multi-replica strategy, where XLA was not verified (on logical CPU devices
    #: it fails with "Trying to access resource ... located in device CPU:1 from
    #: device CPU:0").
    AUTO_JIT_COMPILE = True

    @property
    def sampling_generator(self):
        """The generator used for sampling: the EMA copy when `ema_decay` or
        `ema_half_life_images` is set.

        Example:
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)), ema_decay=0.99)
        >>> gan.sampling_generator is gan.ema_generator
        True
        """
        return self.ema_generator if self.ema_generator is not None else self.generator

    def call(self, latents, training=False):
        return self.sampling_generator(latents, training=training)  # [latents, labels] if conditional

    # --------------------------------------------------------------- training
    def _prepare_fit_data(self, x, y):
        """The data checks of `fit`: structure, sample shape and dtype are checked
        before the first step (a mismatch raises a ValueError naming expected and
        given); for image GANs uint8 images are converted to [-1, 1] and float
        images outside [-1, 1] refused (`data_checks.prepare_images`); labels of a
        conditional GAN are checked batch by batch in the input pipeline."""
        x = prepare_images(x, self.data_shape)
        check_training_data(x, self.data_shape, self.latent_dim, self.num_classes, y)
        if self.num_classes is not None and isinstance(x, tf.data.Dataset):
            x = with_label_checks(x, self.num_classes)
        return x

    def _latents(self, given, batch, *purpose):
        if given is not None:
            return tf.cast(given, self.compute_dtype)
        shape = tf.stack([batch, self.latent_dim])
        return tf.random.stateless_normal(shape, seed=self._step_seed(*purpose), alg="philox")

    def _noisy(self, samples, *purpose):
        if self.instance_noise is None:
            return samples
        seed = self._step_seed(*purpose)
        return self.instance_noise(samples, self.optimizer.iterations, seed)

    def _generate(self, latents, labels, training):
        """Run the generator (with the labels when conditional)."""
        if self.num_classes is None:
            return self.generator(latents, training=training)
        return self.generator([latents, labels], training=training)

    def _discriminate(self, samples, labels, training):
        """Run the discriminator (with the labels when conditional), on augmented
        samples in training when `augment` is set."""
        if self.augment is not None and training:
            # Each call site of a traced step gets its own stateless key.
            self._augment_calls += 1
            samples = self.augment(samples, self._step_seed(_AUGMENT, self._augment_calls))
        if self.num_classes is None:
            return self.discriminator(samples, training=training)
        return self.discriminator([samples, labels], training=training)

    def _checked_labels(self, labels):
        """The batch's labels as int32 `[B]`. Their range is checked on the host, in
        the input pipeline (`fit` adds `with_label_checks`): XLA would drop an
        assertion here."""
        if self.num_classes is None:
            return labels
        if labels is None:
            raise ValueError(
                f"A conditional GAN (num_classes={self.num_classes}) trains on (images, "
                "labels) batches or dicts with 'labels'; the batches have no labels."
            )
        return tf.cast(tf.reshape(labels, [-1]), tf.int32)

    def train_step(self, data):
        self._augment_calls = 0
        real, labels, given_latents = unpack_batch(data)
        labels = self._checked_labels(labels)
        real = tf.cast(real, self.compute_dtype)
        batch = tf.shape(real)[0]
        # The generator does not change during the discriminator updates, so the
        # samples of the last one are those the generator update needs: they are
        # generated once, under the generator's tape (as TF-GAN's train ops share
        # one generated batch).
        g_tape = tf.GradientTape()
        for k in range(self.d_steps):
            latents = self._latents(given_latents, batch, _LATENTS_D, k)
            if k == self.d_steps - 1:
                with g_tape:
                    fake = self._generate(latents, labels, training=True)
            else:
                fake = self._generate(latents, labels, training=True)
            self._discriminator_step(real, labels, fake, k)
        self._generator_step(real, labels, fake, latents, g_tape)
        return self._logs()

    def _logs(self):
        logs = super()._logs()
        if self.augment is not None:
            logs.update({name: tf.convert_to_tensor(value)
                         for name, value in self.augment.log_values().items()})
        return logs

    # ------------------------------------------------------------ objectives
    def discriminator_objective(self, real_logits, fake_logits):
        """The discriminator's loss on one update, before penalties (the GAN loss's
        `discriminator_loss`); override to change the objective.

        Example:
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)), loss="hinge")
        >>> float(gan.discriminator_objective(tf.ones(2), -tf.ones(2)))
        0.0
        """
        return self.gan_loss.discriminator_loss(real_logits, fake_logits)

    def generator_objective(self, fake_logits, real_logits=None):
        """The generator's loss, before regularizers (the GAN loss's `generator_loss`;
        `real_logits` are computed only when `gan_loss.generator_needs_real_logits`).

        Example:
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)), loss="wasserstein")
        >>> float(gan.generator_objective(tf.constant([1.0, 3.0])))
        -2.0
        """
        return self.gan_loss.generator_loss(fake_logits, real_logits)

    def _discriminator_statistics(self, real_logits, fake_logits):
        """What a stateful augmentation gets after a discriminator update: means over
        the global batch (all replicas), so every replica updates its state alike;
        also the global number of real images (`batch_size`) and the training `step`."""
        real = tf.stop_gradient(tf.cast(tf.reshape(real_logits, [-1]), tf.float32))
        fake = tf.stop_gradient(tf.cast(tf.reshape(fake_logits, [-1]), tf.float32))
        replicas = tf.distribute.get_strategy().num_replicas_in_sync   # equal shares
        return {"real_sign": global_batch_mean(tf.sign(real)),
                "real_logits": global_batch_mean(real),
                "fake_logits": global_batch_mean(fake),
                "batch_size": tf.cast(tf.shape(real_logits)[0] * replicas, tf.float32),
                "step": tf.convert_to_tensor(self.optimizer.iterations)}

    def _discriminator_step(self, real, labels, fake, k):
        fake = tf.stop_gradient(fake)
        real_in = self._noisy(real, _NOISE_REAL, k)
        fake_in = self._noisy(fake, _NOISE_FAKE, k)

        def critic(samples):
            return self._discriminate(samples, labels, training=True)

        def critic_pair(real_samples, fake_samples):
            samples = tf.concat([real_samples, tf.cast(fake_samples, real_samples.dtype)], 0)
            pair_labels = None if labels is None else tf.concat([labels, labels], 0)
            return self._discriminate(samples, pair_labels, training=True)

        batch = tf.shape(real_in)[0]

        with tf.GradientTape() as tape:
            if self._batch_independent_critic:
                # One discriminator call on [real; fake]: the same per-example
                # logits as two calls, with larger (faster) kernels.
                both = critic_pair(real_in, fake_in)
                real_logits, fake_logits = both[:batch], both[batch:]
            else:
                real_logits = critic(real_in)
                fake_logits = critic(fake_in)
            d_loss = self.discriminator_objective(real_logits, fake_logits)
            total = d_loss
            penalty_values = []
            for i, penalty in enumerate(self.penalties):
                value, statistics, due = self._penalize(
                    penalty, i, k, critic, real_in, fake_in, real_logits, fake_logits)
                penalty_values.append((penalty, value, statistics, due))
                # The weight may be a schedule of the training step (e.g. R3GAN's gamma).
                weight = penalty.weight_at(self.optimizer.iterations)
                total = total + tf.cast(weight, tf.float32) * penalty.interval * value
            scaled = self._scaled(total, self.d_optimizer)
        self._apply(tape, scaled, self.discriminator.trainable_variables, self.d_optimizer)
        self._trackers["d_loss"].update_state(d_loss)
        self._trackers["real_logits"].update_state(_logits_mean(real_logits))
        self._trackers["fake_logits"].update_state(_logits_mean(fake_logits))
        for penalty, value, statistics, due in penalty_values:
            self._trackers[penalty.name].update_state(value, sample_weight=tf.cast(due, tf.float32))
            if penalty.statistic_names:  # penalties with state (LeCam's anchors)
                penalty.update({key: global_batch_mean(v) for key, v in statistics.items()}, due)
        if self.augment is not None and self.augment.stateful:
            self.augment.update(self._discriminator_statistics(real_logits, fake_logits))

    def _generator_step(self, real, labels, fake, latents, tape):
        real_logits = None
        with tape:  # the tape that recorded `fake` being generated
            fake_logits = self._discriminate(self._noisy(fake, _NOISE_FAKE, self.d_steps), labels, True)
            if self.gan_loss.generator_needs_real_logits:
                real_logits = self._discriminate(self._noisy(real, _NOISE_REAL, self.d_steps), labels, True)
            g_loss = self.generator_objective(fake_logits, real_logits)
            total = g_loss
            regularized = []
            for i, regularizer in enumerate(self.generator_regularizers):
                value, statistics, due = self._regularize_generator(regularizer, i, latents, labels)
                regularized.append((regularizer, value, statistics, due))
                weight = regularizer.weight_at(self.optimizer.iterations)
                total = total + tf.cast(weight, tf.float32) * regularizer.interval * value
            scaled = self._scaled(total, self.g_optimizer)
        self._apply(tape, scaled, self.generator.trainable_variables, self.g_optimizer)
        self._trackers["g_loss"].update_state(g_loss)
        for regularizer, value, statistics, due in regularized:
            self._trackers[regularizer.name].update_state(value, sample_weight=tf.cast(due, tf.float32))
            regularizer.update({key: global_batch_mean(v) for key, v in statistics.items()}, due)
        if self.ema_generator is not None:
            # This step's index: the generator's optimizer has just counted it.
            global_batch = tf.shape(real)[0] * tf.distribute.get_strategy().num_replicas_in_sync
            self._update_ema(self.ema_beta(self.optimizer.iterations - 1, global_batch))

    def _penalize(self, penalty, i, k, critic, real_in, fake_in, real_logits, fake_logits):
        """(value, per-replica statistics, due) of one discriminator penalty, computed
        every `interval` discriminator steps (zero statistics when not due)."""
        seed = self._step_seed(_PENALTY, k, i)

        def compute():
            value, statistics = penalty.compute(critic, real_in, fake_in, seed,
                                                real_logits=real_logits, fake_logits=fake_logits)
            # float32 also for float16 critics (mixed precision).
            return tf.cast(value, tf.float32), {key: tf.cast(v, tf.float32)
                                                for key, v in statistics.items()}

        return _when_due(compute, penalty, self.d_optimizer)

    def _regularize_generator(self, regularizer, i, latents, labels):
        """(value, per-replica statistics, due) of one generator regularizer, computed
        every `interval` generator steps (the statistics are zero when not due)."""

        def generate(z, y):
            return self._generate(z, y, training=True)

        seed = self._step_seed(_G_REGULARIZER, i)
        latents = tf.stop_gradient(latents)

        def compute():
            value, statistics = regularizer.compute(generate, latents, labels, seed)
            return tf.cast(value, tf.float32), {k: tf.cast(v, tf.float32)
                                                for k, v in statistics.items()}

        return _when_due(compute, regularizer, self.g_optimizer)

    def ema_beta(self, step, batch_size):
        """The EMA decay of training step `step` (0-based) with global batch `batch_size`.

        `ema_decay` when that is set; with `ema_half_life_images` h (and
        `ema_rampup` r) `0.5 ** (B / max(min(h, step * B * r), 1e-8))`
        (StyleGAN2-ADA's formula: the first step copies the weights when
        ramping up); None without an EMA.

        Example:
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)),
        ...           ema_half_life_images=10_000, ema_rampup=0.05)
        >>> [round(float(gan.ema_beta(step, 32)), 6) for step in (0, 1, 100, 10_000)]
        [0.0, 1e-06, 0.870551, 0.997784]
        """
        if self.ema_half_life_images is None:
            return self.ema_decay
        batch = tf.cast(batch_size, tf.float64)
        half_life = tf.constant(self.ema_half_life_images, tf.float64)
        if self.ema_rampup is not None:
            images_seen = tf.cast(step, tf.float64) * batch
            half_life = tf.minimum(half_life, images_seen * self.ema_rampup)
        return tf.cast(tf.pow(tf.constant(0.5, tf.float64),
                              batch / tf.maximum(half_life, 1e-8)), tf.float32)

    def _update_ema(self, decay=None):
        decay = self.ema_decay if decay is None else decay
        pairs = list(zip(self.ema_generator.weights, self.generator.weights))
        trainable = {id(v) for v in self.generator.trainable_weights}

        def merge_fn(strategy, decay):
            for ema_var, var in pairs:
                if id(var) in trainable:
                    def update(e, v, d):
                        d = tf.cast(d, e.dtype)
                        return e.assign(d * e + (1.0 - d) * tf.cast(v, e.dtype))
                else:
                    def update(e, v, d):
                        return e.assign(tf.cast(v, e.dtype))
                strategy.extended.update(ema_var.value, update, args=(var.value, decay))

        tf.distribute.get_replica_context().merge_call(merge_fn, args=(decay,))

    # --------------------------------------------------------------- sampling
    def generate(self, num_or_latents, seed=None, batch_size=4096, truncation=None, labels=None):
        """Generate samples as a numpy array.

        Args:
            num_or_latents: a number of samples, or latent vectors `[N, latent_dim]`.
            seed: with a number of samples, the seed of the latents (the same seed
                gives the same samples, also from the exported SavedModel's
                `sample` endpoint); None draws a random seed.
            batch_size: samples generated per generator call.
            truncation: with a number of samples, the truncation trick: draw z
                from N(0, I) truncated to [-truncation, truncation] per
                coordinate (`truncated_latents_for_seed`); None: no truncation.
            labels: conditional GANs only: one class for all samples (an int)
                or one per sample (`[N]` ints in `[0, num_classes)`); None
                cycles through the classes (sample i gets class i mod K).

        Uses the EMA generator when `ema_decay` or `ema_half_life_images` is set.

        Example:
        >>> from kerasgan.nets import mlp_generator, mlp_discriminator
        >>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
        >>> bool((gan.generate(3, seed=1) == gan.generate(3, seed=1)).all())
        True
        >>> gan.generate(3, seed=1, truncation=0.5).shape
        (3, 2)
        """
        latents = self._sampling_latents(num_or_latents, seed, truncation)
        labels = self._sampling_labels(labels, int(latents.shape[0]))
        return self._generate_batches(latents, labels, batch_size)

    def _sampling_labels(self, labels, num):
        if self.num_classes is None:
            if labels is not None:
                raise ValueError("labels were given, but this GAN is not conditional "
                                 "(num_classes=None).")
            return None
        if labels is None:
            return np.arange(num, dtype=np.int32) % self.num_classes
        array = np.asarray(labels)
        if array.ndim == 0:
            array = np.full(num, array)
        if (array.ndim != 1 or len(array) != num or not np.issubdtype(array.dtype, np.integer)
                or (num and (array.min() < 0 or array.max() >= self.num_classes))):
            raise ValueError(
                f"labels must be one int or {num} ints in [0, {self.num_classes}); got "
                f"{array.dtype.name} array of shape {array.shape}"
                + (f" with values in [{array.min()}, {array.max()}]." if array.size else ".")
            )
        return array.astype(np.int32)

    def _sampling_latents(self, num_or_latents, seed, truncation):
        if isinstance(num_or_latents, numbers.Integral):
            num = check_positive_int("num", num_or_latents, allow_zero=True)
            if seed is None:
                seed = int(np.random.default_rng().integers(2**31 - 1))
            if not (isinstance(seed, numbers.Integral) and 0 <= seed < 2**31):
                raise ValueError(
                    f"seed must be an integer in [0, 2**31) (the SavedModel's `sample` "
                    f"takes an int32 seed); got {seed!r}."
                )
            if truncation is None:
                return latents_for_seed(num, self.latent_dim, int(seed))
            threshold = check_positive_number("truncation", truncation)
            return truncated_latents_for_seed(num, self.latent_dim, int(seed), threshold)
        if truncation is not None:
            raise ValueError("truncation applies when drawing latents (a number of samples); "
                             "got latent vectors.")
        latents = np.asarray(num_or_latents)
        if latents.ndim != 2 or latents.shape[1] != self.latent_dim:
            raise ValueError(
                f"Latents must have shape [N, {self.latent_dim}]; got {latents.shape}."
            )
        return tf.constant(latents, tf.float32)

    def _generate_batches(self, latents, labels, batch_size):
        chunks = []
        for i in range(0, int(latents.shape[0]), batch_size):
            part = latents[i : i + batch_size]
            if labels is None:
                chunks.append(self.sampling_generator(part, training=False))
            else:
                part_labels = tf.constant(labels[i : i + batch_size], tf.int32)
                chunks.append(self.sampling_generator([part, part_labels], training=False))
        if not chunks:
            return np.zeros((0, *self.data_shape), np.float32)
        # float32 also when the generator computes in float16 / bfloat16 (mixed precision).
        return np.concatenate([np.asarray(tf.cast(c, tf.float32)) for c in chunks], axis=0)

    def export(self, filepath, format="tf_saved_model", verbose=False, **kwargs):
        """Write the (EMA) generator as a SavedModel; see `kerasgan.export.export_generator`
        (built by `kerasgan.models.serving`).

        Example:
        >>> gan.export("/tmp/gan_savedmodel")  # doctest: +SKIP
        """
        if format != "tf_saved_model":
            raise ValueError(f"GAN.export writes format='tf_saved_model'; got {format!r}.")
        return serving.export_generator(self, filepath, **kwargs)

    # ----------------------------------------------------------------- weights
    def networks(self):
        """The sub-networks whose weights make up the GAN, by role.

        Example:
        >>> sorted(gan.networks())  # doctest: +SKIP
        ['discriminator', 'ema_generator', 'generator']
        """
        nets = {"generator": self.generator, "discriminator": self.discriminator}
        if self.ema_generator is not None:
            nets["ema_generator"] = self.ema_generator
        return nets

    def _extra_state(self):
        """The hooks' state for the weights file's `state` group: the augmentation's
        variables, then the regularizers' (e.g. `PathLength.mean`)."""
        return self._hook_state()

    def _optional_state_count(self):
        # Files written before augmentations and regularizers had state lack them.
        return len(self._hook_state())

    def _hook_state(self):
        state = [] if self.augment is None else list(self.augment.variables)
        for regularizer in self.penalties + self.generator_regularizers:
            state += list(regularizer.variables)
        return state

    # ---------------------------------------------------------- serialization
    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            latent_dim=self.latent_dim,
            loss=self.gan_loss.name,
            regularizers=[keras.saving.serialize_keras_object(r)
                          for r in self.penalties + self.generator_regularizers],
            d_steps=self.d_steps,
            ema_decay=self.ema_decay,
            ema_half_life_images=self.ema_half_life_images,
            ema_rampup=self.ema_rampup,
            instance_noise=None if self.instance_noise is None else self.instance_noise.get_config(),
            seed=self.seed,
            clip_discriminator=self.clip_discriminator,
            num_classes=self.num_classes,
            augment=None if self.augment is None else keras.saving.serialize_keras_object(
                self.augment),
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # Keras' deserialization consumes nested configs
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
