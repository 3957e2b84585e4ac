"""tf.distribute for kerasgan: strategies by name, checks, and a training loop for multi-worker runs.

kerasgan models train with `model.fit` under any `tf.distribute` strategy built
and entered by the user (`with strategy.scope(): build, compile`). This module
adds what that needs around it:

* `make_strategy(name)` -- `"default"`, `"mirrored"`, `"multi_worker"` (reads
  `TF_CONFIG`, checked first) or `"tpu"` (needs a TPU: refused at once without
  one), the names `kerasgan train --strategy` takes.
* `check_global_batch` -- the global batch must split evenly over the replicas.
* `fit_loop` -- a `fit`-style loop of the project's own, around `strategy.run`
  in a `tf.function`, with Keras callbacks and a `History`. kerasgan models use
  it under `MultiWorkerMirroredStrategy`, where Keras 3.15's own `fit` fails
  (keras-team/keras#20585: its symbolic build reduces a PerReplica value
  eagerly, and it reduces scalar logs along axis 0). Every other strategy uses
  Keras' `fit`; `training_loop="own"` forces this loop anywhere (tests compare
  the two).
* `worker_role` / `is_chief` -- who writes files in a multi-worker run (the
  chief; the others write to temporary directories that are removed).

What was verified where: the default strategy, MirroredStrategy on two
logical CPU devices and MultiWorkerMirroredStrategy with two worker processes
on 127.0.0.1 are exercised by the tests. TPUStrategy is written to what TPUs
accept (static batch shapes via `drop_remainder=True`, stateless random numbers,
no host Python inside the step, label checks in the input pipeline) but was not
run on a TPU.
"""

import hashlib
import json
import os

import keras
import numpy as np
import tensorflow as tf

from kerasgan.core.validation import check_positive_int

#: Names accepted by `make_strategy` and `kerasgan train --strategy`.
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


def parse_tf_config(text=None):
    """Parse and check a `TF_CONFIG` (the environment variable by default).

    Expected: a JSON object `{"cluster": {job: ["host:port", ...], ...},
    "task": {"type": job, "index": i}}` with the task's job in the cluster and
    its index in range. Anything else raises a ValueError that says what was
    expected and what was found.

    Example:
    >>> parse_tf_config('{"cluster": {"worker": ["localhost:12345", "localhost:12346"]},'
    ...                 ' "task": {"type": "worker", "index": 1}}')["task"]
    {'type': 'worker', 'index': 1}
    >>> parse_tf_config('{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "chief"}}')
    Traceback (most recent call last):
    ...
    ValueError: TF_CONFIG's task type 'chief' is not a job of its cluster (jobs: ['worker']).
    """
    if text is None:
        text = os.environ.get("TF_CONFIG")
        if not text:
            raise ValueError(
                "The multi_worker strategy reads the cluster from the TF_CONFIG environment "
                "variable, which is not set. Expected e.g. TF_CONFIG='{\"cluster\": {\"worker\": "
                "[\"host1:12345\", \"host2:12345\"]}, \"task\": {\"type\": \"worker\", "
                "\"index\": 0}}' on each worker.")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON ({error}); got {text!r}.") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) \
            or not isinstance(config.get("task"), dict):
        raise ValueError(
            "TF_CONFIG must be a JSON object with a 'cluster' object (job -> list of "
            f"'host:port') and a 'task' object (type, index); got {text!r}.")
    cluster = config["cluster"]
    if not cluster:
        raise ValueError("TF_CONFIG's cluster is empty; expected at least one job with addresses.")
    for job, addresses in cluster.items():
        if not isinstance(addresses, list) or not addresses or not all(
                isinstance(a, str) and _is_address(a) for a in addresses):
            raise ValueError(
                f"TF_CONFIG's cluster job {job!r} must be a non-empty list of 'host:port' "
                f"strings; got {addresses!r}.")
    task = config["task"]
    kind, index = task.get("type"), task.get("index", 0)
    if kind not in cluster:
        raise ValueError(
            f"TF_CONFIG's task type {kind!r} is not a job of its cluster (jobs: {sorted(cluster)}).")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(cluster[kind]):
        raise ValueError(
            f"TF_CONFIG's task index must be an int in [0, {len(cluster[kind])}) for job "
            f"{kind!r}; got {index!r}.")
    return {"cluster": cluster, "task": {"type": kind, "index": index}}


def _is_address(text):
    host, _, port = text.rpartition(":")
    return bool(host) and port.isdigit() and 0 < int(port) < 65536


