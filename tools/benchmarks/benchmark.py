"""Benchmark the zoo's train steps against two baselines, plus sampling and input pipeline.

For each zoo entry, in one process and on the same nets and batch:

* **train-step images/s** (one step = the entry's `d_steps` discriminator
  updates + one generator update, random images of the net's shape held in
  memory, batch-end clock after `warmup` steps, so compilation and `fit`'s
  set-up are left out) of
    - the kerasgan GAN (`build_gan` + `compile_gan`) with and without XLA,
    - `PlainKerasGAN`, the keras-io DCGAN tutorial's `train_step` on two fresh
      copies of the entry's nets, `fit` with `jit_compile=True` and `False`,
    - the same nets and step in eager PyTorch on CPU
      (`benchmark_torch`, optional);
  settings alternate and each reports the best of `repeats`;
* **peak memory** of each setting: the highest VmRSS (sampled by a thread
  every 5 ms during its `fit` calls) minus VmRSS just before its model was
  built, in MiB;
* **achieved FLOP/s** of the kerasgan XLA step (`train_step_flops`, an
  analytic estimate) as a fraction of the float32 matmul peak measured in the
  same run (`matmul_peak_flops`);
* **sampling images/s** from the exported SavedModel's `generate` endpoint;
* **input-pipeline waiting**: the entry's real `kerasgan.data.load` pipeline
  against one cached batch repeated (`input_wait_fraction`);
* a **profile** (G forward, D forward, D update, G update, whole step) of the
  entries that miss a target.

`tools/bench.py` (via `add_arguments` / `run_from_args`) prints the result as
markdown. This is a development tool of the repository (`tools/benchmarks/`), not
part of the installed package; import it with `tools/` on `sys.path`
(`from benchmarks import benchmark`).

Example:
>>> rows = run(["dcgan_digits"], batch_size=256)  # doctest: +SKIP
>>> print(format_markdown(rows))                   # doctest: +SKIP
"""

import argparse  # noqa: F401  (used by the examples)
import json
import math
import os
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from benchmarks import benchmark_torch
from benchmarks.common import (  # noqa: F401  (also this module's names)
    PeakRSS, random_images, release_free_memory, rss_mib)
from kerasgan import data as data_lib
from kerasgan import zoo
from kerasgan.models import GAN
from kerasgan.training import build_gan, compile_gan

#: The benchmark's targets: ratios to the baselines, fraction of the matmul peak,
#: SavedModel sampling images/s (DCGAN-28) and input-pipeline waiting fraction.
TARGETS = {
    "vs_plain_keras": 1.3,
    "vs_torch": 1.1,
    "flops_fraction": 0.70,
    "sampling_images_per_second": 10_000,
    "input_wait_fraction": 0.05,
}

#: Settings of the train-step comparison, in the order they alternate.
SETTINGS = ("kerasgan_xla", "kerasgan_no_xla", "plain_keras_xla", "plain_keras_no_xla", "torch")

MEMORY_DEFINITION = (
    "peak memory: the highest VmRSS of the process (sampled every 5 ms by a thread during the "
    "setting's `fit` calls, compilation included) minus VmRSS just before the setting's model "
    "was built (after `malloc_trim`; a tiny model primes the process first, so one-time "
    "runtime set-up is charged to no setting), in MiB; the Keras settings share one process, so "
    "memory TensorFlow keeps cached from an earlier setting is not counted again; PyTorch runs "
    "in a worker process of its own")

FLOPS_DEFINITION = (
    "train-step FLOPs are an analytic estimate from the Dense / Conv2D / Conv2DTranspose layers "
    "(2 x multiply-adds; elementwise ops, normalization and penalties ignored): per example, "
    "each D update = G fwd + D fwd on real and fake + D bwd on both (2x fwd), the G update = "
    "G fwd + D fwd + D input-gradient bwd (1x) + G bwd (2x), less one G fwd for kerasgan, "
    "whose G update reuses the last D update's samples")


# ------------------------------------------------------------------ timing
class StepClock(keras.callbacks.Callback):
    """Times the steps after the first `warmup` ones, inside one `fit` call.

    Batch-end timestamps leave out `fit`'s set-up and tear-down (and the
    compilation in the first steps), which would swamp short steps.

    Example:
    >>> clock = StepClock(warmup=2)
    >>> model.fit(ds, steps_per_epoch=12, epochs=1, callbacks=[clock])  # doctest: +SKIP
    >>> clock.seconds_per_step(10)                                       # doctest: +SKIP
    0.0123
    """

    def __init__(self, warmup):
        super().__init__()
        self.warmup = int(warmup)
        self.start = self.end = None

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.warmup - 1:
            self.start = time.perf_counter()
        self.end = time.perf_counter()

    def seconds_per_step(self, steps):
        """Mean seconds per step of the `steps` timed steps.

        Example:
        >>> clock = StepClock(1); clock.start, clock.end = 0.0, 2.0
        >>> clock.seconds_per_step(4)
        0.5
        """
        return (self.end - self.start) / steps




def train_step_images_per_second(model, dataset, batch_size, steps=20, warmup=5):
    """Images/s of `model.fit` train steps on `dataset` (batch-end clock after `warmup` steps).

    Works for any compiled Keras model whose `fit` takes `dataset` -- a
    kerasgan GAN (`kerasgan.training.build_gan` + `compile_gan`) or a
    `PlainKerasGAN`. One `fit` call of `warmup + steps` steps; the model's
    compiled train function is reused by later calls.

    Example:
    >>> config = kerasgan.zoo.get_entry("dcgan_digits").config                    # doctest: +SKIP
    >>> gan = compile_gan(build_gan(config), config, jit_compile=True)            # doctest: +SKIP
    >>> train_step_images_per_second(gan, random_image_dataset(config, 64)[0], 64)  # doctest: +SKIP
    1790.3
    """
    clock = StepClock(warmup)
    model.fit(dataset, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[clock],
              shuffle=False)
    return batch_size / clock.seconds_per_step(steps)


