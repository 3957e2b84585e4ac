"""Layers: Lipschitz wrappers for discriminators."""

from kerasgan.layers.spectral_normalization import SpectralNormalization
from kerasgan.layers.weight_clip import WeightClip

__all__ = ["SpectralNormalization", "WeightClip"]
