"""The lecture's GAN variants, each a one-line construction over the one `GAN` loop.

| factory      | loss                | discriminator constraint / penalty          |
|--------------|---------------------|---------------------------------------------|
| `MinimaxGAN` | minimax (saturating)| —                                           |
| `NSGAN`      | non-saturating      | —                                           |
| `LSGAN`      | least squares       | —                                           |
| `WGAN`       | Wasserstein         | weight clipping to [-c, c], 5 critic steps  |
| `WGANGP`     | Wasserstein         | gradient penalty (lambda 10), 5 critic steps|
| `R1GAN`      | non-saturating      | R1 penalty (gamma)                          |
| `SNGAN`      | hinge               | spectral normalization in D                 |
| `R3GAN`      | relativistic pairing| R1 + R2 penalties (gamma each)              |

Each returns a `kerasgan.models.GAN`; extra keyword arguments (ema_decay,
instance_noise, seed, ...) go to `GAN`. Each factory registers itself in
`VARIANTS` (a `kerasgan.core.registry.Registry`) with `@register_variant(name)`;
`create_variant(name, ...)` reads it.
"""

from kerasgan.core.registry import Registry
from kerasgan.layers import SpectralNormalization
from kerasgan.models.gan import GAN
from kerasgan.regularizers import R1, R2, GradientPenalty

__all__ = ["VARIANTS", "create_variant", "register_variant", "MinimaxGAN", "NSGAN", "LSGAN",
           "WGAN", "WGANGP", "R1GAN", "SNGAN", "R3GAN"]

#: The GAN variants by name (factories `(generator, discriminator, **kwargs) -> GAN`).
VARIANTS = Registry("GAN variant")


def register_variant(name, label=None, **metadata):
    """Decorator: register a variant factory under `name` in `VARIANTS`, with its
    readable `label` (default: the name) and other metadata.

    Example:
    >>> @register_variant("hinge_r1")
    ... def HingeR1GAN(generator, discriminator, **kwargs):
    ...     return GAN(generator, discriminator, loss="hinge", regularizers=[R1(1.0)], **kwargs)
    >>> "hinge_r1" in VARIANTS, VARIANTS.metadata("hinge_r1")["label"]
    (True, 'hinge_r1')
    >>> VARIANTS.metadata("wgan_gp")["label"]
    'WGAN-GP'
    >>> VARIANTS.remove("hinge_r1")
    """
    return VARIANTS.register(name, label=label or name, **metadata)


@register_variant("gan", label="GAN (minimax)")
def MinimaxGAN(generator, discriminator, **kwargs):
    """The original GAN game, min_G max_D V(D, G), with the saturating generator loss.

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> MinimaxGAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,))).gan_loss.name
    'minimax'
    """
    return GAN(generator, discriminator, loss="minimax", **kwargs)


@register_variant("nsgan", label="NS-GAN")
def NSGAN(generator, discriminator, **kwargs):
    """GAN with the non-saturating generator loss -log D(G(z)) (the lecture's "in practice").

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> NSGAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,))).gan_loss.name
    'non_saturating'
    """
    return GAN(generator, discriminator, loss="non_saturating", **kwargs)


@register_variant("lsgan", label="LSGAN")
def LSGAN(generator, discriminator, **kwargs):
    """Least-squares GAN (Mao et al. 2017): a real-valued discriminator with (a, b, c) = (0, 1, 1).

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> LSGAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,))).gan_loss.name
    'least_squares'
    """
    return GAN(generator, discriminator, loss="least_squares", **kwargs)


@register_variant("wgan", label="WGAN (clip)")
def WGAN(generator, discriminator, clip_value=0.01, d_steps=5, **kwargs):
    """Wasserstein GAN (Arjovsky et al. 2017): critic weights clipped to [-c, c].

    Every trainable weight of `discriminator` gets a `ClipWeights(clip_value)`
    constraint, applied by the optimizer after each update (`GAN(...,
    clip_discriminator=clip_value)`, so it survives `get_config`).

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> gan = WGAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)), clip_value=0.05)
    >>> gan.d_steps, round(float(abs(gan.discriminator.get_weights()[0]).max()), 6)
    (5, 0.05)
    """
    return GAN(
        generator, discriminator, loss="wasserstein", d_steps=d_steps,
        clip_discriminator=clip_value, **kwargs,
    )


