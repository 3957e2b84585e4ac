"""Layers: Lipschitz wrappers for discriminators and the BigGAN building blocks."""

from kerasgan.layers.conditional_batch_norm import ConditionalBatchNormalization
from kerasgan.layers.self_attention import SelfAttention
from kerasgan.layers.spectral_normalization import SpectralNormalization
from kerasgan.layers.weight_clip import WeightClip

__all__ = ["ConditionalBatchNormalization", "SelfAttention", "SpectralNormalization",
           "WeightClip"]