# ------------------------------------------------------------------ models
def _config_with_batch(config, batch_size):
    training = config.get("training", {})
    return int(batch_size or training.get("batch_size", 256))


def build_kerasgan(config, jit_compile, seed=0):
    """The entry's GAN as `kerasgan.training` builds and compiles it (XLA on or off).

    Example:
    >>> from kerasgan import zoo
    >>> gan = build_kerasgan(zoo.get_entry("dcgan_digits").config, jit_compile=False)
    >>> gan.d_steps, gan.jit_compile
    (1, False)
    """
    keras.utils.set_random_seed(seed)
    return compile_gan(build_gan(config), config, jit_compile=jit_compile)


class PlainKerasGAN(keras.Model):
    """The keras-io DCGAN tutorial's GAN ("GAN overriding `Model.train_step`"), as written there.

    The baseline of the benchmark. `train_step` draws latents with
    `keras.random.normal` and a `SeedGenerator`, trains the discriminator on
    the concatenated generated + real batch (labels 1 for fake, 0 for real,
    plus the tutorial's `0.05 * uniform` label noise) with
    `BinaryCrossentropy(from_logits=True)`, then the generator on fresh
    latents with "misleading" all-real labels; two `Adam(2e-4, beta_1=0.5)`.
    The one change from the tutorial: the nets are called with
    `training=True`, because the zoo's generator has batch normalization (the
    tutorial's nets have none) and a GAN trains it in training mode.

    Example:
    >>> from kerasgan.nets import dcgan_generator, dcgan_discriminator
    >>> gan = PlainKerasGAN(dcgan_discriminator(base_filters=8), dcgan_generator(16, base_filters=8), 16)
    >>> gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...             keras.losses.BinaryCrossentropy(from_logits=True))
    >>> history = gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'g_loss']
    """

    def __init__(self, discriminator, generator, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.d_steps = 1

    def compile(self, d_optimizer, g_optimizer, loss_fn, **kwargs):
        """Store the two optimizers and the loss (the tutorial's signature; `**kwargs` to Keras).

        Example:
        >>> gan.compile(d_opt, g_opt, keras.losses.BinaryCrossentropy(from_logits=True),
        ...             jit_compile=True)  # doctest: +SKIP
        """
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real_images):
        ops = keras.ops
        # Sample random points in the latent space
        batch_size = ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator)

        # Decode them to fake images
        generated_images = self.generator(random_latent_vectors, training=True)

        # Combine them with real images
        combined_images = ops.concatenate([generated_images, real_images], axis=0)

        # Assemble labels discriminating real from fake images
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        # Add random noise to the labels - important trick!
        labels += 0.05 * tf.random.uniform(tf.shape(labels))

        # Train the discriminator
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images, training=True)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        # Sample random points in the latent space
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator)

        # Assemble labels that say "all real images"
        misleading_labels = ops.zeros((batch_size, 1))

        # Train the generator (note that we should *not* update the weights
        # of the discriminator)!
        with tf.GradientTape() as tape:
            predictions = self.discriminator(
                self.generator(random_latent_vectors, training=True), training=True)
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))

        # Update metrics
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


def baseline_skip_reason(config):
    """Why the entry has no like-for-like baseline step (None when it has one).

    The baselines run the tutorial's non-saturating step with one
    discriminator update: entries with several critic updates, penalties or
    class conditioning do other work per step.

    Example:
    >>> from kerasgan import zoo
    >>> baseline_skip_reason(zoo.get_entry("dcgan_digits").config) is None
    True
    >>> baseline_skip_reason(zoo.get_entry("wgan_gp_digits").config)
    '5 D steps + penalties per step (the baseline does 1 D step, no penalty)'
    """
    gan = build_gan(config)
    if gan.num_classes is not None:
        return "conditional (the tutorial's step is unconditional)"
    extra = []
    if gan.d_steps != 1:
        extra.append(f"{gan.d_steps} D steps")
    if gan.penalties:
        extra.append("penalties")
    if extra:
        return " + ".join(extra) + " per step (the baseline does 1 D step, no penalty)"
    return None


def build_plain_keras(config, jit_compile, seed=0):
    """`PlainKerasGAN` on two fresh copies of the entry's nets, compiled as the tutorial does.

    The nets come from `kerasgan.training.build_gan(config)` (the entry's
    builders and arguments); the optimizers are two Adam(2e-4, beta_1=0.5).

    Example:
    >>> from kerasgan import zoo
    >>> gan = build_plain_keras(zoo.get_entry("dcgan_digits").config, jit_compile=True)
    >>> gan.latent_dim, gan.jit_compile
    (64, True)
    """
    keras.utils.set_random_seed(seed)
    nets = build_gan(config)
    gan = PlainKerasGAN(nets.discriminator, nets.generator, nets.latent_dim)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return gan


def random_image_dataset(config, batch_size, num_batches=8, seed=0):
    """In-memory random data of the entry's sample shape, as `(kerasgan_ds, plain_ds, images)`.

    `kerasgan_ds` yields `{"images", ["labels"]}` dicts (labels for
    conditional entries), `plain_ds` the image tensors alone (the tutorial's
    input); both repeat `num_batches` batches forever.

    Example:
    >>> from kerasgan import zoo
    >>> ds, plain, images = random_image_dataset(zoo.get_entry("dcgan_digits").config, 4)
    >>> images.shape, tuple(next(iter(plain)).shape)
    ((32, 28, 28, 1), (4, 28, 28, 1))
    """
    images = random_images(config, batch_size, num_batches, seed)
    rng = np.random.default_rng(seed + 1)
    element = {"images": images}
    num_classes = config.get("model_args", {}).get("num_classes")
    if num_classes:
        element["labels"] = rng.integers(0, num_classes, len(images)).astype(np.int32)

    def batched(ds):
        return ds.repeat().batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)

    return (batched(tf.data.Dataset.from_tensor_slices(element)),
            batched(tf.data.Dataset.from_tensor_slices(images)), images)


