"""Keras callbacks for training GANs.

* `MixtureMetricsCallback`: the 2-D mode-collapse metrics (modes captured,
  high-quality samples, reverse KL, spread) at the end of epochs, with optional
  TensorBoard scalars and sample pictures.
* `SampleQualityCallback`: FID, KID, precision/recall, density/coverage and the
  Inception-score analogue of an image generator every N epochs, in the logs and
  TensorBoard.
* `StackedMnistModesCallback`: the Stacked MNIST modes (of 1,000 digit
  triples) and KL from uniform every N epochs, in the logs and TensorBoard.
* `SampleGridCallback`: a fixed-latent grid of generated images every N epochs,
  as PNG files and a TensorBoard image.
"""

from kerasgan.callbacks.mixture import LOG_KEYS, MixtureMetricsCallback
from kerasgan.callbacks.quality import SampleQualityCallback
from kerasgan.callbacks.samples import SampleGridCallback
from kerasgan.callbacks.stacked import STACKED_LOG_KEYS, StackedMnistModesCallback

__all__ = ["LOG_KEYS", "MixtureMetricsCallback", "STACKED_LOG_KEYS", "SampleGridCallback",
           "SampleQualityCallback", "StackedMnistModesCallback"]
