"""GAN losses as pure functions of discriminator logits (TF-GAN style).

Conventions shared by every function in this module:

* Inputs are discriminator **logits**, never probabilities: the discriminator's
  probability that `x` is real is `D(x) = σ(logit(x))`, σ the logistic sigmoid.
  Logits have shape `[B]` or `[B, 1]` (flattened to `[B]`); anything else, e.g.
  `[B, 3]`, raises a `ValueError`. The real and fake batches may differ in size
  (except for the relativistic pairing losses, below).
* Every loss is a scalar: the per-example **mean** over the batch (`E` below is
  the batch mean), so values do not depend on the batch size.
* Computation is in float32 (float64 if any input is float64); integer or bool
  logits are cast to float32.
* Losses are numerically stable for logits of any size: the logarithms of
  sigmoids are evaluated with the softplus identities
  `log σ(x) = −softplus(−x)` and `log(1 − σ(x)) = −softplus(x)`,
  never as `log(sigmoid(x))`, so values and gradients are finite even for logits
  of ±1e4.
* Discriminator losses have the signature `(real_logits, fake_logits)`;
  generator losses `(fake_logits, real_logits=None)` (only the relativistic
  generator losses actually need the real logits).
* The relativistic *pairing* losses pair real and fake logits element-wise,
  so their two batches must have the same size.

The minimax game of the original GAN (Goodfellow et al., 2014) is

    min_G max_D V(D, G) = E_p log D(x) + E_z log(1 − D(G(z))).

`minimax_discriminator_loss` is −V; `minimax_generator_loss` is the saturating
generator objective `E log(1 − D(G(z)))` exactly as in the game (it is
negative-valued, and its gradient vanishes when D confidently rejects the fakes).
`non_saturating_generator_loss` is the lecture's "in practice we use
−log D(G(z))" heuristic, which has the same fixed point but strong gradients
early in training.

Look losses up by name with `get`:

>>> loss = get("hinge")
>>> loss.name, loss.generator_needs_real_logits
('hinge', False)
"""

import dataclasses
from typing import Callable

import tensorflow as tf

from kerasgan.core.registry import Registry

__all__ = [
    "GANLoss",
    "LOSSES",
    "get",
    "register_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "relativistic_average_discriminator_loss",
    "relativistic_average_generator_loss",
    "relativistic_pairing_discriminator_loss",
    "relativistic_pairing_generator_loss",
]


# --------------------------------------------------------------------------- #
# Input handling.
# --------------------------------------------------------------------------- #


def _as_float_tensor(logits):
    logits = tf.convert_to_tensor(logits)
    if not logits.dtype.is_floating:
        logits = tf.cast(logits, tf.float32)
    return logits


def _flatten(logits, arg_name):
    """Reshape logits of static shape `[B]` or `[B, 1]` to `[B]`."""
    shape = logits.shape
    if shape.rank is None:
        # Unknown rank (only possible in graph mode): trust the caller.
        return tf.reshape(logits, [-1])
    if shape.rank == 1:
        return logits
    if shape.rank == 2 and shape[1] in (1, None):
        # `squeeze` fails at run time if an unknown second dimension is not 1.
        return tf.squeeze(logits, axis=1)
    raise ValueError(
        f"`{arg_name}` must be discriminator logits of shape [B] or [B, 1]; "
        f"got shape {shape.as_list()}."
    )


def _prepare(**named_logits):
    """Validate, flatten and cast logits to a common float dtype.

    The common dtype is float64 if any input is float64, float32 otherwise.
    """
    tensors = {name: _as_float_tensor(value) for name, value in named_logits.items()}
    dtype = tf.float64 if any(t.dtype == tf.float64 for t in tensors.values()) else tf.float32
    out = []
    for name, tensor in tensors.items():
        out.append(tf.cast(_flatten(tensor, name), dtype))
    return out[0] if len(out) == 1 else out


def _mean(x):
    return tf.reduce_mean(x)


