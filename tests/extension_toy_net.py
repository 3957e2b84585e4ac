"""A net of a user's own, in its own module: registering it is all that is needed for
configs (`{"builder": "toy_generator"}`), `train_run`, the zoo and the net harness."""

import keras

from kerasgan.nets import register_net


@register_net(role="generator", partner="toy_discriminator",
              test_args={"latent_dim": 4, "width": 8})
def toy_generator(latent_dim=16, width=32, image_shape=(28, 28, 1), name="toy_generator"):
    """Latents -> one dense layer -> a tanh image.

    Example:
    >>> toy_generator(latent_dim=4, width=8).output_shape
    (None, 28, 28, 1)
    """
    z = keras.Input((latent_dim,), name="latents")
    h = keras.layers.Dense(width, activation="relu")(z)
    size = image_shape[0] * image_shape[1] * image_shape[2]
    x = keras.layers.Dense(size, activation="tanh")(h)
    return keras.Model(z, keras.layers.Reshape(image_shape)(x), name=name)


@register_net(role="discriminator", partner="toy_generator", test_args={"width": 8})
def toy_discriminator(width=32, image_shape=(28, 28, 1), name="toy_discriminator"):
    """A flattened image -> one hidden layer -> one logit.

    Example:
    >>> toy_discriminator(width=8).output_shape
    (None, 1)
    """
    x = keras.Input(image_shape, name="images")
    h = keras.layers.Dense(width)(keras.layers.Flatten()(x))
    h = keras.layers.LeakyReLU(0.2)(h)
    return keras.Model(x, keras.layers.Dense(1)(h), name=name)
