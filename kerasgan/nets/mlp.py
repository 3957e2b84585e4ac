"""Fully connected generator and discriminator (the lecture's "fully connected GANs")."""

import math

import keras

from kerasgan.core.validation import check_positive_int, check_positive_number
from kerasgan.layers import SpectralNormalization, WeightClip
from kerasgan.nets.registry import register_net


def _units(hidden_units):
    units = tuple(hidden_units)
    if not units:
        raise ValueError("`hidden_units` must list at least one layer width; got ().")
    return tuple(check_positive_int("hidden_units[i]", u) for u in units)


@register_net(role="generator", partner="mlp_discriminator",
              test_args={"latent_dim": 4, "hidden_units": (8,), "output_activation": "tanh"})
def mlp_generator(
    latent_dim,
    output_shape=(2,),
    hidden_units=(256, 256, 256),
    activation="relu",
    output_activation=None,
    num_classes=None,
    embedding_dim=16,
    name="generator",
):
    """A fully connected generator z -> x (or (z, label) -> x).

    Args:
        latent_dim: size of the latent vector z.
        output_shape: shape of one sample, e.g. `(2,)` for 2-D points or
            `(28, 28, 1)` for images (the last Dense layer is reshaped).
        hidden_units: widths of the hidden layers.
        activation: hidden activation.
        output_activation: e.g. `"tanh"` for images in [-1, 1]; None (linear)
            for unbounded data such as the 2-D mixtures.
        num_classes: if set, the generator is conditional: inputs `[z, labels]`,
            the label's learned embedding concatenated to z.
        embedding_dim: width of that embedding.
        name: model name.

    Returns:
        A built functional `keras.Model` from `[None, latent_dim]` (and labels
        `[None]`) to `[None, *output_shape]`.

    Example:
    >>> g = mlp_generator(latent_dim=16, output_shape=(2,), hidden_units=(32, 32))
    >>> g.output_shape
    (None, 2)
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    output_shape = tuple(int(d) for d in output_shape)
    z = keras.Input((latent_dim,), name="latents")
    h, inputs = z, z
    if num_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs = [z, labels]
        embedded = keras.layers.Embedding(check_positive_int("num_classes", num_classes),
                                          embedding_dim, name="label_embedding")(labels)
        h = keras.layers.Concatenate(name="latents_and_label")([z, embedded])
    for i, width in enumerate(_units(hidden_units)):
        h = keras.layers.Dense(width, activation=activation, name=f"dense_{i}")(h)
    h = keras.layers.Dense(
        math.prod(output_shape), activation=output_activation, name="output"
    )(h)
    if len(output_shape) > 1:
        h = keras.layers.Reshape(output_shape)(h)
    return keras.Model(inputs, h, name=name)


@register_net(role="discriminator", partner="mlp_generator", test_args={"hidden_units": (8,)})
def mlp_discriminator(
    input_shape=(2,),
    hidden_units=(256, 256, 256),
    activation="leaky_relu",
    spectral_norm=False,
    weight_clip=None,
    input_scale=None,
    num_classes=None,
    embedding_dim=16,
    name="discriminator",
):
    """A fully connected discriminator x -> logit (or (x, label) -> logit).

    Args:
        input_shape: shape of one sample.
        hidden_units: widths of the hidden layers.
        activation: hidden activation (leaky ReLU by default).
        spectral_norm: wrap every Dense layer in `SpectralNormalization` (SNGAN).
        weight_clip: if a number c, wrap every Dense layer in `WeightClip(c)` (WGAN).
        input_scale: if a number s, multiply the input by s first (a fixed
            `Rescaling` layer). With spectral normalization every layer is
            1-Lipschitz, so the whole net is at most s-Lipschitz: s sets the
            length scale at which D can tell samples apart (about 1/(data std
            within a mode) for the 2-D mixtures, whose modes are 0.01-0.05 wide).
        num_classes: if set, the discriminator is conditional by concatenation:
            inputs `[x, labels]`, the label's embedding joined to the flat input.
        embedding_dim: width of that embedding.
        name: model name.

    Returns:
        A built functional `keras.Model` from `[None, *input_shape]` to `[None, 1]`
        logits (no sigmoid: the losses take logits).

    Example:
    >>> d = mlp_discriminator((2,), hidden_units=(32,), spectral_norm=True)
    >>> d.output_shape
    (None, 1)
    """
    if spectral_norm and weight_clip is not None:
        raise ValueError(
            "Choose one Lipschitz technique: got spectral_norm=True and "
            f"weight_clip={weight_clip!r}."
        )
    if weight_clip is not None:
        weight_clip = check_positive_number("weight_clip", weight_clip)

    def dense(units, activation, layer_name):
        layer = keras.layers.Dense(units, activation=activation, name=layer_name)
        if spectral_norm:
            return SpectralNormalization(layer, name=f"sn_{layer_name}")
        if weight_clip is not None:
            return WeightClip(layer, weight_clip, name=f"clip_{layer_name}")
        return layer

    x = keras.Input(tuple(int(d) for d in input_shape), name="samples")
    h = keras.layers.Flatten()(x) if len(input_shape) > 1 else x
    if input_scale is not None:
        h = keras.layers.Rescaling(check_positive_number("input_scale", input_scale))(h)
    inputs = x
    if num_classes is not None:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs = [x, labels]
        embedded = keras.layers.Embedding(check_positive_int("num_classes", num_classes),
                                          embedding_dim, name="label_embedding")(labels)
        h = keras.layers.Concatenate(name="samples_and_label")([h, embedded])
    for i, width in enumerate(_units(hidden_units)):
        h = dense(width, activation, f"dense_{i}")(h)
    logits = dense(1, None, "logits")(h)
    return keras.Model(inputs, logits, name=name)