def global_batch_mean(x):
    """Mean of `x` over the global batch, also inside a `tf.distribute` replica.

    With several replicas (each holding an equal share of the batch) the local
    means are averaged with a differentiable all-reduce; otherwise this is
    `tf.reduce_mean`. Used where a loss depends on a batch statistic (RaGAN's
    average logits, DRAGAN's data std) so that the value matches one device.

    Example:
    >>> float(global_batch_mean(tf.constant([1.0, 2.0, 6.0])))
    3.0
    """
    local = tf.reduce_mean(x)
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return local
    return context.all_reduce(tf.distribute.ReduceOp.MEAN, local)


# --------------------------------------------------------------------------- #
# Minimax / non-saturating (Goodfellow et al., 2014).
# --------------------------------------------------------------------------- #


def minimax_discriminator_loss(real_logits, fake_logits):
    """Discriminator loss of the minimax game: the negated value function.

    `L_D = −E log σ(r) − E log(1 − σ(f)) = E softplus(−r) + E softplus(f)`,
    with `r` the real and `f` the fake logits. Minimising it maximises
    `V(D, G)`; its minimum over D is `log 4 − 2·JSD(p_data ‖ p_G)`.

    Example:
    >>> round(float(minimax_discriminator_loss([0.0], [0.0])), 4)  # 2 log 2
    1.3863
    """
    r, f = _prepare(real_logits=real_logits, fake_logits=fake_logits)
    return _mean(tf.nn.softplus(-r)) + _mean(tf.nn.softplus(f))


def minimax_generator_loss(fake_logits, real_logits=None):
    """Saturating generator loss of the minimax game (negative-valued).

    `L_G = E log(1 − σ(f)) = −E softplus(f)`, with `f` the fake logits. This is
    the generator's side of the game as written; when the discriminator
    confidently rejects the fakes (`f ≪ 0`) its gradient `−σ(f)` vanishes.
    `real_logits` is accepted for a uniform signature and ignored.

    Example:
    >>> round(float(minimax_generator_loss([0.0])), 4)  # log ½
    -0.6931
    """
    del real_logits
    f = _prepare(fake_logits=fake_logits)
    return -_mean(tf.nn.softplus(f))


def non_saturating_discriminator_loss(real_logits, fake_logits):
    """Discriminator loss of the non-saturating GAN (same as the minimax one).

    `L_D = −E log σ(r) − E log(1 − σ(f)) = E softplus(−r) + E softplus(f)`.

    Example:
    >>> round(float(non_saturating_discriminator_loss([0.0], [0.0])), 4)
    1.3863
    """
    return minimax_discriminator_loss(real_logits, fake_logits)


def non_saturating_generator_loss(fake_logits, real_logits=None):
    """Non-saturating generator loss: "in practice we use −log D(G(z))".

    `L_G = −E log σ(f) = E softplus(−f)`, with `f` the fake logits. Its gradient
    `σ(f) − 1` is close to −1 when the discriminator confidently rejects the
    fakes, unlike the saturating `minimax_generator_loss`.
    `real_logits` is accepted for a uniform signature and ignored.

    Example:
    >>> round(float(non_saturating_generator_loss([0.0])), 4)  # log 2
    0.6931
    """
    del real_logits
    f = _prepare(fake_logits=fake_logits)
    return _mean(tf.nn.softplus(-f))


# --------------------------------------------------------------------------- #
# Least squares (Mao et al., 2017), a = 0, b = c = 1.
# --------------------------------------------------------------------------- #


def least_squares_discriminator_loss(real_logits, fake_logits):
    """Least-squares GAN discriminator loss (targets 1 for real, 0 for fake).

    `L_D = ½ E (r − 1)² + ½ E f²`, on the raw logits `r`, `f`.

    Example:
    >>> float(least_squares_discriminator_loss([1.0], [0.0]))
    0.0
    """
    r, f = _prepare(real_logits=real_logits, fake_logits=fake_logits)
    return 0.5 * _mean(tf.square(r - 1.0)) + 0.5 * _mean(tf.square(f))


