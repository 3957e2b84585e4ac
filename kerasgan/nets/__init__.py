"""Network builders: GAN generators/discriminators and the domain classifiers.

* `mlp_generator` / `mlp_discriminator`: fully connected (2-D points, flat images);
* `dcgan_generator` / `dcgan_discriminator`: DCGAN at 28, 32, 64 px, optionally
  class-conditional (concatenation / projection);
* `resnet_generator` / `resnet_discriminator`: SNGAN ResBlocks with the BigGAN
  pieces (conditional BN from a shared embedding, hierarchical latents,
  self-attention, projection discriminator);
* `r3gan_generator` / `r3gan_discriminator`: R3GAN's modernized nets (grouped
  inverted-bottleneck residual blocks, no normalization, fix-up init, learned
  bases) at 28, 32, 64 px, optionally class-conditional;
* `unet_generator`, `resnet_translator`, `patchgan_discriminator`: pix2pix /
  CycleGAN image-to-image nets;
* `digit_classifier`: the domain feature nets of the metrics.

Every builder registers itself in `NETS` where it is defined (`register_net`,
with its `role` and tiny `test_args`); `build_net({"builder", "args"})` builds
any of them by name, as configs and zoo entries name them.

Example:
>>> NETS.names(role="translator")
['resnet_translator', 'unet_generator']
>>> build_net({"builder": "digit_classifier", "args": NETS.metadata("digit_classifier")["test_args"]}).output_shape
(None, 10)
"""

from kerasgan.nets.registry import NETS, ROLES, build_net, register_net
from kerasgan.nets.classifier import digit_classifier
from kerasgan.nets.dcgan import dcgan_discriminator, dcgan_generator
from kerasgan.nets.mlp import mlp_discriminator, mlp_generator
from kerasgan.nets.r3gan import r3gan_discriminator, r3gan_generator
from kerasgan.nets.resnet import resnet_discriminator, resnet_generator
from kerasgan.nets.translation import patchgan_discriminator, resnet_translator, unet_generator

__all__ = [
    "NETS",
    "ROLES",
    "build_net",
    "register_net",
    "dcgan_discriminator",
    "dcgan_generator",
    "digit_classifier",
    "mlp_discriminator",
    "mlp_generator",
    "r3gan_discriminator",
    "r3gan_generator",
    "resnet_discriminator",
    "resnet_generator",
    "patchgan_discriminator",
    "resnet_translator",
    "unet_generator",
]
