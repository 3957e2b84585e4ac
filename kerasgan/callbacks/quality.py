"""Track FID, KID and the other sample-quality metrics of an image GAN during `fit`."""

import os

import keras
import tensorflow as tf

from kerasgan.core.validation import check_positive_int
from kerasgan.metrics.features import get_extractor
from kerasgan.metrics.quality import (default_protocol, generated_batches, reference_set,
                                      sample_quality)

__all__ = ["SampleQualityCallback"]


class SampleQualityCallback(keras.callbacks.Callback):
    """Score the generator's samples against real images every N epochs.

    At the end of every `every_n_epochs`-th epoch it generates `num_samples`
    images from latents fixed by `seed` (the same images
    `model.generate(num_samples, seed=seed)` gives, produced batch by batch),
    and computes `kerasgan.metrics.sample_quality` against `reference`.

    Results:

    * the epoch `logs` get `<metric>_<extractor>` keys, e.g. `fid_digits_net`,
      `kid_digits_net`, `precision_digits_net`, `recall_digits_net`,
      `density_digits_net`, `coverage_digits_net`, `inception_score_digits_net`
      (so they reach `History.history` and the callbacks listed after this one,
      e.g. `EarlyStopping(monitor="fid_digits_net", mode="min")`);
    * `self.history`: a list of `(epoch, report)` with the full reports,
      protocol included;
    * with `log_dir`, a TensorBoard writer in `log_dir/quality` receives the
      scalars (tags "FID (digits-net)", ..., step = epoch).

    Args:
        reference: a `kerasgan.metrics.ReferenceSet` of real images.
        extractor: the `FeatureExtractor` the reference was computed with.
        num_samples: generated images per evaluation (more than the
            extractor's feature width; FID is biased at small n, so compare
            values of equal n only).
        every_n_epochs: evaluate after every n-th epoch.
        seed: seed of the fixed latents.
        log_dir: if given, write TensorBoard scalars to `log_dir/quality`.
        batch_size: images generated and extracted per batch.

    Example:
    >>> callback = SampleQualityCallback.for_dataset("digits/28x28", num_samples=500,
    ...                                               every_n_epochs=5, log_dir="logs")
    >>> history = gan.fit(ds, epochs=20, callbacks=[callback])  # doctest: +SKIP
    >>> history.history["fid_digits_net"]                        # doctest: +SKIP
    [41.2, 12.7, 6.3, 4.1]
    """

    def __init__(self, reference, extractor, *, num_samples=1000, every_n_epochs=1, seed=0,
                 log_dir=None, batch_size=256):
        super().__init__()
        self.reference = reference
        self.extractor = extractor
        self.num_samples = check_positive_int("num_samples", num_samples)
        if self.num_samples <= extractor.feature_dim:
            raise ValueError(
                f"num_samples must exceed the feature width of {extractor.name} "
                f"({extractor.feature_dim}) for FID's covariance; got {num_samples}."
            )
        self.every_n_epochs = check_positive_int("every_n_epochs", every_n_epochs)
        self.seed = int(seed)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.log_dir = log_dir
        self.history = []
        self._writer = None

    @classmethod
    def for_dataset(cls, dataset, *, split=None, extractor=None, data_dir=None, download=False,
                    preprocessing=None, **kwargs):
        """A callback against `dataset`'s reference split with its default extractor.

        Defaults come from `kerasgan.metrics.default_protocol(dataset)`;
        `preprocessing` (`image_size`, `center_crop`) shapes the real images as
        in training.

        Example:
        >>> SampleQualityCallback.for_dataset("digits/28x28").reference.protocol["split"]
        'test'
        """
        defaults = default_protocol(dataset)
        extractor = extractor or get_extractor(defaults["extractor"])
        reference = reference_set(dataset, split or defaults["split"], extractor,
                                  data_dir=data_dir, download=download,
                                  preprocessing=preprocessing)
        return cls(reference, extractor, **kwargs)

    def log_key(self, metric):
        """The logs key of a metric, e.g. `fid_digits_net`.

        Example:
        >>> SampleQualityCallback.for_dataset("digits/28x28").log_key("fid")
        'fid_digits_net'
        """
        return f"{metric}_{self.extractor.name.replace('-', '_')}"

    def evaluate(self):
        """Score the model's current samples; returns the report.

        Example:
        >>> report = callback.evaluate()  # doctest: +SKIP
        """
        batches = generated_batches(self.model, self.num_samples, self.seed, self.batch_size)
        return sample_quality(batches, self.reference, self.extractor, batch_size=self.batch_size,
                              source=f"{self.num_samples} generated samples, seed {self.seed}")

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        report = self.evaluate()
        self.history.append((epoch, report))
        if logs is not None:
            for key, value in report["metrics"].items():
                logs[self.log_key(key)] = value
        if self.log_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "quality"))
            with self._writer.as_default():
                for key, value in report["metrics"].items():
                    tf.summary.scalar(report["labels"][key], value, step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
