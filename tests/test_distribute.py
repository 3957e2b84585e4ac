"""kerasgan.distribute: strategies, checks, the own training loop, multi-worker runs, mixed precision.

The step-equality tests run one SGD step with given inputs on the two logical
CPU devices of conftest.py and compare with the same step on one device.
"""

import json
import os
import socket
import subprocess
import sys

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgan import distribute, nets
from kerasgan.models import CycleGAN, Pix2Pix, create_variant
from kerasgan.nets import mlp_discriminator, mlp_generator
from test_models_gan import LATENT, small_gan
from test_models_gan import sgd_compile as sgd


def mixture_batches(rng, n=24, batch=8):
    data = {"images": rng.normal(size=(n, 2)).astype("float32"),
            "latents": rng.normal(size=(n, LATENT)).astype("float32")}
    return tf.data.Dataset.from_tensor_slices(data).batch(batch, drop_remainder=True)


def assert_same_weights(a, b, rtol=1e-5, atol=1e-5):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


# ------------------------------------------------------------ TF_CONFIG
GOOD = {"cluster": {"worker": ["localhost:2001", "localhost:2002"]},
        "task": {"type": "worker", "index": 1}}


@pytest.mark.parametrize(
    "text, message",
    [
        ("{cluster: 1}", "TF_CONFIG is not valid JSON"),
        ('["worker"]', "TF_CONFIG must be a JSON object with a 'cluster' object"),
        ('{"cluster": {"worker": ["localhost:1"]}}', "and a 'task' object"),
        ('{"cluster": {}, "task": {"type": "worker"}}', "cluster is empty"),
        ('{"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}',
         "must be a non-empty list of 'host:port' strings; got ['localhost']"),
        ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}',
         "task index must be an int in [0, 2) for job 'worker'; got 2"),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}',
         "task type 'ps' is not a job of its cluster (jobs: ['worker'])"),
    ],
)
def test_malformed_tf_config_is_refused_with_what_was_expected(text, message):
    with pytest.raises(ValueError) as info:
        distribute.parse_tf_config(text)
    assert message in str(info.value)


def test_good_tf_config_and_missing_tf_config(monkeypatch):
    assert distribute.parse_tf_config(json.dumps(GOOD))["task"] == {"type": "worker", "index": 1}
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="reads the cluster from the TF_CONFIG environment"):
        distribute.make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1"]}, "task": {"index": 0}}')
    with pytest.raises(ValueError, match="task type None is not a job"):
        distribute.make_strategy("multi_worker")


def test_strategy_names_and_tpu_without_a_tpu(monkeypatch):
    assert distribute.make_strategy("default").num_replicas_in_sync == 1
    with pytest.raises(ValueError, match=r"Unknown strategy 'gpu'; expected one of \['default'"):
        distribute.make_strategy("gpu")
    monkeypatch.delenv("TPU_NAME", raising=False)
    with pytest.raises(ValueError, match="needs a TPU, and this machine has none"):
        distribute.make_strategy("tpu")


def test_worker_role_outside_a_cluster():
    assert distribute.worker_role() == (None, 0, True)
    assert distribute.num_workers() == 1 and not distribute.is_multi_worker()


# ------------------------------------------------------------ global batch
def test_global_batch_must_split_over_the_replicas(two_cpu_strategy, rng):
    with pytest.raises(ValueError, match=r"global batch size 7 does not split evenly over the 2 "
                                         r"replicas of the strategy; use a multiple of 2 \(e.g. 6 or 8\)"):
        distribute.check_global_batch(7, two_cpu_strategy)
    assert distribute.check_global_batch(8, two_cpu_strategy) == 8
    with two_cpu_strategy.scope():
        gan = sgd(small_gan())
    before = gan.get_weights()
    data = {"images": rng.normal(size=(14, 2)).astype("float32")}
    with pytest.raises(ValueError, match="global batch size 7 does not split"):
        gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(7, drop_remainder=True), verbose=0)
    with pytest.raises(ValueError, match="global batch size 7 does not split"):
        gan.fit(data["images"], batch_size=7, verbose=0)
    for a, b in zip(before, gan.get_weights()):
        np.testing.assert_array_equal(a, b)  # refused before any step


def test_train_run_refuses_an_uneven_global_batch_before_building(two_cpu_strategy, tmp_path):
    from kerasgan import zoo
    from kerasgan.training import train_run

    with pytest.raises(ValueError, match="global batch size 255 does not split evenly over the 2"):
        train_run(zoo.get_entry("nsgan_ring8").config, str(tmp_path / "run"),
                  strategy=two_cpu_strategy, batch_size=255, epochs=1, steps_per_epoch=1)
    assert not (tmp_path / "run" / "checkpoints").exists()


