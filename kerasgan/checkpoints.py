"""Crash-safe training state: verified epoch checkpoints, resume, and a non-finite guard.

A run directory's `checkpoints/` holds, after every finished epoch N,

    epoch_000N.weights.h5          the model's full state (`save_weights` of GAN /
                                   Pix2Pix / CycleGAN, `kerasgan.models.state_file`):
                                   every network, both optimizers with their step
                                   counters -- which also key the stateless random
                                   draws, the learning-rate and instance-noise
                                   schedules -- dropout seed states, image pools
    progress.json                  epochs done, the history so far, epoch end times,
                                   the learning-rate factor and restores
    epoch_000N.weights.h5.sha256   the checkpoint's sha256, written last (all atomically)

A checkpoint counts only once its `.sha256` exists and matches, so a run
killed while writing leaves the previous one as the latest; a truncated or
tampered file is refused (and the one before it used).
`fit_with_checkpoints` (used by `kerasgan train`) resumes from the latest
verified checkpoint, and on a NaN / Inf either stops or restores the last
good checkpoint and continues with lower learning rates.
"""

import glob
import json
import math
import os
import re
import tempfile
import time
import warnings

import keras
import numpy as np

from kerasgan.core.io import sha256_of, write_json, write_text

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
    `progress.json`; `extra` adds entries to it (e.g. the learning-rate factor).

    Example:
    >>> gan.fit(data, epochs=3, callbacks=[EpochCheckpoint("run/checkpoints")])  # doctest: +SKIP
    """

    def __init__(self, directory, keep=3, initial_history=None, initial_times=None,
                 clock=None, extra=None):
        super().__init__()
        self.directory = directory
        self.extra = dict(extra or {})
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
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        if self.clock is not None:
            self.times.append(round(self.clock(), 2))
        # progress.json before the digest: once the checkpoint counts (its .sha256
        # exists), its epoch is in the history too; a resume trims any later epoch.
        write_json(os.path.join(self.directory, "progress.json"),
                   {"epochs_done": epoch + 1, "history": self.history,
                    "epoch_end_wall_time_s": self.times, **self.extra})
        write_text(path + ".sha256", f"{sha256_of(path)}  {os.path.basename(path)}\n")
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
                     "as the latest; rerun to resume from it (e.g. with a lower learning rate, or "
                     "with on_nonfinite='restore': `kerasgan train --on-nonfinite restore`)."
                     if latest else " No good checkpoint was written before it.")
        return text


#: What `fit_with_checkpoints` does when the guard trips.
NONFINITE_ACTIONS = ("stop", "restore")


@keras.saving.register_keras_serializable(package="kerasgan")
class ScaledSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A learning-rate schedule multiplied by a constant `factor`.

    Example:
    >>> schedule = ScaledSchedule(keras.optimizers.schedules.ExponentialDecay(1.0, 10, 0.5), 0.1)
    >>> round(float(schedule(10)), 6)
    0.05
    """

    def __init__(self, schedule, factor):
        self.schedule = schedule
        self.factor = float(factor)

    def __call__(self, step):
        return self.factor * self.schedule(step)

    def get_config(self):
        return {"schedule": keras.saving.serialize_keras_object(self.schedule),
                "factor": self.factor}

    @classmethod
    def from_config(cls, config):
        return cls(keras.saving.deserialize_keras_object(config["schedule"]), config["factor"])


