"""SavedModels of the models' generators, loadable by plain TensorFlow.

This module builds the archives behind `GAN.export`, `Pix2Pix.export` and
`CycleGAN.export` (and `kerasgan.export`, the public entry point); it needs
nothing above `kerasgan.models`.

Generator endpoints (all also TF-Serving signatures):

- `generate(latents: float32[None, latent_dim]) -> {"samples": ...}` — also
  `serving_default`;
- `sample(num: int32 scalar, seed: int32 scalar) -> {"samples": ...}` — the same
  latents as `GAN.generate(num, seed=seed)`, hence the same samples.

A conditional GAN (`num_classes` set) exports `generate(latents, labels:
int32[None])` (also `serving_default`) and `sample(num, seed, labels:
int32[None])`; labels outside `[0, num_classes)` or of another length than the
latents are refused.

Wrong inputs are refused with an error that names the expected signature:
called as functions (`loaded.generate(x)`), TensorFlow refuses any shape other
than `[None, latent_dim]` by naming that spec, and numpy float64 (which it would
silently cast) is refused inside; through the serving signatures
(`loaded.signatures["serving_default"]`), rank and width are checked inside the
graph with the expected signature in the message (TensorFlow alone would fail
deep inside a MatMul), and other dtypes are refused by TensorFlow. A negative
`num` is refused by `sample`.

Translation endpoints: one per entry of the model's `translation_endpoints()`
(`translate` for pix2pix; `translate_x_to_y` and `translate_y_to_x` for
CycleGAN), see `export_translation`.
"""

import keras
import tensorflow as tf

from kerasgan.core.images import assert_model_range, uint8_to_model_range
from kerasgan.core.io import atomic_path
from kerasgan.models.latents import latents_for_seed

__all__ = ["export_generator", "export_translation"]


def export_generator(gan, filepath):
    """Export `gan`'s sampling generator (EMA when enabled) as a SavedModel at `filepath`.

    The directory is written to a temporary name and renamed at the end, so a
    failed export never leaves a half-written SavedModel.

    Example:
    >>> export_generator(gan, "/tmp/ring8_generator")         # doctest: +SKIP
    >>> loaded = tf.saved_model.load("/tmp/ring8_generator")  # doctest: +SKIP
    >>> loaded.sample(num=tf.constant(5), seed=tf.constant(0))["samples"].shape  # doctest: +SKIP
    TensorShape([5, 2])
    """
    generator = gan.sampling_generator
    latent_dim = gan.latent_dim
    num_classes = gan.num_classes
    conditional = num_classes is not None
    signature = (f"generate(latents: float32[None, {latent_dim}], labels: int32[None] in "
                 f"[0, {num_classes}))" if conditional
                 else f"generate(latents: float32[None, {latent_dim}])")

    def checked_latents(latents):
        if latents.dtype != tf.float32:
            # Only traced for numpy float64 input, which TensorFlow would
            # otherwise cast silently: refuse it with the expected signature.
            tf.debugging.Assert(False, [f"Expected {signature}; got {latents.dtype.name} latents"])
            latents = tf.cast(latents, tf.float32)
        checks = [
            tf.debugging.assert_rank(
                latents, 2, message=f"Expected {signature}; the given latents are not 2-D"
            ),
        ]
        with tf.control_dependencies(checks):
            checks.append(tf.debugging.assert_equal(
                tf.shape(latents)[-1], latent_dim,
                message=f"Expected {signature}; the given latents have a different width",
            ))
        with tf.control_dependencies(checks):
            return tf.reshape(latents, [tf.shape(latents)[0], latent_dim])

    def checked_labels(labels, count):
        labels = tf.reshape(labels, [-1])
        message = f"Expected {signature}; got labels out of range or of another length"
        checks = [
            tf.debugging.assert_equal(tf.shape(labels)[0], count, message=message),
            tf.debugging.assert_non_negative(labels, message=message),
            tf.debugging.assert_less(labels, num_classes, message=message),
        ]
        with tf.control_dependencies(checks):
            return tf.identity(labels)

    def run(latents, labels=None):
        if not conditional:
            return {"samples": tf.cast(generator(latents, training=False), tf.float32)}
        labels = checked_labels(labels, tf.shape(latents)[0])
        return {"samples": tf.cast(generator([latents, labels], training=False), tf.float32)}

    def sample_latents(num, seed):
        check = tf.debugging.assert_non_negative(
            num, message="Expected sample(num: int32 scalar >= 0, seed: int32 scalar)"
        )
        with tf.control_dependencies([check]):
            return latents_for_seed(num, latent_dim, seed)

    latent_spec = tf.TensorSpec(None, tf.float32, name="latents")
    label_spec = tf.TensorSpec([None], tf.int32, name="labels")
    scalar = {"num": tf.TensorSpec([], tf.int32, name="num"),
              "seed": tf.TensorSpec([], tf.int32, name="seed")}
    archive = keras.export.ExportArchive()
    archive.track(generator)
    if conditional:
        def generate(latents, labels):
            return run(checked_latents(latents), labels)

        def sample(num, seed, labels):
            return run(sample_latents(num, seed), labels)

        generate_fn = tf.function(generate)
        for dtype in (tf.float32, tf.float64):
            generate_fn.get_concrete_function(
                tf.TensorSpec([None, latent_dim], dtype, name="latents"), label_spec)
        serving_signature = [latent_spec, label_spec]
        sample_signature = [scalar["num"], scalar["seed"], label_spec]
    else:
        def generate(latents):
            return run(checked_latents(latents))

        def sample(num, seed):
            return run(sample_latents(num, seed))

        generate_fn = tf.function(generate)
        # Called as a function, `generate` only accepts [None, latent_dim]: TensorFlow
        # refuses other shapes naming this spec. The float64 trace exists to refuse
        # numpy float64 input, which would otherwise be cast silently.
        for dtype in (tf.float32, tf.float64):
            generate_fn.get_concrete_function(tf.TensorSpec([None, latent_dim], dtype, name="latents"))
        serving_signature = [latent_spec]
        sample_signature = [scalar["num"], scalar["seed"]]
    archive.add_endpoint("generate", generate_fn)
    archive.add_endpoint("serving_default", generate, input_signature=serving_signature)
    archive.add_endpoint("sample", sample, input_signature=sample_signature)
    with atomic_path(filepath, directory=True) as tmp:
        archive.write_out(tmp, verbose=False)
    return filepath


