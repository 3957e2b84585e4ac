"""Crash-safe training state: verified epoch checkpoints, resume, and a non-finite guard.

A run directory's `checkpoints/` holds, after every finished epoch N,

    epoch_000N.weights.h5          the GAN's full state (`GAN.save_weights`: G, D,
                                   EMA G, both optimizers with their step counters --
                                   which also key the stateless random draws, the
                                   learning-rate and instance-noise schedules)
    epoch_000N.weights.h5.sha256   its sha256, written after it (both atomically)
    progress.json                  epochs done, the history so far, epoch end times

A checkpoint counts only once its `.sha256` exists and matches, so a run
killed while writing leaves the previous one as the latest; a truncated or
tampered file is refused (and the one before it used). `kerasgan train`
resumes from the latest verified checkpoint of its run directory.
"""

import glob
import json
import math
import os
import re

import keras
import numpy as np

from kerasgan._io import sha256_of, write_json, write_text

_NAME = re.compile(r"epoch_(\d{4,})\.weights\.h5$")


def checkpoint_path(directory, epochs_done):
    """Path of the checkpoint written after `epochs_done` epochs.

    Example:
    >>> checkpoint_path("run/checkpoints", 3)
    'run/checkpoints/epoch_0003.weights.h5'
    """
    return os.path.join(directory, f"epoch_{epochs_done:04d}.weights.h5")


def verified_checkpoints(directory):
    """`(epochs_done, path)` of the checkpoints whose sha256 file matches, newest first,
    and the list of `(path, reason)` refused.

    Example:
    >>> verified_checkpoints("/nonexistent")
    ([], [])
    """
    good, refused = [], []
    for path in glob.glob(os.path.join(directory, "epoch_*.weights.h5")):
        match = _NAME.search(os.path.basename(path))
        if not match:
            continue
        digest_file = path + ".sha256"
        if not os.path.exists(digest_file):
            refused.append((path, "no .sha256 file (the run stopped while writing it)"))
            continue
        with open(digest_file) as f:
            expected = (f.read().split() or [""])[0]
        actual = sha256_of(path)
        if actual != expected:
            refused.append((path, f"sha256 {actual[:12]}… does not match the recorded "
                                  f"{expected[:12]}… (truncated or modified)"))
            continue
        good.append((int(match.group(1)), path))
    return sorted(good, reverse=True), refused


def latest_checkpoint(directory):
    """The newest verified checkpoint as `(epochs_done, path)`, or None; refused files are
    reported as warnings.

    Example:
    >>> latest_checkpoint("/nonexistent") is None
    True
    """
    import warnings

    good, refused = verified_checkpoints(directory)
    newest = good[0][0] if good else -1
    for path, reason in refused:
        epoch = int(_NAME.search(os.path.basename(path)).group(1))
        if epoch > newest:
            warnings.warn(f"Checkpoint {path} is not used: {reason}.", stacklevel=2)
    return good[0] if good else None


def _all_finite(model):
    return all(np.isfinite(np.asarray(w)).all() for w in model.weights
               if np.issubdtype(np.asarray(w).dtype, np.floating))


class EpochCheckpoint(keras.callbacks.Callback):
    """After every epoch, save the model's full state with its sha256 and the run's progress.

    Keeps the last `keep` verified checkpoints. Nothing is written for an
    epoch whose weights are not finite or in which a `NonFiniteGuard` tripped,
    so the latest checkpoint stays the last good state. `initial_history`
    and `initial_times` carry a resumed run's earlier epochs into
    `progress.json`.

    Example:
    >>> gan.fit(data, epochs=3, callbacks=[EpochCheckpoint("run/checkpoints")])  # doctest: +SKIP
    """

    def __init__(self, directory, keep=3, initial_history=None, initial_times=None,
                 clock=None):
        super().__init__()
        self.directory = directory
        self.keep = keep
        self.history = {k: list(v) for k, v in (initial_history or {}).items()}
        self.times = list(initial_times or [])
        self.clock = clock

    def on_epoch_end(self, epoch, logs=None):
        if getattr(self.model, "_kerasgan_nonfinite", None) or not _all_finite(self.model):
            return
        os.makedirs(self.directory, exist_ok=True)
        path = checkpoint_path(self.directory, epoch + 1)
        self.model.save_weights(path)  # atomic: temporary file, then rename
        write_text(path + ".sha256", f"{sha256_of(path)}  {os.path.basename(path)}\n")
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        if self.clock is not None:
            self.times.append(round(self.clock(), 2))
        write_json(os.path.join(self.directory, "progress.json"),
                   {"epochs_done": epoch + 1, "history": self.history,
                    "epoch_end_wall_time_s": self.times})
        for old_epoch, old in verified_checkpoints(self.directory)[0][self.keep:]:
            for stale in (old + ".sha256", old):
                os.remove(stale)


def read_progress(directory):
    """The `progress.json` of a checkpoint directory (`{}` if absent).

    Example:
    >>> read_progress("/nonexistent")
    {}
    """
    path = os.path.join(directory, "progress.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


class NonFiniteError(RuntimeError):
    """Training produced a NaN or infinite loss or weight (see `NonFiniteGuard`)."""


class NonFiniteGuard(keras.callbacks.Callback):
    """Stop training at the first non-finite loss (after each step) or weight (each epoch).

    Sets `model.stop_training`, records `step` (the optimizer step), the
    offending `name` and `value`, and marks the model so that `EpochCheckpoint`
    writes nothing more: the latest checkpoint stays the last good one.
    `message()` says what happened.

    Example:
    >>> guard = NonFiniteGuard()
    >>> gan.fit(data, callbacks=[guard, EpochCheckpoint("ckpt")])  # doctest: +SKIP
    >>> guard.tripped                                                # doctest: +SKIP
    False
    """

    def __init__(self):
        super().__init__()
        self.tripped = False
        self.step = self.name = self.value = None

    def on_train_begin(self, logs=None):
        self.tripped = False
        self.model._kerasgan_nonfinite = None

    def _trip(self, name, value):
        self.tripped = True
        self.step = int(np.asarray(self.model.optimizer.iterations))
        self.name, self.value = name, value
        self.model._kerasgan_nonfinite = (self.step, name, value)
        self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if self.tripped:
            return
        for name, value in (logs or {}).items():
            if isinstance(value, (int, float, np.floating)) and not math.isfinite(float(value)):
                self._trip(name, float(value))
                return

    def on_epoch_end(self, epoch, logs=None):
        if not self.tripped and not _all_finite(self.model):
            self._trip("weights", float("nan"))

    def message(self, checkpoints=None):
        """One paragraph: the step, what was non-finite, and the checkpoint that stays.

        Example:
        >>> NonFiniteGuard().message()
        'No non-finite value was seen.'
        """
        if not self.tripped:
            return "No non-finite value was seen."
        what = ("the weights became non-finite" if self.name == "weights"
                else f"{self.name} = {self.value}")
        text = f"Training stopped at step {self.step}: {what}."
        if checkpoints is not None:
            latest = latest_checkpoint(checkpoints)
            text += (f" The last good checkpoint, {latest[1]} (after epoch {latest[0]}), is kept "
                     "as the latest; rerun to resume from it (e.g. with a lower learning rate)."
                     if latest else " No good checkpoint was written before it.")
        return text