def _inner(optimizer):
    """The optimizer holding the learning rate (inside a LossScaleOptimizer)."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def learning_rate_bases(model):
    """`{optimizer attribute: learning rate}` of a compiled GAN / translation model,
    floats or schedules, as compiled: the reference for `set_learning_rate_factor`.

    Example:
    >>> learning_rate_bases(gan)  # doctest: +SKIP
    {'g_optimizer': 0.0002, 'd_optimizer': 0.0002}
    """
    bases = {}
    for role in ("g_optimizer", "d_optimizer"):
        inner = _inner(getattr(model, role))
        rate = inner._learning_rate
        if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
            bases[role] = rate
        else:
            bases[role] = float(np.asarray(inner.learning_rate))
    return bases


def set_learning_rate_factor(model, factor, bases):
    """Set every optimizer's learning rate to `factor` x its base (`learning_rate_bases`).

    Float rates are assigned (the variable is saved with the optimizer); a
    schedule is wrapped in `ScaledSchedule` and the train function retraced.

    Example:
    >>> bases = learning_rate_bases(gan)              # doctest: +SKIP
    >>> set_learning_rate_factor(gan, 0.5, bases)     # doctest: +SKIP
    """
    retrace = False
    for role, base in bases.items():
        inner = _inner(getattr(model, role))
        if isinstance(base, keras.optimizers.schedules.LearningRateSchedule):
            inner.learning_rate = base if factor == 1.0 else ScaledSchedule(base, factor)
            retrace = True
        else:
            inner.learning_rate = base * factor
    if retrace:
        model.train_function = None


class CheckpointedFit:
    """What `fit_with_checkpoints` did: `initial_epoch` (resumed from), `history`
    and `times` (per finished epoch, resumed epochs included), `lr_factor` (the
    learning-rate factor in force at the end) and `restores` (one dict per
    non-finite event recovered from).

    Example:
    >>> CheckpointedFit(0, {}, [], 1.0, []).restores
    []
    """

    def __init__(self, initial_epoch, history, times, lr_factor, restores):
        self.initial_epoch = initial_epoch
        self.history = history
        self.times = times
        self.lr_factor = lr_factor
        self.restores = restores


def fit_with_checkpoints(model, dataset, directory, *, epochs, steps_per_epoch, callbacks=(),
                         verbose="auto", resume=True, resume_directory=None, on_nonfinite="stop",
                         lr_factor=0.5, max_restores=3, keep=3, log=print):
    """`model.fit` with verified epoch checkpoints, automatic resume and a non-finite guard.

    Args:
        model: a compiled `GAN`, `Pix2Pix` or `CycleGAN` (anything whose
            `save_weights` holds its full state and that has `g_optimizer` /
            `d_optimizer`).
        dataset: a repeating `tf.data.Dataset` that yields the same batches in
            the same order on every run (fixed seeds); a resumed run skips the
            `epochs_done * steps_per_epoch` batches already trained on.
        directory: where the checkpoints go (`EpochCheckpoint`, last `keep`).
        resume: continue from the newest verified checkpoint of `directory`
            (its state, epoch count, history and learning-rate factor).
        resume_directory: resume from this directory's checkpoints instead
            (a multi-worker run's non-chief workers read the chief's).
        on_nonfinite: `"stop"`: at the first NaN / Inf loss or weight, raise
            `NonFiniteError` (the last good checkpoint stays the latest).
            `"restore"`: load the last good checkpoint (or the starting state),
            multiply the learning rates by `lr_factor` and continue, at most
            `max_restores` times. The factor is kept in `progress.json`, so a
            resumed run continues with the lowered rates.
        log: where the resume / restore messages go.

    Returns:
        a `CheckpointedFit`.

    Example:
    >>> run = fit_with_checkpoints(gan, ds, "run/checkpoints", epochs=10,
    ...                            steps_per_epoch=100, on_nonfinite="restore")  # doctest: +SKIP
    >>> run.initial_epoch, run.lr_factor                                         # doctest: +SKIP
    (4, 0.5)
    """
    if on_nonfinite not in NONFINITE_ACTIONS:
        raise ValueError(f"on_nonfinite must be one of {list(NONFINITE_ACTIONS)}; "
                         f"got {on_nonfinite!r}.")
    if not 0.0 < float(lr_factor) < 1.0:
        raise ValueError(f"lr_factor must be in (0, 1) to lower the learning rates; got {lr_factor!r}.")
    bases = learning_rate_bases(model)
    done, progress, factor = 0, {}, 1.0
    resume_directory = resume_directory or directory
    latest = latest_checkpoint(resume_directory) if resume else None
    if latest is not None:
        done, path = latest
        model.load_weights(path)  # all or nothing; checked against the architecture
        progress = read_progress(resume_directory)
        factor = float(progress.get("lr_factor", 1.0))
        set_learning_rate_factor(model, factor, bases)
        log(f"Resuming from {path}: {done} of {epochs} epochs done "
            f"(step {int(np.asarray(model.g_optimizer.iterations))})"
            + (f", learning rates x {factor:g}" if factor != 1.0 else "") + ".", flush=True)
    history = {k: v[:done] for k, v in progress.get("history", {}).items()}
    times = progress.get("epoch_end_wall_time_s", [])[:done]
    restores = list(progress.get("restores", []))
    with tempfile.TemporaryDirectory(prefix="kerasgan-start-") as scratch:
        start_state = None
        if on_nonfinite == "restore" and latest is None:
            start_state = os.path.join(scratch, "start.weights.h5")
            model.save_weights(start_state)
        while True:
            offset = times[-1] if times else 0.0
            start = time.perf_counter()
            guard = NonFiniteGuard()
            checkpoint = EpochCheckpoint(
                directory, keep=keep, initial_history=history, initial_times=times,
                clock=lambda: offset + time.perf_counter() - start,
                extra={"lr_factor": factor, "restores": restores})
            # The guard runs before the checkpoint, so a non-finite epoch is never saved.
            model.fit(dataset.skip(done * steps_per_epoch), epochs=epochs, initial_epoch=done,
                      steps_per_epoch=steps_per_epoch, verbose=verbose,
                      callbacks=list(callbacks) + [guard, checkpoint])
            history, times = checkpoint.history, checkpoint.times
            if not guard.tripped:
                return CheckpointedFit(
                    0 if latest is None else latest[0], history, times, factor, restores)
            if on_nonfinite == "stop" or len(restores) >= max_restores:
                message = guard.message(directory)
                if on_nonfinite == "restore":
                    message += f" ({len(restores)} restores with lower learning rates were tried.)"
                raise NonFiniteError(message)
            good = latest_checkpoint(directory) or latest_checkpoint(resume_directory)
            done, path = good if good is not None else (0, start_state)
            if path is None:  # resumed from a checkpoint that is no longer verified
                raise NonFiniteError(guard.message(directory))
            factor *= float(lr_factor)
            restores.append({"step": guard.step, "name": guard.name, "value": guard.value,
                             "restored_epoch": done, "lr_factor": factor})
            log(f"{guard.message()} Restoring {path} (after epoch {done}) and continuing with "
                f"learning rates x {factor:g} (restore {len(restores)} of {max_restores}).",
                flush=True)
            model.load_weights(path)
            set_learning_rate_factor(model, factor, bases)
            history = {k: v[:done] for k, v in history.items()}
            times = times[:done]
