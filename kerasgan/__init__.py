"""kerasgan: a Keras 3 / TensorFlow zoo of generative adversarial networks.

Example:
>>> import kerasgan
>>> gan = kerasgan.zoo.create("nsgan_ring8")            # doctest: +SKIP
>>> gan.fit(kerasgan.data.load("gaussian_mixture/ring8"), steps_per_epoch=100)  # doctest: +SKIP
"""

import os

# kerasgan is built on TensorFlow (GradientTape, tf.distribute, SavedModel):
# make Keras use it unless the user already chose a backend.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"

import keras  # noqa: E402

if keras.backend.backend() != "tensorflow":
    raise ImportError(
        "kerasgan needs the TensorFlow backend of Keras; KERAS_BACKEND is "
        f"{keras.backend.backend()!r}. Set KERAS_BACKEND=tensorflow."
    )

from kerasgan import (  # noqa: E402,F401
    callbacks,
    constraints,
    data,
    distribute,
    layers,
    losses,
    metrics,
    models,
    nets,
    precision,
    regularizers,
    schedules,
    zoo,
)
from kerasgan.export import export_generator  # noqa: E402,F401
