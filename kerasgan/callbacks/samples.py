"""Render a fixed-latent grid of generated images during `fit` (PNG and TensorBoard)."""

import os

import keras
import tensorflow as tf

from kerasgan.core.validation import check_positive_int
from kerasgan.plotting import image_grid, save_png

__all__ = ["SampleGridCallback"]


class SampleGridCallback(keras.callbacks.Callback):
    """Every N epochs, draw the same latents through the generator as one image grid.

    The latents are fixed (`seed`), so successive grids show how the same codes
    evolve. For a conditional GAN, row r shows class r mod K.

    Args:
        num: images in the grid (default 64: 8 x 8).
        columns: images per row.
        every_n_epochs: render after every n-th epoch.
        seed: seed of the fixed latents.
        directory: if given, write `samples_epoch_0005.png` ... there (atomically).
        log_dir: if given, write the grid as a TensorBoard image (tag `samples`)
            to `log_dir/samples`.

    Example:
    >>> callback = SampleGridCallback(num=64, every_n_epochs=5, directory="run/grids",
    ...                               log_dir="run/logs")
    >>> gan.fit(ds, epochs=20, callbacks=[callback])  # doctest: +SKIP
    """

    def __init__(self, num=64, columns=8, every_n_epochs=1, seed=0, directory=None, log_dir=None):
        super().__init__()
        self.num = check_positive_int("num", num)
        self.columns = check_positive_int("columns", columns)
        self.every_n_epochs = check_positive_int("every_n_epochs", every_n_epochs)
        self.seed = int(seed)
        self.directory = directory
        self.log_dir = log_dir
        self.last_grid = None
        self._writer = None

    def grid(self):
        """The current grid of the model's samples (uint8 `[H, W, C]`).

        Example:
        >>> callback.grid().dtype  # doctest: +SKIP
        dtype('uint8')
        """
        labels = None
        if getattr(self.model, "num_classes", None):
            labels = [(i // self.columns) % self.model.num_classes for i in range(self.num)]
        images = self.model.generate(self.num, seed=self.seed, labels=labels)
        return image_grid(images, columns=self.columns)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        self.last_grid = self.grid()
        if self.directory is not None:
            save_png(self.last_grid, os.path.join(self.directory, f"samples_epoch_{epoch + 1:04d}.png"))
        if self.log_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", self.last_grid[None], step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
