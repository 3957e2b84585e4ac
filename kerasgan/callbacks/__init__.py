"""Keras callbacks for training GANs.

`MixtureMetricsCallback`: the 2-D mode-collapse metrics (modes captured,
high-quality samples, reverse KL, spread) at the end of epochs, with optional
TensorBoard scalars and sample pictures.
"""

from kerasgan.callbacks.mixture import LOG_KEYS, MixtureMetricsCallback

__all__ = ["LOG_KEYS", "MixtureMetricsCallback"]
