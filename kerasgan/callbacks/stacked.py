"""Track the Stacked MNIST mode metric (modes of 1,000, KL from uniform) during `model.fit`."""

import math
import os
import warnings

import keras
import numpy as np
import tensorflow as tf

from kerasgan.core.validation import check_positive_int
from kerasgan.metrics.stacked import (
    DEFAULT_NUM_SAMPLES,
    digit_classifier_fn,
    mode_statistics,
    stacked_mnist_labels,
    stacked_samples,
)

__all__ = ["STACKED_LOG_KEYS", "StackedMnistModesCallback"]

#: The metrics added to the epoch logs (and so to `History.history`).
STACKED_LOG_KEYS = ("stacked_modes", "stacked_kl")


class StackedMnistModesCallback(keras.callbacks.Callback):
    """Count the Stacked MNIST modes a GAN covers at the end of epochs.

    At the end of every `every`-th epoch (0-based as in Keras: after epochs
    `every - 1`, `2 * every - 1`, ...) it samples
    `self.model.generate(num_samples, seed=seed)` (a kerasgan GAN batch by
    batch, from the same latents: `kerasgan.metrics.stacked.stacked_samples`),
    classifies each channel with the MNIST classifier and computes the modes
    (of 1,000) and KL(q ‖ uniform)
    (`kerasgan.metrics.stacked_mnist_modes`). The fixed seed makes successive
    epochs comparable (same latent codes).

    Results:

    * the epoch `logs` get `stacked_modes` and `stacked_kl` (`STACKED_LOG_KEYS`),
      so they appear in `History.history`, the progress bar, and Keras'
      `TensorBoard` callback listed after this one (callbacks see the logs in
      list order);
    * `self.history` is a list of `(epoch, {"modes", "kl", "num_samples"})`;
    * with `log_dir`, a TensorBoard writer in `log_dir/stacked_mnist` receives
      the two scalars (tags = `STACKED_LOG_KEYS`, step = epoch).

    Non-finite samples do not stop training: the metrics are recorded as `nan`
    with a `RuntimeWarning` naming the epoch.

    Args:
        num_samples: samples scored per evaluation (PacGAN: 26,000).
        every: evaluate after every `every`-th epoch.
        seed: the seed passed to `generate`.
        classifier: the MNIST classifier of the channels: None (`mnist-net`,
            loaded when training begins), an extractor name, a
            `FeatureExtractor` or any callable giving class probabilities
            `[B, 10]` of `[B, 28, 28, 1]` images in `[-1, 1]`.
        batch_size: samples generated and classified at a time.
        log_dir: if given, write TensorBoard summaries to `log_dir/stacked_mnist`.

    Example:
    >>> callback = StackedMnistModesCallback(num_samples=10_000, every=5)
    >>> callback.every, callback.num_samples
    (5, 10000)
    >>> history = gan.fit(dataset, epochs=20, callbacks=[callback])  # doctest: +SKIP
    >>> history.history["stacked_modes"]                             # doctest: +SKIP
    [412, 866, 981, 997]
    """

    def __init__(self, num_samples=DEFAULT_NUM_SAMPLES, every=1, *, seed=0, classifier=None,
                 batch_size=1000, log_dir=None):
        super().__init__()
        self.num_samples = check_positive_int("num_samples", num_samples)
        self.every = check_positive_int("every", every)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.seed = seed
        self.classifier = classifier
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.history = []
        self._classify = None
        self._writer = None

    # -- Keras hooks ---------------------------------------------------------

    def on_train_begin(self, logs=None):
        if not callable(getattr(self.model, "generate", None)):
            raise TypeError(
                "StackedMnistModesCallback needs a model with a generate(num, seed=None) method "
                f"returning [num, 28, 28, 3] images; got {type(self.model).__name__}.")
        if self._classify is None:
            self._classify = digit_classifier_fn(self.classifier)
        if self.log_dir is not None and self._writer is None:
            self._writer = tf.summary.create_file_writer(
                os.path.join(self.log_dir, "stacked_mnist"))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every != 0:
            return
        if self._classify is None:  # used without fit's on_train_begin
            self._classify = digit_classifier_fn(self.classifier)
        metrics = self._score(epoch)
        self.history.append((epoch, metrics))
        if logs is not None:
            logs["stacked_modes"] = metrics["modes"]
            logs["stacked_kl"] = metrics["kl"]
        if self._writer is not None:
            with self._writer.as_default():
                tf.summary.scalar("stacked_modes", float(metrics["modes"]), step=epoch)
                tf.summary.scalar("stacked_kl", float(metrics["kl"]), step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # -- helpers -------------------------------------------------------------

    def _score(self, epoch):
        """Modes and KL of this epoch's samples, batch by batch; nan if any is non-finite."""
        labels, bad = [], 0
        for batch in stacked_samples(self.model, self.num_samples, self.seed, self.batch_size):
            batch = np.asarray(batch)
            if batch.dtype.kind == "f":
                bad += int(np.count_nonzero(~np.isfinite(batch).reshape(len(batch), -1).all(1)))
            if not bad:
                labels.append(stacked_mnist_labels(batch, self._classify,
                                                   batch_size=self.batch_size))
        if bad:
            warnings.warn(
                f"StackedMnistModesCallback: epoch {epoch}: {bad} of {self.num_samples} "
                "generated samples are non-finite (NaN or inf); recording the modes and KL "
                "as nan.", RuntimeWarning, stacklevel=2)
            return {"modes": math.nan, "kl": math.nan, "num_samples": self.num_samples}
        return mode_statistics(np.concatenate(labels))