# ------------------------------------------------------------ own loop
class _Counter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch))


@pytest.mark.parametrize("mirrored", [False, True], ids=["one-device", "mirrored"])
def test_own_loop_equals_keras_fit(mirrored, two_cpu_strategy, rng):
    """The loop used under MultiWorkerMirroredStrategy gives Keras fit's weights, logs and callbacks."""
    ds = mixture_batches(rng)
    scope = two_cpu_strategy.scope if mirrored else tf.distribute.get_strategy().scope
    histories, gans, counters = {}, {}, {}
    for loop in ("keras", "own"):
        with scope():
            gans[loop] = sgd(small_gan(regularizers=["r1"], ema_decay=0.9), jit_compile=False)
        counters[loop] = _Counter()
        histories[loop] = gans[loop].fit(ds, epochs=2, verbose=0, callbacks=[counters[loop]],
                                         training_loop=loop).history
    assert_same_weights(gans["keras"], gans["own"])
    assert sorted(histories["own"]) == sorted(histories["keras"])
    for key, values in histories["keras"].items():
        np.testing.assert_allclose(histories["own"][key], values, rtol=1e-5, atol=1e-6)
    assert counters["own"].calls == counters["keras"].calls
    assert int(np.asarray(gans["own"].optimizer.iterations)) == 6


def test_own_loop_needs_steps_for_an_infinite_dataset(rng):
    gan = sgd(small_gan())
    with pytest.raises(ValueError, match="infinite .* give steps_per_epoch"):
        gan.fit(mixture_batches(rng).repeat(), training_loop="own", verbose=0)
    with pytest.raises(ValueError, match="training_loop must be 'auto', 'keras' or 'own'"):
        gan.fit(mixture_batches(rng), training_loop="fast", verbose=0)


# ------------------------------------------------------------ every family under MirroredStrategy
def _dcgan(variant, num_classes=None, synchronized_bn=True, **kwargs):
    keras.utils.set_random_seed(3)
    g = nets.dcgan_generator(8, (28, 28, 1), base_filters=4, num_classes=num_classes,
                             synchronized_bn=synchronized_bn)
    d = nets.dcgan_discriminator((28, 28, 1), base_filters=4, num_classes=num_classes,
                                 spectral_norm=variant == "sngan")
    extra = {"num_classes": num_classes} if num_classes else {}
    return create_variant(variant, g, d, **extra, **kwargs)


def _image_batches(rng, labels=False):
    data = {"images": rng.uniform(-1, 1, (8, 28, 28, 1)).astype("float32"),
            "latents": rng.normal(size=(8, 8)).astype("float32")}
    if labels:
        data["labels"] = rng.integers(0, 10, 8).astype("int32")
    return tf.data.Dataset.from_tensor_slices(data).batch(8)


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant, kwargs",
    [("nsgan", {"num_classes": 10}), ("sngan", {}), ("wgan", {"d_steps": 2}),
     ("nsgan", {"ema_decay": 0.5})],
    ids=["conditional", "spectral-norm", "wgan-clip-d2", "ema"])
def test_image_gan_step_under_mirrored_equals_one_device(variant, kwargs, two_cpu_strategy, rng):
    """Conditional, spectrally normalized (u state included), clipped WGAN (2 critic
    steps) and EMA steps of a
    DCGAN whose generator uses synchronized BN (statistics over the global batch):
    same weights and logs on 2 replicas."""
    ds = _image_batches(rng, labels="num_classes" in kwargs)
    single = sgd(_dcgan(variant, **kwargs), lr=0.05)
    logs_single = single.fit(ds, verbose=0).history
    with two_cpu_strategy.scope():
        mirrored = sgd(_dcgan(variant, **kwargs), lr=0.05)
    logs_mirrored = mirrored.fit(ds, verbose=0).history
    assert_same_weights(single, mirrored, rtol=1e-4, atol=1e-5)
    for key, value in logs_single.items():
        assert logs_mirrored[key][0] == pytest.approx(value[0], rel=1e-4, abs=1e-5), key


@pytest.mark.slow
def test_unsynchronized_bn_differs_under_mirrored(two_cpu_strategy, rng):
    """Without synchronized BN each replica normalizes with its half-batch statistics:
    the control that shows the synchronized test above measures something."""
    ds = _image_batches(rng)
    single = sgd(_dcgan("nsgan", synchronized_bn=False), lr=0.05)
    single.fit(ds, verbose=0)
    with two_cpu_strategy.scope():
        mirrored = sgd(_dcgan("nsgan", synchronized_bn=False), lr=0.05)
    mirrored.fit(ds, verbose=0)
    diffs = [np.abs(a - b).max() for a, b in zip(single.get_weights(), mirrored.get_weights())]
    assert max(diffs) > 1e-4