def least_squares_generator_loss(fake_logits, real_logits=None):
    """Least-squares GAN generator loss (target 1 for fake).

    `L_G = ½ E (f − 1)²`. `real_logits` is ignored.

    Example:
    >>> float(least_squares_generator_loss([3.0]))
    2.0
    """
    del real_logits
    f = _prepare(fake_logits=fake_logits)
    return 0.5 * _mean(tf.square(f - 1.0))


# --------------------------------------------------------------------------- #
# Wasserstein (Arjovsky et al., 2017).
# --------------------------------------------------------------------------- #


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Wasserstein critic loss.

    `L_D = E f − E r`, the negated estimate of the Wasserstein-1 distance (the
    Lipschitz constraint is imposed elsewhere: clipping or gradient penalty).

    Example:
    >>> float(wasserstein_discriminator_loss([3.0, 1.0], [0.5, 0.5]))
    -1.5
    """
    r, f = _prepare(real_logits=real_logits, fake_logits=fake_logits)
    return _mean(f) - _mean(r)


def wasserstein_generator_loss(fake_logits, real_logits=None):
    """Wasserstein generator loss.

    `L_G = −E f`. `real_logits` is ignored.

    Example:
    >>> float(wasserstein_generator_loss([1.0, 2.0]))
    -1.5
    """
    del real_logits
    f = _prepare(fake_logits=fake_logits)
    return -_mean(f)


# --------------------------------------------------------------------------- #
# Hinge (Lim & Ye 2017; Miyato et al. 2018).
# --------------------------------------------------------------------------- #


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss.

    `L_D = E relu(1 − r) + E relu(1 + f)`.

    Example:
    >>> float(hinge_discriminator_loss([1.0], [-1.0]))
    0.0
    >>> float(hinge_discriminator_loss([0.0], [0.0]))
    2.0
    """
    r, f = _prepare(real_logits=real_logits, fake_logits=fake_logits)
    return _mean(tf.nn.relu(1.0 - r)) + _mean(tf.nn.relu(1.0 + f))


def hinge_generator_loss(fake_logits, real_logits=None):
    """Hinge generator loss.

    `L_G = −E f`. `real_logits` is ignored.

    Example:
    >>> float(hinge_generator_loss([2.0, 4.0]))
    -3.0
    """
    del real_logits
    f = _prepare(fake_logits=fake_logits)
    return -_mean(f)


# --------------------------------------------------------------------------- #
# Relativistic average (Jolicoeur-Martineau, 2018), non-saturating form.
# --------------------------------------------------------------------------- #


def relativistic_average_discriminator_loss(real_logits, fake_logits):
    """Relativistic average (RaGAN) discriminator loss.

    `L_D = E softplus(−(r − E f)) + E softplus(f − E r)` (the averages E r, E f
    over the global batch, also under `tf.distribute`), i.e.
    `−E log σ(r − E f) − E log(1 − σ(f − E r))`: reals should look more real
    than the average fake, and fakes less real than the average real.

    Example:
    >>> round(float(relativistic_average_discriminator_loss([0.0], [0.0])), 4)
    1.3863
    """
    r, f = _prepare(real_logits=real_logits, fake_logits=fake_logits)
    mean_r, mean_f = global_batch_mean(r), global_batch_mean(f)
    return _mean(tf.nn.softplus(-(r - mean_f))) + _mean(tf.nn.softplus(f - mean_r))


