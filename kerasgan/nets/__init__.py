"""Generator and discriminator builders."""

from kerasgan.nets.mlp import mlp_discriminator, mlp_generator

__all__ = ["mlp_generator", "mlp_discriminator"]