# ------------------------------------------------------------------- FLOPs
def layer_forward_flops(layer):
    """FLOPs (2 x multiply-adds) of one example through a Dense / Conv2D / Conv2DTranspose layer.

    Other layers (activations, normalization, reshapes ...) count 0; a
    wrapper (e.g. `SpectralNormalization`) counts as the layer it wraps, and
    a nested model as the sum of its layers. Shapes are the built layer's.
    A Conv2DTranspose scatters each input pixel through the whole kernel:
    `2 * H_in * W_in * kh * kw * C_in * C_out`.

    Example:
    >>> layer = keras.layers.Dense(3)
    >>> _ = keras.Sequential([keras.Input((4,)), layer])
    >>> layer_forward_flops(layer)
    24
    """
    if isinstance(layer, keras.Model):
        return forward_flops(layer)
    core = layer.layer if isinstance(layer, keras.layers.Wrapper) else layer
    if not isinstance(core, (keras.layers.Dense, keras.layers.Conv2D,
                             keras.layers.Conv2DTranspose)):
        return 0
    kernel = tuple(int(d) for d in core.kernel.shape)
    if isinstance(core, keras.layers.Conv2DTranspose):  # before Conv2D: not a subclass, but be safe
        _, h, w, _ = (int(d) if d is not None else 1 for d in layer.input.shape)
        kh, kw, cout, cin = kernel
        return 2 * h * w * kh * kw * cin * cout
    if isinstance(core, keras.layers.Conv2D):
        _, h, w, _ = (int(d) if d is not None else 1 for d in layer.output.shape)
        kh, kw, cin_per_group, cout = kernel
        return 2 * h * w * kh * kw * cin_per_group * cout
    leading = int(np.prod([int(d) for d in layer.input.shape[1:-1]] or [1]))
    return 2 * leading * kernel[0] * kernel[1]


def forward_flops(model):
    """FLOPs of one example's forward pass through `model` (see `layer_forward_flops`).

    Example:
    >>> from kerasgan.nets import dcgan_discriminator
    >>> forward_flops(dcgan_discriminator((28, 28, 1), base_filters=32))
    3418240
    """
    return int(sum(layer_forward_flops(layer) for layer in model.layers))


def train_step_flops(gan, batch_size=1):
    """Estimated FLOPs of one train step of `gan` on `batch_size` examples.

    An estimate from the Dense / Conv2D / Conv2DTranspose layers only
    (`forward_flops`; elementwise ops, normalization, optimizer updates and
    discriminator penalties are ignored), with this model of the step, per
    example, F_G and F_D being the nets' forward FLOPs:

    * each discriminator update: G forward (F_G) + D forward on the real and
      the fake batch (2 F_D) + D backward on both (weight and input
      gradients, ~2x forward: 4 F_D) = F_G + 6 F_D, times `d_steps`;
    * the generator update: G forward (F_G) + D forward (F_D) + D backward,
      input gradients only (~1x: F_D) + G backward (~2x: 2 F_G)
      = 3 F_G + 2 F_D -- or 2 F_G + 2 F_D for a kerasgan `GAN`, whose
      generator update reuses the samples generated for the last
      discriminator update (one G forward less).

    Works for kerasgan GANs and `PlainKerasGAN` (anything with `generator`,
    `discriminator` and `d_steps`).

    Example:
    >>> from kerasgan import zoo
    >>> gan = build_kerasgan(zoo.get_entry("dcgan_digits").config, jit_compile=False)
    >>> f_g, f_d = forward_flops(gan.generator), forward_flops(gan.discriminator)
    >>> train_step_flops(gan, 256) == 256 * ((f_g + 6 * f_d) + 2 * f_g + 2 * f_d)
    True
    """
    f_g, f_d = forward_flops(gan.generator), forward_flops(gan.discriminator)
    d_steps = int(getattr(gan, "d_steps", 1))
    g_forwards_in_g_update = 2 if isinstance(gan, GAN) else 3  # G fwd reused by kerasgan
    return int(batch_size) * (d_steps * (f_g + 6 * f_d) + g_forwards_in_g_update * f_g + 2 * f_d)


def matmul_peak_flops(n=2048, repeats=5):
    """Float32 matmul FLOP/s of this machine, measured now: 2 n^3 / best time.

    `tf.linalg.matmul` of two n x n float32 matrices, eager and under an
    XLA-compiled `tf.function`; the best time of `repeats` calls after a
    warm-up, over both.

    Example:
    >>> matmul_peak_flops(256, repeats=2) > 0
    True
    """
    a = tf.random.stateless_normal((n, n), seed=[0, 1])
    b = tf.random.stateless_normal((n, n), seed=[0, 2])
    xla = tf.function(tf.linalg.matmul, jit_compile=True)
    best = float("inf")
    for fn in (tf.linalg.matmul, xla):
        fn(a, b).numpy()
        for _ in range(repeats):
            start = time.perf_counter()
            c = fn(a, b)
            c = c[0, 0].numpy()  # the op has run (eager CPU execution is synchronous anyway)
            best = min(best, time.perf_counter() - start)
    return 2.0 * n ** 3 / best