def _translation(kind):
    keras.utils.set_random_seed(4)
    if kind == "pix2pix":
        return Pix2Pix(nets.unet_generator((16, 16, 3), base_filters=4, dropout=0.0),
                       nets.patchgan_discriminator((16, 16, 3), 3, base_filters=4))
    return CycleGAN(nets.resnet_translator((16, 16, 3), base_filters=4, num_blocks=1),
                    nets.resnet_translator((16, 16, 3), base_filters=4, num_blocks=1),
                    nets.patchgan_discriminator((16, 16, 3), base_filters=4),
                    nets.patchgan_discriminator((16, 16, 3), base_filters=4), pool_size=4)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["pix2pix", "cyclegan"])
def test_translation_step_under_mirrored_equals_one_device(kind, two_cpu_strategy, rng):
    x = rng.uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices({"x": x, "y": x[::-1].copy()}).batch(4, drop_remainder=True)
    single = sgd(_translation(kind), lr=0.05)
    logs_single = single.fit(ds.take(1), verbose=0).history
    with two_cpu_strategy.scope():
        mirrored = sgd(_translation(kind), lr=0.05)
    logs_mirrored = mirrored.fit(ds.take(1), verbose=0).history
    assert_same_weights(single, mirrored, rtol=1e-4, atol=1e-5)
    for key, value in logs_single.items():
        assert logs_mirrored[key][0] == pytest.approx(value[0], rel=1e-4, abs=1e-5), key
    if kind == "cyclegan":  # later steps run too (per-replica pools, replica-keyed draws)
        mirrored.fit(ds.repeat(), steps_per_epoch=3, verbose=0)
        assert all(np.isfinite(w).all() for w in mirrored.get_weights())


# ------------------------------------------------------------ mixed precision
@pytest.fixture
def policy():
    previous = keras.mixed_precision.global_policy()
    yield keras.mixed_precision.set_global_policy
    keras.mixed_precision.set_global_policy(previous)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_step_is_close_to_float32(name, policy, rng):
    """One SGD step in mixed precision lands near the float32 step: the loss scale is
    applied inside the tape and removed before the update (else the step would be
    2**15 times too large)."""
    ds = _image_batches(rng)
    reference = sgd(_dcgan("r1gan"), lr=0.05)
    reference.fit(ds, verbose=0)
    policy(name)
    mixed = sgd(_dcgan("r1gan"), lr=0.05)
    kind = type(mixed.d_optimizer).__name__
    assert kind == ("LossScaleOptimizer" if name == "mixed_float16" else "SGD")
    initial = _dcgan("r1gan").get_weights()
    mixed.fit(ds, verbose=0)
    for start, a, b in zip(initial, reference.get_weights(), mixed.get_weights()):
        step_ref, step_mixed = a - start, b - start
        scale = np.abs(step_ref).max() + 1e-8
        assert np.abs(step_mixed - step_ref).max() <= 0.05 * scale + 2e-3
    samples = mixed.generate(4, seed=0)
    assert samples.dtype == np.float32 and np.isfinite(samples).all()


@pytest.mark.slow
def test_float16_overflow_skips_the_step_and_lowers_the_scale(policy, rng):
    policy("mixed_float16")
    gan = _dcgan("nsgan")
    opt = lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1),  # noqa: E731
                                                      initial_scale=2.0 ** 60)
    gan.compile(opt(), opt())
    trainable = gan.generator.trainable_weights + gan.discriminator.trainable_weights
    before = [np.asarray(w) for w in trainable]
    gan.fit(_image_batches(rng), verbose=0)
    for a, b in zip(before, trainable):  # no update (BN moving statistics still move)
        np.testing.assert_array_equal(a, np.asarray(b))
    assert float(gan.d_optimizer.dynamic_scale) < 2.0 ** 60


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["pix2pix", "cyclegan"])
def test_translation_models_train_in_mixed_float16(kind, policy, rng):
    policy("mixed_float16")
    model = _translation(kind)
    model.compile()
    assert type(model.g_optimizer).__name__ == "LossScaleOptimizer"
    x = rng.uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices({"x": x, "y": x}).batch(4, drop_remainder=True)
    logs = model.fit(ds, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values())


