"""Adaptive discriminator augmentation (ADA; Karras et al. 2020, "Training Generative
Adversarial Networks with Limited Data").

Every image the discriminator sees -- real or generated, in D's update and in G's --
goes through a pipeline of differentiable transformations, each applied to each
image with probability `p`. `p` is not fixed: it follows the overfitting heuristic
r_t = E[sign(D(real))] (how much of the real data D is sure about). Every
`interval` discriminator updates, r_t over the images since the last adjustment is
compared with `target`; p moves up if r_t is above it, down if below, by
(images since the last adjustment) / (`kimg` * 1000), and is clipped to
[0, `ceiling`]. So p can change by at most 1 per `kimg` thousand real images.

The pipeline's groups (ADA's "augpipe"), each on or off:

* `"b"`, blit: x-flip, 90-degree rotations, integer translation (up to 1/8 of the
  image size; reflection padding) -- exact pixel moves;
* `"g"`, geometric: isotropic scaling (log2-normal, std 0.2), rotation (uniform;
  before and after the anisotropic scaling, each with probability 1 - sqrt(1 - p),
  so that some rotation happens with probability p), anisotropic scaling (std 0.2),
  fractional translation (normal, std 1/8 of the size) -- one bilinear affine warp
  with reflection padding (`transforms.affine_warp`);
* `"c"`, colour: brightness (+N(0, 0.2)), contrast (x 2^N(0, 0.5)), luma flip, and
  for RGB hue rotation (uniform) and saturation (x 2^N(0, 1)) -- one affine colour
  map (`transforms.color_transform`).

The default `"bgc"` is ADA's default. Random draws are stateless (Philox) and keyed
on the seed of the call, which the GAN derives per step, call site and replica.

Example:
>>> import tensorflow as tf
>>> ada = AdaptiveAugment(target=0.6, interval=4, kimg=500)
>>> ada.build((None, 8, 8, 3))
>>> float(ada.p.numpy())
0.0
"""

import math
import numbers

import keras
import numpy as np
import tensorflow as tf

from kerasgan.augment import transforms
from kerasgan.augment.base import Augmentation, register

__all__ = ["ADA_GROUPS", "AdaptiveAugment"]

#: The pipeline groups `AdaptiveAugment` knows: letter -> name.
ADA_GROUPS = {"b": "blit", "g": "geometric", "c": "color"}

# ADA's ranges (training/augment.py of stylegan2-ada-pytorch).
_XINT_MAX = 0.125       # integer translation, fraction of the size
_SCALE_STD = 0.2        # log2 std of isotropic scaling
_ANISO_STD = 0.2        # log2 std of anisotropic scaling
_XFRAC_STD = 0.125      # std of fractional translation, fraction of the size
_BRIGHTNESS_STD = 0.2
_CONTRAST_STD = 0.5     # log2
_SATURATION_STD = 1.0   # log2

# Columns of the uniform draw of a call (one per use) ...
(_FLIP, _FLIP_ON, _ROT90, _ROT90_ON, _XINT_Y, _XINT_X, _XINT_ON, _SCALE_ON, _ROT_PRE, _ROT_PRE_ON,
 _ANISO_ON, _ROT_POST, _ROT_POST_ON, _XFRAC_ON, _BRIGHT_ON, _CONTRAST_ON, _LUMA, _LUMA_ON, _HUE,
 _HUE_ON, _SAT_ON, _UNIFORMS) = range(22)
# ... and of its normal draw.
_N_SCALE, _N_ANISO, _N_XFRAC_X, _N_XFRAC_Y, _N_BRIGHT, _N_CONTRAST, _N_SAT, _NORMALS = range(8)

# The colour matrix c * (x + b), split: c * LINEAR + c * b * OFFSET + HOMOGENEOUS.
_COLOR_LINEAR = np.diag([1.0, 1.0, 1.0, 0.0]).astype("float32")
_COLOR_OFFSET = np.zeros((4, 4), "float32")
_COLOR_OFFSET[:3, 3] = 1.0
_COLOR_HOMOGENEOUS = np.zeros((4, 4), "float32")
_COLOR_HOMOGENEOUS[3, 3] = 1.0