# ---------------------------------------------------------------- sampling
def savedmodel_sampling_images_per_second(gan, batch=1024, steps=20, warmup=3):
    """Images/s of the exported SavedModel's `generate` endpoint on a fixed latent batch.

    Exports with `gan.export` (`kerasgan.export`) to a temporary folder,
    loads it with `tf.saved_model.load` and times `steps` calls of
    `generate(latents)` (with labels cycling through the classes for a
    conditional GAN) after `warmup` calls; returns batch x calls/s of the
    best of three rounds.

    Example:
    >>> from kerasgan import zoo
    >>> gan = build_kerasgan(zoo.get_entry("dcgan_digits").config, jit_compile=True)  # doctest: +SKIP
    >>> savedmodel_sampling_images_per_second(gan, batch=1024)                        # doctest: +SKIP
    25000.0
    """
    with tempfile.TemporaryDirectory(prefix="kerasgan-bench-") as tmp:
        loaded = tf.saved_model.load(gan.export(os.path.join(tmp, "saved_model")))
        latents = tf.random.stateless_normal((batch, gan.latent_dim), seed=[0, 3])
        args = [latents]
        if gan.num_classes is not None:
            args.append(tf.constant(np.arange(batch) % gan.num_classes, tf.int32))
        for _ in range(warmup):
            loaded.generate(*args)["samples"].numpy()
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(steps):
                out = loaded.generate(*args)["samples"]
            out.numpy()
            best = min(best, time.perf_counter() - start)
    return batch * steps / best


# ------------------------------------------------------------ input pipeline
def input_wait_fraction(config, batch_size=None, steps=20, warmup=5, repeats=2, data_path=None,
                        jit_compile=True):
    """Fraction of the train step spent waiting for the entry's real input pipeline.

    Times one kerasgan GAN's `fit` steps on the entry's pipeline
    (`kerasgan.data.load` of its dataset, training split, batch and
    preprocessing; `data_path` replaces the dataset name, e.g. a local MNIST
    IDX folder) and on one batch of it cached and repeated
    (`ds.take(1).cache().repeat()`), alternating `repeats` times, best of each:
    waiting = 1 - t_cached / t_real, clamped at 0.

    Returns `{"fraction", "real_step_s", "cached_step_s", "dataset"}`.

    Example:
    >>> config = {"variant": "nsgan", "dataset": "gaussian_mixture/ring8",
    ...           "generator": {"builder": "mlp_generator", "args": {"latent_dim": 2}},
    ...           "discriminator": {"builder": "mlp_discriminator", "args": {}},
    ...           "training": {"batch_size": 64}}
    >>> wait = input_wait_fraction(config, steps=5, warmup=2, repeats=1)  # doctest: +SKIP
    >>> 0 <= wait["fraction"] < 1                                         # doctest: +SKIP
    True
    """
    training = config.get("training", {})
    batch = _config_with_batch(config, batch_size)
    dataset = config["dataset"]
    if data_path:
        data_lib.set_local_source(dataset, data_path)
    preprocessing = {k: training[k] for k in ("image_size", "center_crop") if k in training}
    real = data_lib.load(dataset, training.get("split", "train"), batch, seed=0,
                         download=False, **preprocessing)
    cached = real.take(1).cache().repeat()
    gan = build_kerasgan(config, jit_compile)
    times = {"real": [], "cached": []}
    for _ in range(repeats):
        for key, ds in (("real", real), ("cached", cached)):
            clock = StepClock(warmup)
            gan.fit(ds, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[clock],
                    shuffle=False)
            times[key].append(clock.seconds_per_step(steps))
    t_real, t_cached = min(times["real"]), min(times["cached"])
    return {"fraction": max(0.0, 1.0 - t_cached / t_real), "real_step_s": t_real,
            "cached_step_s": t_cached, "dataset": dataset}


# ----------------------------------------------------------------- profile
def step_profile(config, batch_size=None, jit_compile=True, repeats=10, warmup=3,
                 peak_flops=None):
    """Per-phase times of one train step of the entry's GAN, each phase a separate `tf.function`.

    Phases (on a fresh GAN; real batch random, latents fixed):
    `G forward` (batch), `D forward` (one batch), `D update` (fake from G
    without gradient, D on real and fake, the GAN's loss, gradients, the
    D optimizer's update), `G update` (D(G(z)), the generator loss,
    gradients, the G optimizer's update) -- written from the GAN's own nets,
    loss and optimizers, penalties left out -- and `train_step` (the GAN's
    whole step, `d_steps` D updates included). Each is compiled with
    `jit_compile` and timed `repeats` times after `warmup` calls; the best
    time is kept.

    Returns a list of `{"phase", "seconds", "flops", "flops_per_second",
    "fraction_of_peak"}` (the last with `peak_flops`).

    Example:
    >>> from kerasgan import zoo
    >>> rows = step_profile(zoo.get_entry("dcgan_digits").config, 64)  # doctest: +SKIP
    >>> [r["phase"] for r in rows]                                     # doctest: +SKIP
    ['G forward', 'D forward', 'D update', 'G update', 'train_step']
    """
    gan = build_kerasgan(config, jit_compile)
    batch = _config_with_batch(config, batch_size)
    labels = None
    if gan.num_classes is not None:
        labels = tf.constant(np.arange(batch) % gan.num_classes, tf.int32)
    real = tf.random.stateless_uniform((batch, *gan.data_shape), [0, 4], -1.0, 1.0)
    z = tf.random.stateless_normal((batch, gan.latent_dim), [0, 5])

    def G(latents):
        return gan.generator(latents if labels is None else [latents, labels], training=True)

    def D(samples):
        return gan.discriminator(samples if labels is None else [samples, labels], training=True)

    def d_update(real, z):
        fake = tf.stop_gradient(G(z))
        with tf.GradientTape() as tape:
            loss = gan.gan_loss.discriminator_loss(D(real), D(fake))
        variables = gan.discriminator.trainable_variables
        gan.d_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    def g_update(real, z):
        with tf.GradientTape() as tape:
            real_logits = D(real) if gan.gan_loss.generator_needs_real_logits else None
            loss = gan.gan_loss.generator_loss(D(G(z)), real_logits)
        variables = gan.generator.trainable_variables
        gan.g_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    def whole_step(real, z):
        element = {"images": real} if labels is None else {"images": real, "labels": labels}
        return gan.train_step(element)

    f_g, f_d = forward_flops(gan.generator), forward_flops(gan.discriminator)
    phases = [
        ("G forward", lambda real, z: G(z), batch * f_g),
        ("D forward", lambda real, z: D(real), batch * f_d),
        ("D update", d_update, batch * (f_g + 6 * f_d)),
        ("G update", g_update, batch * (3 * f_g + 2 * f_d)),
        ("train_step", whole_step, train_step_flops(gan, batch)),
    ]
    rows = []
    for name, body, flops in phases:
        # Inputs as arguments: captured tensors make XLA's step ~1.8x slower here.
        fn = tf.function(body, jit_compile=jit_compile)
        for _ in range(warmup):
            tf.nest.map_structure(lambda t: t.numpy(), fn(real, z))
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            tf.nest.map_structure(lambda t: t.numpy(), fn(real, z))
            best = min(best, time.perf_counter() - start)
        rows.append({"phase": name, "seconds": best, "flops": flops,
                     "flops_per_second": flops / best,
                     "fraction_of_peak": flops / best / peak_flops if peak_flops else None})
    return rows


