"""Track the 2-D mode-collapse metrics of a GAN during `model.fit`."""

import math
import os
import warnings

import keras
import numpy as np
import tensorflow as tf

from kerasgan.core.validation import check_positive_int
from kerasgan.data.mixtures import get_mixture
from kerasgan.metrics.mixture import (
    DEFAULT_NUM_SAMPLES,
    DEFAULT_THRESHOLD,
    mixture_metrics,
)
from kerasgan.plotting import scatter_image

__all__ = ["MixtureMetricsCallback", "LOG_KEYS"]

#: The metrics added to the epoch logs (and so to `History.history`).
LOG_KEYS = ("modes_captured", "high_quality", "reverse_kl", "spread")


class MixtureMetricsCallback(keras.callbacks.Callback):
    """Score the generator on a 2-D Gaussian mixture at the end of epochs.

    At the end of every `every_n_epochs`-th epoch (epochs 0-based as in Keras:
    after epochs `every_n_epochs - 1`, `2 * every_n_epochs - 1`, ...) it calls
    `self.model.generate(num_samples, seed=seed)` -- the GAN model's sampling
    method, returning `[num_samples, 2]` points -- and computes
    `kerasgan.metrics.mixture.mixture_metrics`. The fixed seed makes successive
    epochs comparable (same latent codes).

    Results:

    * the epoch `logs` get the keys `modes_captured`, `high_quality` (a fraction
      in [0, 1]), `reverse_kl` and `spread` (see `LOG_KEYS`), so they appear in
      `History.history`, the progress bar and later callbacks (list this callback
      before e.g. `EarlyStopping(monitor="modes_captured")` or Keras'
      `TensorBoard`, since callbacks see the logs in list order);
    * `self.history` is a list of `(epoch, metrics)` with the full metrics dict
      (also `high_quality_percent` and `num_samples`);
    * with `log_dir`, a TensorBoard writer in `log_dir/mixture` receives the four
      scalars (tags = `LOG_KEYS`, step = epoch) and, every
      `image_every_n_epochs`-th epoch, the scatter picture (tag `samples`) of
      `kerasgan.plotting.scatter_image`.

    Non-finite samples do not stop training: the metrics are recorded as `nan`
    (in the logs, `self.history` and TensorBoard) and a `RuntimeWarning` naming
    the epoch and the number of non-finite samples is issued. Stopping a diverged
    run is the job of a NaN guard such as `keras.callbacks.TerminateOnNaN`.

    Args:
        centers: `[K, 2]` mode centres.
        sigma: the modes' standard deviation.
        num_samples: samples scored per evaluation (the benchmark uses 2500).
        every_n_epochs: evaluate after every n-th epoch.
        seed: the seed passed to `generate`.
        log_dir: if given, write TensorBoard summaries to `log_dir/mixture`.
        image_every_n_epochs: how often to write the picture (default
            `every_n_epochs`; it is only drawn on epochs that are evaluated).
        threshold: the high-quality radius in units of σ.
        image_size: side of the picture in pixels.

    Example:
    >>> callback = MixtureMetricsCallback.for_mixture("ring8", log_dir="logs")
    >>> history = gan.fit(dataset, epochs=10, callbacks=[callback])  # doctest: +SKIP
    >>> history.history["modes_captured"]  # doctest: +SKIP
    [3, 5, 8, ...]
    """

    def __init__(
        self,
        centers,
        sigma,
        *,
        num_samples=DEFAULT_NUM_SAMPLES,
        every_n_epochs=1,
        seed=0,
        log_dir=None,
        image_every_n_epochs=None,
        threshold=DEFAULT_THRESHOLD,
        image_size=256,
    ):
        super().__init__()
        self.centers = np.asarray(centers, dtype=np.float64)
        if self.centers.ndim != 2 or self.centers.shape[1] != 2 or len(self.centers) < 1:
            raise ValueError(
                f"centers must have shape [K, 2] with K >= 1; got shape "
                f"{tuple(self.centers.shape)}."
            )
        self.sigma = float(sigma)
        if not (math.isfinite(self.sigma) and self.sigma > 0):
            raise ValueError(f"sigma must be a positive finite number; got {sigma!r}.")
        self.num_samples = check_positive_int("num_samples", num_samples)
        self.every_n_epochs = check_positive_int("every_n_epochs", every_n_epochs)
        self.image_every_n_epochs = check_positive_int(
            "image_every_n_epochs",
            every_n_epochs if image_every_n_epochs is None else image_every_n_epochs,
        )
        self.seed = seed
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.threshold = float(threshold)
        self.image_size = check_positive_int("image_size", image_size)
        self.history = []
        self._writer = None

    @classmethod
    def for_mixture(cls, name, **kwargs):
        """Build the callback for a named mixture of `kerasgan.data.mixtures`.

        Args:
            name: `"ring8"`, `"grid25"` or the tfds spelling
                `"gaussian_mixture/ring8"`.
            **kwargs: the keyword arguments of the constructor.

        Example:
        >>> MixtureMetricsCallback.for_mixture("gaussian_mixture/grid25").sigma
        0.05
        """
        spec = get_mixture(name)
        return cls(spec.centers, spec.sigma, **kwargs)

    # -- Keras hooks ---------------------------------------------------------

    def on_train_begin(self, logs=None):
        if not callable(getattr(self.model, "generate", None)):
            raise TypeError(
                "MixtureMetricsCallback needs a model with a "
                "generate(num, seed=None) method returning [num, 2] samples; got "
                f"{type(self.model).__name__}."
            )
        if self.log_dir is not None and self._writer is None:
            self._writer = tf.summary.create_file_writer(
                os.path.join(self.log_dir, "mixture")
            )

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs != 0:
            return
        samples = np.asarray(self.model.generate(self.num_samples, seed=self.seed))
        metrics = self._score(epoch, samples)
        self.history.append((epoch, metrics))
        if logs is not None:
            for key in LOG_KEYS:
                logs[key] = metrics[key]
        if self._writer is not None:
            draw = (epoch + 1) % self.image_every_n_epochs == 0
            self._write_summaries(epoch, metrics, samples if draw else None)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # -- helpers -------------------------------------------------------------

    def _score(self, epoch, samples):
        """`mixture_metrics` of `samples`, or nan metrics if any is non-finite."""
        if samples.ndim == 2 and samples.dtype.kind in "fiu":
            bad = int(np.count_nonzero(~np.all(np.isfinite(samples), axis=-1)))
            if bad:
                warnings.warn(
                    f"MixtureMetricsCallback: epoch {epoch}: {bad} of "
                    f"{len(samples)} generated samples are non-finite (NaN or "
                    "inf); recording the mixture metrics as nan.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                return {
                    "modes_captured": math.nan,
                    "high_quality": math.nan,
                    "high_quality_percent": math.nan,
                    "reverse_kl": math.nan,
                    "spread": math.nan,
                    "num_samples": len(samples),
                }
        return mixture_metrics(
            samples, self.centers, self.sigma, threshold=self.threshold
        )

    def _write_summaries(self, epoch, metrics, samples):
        with self._writer.as_default():
            for key in LOG_KEYS:
                tf.summary.scalar(key, float(metrics[key]), step=epoch)
            if samples is not None:
                image = scatter_image(
                    samples,
                    self.centers,
                    self.sigma,
                    size=self.image_size,
                    threshold=self.threshold,
                )
                tf.summary.image("samples", image[None], step=epoch)
        self._writer.flush()