def make_strategy(name="default", *, tpu=None, devices=None):
    """The `tf.distribute` strategy called `name` (one of `STRATEGIES`).

    Args:
        name: `"default"` (no distribution), `"mirrored"` (all local GPUs, or
            `devices`), `"multi_worker"` (`MultiWorkerMirroredStrategy`, cluster
            from `TF_CONFIG`, checked first by `parse_tf_config`) or `"tpu"`.
        tpu: the TPU to use with `"tpu"`: a name or `grpc://` address for
            `TPUClusterResolver`, or `"local"` for TPU devices attached to this
            host; default: `$TPU_NAME`, else local TPU devices.
        devices: device names for `"mirrored"` (e.g. `["/cpu:0", "/cpu:1"]`).

    Build and compile the model inside `strategy.scope()`, then `fit`.

    Example:
    >>> make_strategy("default").num_replicas_in_sync
    1
    >>> make_strategy("tpu")  # on a machine without a TPU
    Traceback (most recent call last):
    ...
    ValueError: The tpu strategy needs a TPU, and this machine has none: no TPU address was given (--tpu / TPU_NAME) and no TPU devices are attached. Use --strategy default or mirrored here.
    """
    if name not in STRATEGIES:
        raise ValueError(f"Unknown strategy {name!r}; expected one of {list(STRATEGIES)}.")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi_worker":
        parse_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    return _tpu_strategy(tpu)


def _tpu_strategy(tpu):
    tpu = tpu or os.environ.get("TPU_NAME")
    local = tf.config.list_logical_devices("TPU")
    if not tpu and not local:
        raise ValueError(
            "The tpu strategy needs a TPU, and this machine has none: no TPU address was given "
            "(--tpu / TPU_NAME) and no TPU devices are attached. Use --strategy default or "
            "mirrored here.")
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
            tpu="local" if not tpu else tpu)
        if tpu and tpu != "local":
            tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise ValueError(f"Could not connect to the TPU {tpu or 'local'!r}: {error}") from None
    return tf.distribute.TPUStrategy(resolver)


def num_replicas(strategy=None):
    """Replicas of `strategy` (the current one by default).

    Example:
    >>> num_replicas()
    1
    """
    return (strategy or tf.distribute.get_strategy()).num_replicas_in_sync


def check_global_batch(batch_size, strategy=None):
    """Raise a ValueError unless `batch_size` splits evenly over the strategy's replicas.

    Each replica trains on `batch_size / replicas` examples; an uneven split
    would give replicas different batch sizes (and TPUs need equal static
    shapes), so it is refused before any step runs.

    Example:
    >>> check_global_batch(64)
    64
    """
    batch_size = check_positive_int("batch_size", batch_size)
    replicas = num_replicas(strategy)
    if batch_size % replicas:
        lower = max(replicas, batch_size - batch_size % replicas)
        raise ValueError(
            f"The global batch size {batch_size} does not split evenly over the {replicas} "
            f"replicas of the strategy; use a multiple of {replicas} (e.g. {lower} or "
            f"{lower + replicas}).")
    return batch_size


def dataset_batch_size(dataset):
    """The static batch dimension of a batched `tf.data.Dataset`, or None if unknown.

    Example:
    >>> dataset_batch_size(tf.data.Dataset.range(10).batch(4, drop_remainder=True))
    4
    """
    spec = dataset.element_spec
    first = tf.nest.flatten(spec)[0]
    shape = getattr(first, "shape", None)
    if shape is None or shape.rank is None or shape.rank == 0:
        return None
    return shape[0]


def is_multi_worker(strategy=None):
    """True for a `MultiWorkerMirroredStrategy` (with one or more workers).

    Example:
    >>> is_multi_worker()
    False
    """
    strategy = strategy or tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def worker_role(strategy=None):
    """`(task_type, task_index, is_chief)` of this process in `strategy`'s cluster.

    The chief is the `chief` task if the cluster has one, else worker 0; a
    process outside a cluster is its own chief.

    Example:
    >>> worker_role()
    (None, 0, True)
    """
    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not is_multi_worker(strategy):
        return None, 0, True
    jobs = resolver.cluster_spec().as_dict()
    task_type, task_id = resolver.task_type, int(resolver.task_id or 0)
    if task_type is None:
        return None, 0, True
    chief = task_type == "chief" or (task_type == "worker" and task_id == 0 and "chief" not in jobs)
    return task_type, task_id, chief


def is_chief(strategy=None):
    """True if this process writes the run's files (see `worker_role`).

    Example:
    >>> is_chief()
    True
    """
    return worker_role(strategy)[2]