def _translator(net, message):
    """The body of one translation endpoint (a closure without default arguments)."""

    def translate(images):
        if images.dtype == tf.uint8:
            images = uint8_to_model_range(images)
        else:
            images = assert_model_range(images, message)
        return {"images": tf.cast(net(images, training=False), tf.float32)}

    return translate


def export_translation(model, filepath):
    """Export a `Pix2Pix` / `CycleGAN`'s generators as a SavedModel at `filepath`.

    Endpoints: those of `model.translation_endpoints()` (name -> generator):
    `translate(images)` for pix2pix; `translate_x_to_y(images)` and
    `translate_y_to_x(images)` for CycleGAN (`serving_default` is the first).
    Each takes uint8 `[None, H, W, C]` in [0, 255] or float32 in [-1, 1] at the
    trained size and returns `{"images": float32 in [-1, 1]}`; other shapes and
    dtypes are refused by TensorFlow naming the accepted specs, float values
    outside [-1, 1] inside the graph. Written atomically.

    Example:
    >>> export_translation(cyclegan, "/tmp/digits_cyclegan")          # doctest: +SKIP
    >>> m = tf.saved_model.load("/tmp/digits_cyclegan")                # doctest: +SKIP
    >>> m.translate_x_to_y(tf.zeros((1, 32, 32, 3), tf.uint8))["images"].shape  # doctest: +SKIP
    TensorShape([1, 32, 32, 3])
    """
    endpoints = model.translation_endpoints()
    archive = keras.export.ExportArchive()
    first = None
    for name, net in endpoints.items():
        archive.track(net)
        shape = tuple(net.input_shape[1:])
        message = (f"{name} takes uint8 images in [0, 255] or float32 images in [-1, 1] of "
                   f"shape [None, {', '.join(map(str, shape))}]")

        translate = _translator(net, message)
        fn = tf.function(translate)
        for dtype in (tf.uint8, tf.float32):
            fn.get_concrete_function(tf.TensorSpec([None, *shape], dtype, name="images"))
        archive.add_endpoint(name, fn)
        if first is None:
            first = (shape, translate)
    shape, translate = first
    archive.add_endpoint("serving_default", translate,
                         input_signature=[tf.TensorSpec([None, *shape], tf.float32, name="images")])
    with atomic_path(filepath, directory=True) as tmp:
        archive.write_out(tmp, verbose=False)
    return filepath