@register_variant("wgan_gp", label="WGAN-GP")
def WGANGP(generator, discriminator, gp_weight=10.0, one_sided=False, d_steps=5,
           gp_target=1.0, **kwargs):
    """WGAN with gradient penalty (Gulrajani et al. 2017): lambda = 10, alpha ~ U[0, 1].

    `gp_target` is the enforced gradient norm K (a K-Lipschitz critic; 1 in the
    paper, whose images lie in [-1, 1]); for data with much finer structure a
    larger K lets the critic separate samples at that scale.

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> WGANGP(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,))).penalties
    [GradientPenalty(weight=10.0, interval=1, target=1.0, one_sided=False)]
    """
    penalty = GradientPenalty(weight=gp_weight, target=gp_target, one_sided=one_sided)
    return GAN(
        generator, discriminator, loss="wasserstein", regularizers=[penalty],
        d_steps=d_steps, **kwargs,
    )


@register_variant("r1gan", label="R1-GAN")
def R1GAN(generator, discriminator, gamma=10.0, r1_interval=1, **kwargs):
    """Non-saturating GAN with the R1 penalty (Mescheder et al. 2018).

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> R1GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)), gamma=0.1).penalties
    [R1(gamma=0.1, interval=1)]
    """
    return GAN(
        generator, discriminator, loss="non_saturating",
        regularizers=[R1(gamma=gamma, interval=r1_interval)], **kwargs,
    )


@register_variant("sngan", label="SNGAN (hinge + SN)")
def SNGAN(generator, discriminator, **kwargs):
    """Spectrally normalized GAN (Miyato et al. 2018): hinge loss, SN in every D layer.

    `discriminator` must be built with `SpectralNormalization` layers, e.g.
    `kerasgan.nets.mlp_discriminator(..., spectral_norm=True)`.

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> d = mlp_discriminator((2,), (8,), spectral_norm=True)
    >>> SNGAN(mlp_generator(4, (2,), (8,)), d).gan_loss.name
    'hinge'
    """
    if not any(isinstance(layer, SpectralNormalization) for layer in discriminator._flatten_layers()):
        raise ValueError(
            f"SNGAN needs a discriminator with SpectralNormalization layers; "
            f"{discriminator.name!r} has none. Build it with spectral_norm=True."
        )
    return GAN(generator, discriminator, loss="hinge", **kwargs)


@register_variant("r3gan", label="R3GAN (RpGAN + R1 + R2)")
def R3GAN(generator, discriminator, gamma=0.05, r2_gamma=None, regularizers=(), **kwargs):
    """The R3GAN objective (Huang et al. 2024): relativistic pairing loss with R1 and R2.

    D minimizes `E softplus(-(D(x) - D(G(z))))` + (gamma / 2) E||grad D(x)||^2 +
    (gamma / 2) E||grad D(G(z))||^2; G minimizes `E softplus(-(D(G(z)) - D(x)))`.

    Args:
        gamma: the R1 gamma (and R2's unless `r2_gamma` is given): a number, a
            schedule (`kerasgan.schedules.CosineSchedule`, R3GAN decays it 10x
            with the learning rate) or its Keras serialization (zoo configs).
            R3GAN uses 0.05 on CIFAR-10 (the default) and larger values for
            larger images.
        r2_gamma: R2's gamma when it differs from R1's (None: `gamma`).
        regularizers: further regularizers (e.g. `LeCam`), after R1 and R2.
        **kwargs: the other `GAN` arguments (e.g. `ema_half_life_images`,
            `ema_rampup`, `augment`).

    Nets, augmentation, EMA and the optimizers' schedules are chosen separately
    (a zoo config: `"model": "r3gan"`).

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> gan = R3GAN(mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,)), gamma=0.1)
    >>> gan.gan_loss.name, gan.penalties
    ('relativistic_pairing', [R1(gamma=0.1, interval=1), R2(gamma=0.1, interval=1)])
    """
    r2_gamma = gamma if r2_gamma is None else r2_gamma
    return GAN(
        generator, discriminator, loss="relativistic_pairing",
        regularizers=[R1(gamma=gamma), R2(gamma=r2_gamma), *regularizers], **kwargs,
    )


def create_variant(name, generator, discriminator, **kwargs):
    """Build the variant called `name` (a name of `VARIANTS`).

    Example:
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> create_variant("lsgan", mlp_generator(4, (2,), (8,)), mlp_discriminator((2,), (8,))).gan_loss.name
    'least_squares'
    """
    return VARIANTS.get(name)(generator, discriminator, **kwargs)