def fit_loop(model, dataset, *, epochs=1, steps_per_epoch=None, callbacks=None, verbose="auto",
             initial_epoch=0):
    """Train `model` on `dataset` with the project's own loop; returns a `keras.callbacks.History`.

    Used by kerasgan's models under `MultiWorkerMirroredStrategy` (see the
    module doc); same semantics as `fit` for what kerasgan uses: `epochs`,
    `steps_per_epoch`, `initial_epoch`, callbacks (`on_train_begin` ...
    `on_train_batch_end` with the step's logs, `model.stop_training`), verbose
    progress bars, and the model's `jit_compile` for the per-replica step. Logs
    are the replica mean of the model's `train_step` results (its trackers,
    reset at each epoch start).

    `dataset` must be a batched `tf.data.Dataset` (the global batch); it is
    distributed with `strategy.experimental_distribute_dataset`. When it is
    infinite, give `steps_per_epoch`.

    Example:
    >>> with strategy.scope():                      # doctest: +SKIP
    ...     gan = build_gan(config); compile_gan(gan, config)
    >>> history = fit_loop(gan, ds, epochs=2, steps_per_epoch=100)  # doctest: +SKIP
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(
            "The multi-worker training loop trains on a batched tf.data.Dataset (the global "
            f"batch); got {type(dataset).__name__}. Wrap arrays with "
            "tf.data.Dataset.from_tensor_slices(...).batch(global_batch, drop_remainder=True).")
    epochs = check_positive_int("epochs", epochs)
    # As Keras' fit: without steps_per_epoch each epoch is one pass over the
    # (finite) dataset; with it, one iterator runs on across epochs.
    one_pass_per_epoch = steps_per_epoch is None
    if steps_per_epoch is None:
        cardinality = int(dataset.cardinality())
        if cardinality < 0:
            raise ValueError(
                "The dataset is infinite (or of unknown size): give steps_per_epoch.")
        steps_per_epoch = cardinality
    steps_per_epoch = check_positive_int("steps_per_epoch", steps_per_epoch)
    strategy = model.distribute_strategy
    if verbose == "auto":
        verbose = 1
    callback_list = keras.callbacks.CallbackList(
        callbacks, add_history=True, add_progbar=bool(verbose), model=model,
        verbose=verbose, epochs=epochs, steps=steps_per_epoch)

    step_fn = model.train_step
    if model.jit_compile:
        step_fn = tf.function(step_fn, jit_compile=True, reduce_retracing=True)

    @tf.function
    def train_function(iterator):
        outputs = strategy.run(step_fn, args=(next(iterator),))
        return {name: strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
                for name, value in outputs.items()}

    model.stop_training = False
    if is_multi_worker(strategy):
        # Each worker keeps its share of every global batch (file-based sharding
        # would need at least one input file per worker).
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        dataset = dataset.with_options(options)
    distributed = strategy.experimental_distribute_dataset(dataset)
    iterator = iter(distributed)
    callback_list.on_train_begin()
    logs = {}
    for epoch in range(initial_epoch, epochs):
        if one_pass_per_epoch and epoch > initial_epoch:
            iterator = iter(distributed)
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        for step in range(steps_per_epoch):
            callback_list.on_train_batch_begin(step)
            logs = {name: float(value) for name, value in train_function(iterator).items()}
            callback_list.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        callback_list.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    callback_list.on_train_end(dict(logs))
    return model.history


def fit_with_strategy(model, keras_fit, x, y=None, training_loop="auto", **kwargs):
    """Run `keras_fit(x, y, **kwargs)`, or `fit_loop` where Keras' fit cannot serve.

    `training_loop`: `"auto"` -- the own loop under
    `MultiWorkerMirroredStrategy`, Keras' `fit` otherwise; `"keras"` or `"own"`
    to choose. Before either runs, a static global batch that does not split
    over the replicas is refused (`check_global_batch`).

    Example:
    >>> fit_with_strategy(gan, super(GAN, gan).fit, ds, epochs=1)  # doctest: +SKIP
    """
    if training_loop not in ("auto", "keras", "own"):
        raise ValueError(f"training_loop must be 'auto', 'keras' or 'own'; got {training_loop!r}.")
    strategy = model.distribute_strategy
    if isinstance(x, tf.data.Dataset):
        batch = dataset_batch_size(x)
        if batch is not None:
            check_global_batch(batch, strategy)
        elif isinstance(strategy, tf.distribute.TPUStrategy):
            raise ValueError(
                "TPUs need static batch shapes: batch the dataset with drop_remainder=True "
                "(kerasgan.data.load does); got a dataset whose batch size is unknown.")
    elif kwargs.get("batch_size") is not None:
        check_global_batch(kwargs["batch_size"], strategy)
    own = training_loop == "own" or (training_loop == "auto" and is_multi_worker(strategy))
    if not own:
        return keras_fit(x, y, **kwargs)
    if y is not None:
        raise ValueError("The own training loop takes one dataset of batches; pass y inside it.")
    allowed = {"epochs", "steps_per_epoch", "callbacks", "verbose", "initial_epoch"}
    extra = sorted(set(k for k, v in kwargs.items() if v is not None) - allowed)
    if extra:
        raise ValueError(
            f"The multi-worker training loop supports {sorted(allowed)}; got also {extra}.")
    return fit_loop(model, x, **{k: v for k, v in kwargs.items() if k in allowed})


_FIT_POSITIONAL = ("batch_size", "epochs", "verbose", "callbacks", "validation_split",
                   "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch",
                   "steps_per_epoch")


def positional_fit_arguments(args):
    """`keras.Model.fit`'s positional arguments after `x, y`, as keywords.

    Example:
    >>> positional_fit_arguments((32, 2))
    {'batch_size': 32, 'epochs': 2}
    """
    if len(args) > len(_FIT_POSITIONAL):
        raise TypeError(f"fit takes at most {len(_FIT_POSITIONAL) + 2} positional arguments.")
    return dict(zip(_FIT_POSITIONAL, args))


def num_workers(strategy=None):
    """Worker processes taking part in `strategy` (1 outside a multi-worker cluster).

    Example:
    >>> num_workers()
    1
    """
    strategy = strategy or tf.distribute.get_strategy()
    if not is_multi_worker(strategy):
        return 1
    jobs = strategy.cluster_resolver.cluster_spec().as_dict()
    return max(1, sum(len(jobs.get(job, [])) for job in ("chief", "worker")))


def weights_digest(model):
    """sha256 over the values of `model.weights` (in order): equal digests, equal weights.

    Used to show that the workers of a multi-worker run end with identical
    weights (each worker logs it; the chief's is in `metrics.json`).

    Example:
    >>> net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    >>> weights_digest(net)[:12]
    '79caa6f71eab'
    """
    digest = hashlib.sha256()
    for variable in model.weights:
        value = np.ascontiguousarray(np.asarray(variable))
        digest.update(str((value.dtype.str, value.shape)).encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def gradient_bytes_per_step(gan, bytes_per_value=4):
    """Bytes all-reduced per training step of `gan` under data parallelism.

    Every discriminator update all-reduces D's gradients and the generator
    update G's: `bytes_per_value * (d_steps * |theta_D| + |theta_G|)`
    (trainable weights; float32 gradients by default, also under mixed
    precision, whose variables stay float32).

    Example:
    >>> from kerasgan.models import GAN
    >>> from kerasgan.nets import mlp_generator, mlp_discriminator
    >>> gan = GAN(mlp_generator(2, (2,), (4,)), mlp_discriminator((2,), (4,)), d_steps=2)
    >>> gradient_bytes_per_step(gan)   # G: 2*4+4 + 4*2+2 = 22; D: 2*4+4 + 4*1+1 = 17
    224
    """
    def count(variables):
        return sum(int(np.prod(v.shape)) for v in variables)

    values = (gan.d_steps * count(gan.discriminator.trainable_weights)
              + count(gan.generator.trainable_weights))
    return bytes_per_value * values


def predicted_images_per_second(step_seconds, per_device_batch, gradient_bytes, devices,
                                 bandwidth_bytes_per_s, latency_s=0.0, all_reduces_per_step=2):
    """Data-parallel throughput predicted from one device's step and the all-reduce size.

    A ring all-reduce of `g` bytes over `n` devices moves `2 (n-1)/n * g`
    bytes through each link and takes `2 (n-1)` latency hops; with no overlap
    of communication and computation (a conservative bound; Keras applies the
    updates after the whole backward pass):

        images/s = n * b / (t_step + 2 (n-1)/n * g / B + all_reduces * 2 (n-1) * latency)

    with one all-reduce per optimizer update (`d_steps + 1` for a GAN step).

    Example:
    >>> round(predicted_images_per_second(0.01, 64, 1e6, 1, 1e9))   # one device: b / t
    6400
    >>> round(predicted_images_per_second(0.01, 64, 1e6, 2, 1e9))   # + 1 MB / 1 GB/s
    11636
    """
    devices = check_positive_int("devices", devices)
    hops = 2 * (devices - 1)
    comm = (hops / devices) * gradient_bytes / bandwidth_bytes_per_s
    comm += all_reduces_per_step * hops * latency_s
    return devices * per_device_batch / (step_seconds + comm)
