"""The latent draws of sampling: `latents_for_seed` and the truncation trick.

Shared by `GAN.generate` and the SavedModel's `sample` endpoint
(`kerasgan.models.serving`), so the same (num, seed) gives the same latents in
Python and in an exported model.
"""

import tensorflow as tf

__all__ = ["latents_for_seed", "truncated_latents_for_seed"]


def latents_for_seed(num, latent_dim, seed):
    """The latent vectors `generate(num, seed=seed)` and the SavedModel's `sample` use.

    z ~ N(0, I), drawn statelessly from `seed` with the Philox algorithm (pinned,
    so the draw is the same on every device type), so the same (num, seed) gives
    the same latents in Python and in an exported SavedModel.

    Example:
    >>> z = latents_for_seed(4, 2, seed=7)
    >>> tuple(z.shape), bool(tf.reduce_all(z == latents_for_seed(4, 2, seed=7)))
    ((4, 2), True)
    """
    seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
    return tf.random.stateless_normal(tf.stack([num, latent_dim]), seed=seed, alg="philox")


def truncated_latents_for_seed(num, latent_dim, seed, threshold):
    """Latents of the truncation trick: z ~ N(0, I) conditioned on |z_i| <= threshold.

    Drawn exactly by inverting the normal CDF on uniform draws from
    [Φ(-t), Φ(t)] (stateless, Philox, keyed on `seed` like
    `latents_for_seed`). Smaller thresholds trade variety for fidelity
    (BigGAN, Brock et al. 2019).

    Example:
    >>> t = truncated_latents_for_seed(1000, 8, seed=0, threshold=0.5)
    >>> float(tf.reduce_max(tf.abs(t))) <= 0.5
    True
    """
    threshold = tf.cast(threshold, tf.float64)
    seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(1, tf.int64)])
    uniform = tf.random.stateless_uniform(
        tf.stack([num, latent_dim]), seed=seed, dtype=tf.float64, alg="philox")
    low = 0.5 * tf.math.erfc(threshold / tf.sqrt(tf.constant(2.0, tf.float64)))
    z = tf.math.ndtri(low + uniform * (1.0 - 2.0 * low))
    return tf.cast(tf.clip_by_value(z, -threshold, threshold), tf.float32)
