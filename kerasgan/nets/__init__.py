"""Network builders: GAN generators/discriminators and the domain classifiers.

* `mlp_generator` / `mlp_discriminator`: fully connected (2-D points, flat images);
* `dcgan_generator` / `dcgan_discriminator`: DCGAN at 28, 32, 64 px, optionally
  class-conditional (concatenation / projection);
* `resnet_generator` / `resnet_discriminator`: SNGAN ResBlocks with the BigGAN
  pieces (conditional BN from a shared embedding, hierarchical latents,
  self-attention, projection discriminator);
* `unet_generator`, `resnet_translator`, `patchgan_discriminator`: pix2pix /
  CycleGAN image-to-image nets;
* `digit_classifier`: the domain feature nets of the metrics.
"""

from kerasgan.nets.classifier import digit_classifier
from kerasgan.nets.dcgan import dcgan_discriminator, dcgan_generator
from kerasgan.nets.mlp import mlp_discriminator, mlp_generator
from kerasgan.nets.resnet import resnet_discriminator, resnet_generator
from kerasgan.nets.translation import patchgan_discriminator, resnet_translator, unet_generator

__all__ = [
    "dcgan_discriminator",
    "dcgan_generator",
    "digit_classifier",
    "mlp_discriminator",
    "mlp_generator",
    "resnet_discriminator",
    "resnet_generator",
    "patchgan_discriminator",
    "resnet_translator",
    "unet_generator",
]
