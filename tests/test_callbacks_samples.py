"""Sample grids: `image_grid` layout and `SampleGridCallback` PNGs / TensorBoard images."""

import glob

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.callbacks import SampleGridCallback
from kerasgan.data import load
from kerasgan.models import create_variant
from kerasgan.nets import dcgan_discriminator, dcgan_generator
from kerasgan.plotting import image_grid


def test_image_grid_places_each_image():
    images = np.stack([np.full((2, 3, 1), v, np.uint8) for v in range(5)])
    grid = image_grid(images, columns=2, padding=1, background=255)
    assert grid.shape == (3 * 3 + 1, 2 * 4 + 1, 1)
    for i in range(5):
        top, left = 1 + (i // 2) * 3, 1 + (i % 2) * 4
        assert np.all(grid[top:top + 2, left:left + 3] == i)
    assert np.all(grid[7:9, 5:8] == 255)  # the empty sixth cell is background
    floats = image_grid(np.array([-1.0, 1.0, 3.0]).reshape(3, 1, 1, 1), columns=3, padding=0)
    assert floats.ravel().tolist() == [0, 255, 255]  # [-1, 1] -> [0, 255], clipped
    with pytest.raises(ValueError, match=r"\[N, H, W, 1 or 3\]; got shape \(2, 4\)"):
        image_grid(np.zeros((2, 4)))


@pytest.mark.slow
@pytest.mark.parametrize("num_classes", [None, 10])
def test_grid_callback_writes_pngs_and_tensorboard_images(tmp_path, num_classes):
    g = dcgan_generator(16, (28, 28, 1), 8, num_classes=num_classes)
    d = dcgan_discriminator((28, 28, 1), 8, num_classes=num_classes)
    gan = create_variant("nsgan", g, d, num_classes=num_classes)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
    callback = SampleGridCallback(num=20, columns=10, every_n_epochs=2, seed=1,
                                  directory=str(tmp_path / "grids"), log_dir=str(tmp_path / "logs"))
    gan.fit(load("digits/28x28", "train", 16, seed=0), epochs=4, steps_per_epoch=2,
            callbacks=[callback], verbose=0)
    pngs = sorted(p.split("/")[-1] for p in glob.glob(str(tmp_path / "grids" / "*.png")))
    assert pngs == ["samples_epoch_0002.png", "samples_epoch_0004.png"]
    labels = None if num_classes is None else (np.arange(20) // 10) % 10  # row r: class r
    expected = image_grid(gan.generate(20, seed=1, labels=labels), columns=10)
    np.testing.assert_array_equal(callback.last_grid, expected)
    steps = []
    for path in glob.glob(str(tmp_path / "logs" / "samples" / "events.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            steps += [event.step for value in event.summary.value if value.tag == "samples"]
    assert steps == [1, 3]