# --------------------------------------------------------------------- run
class _Setting:
    """One train-step setting: built on first use (memory measured from then), reused after."""

    def __init__(self, name, build, measure):
        self.name, self._build, self._measure = name, build, measure
        self.rates, self.peak, self.baseline, self.model = [], float("nan"), None, None

    def run(self):
        if self.model is None:
            release_free_memory()
            self.baseline = rss_mib()
            self.model = self._build()
        with PeakRSS() as monitor:
            rate = self._measure(self.model)
        self.rates.append(rate)
        self.peak = monitor.peak if math.isnan(self.peak) else max(self.peak, monitor.peak)

    @property
    def result(self):
        return {"images_per_second": max(self.rates), "all": self.rates,
                "peak_rss_mib": self.peak - self.baseline}


class _TorchSetting(_Setting):
    """The PyTorch setting, run in a `benchmark_torch.TorchWorker` process."""

    def __init__(self, worker, steps, warmup):
        super().__init__("torch", None, None)
        self.worker, self.model = worker, worker  # built by the caller
        self.steps, self.warmup = steps, warmup
        self.baseline = 0.0  # the worker reports the increase itself

    def run(self):
        reply = self.worker.run(self.steps, self.warmup)
        self.rates.append(reply["images_per_second"])
        self.peak = reply["peak_rss_mib"]


def benchmark_entry(name, *, batch_size=None, steps=20, warmup=5, repeats=2, torch=True,
                    data_path=None, sampling_batch=1024, peak_flops=None, profile="misses",
                    log=print):
    """All measurements of one zoo entry; returns one row (a dict) for `format_markdown`.

    Settings (`SETTINGS`) alternate `repeats` times; each keeps its best
    images/s and its peak memory. `profile` is `"misses"` (profile the
    entries that miss a target), `"always"` or `"never"`.

    Example:
    >>> row = benchmark_entry("dcgan_digits", batch_size=256, peak_flops=1e11)  # doctest: +SKIP
    >>> row["ratios"]["vs_plain_keras"] > 1                                       # doctest: +SKIP
    True
    """
    config = zoo.get_entry(name).config
    batch = _config_with_batch(config, batch_size)
    probe = build_gan(config)
    kind = "mixture" if len(probe.data_shape) == 1 else "image"
    ds, plain_ds, images = random_image_dataset(config, batch)
    skip = baseline_skip_reason(config)
    notes = []
    worker = None

    def fit_rate(dataset):
        return lambda model: train_step_images_per_second(model, dataset, batch, steps, warmup)

    settings = [
        _Setting("kerasgan_xla", lambda: build_kerasgan(config, True), fit_rate(ds)),
        _Setting("kerasgan_no_xla", lambda: build_kerasgan(config, False), fit_rate(ds)),
    ]
    if skip is None:
        settings += [
            _Setting("plain_keras_xla", lambda: build_plain_keras(config, True), fit_rate(plain_ds)),
            _Setting("plain_keras_no_xla", lambda: build_plain_keras(config, False),
                     fit_rate(plain_ds)),
        ]
        if probe.gan_loss.name != "non_saturating":
            notes.append(f"the baselines train with the tutorial's BCE loss, the entry with "
                         f"{probe.gan_loss.name!r} (the same nets and passes)")
    else:
        notes.append(f"no plain Keras or PyTorch figure: {skip}")
    if not torch:
        notes.append("no PyTorch figure: not run (--no-torch)")
    elif skip is None:
        if not benchmark_torch.torch_available():
            notes.append("no PyTorch figure: torch is not installed (pip install kerasgan[bench])")
        else:
            worker = benchmark_torch.TorchWorker()
            try:
                worker.build(config, batch)  # converts the nets: unsupported layers fail here
                settings.append(_TorchSetting(worker, steps, warmup))
            except ValueError as error:
                worker.close()
                worker = None
                notes.append(f"no PyTorch figure: {error}")
    try:
        for r in range(repeats):
            for setting in settings:
                setting.run()
                log(f"  {name} repeat {r + 1}/{repeats}: {setting.name} "
                    f"{setting.rates[-1]:.0f} images/s")
    finally:
        if worker is not None:
            worker.close()
    results = {s.name: s.result for s in settings}

    ours = results["kerasgan_xla"]["images_per_second"]
    ratios = {}
    plain = [results[k]["images_per_second"] for k in ("plain_keras_xla", "plain_keras_no_xla")
             if k in results]
    best_ours = max(results[k]["images_per_second"] for k in ("kerasgan_xla", "kerasgan_no_xla"))
    if plain:
        ratios["vs_plain_keras"] = ours / max(plain)
        ratios["vs_plain_keras_best_setting"] = best_ours / max(plain)
    if "plain_keras_no_xla" in results:
        # The tutorial as written: compile() without jit_compile, i.e. no XLA on CPU.
        ratios["vs_plain_keras_as_written"] = ours / results["plain_keras_no_xla"]["images_per_second"]
    if "torch" in results:
        ratios["vs_torch"] = ours / results["torch"]["images_per_second"]
        ratios["vs_torch_best_setting"] = best_ours / results["torch"]["images_per_second"]
    step_flops = train_step_flops(probe, batch)
    achieved = step_flops * ours / batch
    row = {"name": name, "kind": kind, "batch": batch, "d_steps": probe.d_steps,
           "settings": results, "notes": notes, "ratios": ratios,
           "flops_per_step": step_flops, "achieved_flops_per_second": achieved,
           "peak_flops": peak_flops,
           "flops_fraction": achieved / peak_flops if peak_flops else None}

    sampler = settings[0].model
    row["sampling_batch"] = sampling_batch
    row["sampling_images_per_second"] = savedmodel_sampling_images_per_second(
        sampler, batch=sampling_batch)
    log(f"  {name}: SavedModel sampling {row['sampling_images_per_second']:.0f} images/s")

    dataset = config["dataset"]
    needs_path = dataset.split("/")[0].split(":")[0] in ("mnist", "fashion_mnist")
    if needs_path and not data_path:
        row["input_wait"] = {"skipped": "needs --source (a local IDX folder of the dataset)"}
    else:
        try:
            row["input_wait"] = input_wait_fraction(
                config, batch, steps=steps, warmup=warmup, repeats=repeats,
                data_path=data_path if needs_path else None)
        except Exception as error:  # a missing dataset must not lose the other figures
            row["input_wait"] = {"skipped": f"{type(error).__name__}: {error}"[:120]}
    row["targets"] = check_targets(row)
    missed = any(met is False for _, _, met in row["targets"].values())
    if profile == "always" or (profile == "misses" and missed):
        row["profile"] = _profile_rows(row, peak_flops)
    return row