def _parse_groups(groups):
    names = {v: k for k, v in ADA_GROUPS.items()}
    if isinstance(groups, str):
        parts = [p.strip() for p in groups.split(",")] if "," in groups else [groups.strip()]
    else:
        parts = [str(p).strip() for p in groups]
    letters = set()
    for part in parts:
        if part in names:
            letters.add(names[part])
        elif part and all(c in ADA_GROUPS for c in part):
            letters.update(part)
        else:
            raise ValueError(
                f"Unknown ADA augmentation group {part!r} in {groups!r}: groups are letters of "
                f"'bgc' or names {sorted(names)} (b: blit, g: geometric, c: colour).")
    if not letters:
        raise ValueError(f"ADA needs at least one augmentation group; got {groups!r}.")
    return "".join(c for c in ADA_GROUPS if c in letters)


def _affine(a, b, c, d, e, f):
    """`[B, 3, 3]` affine matrices `[[a, b, c], [d, e, f], [0, 0, 1]]` from `[B]` entries."""
    zero, one = tf.zeros_like(a), tf.ones_like(a)
    return tf.reshape(tf.stack([a, b, c, d, e, f, zero, zero, one], axis=1), [-1, 3, 3])


@register("ada")
class AdaptiveAugment(Augmentation):
    """Adaptive discriminator augmentation: ADA's pipeline applied with a probability
    `p` that follows the discriminator's overfitting (see the module docstring).

    Args:
        target: the r_t = E[sign(D(real))] that p is steered towards, in (0, 1)
            (ADA: 0.6); None keeps p fixed at `initial_p` (ADA's "fixed" mode).
        interval: discriminator updates between adjustments of p (ADA: 4).
        kimg: speed, as in ADA's `ada_kimg`: p moves by at most 1 per `kimg`
            thousand real images (ADA: 500; smaller is faster).
        groups: the pipeline's groups, letters of `"bgc"` (or names
            `"blit,geometric,color"`, or a sequence): blit, geometric, colour.
        initial_p: p at the start, in [0, 1].
        ceiling: the largest p, a float in [0, 1] or a callable of the training step
            (a scalar int64 tensor; e.g. a `kerasgan.schedules` schedule) returning it.

    State (saved with the model's weights, so a resumed run continues it): `p`, the
    sum of signs and the count of real images since the last adjustment, the count
    of discriminator updates and the last r_t. The logs carry `augment_p` and
    `augment_rt` (the r_t of the last adjustment).

    Example:
    >>> ada = AdaptiveAugment(interval=1, kimg=0.1)   # p moves by (batch) / 100
    >>> ada.build((None, 8, 8, 1))
    >>> ada.update({"real_sign": tf.constant(1.0), "batch_size": tf.constant(4.0),
    ...             "step": tf.constant(0, tf.int64)})
    >>> {k: round(float(v), 4) for k, v in ada.log_values().items()}
    {'augment_p': 0.04, 'augment_rt': 1.0}
    >>> x = tf.zeros((2, 8, 8, 1))
    >>> tuple(ada(x, seed=tf.constant([1, 2], tf.int64)).shape)
    (2, 8, 8, 1)
    """

    def __init__(self, target=0.6, interval=4, kimg=500, groups="bgc", initial_p=0.0,
                 ceiling=1.0, **kwargs):
        if target is not None and not (isinstance(target, numbers.Real) and 0 < target < 1):
            raise ValueError(f"ADA's target is a fraction in (0, 1) or None (fixed p); "
                             f"got {target!r}.")
        if not (isinstance(interval, numbers.Integral) and not isinstance(interval, bool)
                and interval > 0):
            raise ValueError(f"ADA's interval is a positive number of discriminator updates; "
                             f"got {interval!r}.")
        if not (isinstance(kimg, numbers.Real) and math.isfinite(kimg) and kimg > 0):
            raise ValueError(f"ADA's speed `kimg` (thousands of images per unit of p) must be "
                             f"positive; got {kimg!r}.")
        if not (isinstance(initial_p, numbers.Real) and 0 <= initial_p <= 1):
            raise ValueError(f"initial_p is a probability in [0, 1]; got {initial_p!r}.")
        if isinstance(ceiling, dict):
            ceiling = keras.saving.deserialize_keras_object(ceiling)
        if isinstance(ceiling, numbers.Real):
            if not 0 <= ceiling <= 1:
                raise ValueError(f"ADA's ceiling is a probability in [0, 1] or a schedule of the "
                                 f"step; got {ceiling!r}.")
            ceiling = float(ceiling)
        elif not callable(ceiling):
            raise ValueError(f"ADA's ceiling is a float in [0, 1] or a callable of the step; "
                             f"got {ceiling!r}.")
        groups = _parse_groups(groups)
        super().__init__(**kwargs)
        self.target = None if target is None else float(target)
        self.interval = int(interval)
        self.kimg = float(kimg)
        self.groups = groups
        self.initial_p = float(initial_p)
        self.ceiling = ceiling
        # A fixed p needs no statistics.
        self.stateful = self.target is not None

    def __repr__(self):
        return (f"AdaptiveAugment(target={self.target}, interval={self.interval}, "
                f"kimg={self.kimg}, groups={self.groups!r}, ceiling={self.ceiling!r})")

    def build(self, input_shape=None):
        if input_shape is not None:
            shape = tuple(input_shape)
            if len(shape) != 4:
                raise ValueError(f"AdaptiveAugment augments images [B, H, W, C]; got samples of "
                                 f"shape {shape[1:]}.")
            if "b" in self.groups and shape[1] != shape[2]:
                raise ValueError(f"ADA's blit group (90-degree rotations) needs square images; "
                                 f"got {shape[1:3]}. Use groups='gc' for others.")
            if "c" in self.groups and shape[3] not in (1, 3):
                raise ValueError(f"ADA's colour group needs RGB or single-channel images; got "
                                 f"{shape[3]} channels. Use groups='bg' for others.")
        self.p = self.add_state("p", self.initial_p)
        self.sign_sum = self.add_state("sign_sum")
        self.image_count = self.add_state("image_count")
        self.updates = self.add_state("updates", 0, dtype="int64")
        self.rt = self.add_state("rt")
        self.built = True

    def get_config(self):
        """The arguments that rebuild this augmentation (a callable ceiling as its Keras
        serialization).

        Example:
        >>> AdaptiveAugment(target=0.5, groups="bg").get_config()["groups"]
        'bg'
        """
        ceiling = self.ceiling
        if not isinstance(ceiling, float):
            ceiling = keras.saving.serialize_keras_object(ceiling)
        return {**super().get_config(), "target": self.target, "interval": self.interval,
                "kimg": self.kimg, "groups": self.groups, "initial_p": self.initial_p,
                "ceiling": ceiling}

    # ------------------------------------------------------------ adjustment
    def ceiling_at(self, step):
        """The ceiling of p at training step `step` (a float32 scalar tensor).

        Example:
        >>> float(AdaptiveAugment(ceiling=lambda step: 0.5 + 0.0 * tf.cast(step, tf.float32)
        ...                       ).ceiling_at(tf.constant(3)))
        0.5
        """
        if isinstance(self.ceiling, float):
            return tf.constant(self.ceiling, tf.float32)
        return tf.clip_by_value(tf.cast(self.ceiling(step), tf.float32), 0.0, 1.0)

    def update(self, statistics):
        """Accumulate r_t's numerator and the image count; every `interval`-th call
        move p by sign(r_t - target) * images / (kimg * 1000) and clip it to
        [0, ceiling]. `statistics` (replica-averaged, from the GAN) needs
        `real_sign`, `batch_size` (global real images) and `step` (else the count of
        updates stands in for the step).

        Example:
        >>> ada = AdaptiveAugment(interval=2, kimg=1)
        >>> ada.build()
        >>> for sign in (1.0, 0.0):
        ...     ada.update({"real_sign": tf.constant(sign), "batch_size": tf.constant(100.0)})
        >>> round(float(ada.p.numpy()), 4), round(float(ada.rt.numpy()), 4)
        (0.0, 0.5)
        """
        if self.target is None:
            return
        if "batch_size" not in statistics:
            raise KeyError("AdaptiveAugment.update needs the global number of real images, "
                           "statistics['batch_size'] (the GAN provides it).")
        images = tf.cast(statistics["batch_size"], tf.float32)
        sign_sum = self.sign_sum + tf.cast(statistics["real_sign"], tf.float32) * images
        count = self.image_count + images
        updates = self.updates + 1
        step = statistics.get("step", updates)
        due = tf.equal(updates % self.interval, 0)
        rt = sign_sum / tf.maximum(count, 1e-12)
        moved = self.p + tf.sign(rt - self.target) * count / (self.kimg * 1000.0)
        new_p = tf.clip_by_value(moved, 0.0, self.ceiling_at(step))
        self.p.assign(tf.where(due, new_p, self.p))
        self.rt.assign(tf.where(due, rt, self.rt))
        self.sign_sum.assign(tf.where(due, 0.0, sign_sum))
        self.image_count.assign(tf.where(due, 0.0, count))
        self.updates.assign(updates)

    def log_values(self):
        """`augment_p` (the probability) and `augment_rt` (r_t at the last adjustment).

        Example:
        >>> ada = AdaptiveAugment(initial_p=0.25); ada.build()
        >>> float(ada.log_values()["augment_p"])
        0.25
        """
        return {"augment_p": self.p, "augment_rt": self.rt}

    # -------------------------------------------------------------- pipeline
    def draw(self, shape, seed, p=None):
        """The random parameters of one call: for images of `shape` `[B, H, W, C]` and
        an int64 `[2]` seed, with probability `p` (default: the current one). A dict:
        `flip` bool `[B]`, `rotate90` int `[B]` (quarter turns), `translate` int
        `[B, 2]` (down, right pixels), `geometric` `[B, 3, 3]` (output -> input,
        centred), `color` `[B, 4, 4]`, and bool `[B]` masks `blit_on`,
        `geometric_on`, `color_on` of the images any of them changes; only the
        enabled groups' keys are present.

        Example:
        >>> ada = AdaptiveAugment(groups="b"); ada.build()
        >>> params = ada.draw((5, 8, 8, 1), tf.constant([3, 4], tf.int64), p=0.0)
        >>> bool(tf.reduce_any(params["blit_on"]))
        False
        """
        batch = shape[0]
        height, width, channels = shape[1], shape[2], shape[3]
        seed = tf.cast(seed, tf.int64)
        p = tf.cast(self.p if p is None else p, tf.float32)
        # Two draws per call, one column per use: uniforms [B, 26] and normals [B, 8].
        u = tf.unstack(tf.random.stateless_uniform(tf.stack([batch, _UNIFORMS]), seed=_fold(seed, 0),
                                                   alg="philox"), axis=1)
        n = tf.unstack(tf.random.stateless_normal(tf.stack([batch, _NORMALS]), seed=_fold(seed, 1),
                                                  alg="philox"), axis=1)
        one, zero = tf.ones_like(u[0]), tf.zeros_like(u[0])

        def chance(i, probability=None):
            return u[i] < (p if probability is None else probability)

        params = {}
        if "b" in self.groups:
            flip = chance(_FLIP_ON) & (u[_FLIP] < 0.5)
            k = tf.where(chance(_ROT90_ON), tf.cast(tf.floor(u[_ROT90] * 4.0), tf.int32), 0)
            on = chance(_XINT_ON)
            shift = tf.stack([(u[_XINT_Y] * 2.0 - 1.0) * _XINT_MAX * height,
                              (u[_XINT_X] * 2.0 - 1.0) * _XINT_MAX * width], axis=1)
            shift = tf.where(on[:, None], tf.cast(tf.round(shift), tf.int32), 0)
            params.update(flip=flip, rotate90=k, translate=shift,
                          blit_on=flip | (k != 0) | tf.reduce_any(shift != 0, axis=1))
        if "g" in self.groups:
            scale = tf.where(chance(_SCALE_ON), _exp2(n[_N_SCALE] * _SCALE_STD), one)
            p_rot = 1.0 - tf.sqrt(tf.clip_by_value(1.0 - p, 0.0, 1.0))   # P(pre or post) = p
            pre = tf.where(chance(_ROT_PRE_ON, p_rot), (u[_ROT_PRE] * 2 - 1) * np.pi, zero)
            aniso = tf.where(chance(_ANISO_ON), _exp2(n[_N_ANISO] * _ANISO_STD), one)
            post = tf.where(chance(_ROT_POST_ON, p_rot), (u[_ROT_POST] * 2 - 1) * np.pi, zero)
            on = chance(_XFRAC_ON)
            tx = tf.where(on, n[_N_XFRAC_X] * _XFRAC_STD * width, zero)
            ty = tf.where(on, n[_N_XFRAC_Y] * _XFRAC_STD * height, zero)
            # ADA's G_inv (output -> input): scale^-1 rot(pre) aniso^-1 rot(post) shift^-1.
            matrix = (_affine(1 / scale, zero, zero, zero, 1 / scale, zero)
                      @ _affine(tf.cos(pre), -tf.sin(pre), zero, tf.sin(pre), tf.cos(pre), zero)
                      @ _affine(1 / aniso, zero, zero, zero, aniso, zero)
                      @ _affine(tf.cos(post), -tf.sin(post), zero, tf.sin(post), tf.cos(post), zero)
                      @ _affine(one, zero, -tx, zero, one, -ty))
            params.update(geometric=matrix, geometric_on=(scale != 1) | (pre != 0) | (aniso != 1)
                          | (post != 0) | (tx != 0) | (ty != 0))
        if "c" in self.groups:
            b = tf.where(chance(_BRIGHT_ON), n[_N_BRIGHT] * _BRIGHTNESS_STD, zero)
            c = tf.where(chance(_CONTRAST_ON), _exp2(n[_N_CONTRAST] * _CONTRAST_STD), one)
            luma = chance(_LUMA_ON) & (u[_LUMA] < 0.5)
            vv = tf.constant(np.outer(transforms.LUMA_AXIS, transforms.LUMA_AXIS))     # [4, 4]
            eye = tf.eye(4)
            # contrast @ brightness: c * (x + b); then the luma flip (Householder reflection).
            color = (c[:, None, None] * _COLOR_LINEAR + (c * b)[:, None, None] * _COLOR_OFFSET
                     + _COLOR_HOMOGENEOUS)
            color = (eye - 2.0 * vv * tf.cast(luma, tf.float32)[:, None, None]) @ color
            on = luma | (b != 0) | (c != 1)
            if channels == 3:
                hue = tf.where(chance(_HUE_ON), (u[_HUE] * 2 - 1) * np.pi, zero)
                color = _luma_rotation(hue) @ color
                s = tf.where(chance(_SAT_ON), _exp2(n[_N_SAT] * _SATURATION_STD), one)
                color = (vv + (eye - vv) * s[:, None, None]) @ color
                on = on | (hue != 0) | (s != 1)
            params.update(color=color, color_on=on)
        return params

    def apply(self, images, params):
        """Apply drawn parameters (`draw`) to images, in ADA's order blit, geometric,
        colour; an image none of a group's transformations picked keeps that group's
        input exactly.

        Example:
        >>> ada = AdaptiveAugment(groups="c"); ada.build()
        >>> x = tf.ones((2, 4, 4, 3))
        >>> bool(tf.reduce_all(ada.apply(x, ada.draw(x.shape, tf.constant([1, 1], tf.int64),
        ...                                          p=0.0)) == x))
        True
        """
        dtype = images.dtype
        x = tf.cast(images, tf.float32)
        if "blit_on" in params:
            # Each blit is an exact pixel move, the identity where its parameter is.
            x = transforms.flip_x(x, params["flip"])
            x = transforms.rotate90(x, params["rotate90"])
            x = transforms.translate_integer(x, params["translate"])
        if "geometric_on" in params:
            x = tf.where(_mask(params["geometric_on"]),
                         transforms.affine_warp(x, params["geometric"]), x)
        if "color_on" in params:
            x = tf.where(_mask(params["color_on"]), transforms.color_transform(x, params["color"]), x)
        return tf.cast(x, dtype)

    def call(self, images, seed):
        shape = tf.shape(images)
        static = images.shape
        shape = [shape[0], static[1], static[2], static[3]]

        def augmented():
            return self.apply(images, self.draw(shape, seed))

        # Nothing to draw while p is 0 (the start of training): skip the pipeline.
        return tf.cond(self.p > 0, augmented, lambda: tf.identity(images))


def _fold(seed, i):
    return tf.random.experimental.stateless_fold_in(seed, i)


def _mask(on):
    return tf.reshape(on, [-1, 1, 1, 1])


def _luma_rotation(theta):
    """`[B, 4, 4]` homogeneous rotations of RGB by `theta` `[B]` about the luma axis
    (Rodrigues: I + sin(theta) K + (1 - cos(theta)) K^2, K the axis' cross product)."""
    x, y, z = (float(a) for a in transforms.LUMA_AXIS[:3])
    cross = np.zeros((4, 4), "float32")
    cross[:3, :3] = [[0, -z, y], [z, 0, -x], [-y, x, 0]]
    return (tf.eye(4) + tf.sin(theta)[:, None, None] * cross
            + (1 - tf.cos(theta))[:, None, None] * (cross @ cross))


def _exp2(x):
    return tf.pow(2.0, x)