def relativistic_average_generator_loss(fake_logits, real_logits=None):
    """Relativistic average (RaGAN) generator loss; needs the real logits.

    `L_G = E softplus(−(f − E r)) + E softplus(r − E f)`, the discriminator loss
    with the roles of real and fake swapped. Raises `ValueError` if
    `real_logits` is None.

    Example:
    >>> round(float(relativistic_average_generator_loss([0.0], [0.0])), 4)
    1.3863
    """
    if real_logits is None:
        raise ValueError(
            "relativistic_average_generator_loss requires `real_logits` "
            "(the discriminator's logits on a real batch); got None."
        )
    f, r = _prepare(fake_logits=fake_logits, real_logits=real_logits)
    mean_r, mean_f = global_batch_mean(r), global_batch_mean(f)
    return _mean(tf.nn.softplus(-(f - mean_r))) + _mean(tf.nn.softplus(r - mean_f))


# --------------------------------------------------------------------------- #
# Relativistic pairing (Jolicoeur-Martineau, 2018; R3GAN, Huang et al. 2024).
# --------------------------------------------------------------------------- #


def _paired(first, second, first_name, second_name):
    """Check that two flattened logit batches have the same size (element-wise pairs)."""
    a, b = first.shape[0], second.shape[0]
    if a is not None and b is not None:
        if a != b:
            raise ValueError(
                f"The relativistic pairing loss pairs real and generated samples element-wise: "
                f"`{first_name}` and `{second_name}` must have the same batch size; got {a} "
                f"and {b}.")
        return first, second
    with tf.control_dependencies([tf.debugging.assert_equal(
            tf.shape(first)[0], tf.shape(second)[0],
            message=f"relativistic pairing: `{first_name}` and `{second_name}` must have the "
                    "same batch size")]):
        return tf.identity(first), second


def relativistic_pairing_discriminator_loss(real_logits, fake_logits):
    """Relativistic pairing (RpGAN) discriminator loss, R3GAN's objective.

    `L_D = E softplus(−(r_i − f_i)) = −E log σ(r_i − f_i)`: each real sample
    should look more real than the generated sample it is paired with (element
    `i` of each batch). Both batches must have the same size (a `ValueError`
    when the static sizes differ, a run-time error when they are unknown). With
    equal logits it is `log 2`.

    Example:
    >>> round(float(relativistic_pairing_discriminator_loss([0.0, 3.0], [0.0, 3.0])), 4)
    0.6931
    >>> relativistic_pairing_discriminator_loss([0.0, 1.0], [0.0])
    Traceback (most recent call last):
    ...
    ValueError: The relativistic pairing loss pairs real and generated samples element-wise: `real_logits` and `fake_logits` must have the same batch size; got 2 and 1.
    """
    r, f = _prepare(real_logits=real_logits, fake_logits=fake_logits)
    r, f = _paired(r, f, "real_logits", "fake_logits")
    return _mean(tf.nn.softplus(-(r - f)))


def relativistic_pairing_generator_loss(fake_logits, real_logits=None):
    """Relativistic pairing (RpGAN) generator loss; needs the real logits.

    `L_G = E softplus(−(f_i − r_i))`: the discriminator loss with real and fake
    swapped, so `L_G(f, r) = L_D(f, r)` and `L_D(r, f) − L_G(f, r) = E (f_i − r_i)`
    (softplus(x) − softplus(−x) = x). Raises `ValueError` if `real_logits` is None
    or the batch sizes differ.

    Example:
    >>> round(float(relativistic_pairing_generator_loss([2.0], real_logits=[2.0])), 4)
    0.6931
    """
    if real_logits is None:
        raise ValueError(
            "relativistic_pairing_generator_loss requires `real_logits` "
            "(the discriminator's logits on a real batch of the same size); got None."
        )
    f, r = _prepare(fake_logits=fake_logits, real_logits=real_logits)
    f, r = _paired(f, r, "fake_logits", "real_logits")
    return _mean(tf.nn.softplus(-(f - r)))


# --------------------------------------------------------------------------- #
# Registry.
# --------------------------------------------------------------------------- #


