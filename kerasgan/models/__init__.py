"""GAN models: the shared `GAN` training loop, the lecture's variants, and the
image-to-image translation models `Pix2Pix` and `CycleGAN`, all built on
`AdversarialModel` (`kerasgan.models.base`).

`MODELS` names the model classes (metadata `kind`: "gan" or "translation"),
`VARIANTS` the GAN variants.

Example:
>>> MODELS.get("pix2pix").__name__, MODELS.names(kind="translation")
('Pix2Pix', ['cyclegan', 'pix2pix'])
"""

from kerasgan.models.base import MODELS, AdversarialModel
from kerasgan.models.gan import GAN
from kerasgan.models.latents import latents_for_seed
from kerasgan.models.translation import CycleGAN, ImagePool, LinearDecay, Pix2Pix
from kerasgan.models.variants import (
    LSGAN,
    NSGAN,
    R1GAN,
    R3GAN,
    SNGAN,
    VARIANTS,
    WGAN,
    WGANGP,
    MinimaxGAN,
    create_variant,
    register_variant,
)

__all__ = [
    "AdversarialModel", "GAN", "latents_for_seed", "MinimaxGAN", "NSGAN", "LSGAN", "WGAN",
    "WGANGP", "R1GAN", "R3GAN", "SNGAN", "VARIANTS", "MODELS", "create_variant", "register_variant",
    "CycleGAN", "ImagePool", "LinearDecay", "Pix2Pix",
]
