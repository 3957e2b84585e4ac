"""GAN models: the shared `GAN` training loop, the lecture's variants, and the
image-to-image translation models `Pix2Pix` and `CycleGAN`."""

from kerasgan.models.gan import GAN, latents_for_seed
from kerasgan.models.translation import CycleGAN, ImagePool, LinearDecay, Pix2Pix
from kerasgan.models.variants import (
    LSGAN,
    NSGAN,
    R1GAN,
    SNGAN,
    VARIANTS,
    WGAN,
    WGANGP,
    MinimaxGAN,
    create_variant,
)

__all__ = [
    "GAN", "latents_for_seed", "MinimaxGAN", "NSGAN", "LSGAN", "WGAN", "WGANGP",
    "R1GAN", "SNGAN", "VARIANTS", "create_variant", "CycleGAN", "ImagePool", "LinearDecay",
    "Pix2Pix",
]
