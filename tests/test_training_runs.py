"""Short training runs, one per loss family, that must reach a real outcome on ring8.

Each run trains a small MLP GAN for a fixed step budget and must cover at
least 7 of the 8 modes with a sizeable share of high-quality samples — an
untrained or collapsed generator fails these checks (see the last test).
"""

import keras
import pytest
import tensorflow as tf

from kerasgan.data import get_mixture
from kerasgan.metrics import mixture_metrics
from kerasgan.models import GAN, create_variant
from kerasgan.nets import mlp_discriminator, mlp_generator

RING = get_mixture("ring8")


def ring_dataset(batch_size=256):
    points = RING.sample(50_000, seed=0)
    return (
        tf.data.Dataset.from_tensor_slices({"images": points})
        .shuffle(50_000, seed=0).repeat().batch(batch_size, drop_remainder=True).prefetch(2)
    )


def train(variant, steps, lr=1e-3, sn=False, input_scale=None, betas=(0.5, 0.999),
          hidden=(64, 64, 64), rmsprop=False, **kwargs):
    keras.utils.set_random_seed(0)
    nets = (
        mlp_generator(8, (2,), hidden),
        mlp_discriminator((2,), hidden, spectral_norm=sn, input_scale=input_scale),
    )
    # A loss without a named variant (RaGAN) goes straight to the GAN class.
    gan = GAN(*nets, **kwargs) if variant == "gan" and "loss" in kwargs else create_variant(
        variant, *nets, **kwargs)
    def opt():
        if rmsprop:
            return keras.optimizers.RMSprop(lr)
        return keras.optimizers.Adam(lr, beta_1=betas[0], beta_2=betas[1])

    gan.compile(opt(), opt())
    gan.fit(ring_dataset(), steps_per_epoch=steps, epochs=1, verbose=0)
    return mixture_metrics(gan.generate(2500, seed=1), RING.centers, RING.sigma)


CASES = {
    # name: (variant, steps, kwargs, min high-quality fraction)
    # (measured here, seed 0: high quality 0.88, 0.30, 0.58, 0.55, 0.31, 0.12, 0.105; on a CPU
    # with AVX-512 the same code and seed gives RaGAN 0.298: its floor leaves room for that)
    "minimax": ("gan", 3000, {}, 0.4),
    "non_saturating+r1": ("r1gan", 3000, {"gamma": 0.1}, 0.15),
    "least_squares": ("lsgan", 3000, {}, 0.3),
    "relativistic_average": ("gan", 3000, {"loss": "relativistic_average"}, 0.25),
    "wasserstein+gp": ("wgan_gp", 1500, {"gp_weight": 0.1, "betas": (0.5, 0.9)}, 0.15),
    "wasserstein+clip": ("wgan", 3000, {"clip_value": 0.1, "rmsprop": True}, 0.05),
    "hinge+sn": ("sngan", 2000, {"sn": True, "input_scale": 50.0, "d_steps": 5,
                                 "betas": (0.0, 0.9)}, 0.05),
}


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(CASES))
def test_loss_family_learns_the_ring(family):
    variant, steps, kwargs, min_hq = CASES[family]
    metrics = train(variant, steps, **kwargs)
    assert metrics["modes_captured"] >= 7, metrics
    assert metrics["high_quality"] >= min_hq, metrics


def test_untrained_generator_fails_the_same_checks():
    metrics = train("nsgan", steps=1, lr=1e-9)
    assert metrics["modes_captured"] < 7 or metrics["high_quality"] < 0.1