# ------------------------------------------------------------ two workers on localhost
def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _two_workers(tmp_path, out, epochs, tag):
    """Run `kerasgan train nsgan_ring8 --strategy multi_worker` as two local processes."""
    ports = _free_ports(2)
    procs = []
    for index in range(2):
        scratch = tmp_path / f"tmp{tag}{index}"
        scratch.mkdir()
        tf_config = {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                     "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CONFIG": json.dumps(tf_config), "TF_CPP_MIN_LOG_LEVEL": "3",
               "TMPDIR": str(scratch)}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "kerasgan.cli", "train", "nsgan_ring8", "--strategy",
             "multi_worker", "--epochs", str(epochs), "--steps-per-epoch", "5", "--batch-size",
             "64", "--deterministic", "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (stdout, stderr) in zip(procs, outputs):
        assert p.returncode == 0, stderr[-3000:]
    return [stdout for stdout, _ in outputs]


@pytest.mark.slow
def test_two_workers_on_localhost_train_a_zoo_entry_agree_and_resume(tmp_path):
    """`kerasgan train --strategy multi_worker` in two processes (TF_CONFIG on 127.0.0.1):
    both end with the same weights; only the chief writes the run directory; the
    other worker's temporary directory is removed; the checkpoint holds the final state.
    Rerun with more epochs, both workers resume from the chief's checkpoint and end
    where an uninterrupted two-worker run ends."""
    out = tmp_path / "run"
    _, worker_output = _two_workers(tmp_path, out, 2, "a")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["scale"]["replicas"] == 2 and metrics["scale"]["workers"] == 2
    assert metrics["train_steps"] == 10
    digest = metrics["weights_digest"]
    assert f"final weights sha256 {digest}" in worker_output  # worker 1 ends identical
    assert sorted(os.listdir(out / "checkpoints")) == [
        "epoch_0001.weights.h5", "epoch_0001.weights.h5.sha256", "epoch_0002.weights.h5",
        "epoch_0002.weights.h5.sha256", "progress.json"]
    assert not os.listdir(tmp_path / "tmpa1") or all(
        not name.startswith("kerasgan-worker") for name in os.listdir(tmp_path / "tmpa1"))
    from kerasgan import zoo

    restored = zoo.create("nsgan_ring8", pretrained=False)
    restored.load_weights(str(out / "checkpoints" / "epoch_0002.weights.h5"))
    assert distribute.weights_digest(restored) == digest
    with h5py.File(out / "checkpoints" / "epoch_0002.weights.h5") as f:
        assert "d_optimizer" in f and "g_optimizer" in f

    outputs = _two_workers(tmp_path, out, 3, "b")      # the same run, one more epoch
    for stdout in outputs:
        assert "Resuming from" in stdout and "2 of 3 epochs done (step 10)" in stdout
    resumed = json.loads((out / "metrics.json").read_text())
    assert resumed["train_steps"] == 15 and resumed["resumed_from_epoch"] == 2
    assert f"final weights sha256 {resumed['weights_digest']}" in outputs[1]
    straight = tmp_path / "straight"
    _two_workers(tmp_path, straight, 3, "c")
    assert json.loads((straight / "metrics.json").read_text())["weights_digest"] == \
        resumed["weights_digest"]


# ------------------------------------------------------------ scaling model
def test_gradient_bytes_count_every_update():
    gan = create_variant("wgan_gp", mlp_generator(LATENT, (2,), (16,)),
                         mlp_discriminator((2,), (16,)))
    g, d = gan.generator.count_params(), gan.discriminator.count_params()
    assert distribute.gradient_bytes_per_step(gan) == 4 * (g + gan.d_steps * d)
    assert distribute.gradient_bytes_per_step(gan, bytes_per_value=2) == 2 * (g + gan.d_steps * d)


def test_predicted_throughput_closed_form():
    t, b, g, bw, lat = 0.02, 32, 4e6, 1e9, 1e-5
    assert distribute.predicted_images_per_second(t, b, g, 1, bw, lat) == pytest.approx(b / t)
    for n in (2, 8, 64):
        comm = 2 * (n - 1) / n * g / bw + 2 * 2 * (n - 1) * lat
        expected = n * b / (t + comm)
        assert distribute.predicted_images_per_second(t, b, g, n, bw, lat) == pytest.approx(expected)
    # efficiency falls with the device count and rises with the bandwidth
    eff = [distribute.predicted_images_per_second(t, b, g, n, bw) / (n * b / t) for n in (2, 4, 8)]
    assert eff[0] > eff[1] > eff[2]
    assert distribute.predicted_images_per_second(t, b, g, 8, 10 * bw) > \
        distribute.predicted_images_per_second(t, b, g, 8, bw)