@dataclasses.dataclass(frozen=True)
class GANLoss:
    """A named pair of generator and discriminator losses.

    Attributes:
        name: the loss's name in `LOSSES`.
        generator_loss: `(fake_logits, real_logits=None) -> scalar`.
        discriminator_loss: `(real_logits, fake_logits) -> scalar`.
        generator_needs_real_logits: whether `generator_loss` must be given the
            discriminator's logits on a real batch (True for RaGAN), so training
            loops can skip that forward pass otherwise.

    Example:
    >>> loss = LOSSES.get("relativistic_average")
    >>> loss.generator_needs_real_logits
    True
    >>> round(float(loss.generator_loss([0.0], real_logits=[0.0])), 4)
    1.3863
    """

    name: str
    generator_loss: Callable
    discriminator_loss: Callable
    generator_needs_real_logits: bool = False


#: Every loss by name (a `kerasgan.core.registry.Registry` of `GANLoss`); `get` reads it.
LOSSES = Registry("loss")


def register_loss(name, generator_loss, discriminator_loss, generator_needs_real_logits=False):
    """Register a pair of pure loss functions under `name`; returns its `GANLoss`.

    The functions follow this module's signatures: `generator_loss(fake_logits,
    real_logits=None)` and `discriminator_loss(real_logits, fake_logits)`. A
    registered loss is then usable by name: `GAN(..., loss=name)`.

    Example:
    >>> def tanh_generator_loss(fake_logits, real_logits=None):
    ...     return -tf.reduce_mean(tf.tanh(_prepare(fake_logits=fake_logits)))
    >>> def tanh_discriminator_loss(real_logits, fake_logits):
    ...     r, f = _prepare(real_logits=real_logits, fake_logits=fake_logits)
    ...     return tf.reduce_mean(tf.tanh(f)) - tf.reduce_mean(tf.tanh(r))
    >>> register_loss("tanh", tanh_generator_loss, tanh_discriminator_loss).name
    'tanh'
    >>> float(get("tanh").generator_loss([0.0]))
    -0.0
    >>> LOSSES.remove("tanh")
    """
    loss = GANLoss(name, generator_loss, discriminator_loss, bool(generator_needs_real_logits))
    return LOSSES.add(name, loss, generator_needs_real_logits=loss.generator_needs_real_logits)


register_loss("minimax", minimax_generator_loss, minimax_discriminator_loss)
register_loss("non_saturating", non_saturating_generator_loss, non_saturating_discriminator_loss)
register_loss("least_squares", least_squares_generator_loss, least_squares_discriminator_loss)
register_loss("wasserstein", wasserstein_generator_loss, wasserstein_discriminator_loss)
register_loss("hinge", hinge_generator_loss, hinge_discriminator_loss)
register_loss("relativistic_average", relativistic_average_generator_loss,
              relativistic_average_discriminator_loss, generator_needs_real_logits=True)
register_loss("relativistic_pairing", relativistic_pairing_generator_loss,
              relativistic_pairing_discriminator_loss, generator_needs_real_logits=True)


def get(identifier):
    """Return the `GANLoss` named `identifier`, or `identifier` if it is one.

    Valid names are those of `LOSSES`: "minimax", "non_saturating",
    "least_squares", "wasserstein", "hinge", "relativistic_average",
    "relativistic_pairing", and any added with `register_loss`.

    Raises:
        ValueError: for an unknown name (the message lists the valid names,
            closest first).
        TypeError: if `identifier` is neither a string nor a `GANLoss`.

    Example:
    >>> get("wasserstein").name
    'wasserstein'
    >>> get(LOSSES.get("hinge")) is LOSSES.get("hinge")
    True
    """
    if isinstance(identifier, GANLoss):
        return identifier
    if isinstance(identifier, str):
        return LOSSES.get(identifier)
    raise TypeError(
        "Expected a loss name (str, one of "
        f"{', '.join(repr(n) for n in LOSSES.names())}) or a kerasgan.losses.GANLoss; "
        f"got {identifier!r} of type {type(identifier).__name__}."
    )
