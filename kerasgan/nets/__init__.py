"""Network builders: GAN generators/discriminators and the domain classifiers."""

from kerasgan.nets.classifier import digit_classifier
from kerasgan.nets.mlp import mlp_discriminator, mlp_generator

__all__ = ["digit_classifier", "mlp_generator", "mlp_discriminator"]
