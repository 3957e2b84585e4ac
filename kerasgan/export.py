"""SavedModel export of kerasgan models, loadable by plain TensorFlow.

`export_generator(gan, filepath)` writes a GAN's (EMA) generator with
`generate`, `sample` and `serving_default` endpoints; `export_translation`
writes a Pix2Pix / CycleGAN's generators with `translate*` endpoints. The
archives are built by `kerasgan.models.serving` (which `GAN.export` and the
translation models' `export` use too); see there for the signatures and the
input checks.

Example:
>>> from kerasgan.models import GAN
>>> from kerasgan.nets import mlp_generator, mlp_discriminator
>>> import os, tempfile
>>> gan = GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)))
>>> path = export_generator(gan, os.path.join(tempfile.mkdtemp(), "gen"))
>>> import tensorflow as tf
>>> loaded = tf.saved_model.load(path)
>>> loaded.sample(num=tf.constant(3), seed=tf.constant(0))["samples"].shape
TensorShape([3, 2])
"""

from kerasgan.models import serving

__all__ = ["export_generator", "export_translation"]


def export_generator(gan, filepath):
    """Export `gan`'s sampling generator (EMA when enabled) as a SavedModel at `filepath`.

    The directory is written to a temporary name and renamed at the end, so a
    failed export never leaves a half-written SavedModel. Endpoints and input
    checks: `kerasgan.models.serving`.

    Example:
    >>> export_generator(gan, "/tmp/ring8_generator")         # doctest: +SKIP
    >>> loaded = tf.saved_model.load("/tmp/ring8_generator")  # doctest: +SKIP
    >>> loaded.sample(num=tf.constant(5), seed=tf.constant(0))["samples"].shape  # doctest: +SKIP
    TensorShape([5, 2])
    """
    return serving.export_generator(gan, filepath)


def export_translation(model, filepath):
    """Export a `Pix2Pix` / `CycleGAN`'s generators as a SavedModel at `filepath`.

    Endpoints: `translate(images)` for pix2pix; `translate_x_to_y(images)` and
    `translate_y_to_x(images)` for CycleGAN (`serving_default` is the first);
    see `kerasgan.models.serving.export_translation`.

    Example:
    >>> export_translation(cyclegan, "/tmp/digits_cyclegan")          # doctest: +SKIP
    """
    return serving.export_translation(model, filepath)