def check_targets(row):
    """`{target: (value, threshold, met)}` for a row; `met` is None where not measured.

    Example:
    >>> check_targets({"ratios": {"vs_plain_keras": 1.5}, "flops_fraction": 0.2,
    ...                "sampling_images_per_second": 20000.0,
    ...                "input_wait": {"fraction": 0.01}})["vs_plain_keras"]
    (1.5, 1.3, True)
    """
    ratios = row.get("ratios", {})
    wait = row.get("input_wait", {}).get("fraction")
    values = {
        "vs_plain_keras": ratios.get("vs_plain_keras"),
        "vs_torch": ratios.get("vs_torch"),
        "flops_fraction": row.get("flops_fraction"),
        "sampling_images_per_second": row.get("sampling_images_per_second"),
        "input_wait_fraction": wait,
    }
    out = {}
    for key, threshold in TARGETS.items():
        value = values[key]
        if value is None:
            out[key] = (None, threshold, None)
        elif key == "input_wait_fraction":
            out[key] = (value, threshold, value < threshold)
        else:
            out[key] = (value, threshold, value >= threshold)
    return out


def _load():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def prime_process():
    """Run a few steps of a tiny kerasgan GAN and `PlainKerasGAN`, with and without XLA.

    TensorFlow, XLA and tf.data initialise process-wide state on first use;
    priming charges it to no benchmark setting (memory and time).

    Example:
    >>> prime_process()  # doctest: +SKIP
    """
    config = {"model": "nsgan", "model_args": {}, "nets": {
        "generator": {"builder": "dcgan_generator", "args": {"latent_dim": 8, "base_filters": 4}},
        "discriminator": {"builder": "dcgan_discriminator", "args": {"base_filters": 4}}}}
    ds, plain_ds, _ = random_image_dataset(config, 8, num_batches=1)
    for jit in (True, False):
        train_step_images_per_second(build_kerasgan(config, jit), ds, 8, steps=1, warmup=1)
        train_step_images_per_second(build_plain_keras(config, jit), plain_ds, 8, steps=1, warmup=1)
    release_free_memory()


def run(names, *, batch_size=None, steps=20, warmup=5, repeats=2, torch=True, data_path=None,
        sampling_batch=1024, profile="misses", log=print):
    """Benchmark the zoo entries `names`; returns one row per entry (see `benchmark_entry`).

    The float32 matmul peak is measured at the start and the end of the run
    (the higher is used) and stored in every row.

    Example:
    >>> rows = run(["dcgan_digits"], batch_size=256, repeats=2)  # doctest: +SKIP
    >>> rows[0]["settings"]["kerasgan_xla"]["images_per_second"]  # doctest: +SKIP
    1900.0
    """
    peak = matmul_peak_flops()
    log(f"float32 matmul peak: {peak / 1e9:.1f} GFLOP/s (load average {_load()})")
    prime_process()
    rows = []
    for name in names:
        log(f"{name} ...")
        rows.append(benchmark_entry(
            name, batch_size=batch_size, steps=steps, warmup=warmup, repeats=repeats,
            torch=torch, data_path=data_path, sampling_batch=sampling_batch, peak_flops=peak,
            profile="never", log=log))
    end_peak = matmul_peak_flops()
    log(f"float32 matmul peak at the end: {end_peak / 1e9:.1f} GFLOP/s (load average {_load()})")
    peak = max(peak, end_peak)
    for row in rows:
        row["peak_flops"] = peak
        row["flops_fraction"] = row["achieved_flops_per_second"] / peak
        row["targets"] = check_targets(row)
        missed = any(met is False for _, _, met in row["targets"].values())
        if profile == "always" or (profile == "misses" and missed):
            log(f"profiling {row['name']} ...")
            row["profile"] = _profile_rows(row, peak)
    return rows


