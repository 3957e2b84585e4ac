"""Evaluation metrics of generative models.

`kerasgan.metrics.mixture`: the 2-D mode-collapse benchmark (modes captured,
high-quality samples, reverse KL, spread) of PacGAN / VEEGAN.
"""

from kerasgan.metrics.mixture import (
    DEFAULT_NUM_SAMPLES,
    DEFAULT_THRESHOLD,
    evaluate_generator,
    mixture_metrics,
    nearest_modes,
)

__all__ = [
    "DEFAULT_NUM_SAMPLES",
    "DEFAULT_THRESHOLD",
    "evaluate_generator",
    "mixture_metrics",
    "nearest_modes",
]
