"""Shared test set-up.

The CPU is split into two logical devices before TensorFlow initialises, so that
`tf.distribute.MirroredStrategy` tests run with two replicas on any machine.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Reference-feature caches of the tests go to a fresh folder, not the user's ~/.cache.
import tempfile  # noqa: E402

os.environ["KERASGAN_CACHE"] = tempfile.mkdtemp(prefix="kerasgan-test-cache-")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0],
    [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()],
)

import keras  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Each test starts from a clean Keras name scope and fixed seeds."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    yield


@pytest.fixture(scope="session")
def two_cpu_strategy():
    """A MirroredStrategy over the two logical CPU devices.

    One per test session: successive MirroredStrategy objects in one process can
    make their collective ops collide ("Shape mismatch in the collective
    instance").
    """
    devices = [d.name for d in tf.config.list_logical_devices("CPU")][:2]
    assert len(devices) == 2, devices
    return tf.distribute.MirroredStrategy(devices)


@pytest.fixture(scope="session")
def extractor():
    """The digits-net feature extractor (loaded once per test process)."""
    from kerasgan.metrics import get_extractor

    return get_extractor("digits-net")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