def _profile_rows(row, peak):
    """The profile of a row's entry with XLA and without: one dict per phase."""
    config = zoo.get_entry(row["name"]).config
    merged = []
    for jit, key in ((True, "kerasgan_xla"), (False, "kerasgan_no_xla")):
        phases = step_profile(config, row["batch"], jit_compile=jit, peak_flops=peak)
        full = next(p for p in phases if p["phase"] == "train_step")["seconds"]
        in_fit = row["batch"] / row["settings"][key]["images_per_second"]
        phases.append({"phase": "fit loop + input (step in fit − train_step alone)",
                       "seconds": in_fit - full, "flops": 0, "flops_per_second": None,
                       "fraction_of_peak": None})
        suffix = "xla" if jit else "no_xla"
        for i, p in enumerate(phases):
            if jit:
                merged.append({"phase": p["phase"], "flops": p["flops"]})
            merged[i].update({f"seconds_{suffix}": p["seconds"],
                              f"flops_per_second_{suffix}": p["flops_per_second"],
                              f"fraction_of_peak_{suffix}": p["fraction_of_peak"]})
    return merged


# -------------------------------------------------------------- formatting
def _num(value, fmt="{:.0f}"):
    return "—" if value is None else fmt.format(value)


def _ratio(ratios, key):
    """`1.08×`, with the ratio of kerasgan's faster setting when that is not XLA."""
    value, best = ratios.get(key), ratios.get(f"{key}_best_setting")
    if value is None:
        return "—"
    text = f"{value:.2f}×"
    if best is not None and best > value + 0.005:
        text += f" (no XLA: {best:.2f}×)"
    return text


