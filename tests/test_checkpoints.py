"""kerasgan.checkpoints: verified checkpoints, resume after SIGKILL, the non-finite guard."""

import json
import os
import signal
import subprocess
import sys
import time

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan.checkpoints import (EpochCheckpoint, NonFiniteGuard, latest_checkpoint,
                                  read_progress, verified_checkpoints)
from test_models_gan import sgd_compile, small_gan

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def points(rng, n=64):
    return rng.normal(size=(n, 2)).astype("float32")


def test_checkpoints_are_verified_kept_and_corruption_falls_back(tmp_path, rng):
    directory = str(tmp_path / "ckpt")
    gan = sgd_compile(small_gan(), lr=0.01)
    gan.fit(points(rng), batch_size=16, epochs=5, verbose=0,
            callbacks=[EpochCheckpoint(directory, keep=3)])
    good, refused = verified_checkpoints(directory)
    assert [epoch for epoch, _ in good] == [5, 4, 3] and not refused   # the last 3 are kept
    assert sorted(os.listdir(directory)) == sorted(
        [f"epoch_000{i}.weights.h5{ext}" for i in (3, 4, 5) for ext in ("", ".sha256")]
        + ["progress.json"])
    progress = read_progress(directory)
    assert progress["epochs_done"] == 5 and len(progress["history"]["d_loss"]) == 5
    # The newest checkpoint loads back to the model's state.
    other = sgd_compile(small_gan(), lr=0.01)
    other.load_weights(good[0][1])
    for a, b in zip(gan.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)

    newest = good[0][1]
    with open(newest, "r+b") as f:  # truncate it
        f.truncate(os.path.getsize(newest) // 2)
    with pytest.warns(UserWarning, match=r"epoch_0005.weights.h5 is not used: sha256 .* does "
                                         r"not match the recorded .* \(truncated or modified\)"):
        assert latest_checkpoint(directory) == (4, good[1][1])
    middle = good[1][1]
    with open(middle, "r+b") as f:  # flip one byte
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.warns(UserWarning):
        assert latest_checkpoint(directory)[0] == 3
    os.remove(good[2][1] + ".sha256")  # a checkpoint whose digest was never written
    with pytest.warns(UserWarning, match="no .sha256 file"):
        assert latest_checkpoint(directory) is None


@pytest.mark.slow
def test_nonfinite_guard_stops_and_keeps_the_last_good_checkpoint(tmp_path, rng):
    directory = str(tmp_path / "ckpt")
    data = points(rng, 64)
    data[40] = np.nan  # a poisoned example: batch 3 of epoch 2 (batch size 16, 2 batches/epoch)
    ds = tf.data.Dataset.from_tensor_slices({"images": data}).batch(16)
    gan = sgd_compile(small_gan(), lr=0.01)
    guard = NonFiniteGuard()
    epochs = [ds.take(2), ds.skip(2)]
    gan.fit(epochs[0], epochs=1, verbose=0, callbacks=[guard, EpochCheckpoint(directory)])
    gan.fit(epochs[1], epochs=2, initial_epoch=1, verbose=0,
            callbacks=[guard, EpochCheckpoint(directory)])
    assert guard.tripped and guard.step == 3 and guard.name in ("d_loss", "real_logits")
    assert not np.isfinite(guard.value)
    assert latest_checkpoint(directory)[0] == 1            # epoch 2 was never saved
    assert not os.path.exists(os.path.join(directory, "epoch_0002.weights.h5"))
    message = guard.message(directory)
    assert message.startswith(f"Training stopped at step 3: {guard.name} = nan.")
    assert "epoch_0001.weights.h5 (after epoch 1), is kept as the latest" in message


RUNS = {  # entry: (epochs, steps per epoch, batch size)
    "nsgan_ring8": (3, 60, 64),
    # Its U-Net's dropout seed states must be restored too (Keras' files skip them); the
    # CycleGAN image pools are checked in process (tests/test_models_state_file.py).
    "pix2pix_digits": (3, 20, 4),
}


def kerasgan_train(entry, out, *extra):
    epochs, steps, batch = RUNS[entry]
    return [sys.executable, "-m", "kerasgan.cli", "train", entry, "--epochs", str(epochs),
            "--steps-per-epoch", str(steps), "--batch-size", str(batch), "--seed", "5",
            "--deterministic", "--noexport", "--out", str(out), *extra]


def final_weights(run_dir):
    with h5py.File(run_dir / "model.weights.h5") as f:
        return {f"{g}/{k}": f[g][k][()] for g in f for k in f[g]}


@pytest.mark.slow
@pytest.mark.parametrize("entry", sorted(RUNS))
def test_sigkill_after_the_first_checkpoint_then_rerun_ends_bit_identical(tmp_path, entry):
    """A real `kerasgan train` killed with SIGKILL mid-run, rerun with the same command,
    resumes from its checkpoint and ends with exactly the weights of an uninterrupted run
    (every array: nets, optimizers, and pix2pix's dropout seed states)."""
    straight = tmp_path / "straight"
    done = subprocess.run(kerasgan_train(entry, straight), capture_output=True, text=True,
                          env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

    killed = tmp_path / "killed"
    proc = subprocess.Popen(kerasgan_train(entry, killed), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=ENV)
    first = killed / "checkpoints" / "epoch_0001.weights.h5.sha256"
    deadline = time.time() + 300
    while not first.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert first.exists() and proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (killed / "metrics.json").exists()

    resumed = subprocess.run(kerasgan_train(entry, killed), capture_output=True, text=True,
                             env=ENV, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resuming from" in resumed.stdout and "epochs done" in resumed.stdout
    a, b = final_weights(straight), final_weights(killed)
    assert a.keys() == b.keys()
    if entry.startswith("pix2pix"):
        assert any(key.startswith("state/") for key in a)   # the dropout seeds are in the file
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    epochs, steps, _ = RUNS[entry]
    metrics = json.loads((killed / "metrics.json").read_text())
    assert metrics["train_steps"] == epochs * steps and metrics["resumed_from_epoch"] >= 1
    assert len(next(iter(metrics["history"].values()))) == epochs
    reference = json.loads((straight / "metrics.json").read_text())
    assert metrics["weights_digest"] == reference["weights_digest"]
    assert metrics["metrics"] == reference["metrics"]


@pytest.mark.slow
def test_a_diverging_run_stops_with_the_step_and_the_loss(tmp_path):
    """A recipe whose learning rate is absurd: the CLI stops with one paragraph naming the
    step and the non-finite value, without a traceback."""
    from kerasgan import zoo
    from kerasgan.checkpoints import NonFiniteError
    from kerasgan.training import train_run

    config = json.loads(json.dumps(zoo.get_entry("nsgan_ring8").config))
    for role in ("generator", "discriminator"):
        config["optimizers"][role] = {"class_name": "SGD", "config": {"learning_rate": 1e30}}
    with pytest.raises(NonFiniteError, match=r"Training stopped at step \d+: .* = -?(nan|inf)"):
        train_run(config, str(tmp_path / "run"), epochs=2, steps_per_epoch=20, batch_size=64,
                  export=False, verbose=0)
    assert keras.backend.backend() == "tensorflow"


def _transient_nan_dataset(rng, poisoned_batch):
    """Batches of 16 points, repeated; batch `poisoned_batch` of the first pass is NaN
    (a transient fault: a replay after a restore reads clean data)."""
    data = points(rng, 64)
    served = {"count": 0}

    def batches():
        while True:
            for i in range(0, 64, 16):
                served["count"] += 1
                chunk = data[i:i + 16]
                yield np.full_like(chunk, np.nan) if served["count"] == poisoned_batch else chunk

    return tf.data.Dataset.from_generator(
        batches, output_signature=tf.TensorSpec((16, 2), tf.float32)).map(
        lambda x: {"images": x})


@pytest.mark.slow
@pytest.mark.parametrize("schedule", [False, True], ids=["float_rate", "schedule"])
def test_restore_mode_reloads_the_last_good_checkpoint_with_lower_learning_rates(
        tmp_path, rng, schedule):
    from kerasgan.checkpoints import fit_with_checkpoints

    def rate():  # a float (saved with the optimizer) or a schedule (not saved)
        return keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.5) if schedule else 0.01

    def compiled():
        gan = small_gan()
        gan.compile(keras.optimizers.SGD(rate()), keras.optimizers.SGD(rate()))
        return gan

    def expected_rate(gan, factor):
        base = rate()
        step = int(gan.optimizer.iterations.numpy())
        return factor * (float(base(step)) if schedule else base)

    directory = str(tmp_path / "ckpt")
    gan = compiled()
    messages = []
    log = lambda *a, **k: messages.append(" ".join(a))  # noqa: E731
    run = fit_with_checkpoints(
        gan, _transient_nan_dataset(rng, poisoned_batch=7), directory, epochs=3,
        steps_per_epoch=4, verbose=0, on_nonfinite="restore", lr_factor=0.25, log=log)
    # Batch 7 is step 7 (epoch 2): restored from epoch 1, rates x 0.25, then 2 more epochs.
    (restore,) = run.restores
    assert {k: restore[k] for k in ("step", "restored_epoch", "lr_factor")} == {
        "step": 7, "restored_epoch": 1, "lr_factor": 0.25}
    assert not np.isfinite(restore["value"])
    assert messages[0].startswith("Training stopped at step 7:") and \
        "Restoring " in messages[0] and "epoch_0001.weights.h5 (after epoch 1)" in messages[0] \
        and "learning rates x 0.25 (restore 1 of 3)" in messages[0]
    assert run.lr_factor == 0.25 and len(run.history["d_loss"]) == 3
    assert np.isfinite(run.history["d_loss"]).all()
    assert int(gan.optimizer.iterations.numpy()) == 12      # 4 + 8 steps after the restore
    for optimizer in (gan.g_optimizer, gan.d_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(expected_rate(gan, 0.25), rel=1e-6)
    progress = read_progress(directory)
    assert progress["epochs_done"] == 3 and progress["lr_factor"] == 0.25
    assert progress["restores"][0]["step"] == 7

    # A later resume (a new process: a fresh model) keeps the lowered rates.
    again = compiled()
    resumed = fit_with_checkpoints(again, _transient_nan_dataset(rng, 0), directory, epochs=4,
                                   steps_per_epoch=4, verbose=0, log=log)
    assert resumed.initial_epoch == 3 and "learning rates x 0.25" in messages[-1]
    assert int(again.optimizer.iterations.numpy()) == 16 and len(resumed.restores) == 1
    assert float(again.g_optimizer.learning_rate) == pytest.approx(expected_rate(again, 0.25),
                                                                   rel=1e-6)


def test_restore_mode_gives_up_after_max_restores(tmp_path, rng):
    """A fault that comes back on every replay (a poisoned example in the data): after
    `max_restores` tries the run stops with the guard's message."""
    from kerasgan.checkpoints import NonFiniteError, fit_with_checkpoints

    data = points(rng, 64)
    data[40] = np.nan
    ds = tf.data.Dataset.from_tensor_slices({"images": data}).batch(16).repeat()
    gan = sgd_compile(small_gan(), lr=0.01)
    with pytest.raises(NonFiniteError, match=r"Training stopped at step 3: .*epoch_0001.weights.h5"
                                             r".*\(2 restores with lower learning rates"):
        fit_with_checkpoints(gan, ds, str(tmp_path / "ckpt"), epochs=4, steps_per_epoch=2,
                             verbose=0, on_nonfinite="restore", max_restores=2,
                             log=lambda *a, **k: None)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(0.01 * 0.25)


@pytest.mark.parametrize("kwargs, message", [
    ({"on_nonfinite": "ignore"}, r"on_nonfinite must be one of \['stop', 'restore'\]; got 'ignore'"),
    ({"lr_factor": 2.0}, r"lr_factor must be in \(0, 1\) .*; got 2.0"),
])
def test_fit_with_checkpoints_refuses_bad_options(tmp_path, kwargs, message):
    from kerasgan.checkpoints import fit_with_checkpoints

    gan = sgd_compile(small_gan())
    with pytest.raises(ValueError, match=message):
        fit_with_checkpoints(gan, None, str(tmp_path), epochs=1, steps_per_epoch=1, **kwargs)


def test_restore_mode_before_the_first_checkpoint_restarts_from_the_starting_state(tmp_path, rng):
    """A NaN in epoch 1: nothing is checkpointed yet, so the state the run started from
    is reloaded (rates lowered) and the run still finishes every epoch."""
    from kerasgan.checkpoints import fit_with_checkpoints

    gan = sgd_compile(small_gan(), lr=0.01)
    start = [w.copy() for w in gan.get_weights()]
    messages = []
    run = fit_with_checkpoints(
        gan, _transient_nan_dataset(rng, poisoned_batch=2), str(tmp_path / "ckpt"), epochs=2,
        steps_per_epoch=4, verbose=0, on_nonfinite="restore",
        log=lambda *a, **k: messages.append(" ".join(a)))
    (restore,) = run.restores
    assert restore["step"] == 2 and restore["restored_epoch"] == 0
    assert "start.weights.h5 (after epoch 0)" in messages[0]
    assert int(gan.optimizer.iterations.numpy()) == 8 and len(run.history["d_loss"]) == 2
    assert np.isfinite(run.history["d_loss"]).all()
    assert not all(np.array_equal(a, b) for a, b in zip(start, gan.get_weights()))
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(0.005)
