"""GAN models: the shared `GAN` training loop and the lecture's variants."""

from kerasgan.models.gan import GAN, latents_for_seed
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
    "R1GAN", "SNGAN", "VARIANTS", "create_variant",
]