def format_markdown(rows):
    """Markdown tables of `run`'s rows: throughput, resources, targets and profiles.

    Example:
    >>> row = {"name": "dcgan_digits", "kind": "image", "batch": 256, "d_steps": 1,
    ...        "settings": {"kerasgan_xla": {"images_per_second": 2000.0, "peak_rss_mib": 50.0},
    ...                     "kerasgan_no_xla": {"images_per_second": 1500.0, "peak_rss_mib": 60.0}},
    ...        "notes": ["no PyTorch figure: not run (--no-torch)"],
    ...        "ratios": {}, "flops_per_step": 1e10, "achieved_flops_per_second": 8e10,
    ...        "peak_flops": 1e11, "flops_fraction": 0.8, "sampling_batch": 1024,
    ...        "sampling_images_per_second": 30000.0, "input_wait": {"fraction": 0.01,
    ...        "real_step_s": 0.101, "cached_step_s": 0.1}}
    >>> text = format_markdown([row])
    >>> sum(line.startswith("| dcgan_digits |") for line in text.splitlines())
    3
    """
    out = []
    peak = next((r.get("peak_flops") for r in rows if r.get("peak_flops")), None)
    out.append("Train-step images/s (one step = `d_steps` D updates + one G update; best of the "
               "repeats; random images in memory; batch-end clock after warm-up). "
               "Ratios: kerasgan with XLA (its default) over the best of the baseline's two "
               "settings, over the tutorial as written (its `compile()` leaves XLA off on CPU), "
               "and over PyTorch eager; in brackets, kerasgan without XLA where that is faster.\n")
    out.append("| entry | batch | D steps | kerasgan XLA | kerasgan no XLA | plain Keras XLA "
               "| plain Keras no XLA | PyTorch eager | × plain Keras (best setting) "
               "| × plain Keras as written | × PyTorch |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        s = row["settings"]

        def rate(key):
            if key in s:
                return f"{s[key]['images_per_second']:.0f}"
            return "—"

        ratios = row.get("ratios", {})
        out.append(
            f"| {row['name']} | {row['batch']} | {row['d_steps']} | {rate('kerasgan_xla')} "
            f"| {rate('kerasgan_no_xla')} | {rate('plain_keras_xla')} "
            f"| {rate('plain_keras_no_xla')} | {rate('torch')} "
            f"| {_ratio(ratios, 'vs_plain_keras')} "
            f"| {_ratio(ratios, 'vs_plain_keras_as_written')} | {_ratio(ratios, 'vs_torch')} |")
    notes = [(row["name"], note) for row in rows for note in row.get("notes", [])]
    if notes:
        out.append("")
        out += [f"- {name}: {note}" for name, note in notes]
    out.append("\nPeak memory (MiB), achieved FLOP/s, sampling and input pipeline. "
               f"{MEMORY_DEFINITION[0].upper() + MEMORY_DEFINITION[1:]}. "
               f"{FLOPS_DEFINITION[0].upper() + FLOPS_DEFINITION[1:]}; "
               "achieved = FLOPs per step x kerasgan XLA steps/s"
               + (f", against the float32 matmul peak measured in this run, "
                  f"{peak / 1e9:.1f} GFLOP/s" if peak else "") + ". "
               "Input wait = 1 − t(one cached batch) / t(real pipeline), XLA step.\n")
    out.append("| entry | peak MiB: kerasgan XLA / no XLA / plain XLA / plain no XLA / PyTorch "
               "| GFLOP per step | achieved GFLOP/s (% of matmul peak) "
               "| SavedModel sampling images/s (batch) | input wait (real / cached step ms) |")
    out.append("|---|---|---|---|---|---|")
    for row in rows:
        s = row["settings"]
        mem = " / ".join(f"{s[k]['peak_rss_mib']:.0f}" if k in s else "—" for k in SETTINGS)
        frac = row.get("flops_fraction")
        flops = (f"{row['achieved_flops_per_second'] / 1e9:.1f}"
                 + (f" ({100 * frac:.0f}%)" if frac is not None else ""))
        wait = row.get("input_wait", {})
        if "fraction" in wait:
            wait_s = (f"{100 * wait['fraction']:.1f}% ({1e3 * wait['real_step_s']:.1f} / "
                      f"{1e3 * wait['cached_step_s']:.1f})")
        else:
            wait_s = f"— ({wait.get('skipped', 'not measured')})"
        out.append(f"| {row['name']} | {mem} | {row['flops_per_step'] / 1e9:.2f} | {flops} "
                   f"| {_num(row.get('sampling_images_per_second'))} ({row.get('sampling_batch')}) "
                   f"| {wait_s} |")
    out.append("\nTargets (kerasgan XLA step; ✓ met, ✗ missed, — not measured):\n")
    out.append("| entry | ≥ 1.3× plain Keras | ≥ 1.1× PyTorch | ≥ 70% of matmul peak "
               "| sampling ≥ 10,000 images/s | input wait < 5% |")
    out.append("|---|---|---|---|---|---|")
    formats = {"vs_plain_keras": "{:.2f}×", "vs_torch": "{:.2f}×", "flops_fraction": "{:.0%}",
               "sampling_images_per_second": "{:,.0f}", "input_wait_fraction": "{:.1%}"}
    for row in rows:
        targets = row.get("targets") or check_targets(row)
        cells = []
        for key in TARGETS:
            value, _, met = targets[key]
            mark = {True: "✓", False: "✗", None: "—"}[met]
            cells.append(mark if value is None else f"{mark} {formats[key].format(value)}")
        out.append(f"| {row['name']} | " + " | ".join(cells) + " |")
    for row in rows:
        if not row.get("profile"):
            continue
        out.append(f"\nProfile of {row['name']} (batch {row['batch']}; each phase a separate "
                   "compiled function, best of 10; % of the matmul peak):\n")
        out.append("| phase | GFLOP | XLA ms | XLA GFLOP/s (%) | no XLA ms | no XLA GFLOP/s (%) |")
        out.append("|---|---|---|---|---|---|")
        for p in row["profile"]:
            cells = []
            for suffix in ("xla", "no_xla"):
                gfs, frac = p.get(f"flops_per_second_{suffix}"), p.get(f"fraction_of_peak_{suffix}")
                seconds = p.get(f"seconds_{suffix}")
                cells.append("—" if seconds is None else f"{1e3 * seconds:.1f}")
                cells.append("—" if gfs is None else f"{gfs / 1e9:.1f}"
                             + ("" if frac is None else f" ({frac:.0%})"))
            out.append(f"| {p['phase']} | {p['flops'] / 1e9:.2f} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def format_text(row):
    """A one-line summary of one row (for progress output).

    Example:
    >>> format_text({"name": "x", "batch": 64, "settings": {"kerasgan_xla":
    ...     {"images_per_second": 100.0}}, "ratios": {}})
    'x (batch 64): kerasgan_xla 100 images/s'
    """
    parts = [f"{k} {v['images_per_second']:.0f}" for k, v in row["settings"].items()]
    ratios = [f"{k} {v:.2f}x" for k, v in row.get("ratios", {}).items()]
    return f"{row['name']} (batch {row['batch']}): " + ", ".join(parts) + " images/s" + (
        "; " + ", ".join(ratios) if ratios else "")


# --------------------------------------------------------------------- CLI
def add_arguments(parser, exclude=()):
    """Add the benchmark's options to an argparse parser (for tools/bench.py).

    `exclude` names options the caller defines itself (by dest, e.g. `"steps"`).

    Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser)
    >>> args = parser.parse_args(["dcgan_digits", "--batch-size", "256", "--no-torch"])
    >>> args.patterns, args.batch_size, args.torch
    (['dcgan_digits'], 256, False)
    """
    options = [
        ("patterns", ("patterns",), dict(nargs="*", default=["*_digits", "*_mnist"],
                                         help="zoo name patterns (default: *_digits *_mnist)")),
        ("batch_size", ("--batch-size",), dict(type=int, default=None,
                                               help="batch size (default: the recipe's)")),
        ("steps", ("--steps",), dict(type=int, default=20, help="timed steps per measurement")),
        ("warmup", ("--warmup",), dict(type=int, default=5, help="untimed steps before the clock")),
        ("repeats", ("--repeats",), dict(type=int, default=2,
                                         help="alternations of the settings; best is kept")),
        ("torch", ("--no-torch",), dict(dest="torch", action="store_false",
                                        help="skip the PyTorch baseline")),
        ("markdown", ("--markdown",), dict(action="store_true", help="print markdown tables")),
        ("data", ("--source",), dict(default=None, dest="data",
                                     help="local IDX folder of the *_mnist entries' dataset "
                                          "(kerasgan.data.sources), for their input pipeline")),
        ("sampling_batch", ("--sampling-batch",), dict(type=int, default=1024,
                                                       help="latents per SavedModel call")),
        ("profile", ("--profile",), dict(choices=["misses", "always", "never"], default="misses",
                                         help="per-phase profile of entries missing a target")),
        ("json", ("--json",), dict(default=None, help="also write the rows to this JSON file")),
    ]
    for dest, flags, kwargs in options:
        if dest not in exclude:
            parser.add_argument(*flags, **kwargs)


def names_for_patterns(patterns):
    """Zoo entry names matching any of the shell patterns, in order, without repeats.

    Example:
    >>> names_for_patterns(["dcgan_digits", "dcgan_*"])[:2]
    ['dcgan_digits', 'dcgan_celeba64']
    """
    names = []
    for pattern in patterns:
        matched = zoo.list_models(filter=pattern, kind="gan")
        if not matched:
            zoo.get_entry(pattern, kind="gan")  # an unknown name: the error lists the valid ones
        names += [n for n in matched if n not in names]
    return names


def run_from_args(args, log=print):
    """Run the benchmark for parsed `add_arguments` options; prints and returns the rows.

    Example:
    >>> parser = argparse.ArgumentParser(); add_arguments(parser)
    >>> rows = run_from_args(parser.parse_args(["dcgan_digits", "--no-torch"]))  # doctest: +SKIP
    """
    names = names_for_patterns(args.patterns)
    rows = run(names, batch_size=args.batch_size, steps=args.steps, warmup=args.warmup,
               repeats=args.repeats, torch=args.torch, data_path=args.data,
               sampling_batch=args.sampling_batch, profile=args.profile, log=log)
    for row in rows:
        log(format_text(row))
    if getattr(args, "json", None):
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1, default=float)
    if args.markdown:
        log("\n" + format_markdown(rows))
    return rows
