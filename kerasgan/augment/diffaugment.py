"""DiffAugment (Zhao et al. 2020): a fixed policy of random differentiable
translation, cutout and colour changes, applied to every discriminator input.

Example:
>>> DiffAugment("translation,cutout").policy
('translation', 'cutout')
"""

import tensorflow as tf

from kerasgan.augment.base import Augmentation, register

__all__ = ["DiffAugment", "POLICIES"]

#: The transformations `DiffAugment` knows.
POLICIES = ("color", "translation", "cutout")


def _seed(seed, i):
    return tf.random.experimental.stateless_fold_in(seed, i)


@register("diffaugment")
class DiffAugment(Augmentation):
    """Random differentiable augmentations for the discriminator's inputs (stateless).

    Args:
        policy: comma-separated policies from `POLICIES` (or a sequence), applied
            in the order color, translation, cutout.
        translation: largest shift, as a fraction of the image size (1/8 in the paper).
        cutout: side of the cut-out square, as a fraction of the image size (1/2).

    Call `augment(images, seed)` with images `[B, H, W, C]` in [-1, 1] and an int64
    seed `[2]`.

    Example:
    >>> DiffAugment("translation").policy
    ('translation',)
    """

    def __init__(self, policy="translation,cutout", translation=0.125, cutout=0.5, **kwargs):
        names = tuple(p.strip() for p in (policy.split(",") if isinstance(policy, str) else policy)
                      if p.strip())
        unknown = [p for p in names if p not in POLICIES]
        if unknown or not names:
            raise ValueError(f"DiffAugment policies must be some of {POLICIES}; got {policy!r}.")
        if not 0 < translation < 1 or not 0 < cutout < 1:
            raise ValueError(
                f"translation and cutout are fractions in (0, 1); got {translation!r}, {cutout!r}.")
        super().__init__(**kwargs)
        self.policy = tuple(p for p in POLICIES if p in names)
        self.translation = float(translation)
        self.cutout = float(cutout)
        self.built = True

    def __repr__(self):
        return (f"DiffAugment(policy={','.join(self.policy)!r}, translation={self.translation}, "
                f"cutout={self.cutout})")

    def get_config(self):
        """The arguments that rebuild this augmentation.

        Example:
        >>> DiffAugment("cutout").get_config()["policy"]
        'cutout'
        """
        return {**super().get_config(), "policy": ",".join(self.policy),
                "translation": self.translation, "cutout": self.cutout}

    def call(self, images, seed):
        seed = tf.cast(seed, tf.int64)
        if "color" in self.policy:
            images = self._color(images, _seed(seed, 0))
        if "translation" in self.policy:
            images = self._translate(images, _seed(seed, 1))
        if "cutout" in self.policy:
            images = self._cutout(images, _seed(seed, 2))
        return images

    @staticmethod
    def _uniform(shape, seed, i, dtype):
        return tf.random.stateless_uniform(shape, seed=_seed(seed, i), dtype=dtype, alg="philox")

    def _color(self, x, seed):
        batch = tf.shape(x)[0]
        shape = tf.stack([batch, 1, 1, 1])
        x = x + (self._uniform(shape, seed, 0, x.dtype) - 0.5)
        if x.shape[-1] == 3:
            mean = tf.reduce_mean(x, axis=3, keepdims=True)
            x = (x - mean) * (self._uniform(shape, seed, 1, x.dtype) * 2.0) + mean
        mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
        return (x - mean) * (self._uniform(shape, seed, 2, x.dtype) + 0.5) + mean

    def _translate(self, x, seed):
        batch, height, width = tf.shape(x)[0], x.shape[1], x.shape[2]
        pad_h = max(1, int(height * self.translation + 0.5))
        pad_w = max(1, int(width * self.translation + 0.5))
        shift_y = tf.random.stateless_uniform(
            [batch], seed=_seed(seed, 0), minval=-pad_h, maxval=pad_h + 1, dtype=tf.int32, alg="philox")
        shift_x = tf.random.stateless_uniform(
            [batch], seed=_seed(seed, 1), minval=-pad_w, maxval=pad_w + 1, dtype=tf.int32, alg="philox")
        padded = tf.pad(x, [[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]], constant_values=-1.0)
        rows = tf.range(height)[None, :] + pad_h - shift_y[:, None]          # [B, H]
        cols = tf.range(width)[None, :] + pad_w - shift_x[:, None]           # [B, W]
        x = tf.gather(padded, rows, axis=1, batch_dims=1)                    # [B, H, W+2p, C]
        return tf.gather(x, cols, axis=2, batch_dims=1)                      # [B, H, W, C]

    def _cutout(self, x, seed):
        batch, height, width = tf.shape(x)[0], x.shape[1], x.shape[2]
        size_h = int(height * self.cutout + 0.5)
        size_w = int(width * self.cutout + 0.5)
        top = tf.random.stateless_uniform(
            [batch], seed=_seed(seed, 0), minval=0, maxval=height - size_h + 1, dtype=tf.int32,
            alg="philox")
        left = tf.random.stateless_uniform(
            [batch], seed=_seed(seed, 1), minval=0, maxval=width - size_w + 1, dtype=tf.int32,
            alg="philox")
        rows = tf.range(height)[None, :]
        cols = tf.range(width)[None, :]
        inside_rows = (rows >= top[:, None]) & (rows < top[:, None] + size_h)   # [B, H]
        inside_cols = (cols >= left[:, None]) & (cols < left[:, None] + size_w)  # [B, W]
        inside = inside_rows[:, :, None] & inside_cols[:, None, :]               # [B, H, W]
        return x * tf.cast(~inside, x.dtype)[..., None]
