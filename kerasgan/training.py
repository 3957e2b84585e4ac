"""Build, train, evaluate and save a GAN from a zoo-style config.

One code path serves `kerasgan train`, `tools/train_zoo.py` and
`tools/train_translation.py`: `train_run` (GANs) and `train_translation_run`
(pix2pix, CycleGAN) share their set-up and checkpointed fit and write a run
directory:

    RUN_DIR/
      logs/                 TensorBoard logs (losses every epoch, mixture metrics, samples)
      checkpoints/          full state after each epoch with its .sha256 and
                            progress.json (the last 3 kept; `kerasgan.checkpoints`):
                            rerunning into the same directory resumes from them
      model.weights.h5      final weights
      metrics.json          evaluation metrics, wall time, training history
      samples.png           a picture of generated samples
      saved_model/          the exported generator (see kerasgan.export)

Every file is written to a temporary name and renamed, so an interrupted run
never leaves a half-written file.
"""

import copy
import os
import platform
import shutil
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

from kerasgan import data, distribute, models, nets
from kerasgan.callbacks import (MixtureMetricsCallback, SampleGridCallback, SampleQualityCallback,
                                StackedMnistModesCallback)
from kerasgan.checkpoints import (  # noqa: F401  (EpochCheckpoint: also kerasgan.training's)
    EpochCheckpoint, fit_with_checkpoints)
from kerasgan.core.entries import normalize_config
from kerasgan.core.images import uint8_to_model_range
from kerasgan.core.io import write_json
from kerasgan.core.naming import unknown_name_error
from kerasgan.data.digit_pairs.digit_pairs import pair_arrays
from kerasgan.metrics import evaluate_gan  # noqa: F401  (kerasgan.training.evaluate_gan, as before)
from kerasgan.metrics.translation import identity_errors, translation_errors
from kerasgan.plotting import image_grid, save_png, scatter_image
from kerasgan.precision import check_policy

#: The roles of a GAN entry's networks, in the order `create_variant` takes them.
GAN_ROLES = ("generator", "discriminator")


def build_gan(config):
    """Build the (uncompiled) GAN a config describes.

    `config` is a zoo config (`kerasgan.core.entries` schema, or an older
    layout, normalized): `model` (the variant, a `kerasgan.models.VARIANTS`
    name), `model_args`, and `nets` with a `generator` and a `discriminator`,
    each `{"builder": name, "args": {...}}` for `kerasgan.nets.build_net`.

    Example:
    >>> config = {
    ...     "model": "nsgan", "model_args": {},
    ...     "nets": {"generator": {"builder": "mlp_generator", "args": {"latent_dim": 4}},
    ...              "discriminator": {"builder": "mlp_discriminator", "args": {}}},
    ... }
    >>> build_gan(config).latent_dim
    4
    """
    config = normalize_config(config, "gan")
    parts = [nets.build_net(config["nets"][role]) for role in GAN_ROLES]
    return models.create_variant(config["model"], *parts, **config.get("model_args", {}))


def compile_gan(gan, config, jit_compile="auto"):
    """Compile `gan` with the optimizers of `config["optimizers"]` (Keras configs).

    Example:
    >>> config = {"model": "nsgan", "nets": {
    ...     "generator": {"builder": "mlp_generator", "args": {"latent_dim": 4}},
    ...     "discriminator": {"builder": "mlp_discriminator", "args": {}}},
    ...     "optimizers": {"generator": {"class_name": "SGD", "config": {"learning_rate": 0.1}}}}
    >>> type(compile_gan(build_gan(config), config).g_optimizer).__name__
    'SGD'
    """
    opts = config.get("optimizers", {})
    g_opt = keras.optimizers.get(copy.deepcopy(opts["generator"])) if "generator" in opts else None
    d_opt = keras.optimizers.get(copy.deepcopy(opts["discriminator"])) if "discriminator" in opts else None
    gan.compile(g_optimizer=g_opt, d_optimizer=d_opt, jit_compile=jit_compile)
    return gan


#: Learning-rate scaling rules for a global batch other than the recipe's.
LR_SCALING = ("none", "linear", "sqrt")


def scale_learning_rates(config, global_batch, rule="none"):
    """A copy of `config` whose optimizers' learning rates follow `rule` for `global_batch`.

    The recipe's `training.batch_size` is the reference: with `"linear"` the
    rates are multiplied by `global_batch / batch_size`, with `"sqrt"` by its
    square root, with `"none"` left as they are (GAN recipes usually keep the
    rate when the batch grows, as BigGAN did). A schedule's
    `initial_learning_rate` is scaled (a `CosineSchedule`'s `start_value` and
    `end_value`).

    Example:
    >>> config = {"training": {"batch_size": 64}, "optimizers": {"generator": {
    ...     "class_name": "Adam", "config": {"learning_rate": 1e-4}}}}
    >>> scale_learning_rates(config, 256, "linear")["optimizers"]["generator"]["config"]
    {'learning_rate': 0.0004}
    """
    if rule not in LR_SCALING:
        raise ValueError(f"Unknown learning-rate scaling {rule!r}; expected one of {list(LR_SCALING)}.")
    config = copy.deepcopy(config)
    reference = int(config.get("training", {}).get("batch_size", global_batch))
    ratio = global_batch / reference
    factor = {"none": 1.0, "linear": ratio, "sqrt": ratio ** 0.5}[rule]
    if factor == 1.0:
        return config
    for optimizer in config.get("optimizers", {}).values():
        rate = optimizer.setdefault("config", {}).get("learning_rate", 1e-3)
        if isinstance(rate, dict):
            schedule = rate.setdefault("config", {})
            # Keras' schedules start at `initial_learning_rate`; a
            # `kerasgan.schedules.CosineSchedule` goes from `start_value` to `end_value`.
            for key in ("initial_learning_rate", "start_value", "end_value"):
                if key in schedule:
                    schedule[key] = schedule[key] * factor
        else:
            optimizer["config"]["learning_rate"] = rate * factor
    return config


def dataset_kind(dataset):
    """The kind of `dataset`: `"points"`, `"images"` or `"image_pairs"` (`kerasgan.data.dataset_info`).

    Example:
    >>> dataset_kind("gaussian_mixture/ring8"), dataset_kind("digits/28x28")
    ('points', 'images')
    """
    return data.dataset_info(dataset).kind


def is_mixture_dataset(dataset):
    """True for the 2-D point datasets (the Gaussian mixtures): `dataset_kind(dataset) == "points"`.

    Example:
    >>> is_mixture_dataset("gaussian_mixture/ring8"), is_mixture_dataset("digits/28x28")
    (True, False)
    """
    return dataset_kind(dataset) == "points"


def sample_picture(gan, dataset, num_samples=2500, seed=12345):
    """A uint8 picture of generated samples: a scatter plot or an image grid.

    For the 2-D mixtures, `num_samples` samples over the mixture's modes; for
    images, a grid of 64 samples (8 x 8), or for a conditional GAN 10 per class
    (one class per row).

    Example:
    >>> sample_picture(gan, "gaussian_mixture/ring8").shape  # doctest: +SKIP
    (256, 256, 3)
    """
    if not is_mixture_dataset(dataset):
        if gan.num_classes is not None:
            columns = 10
            labels = np.repeat(np.arange(gan.num_classes), columns)
            return image_grid(gan.generate(len(labels), seed=seed, labels=labels), columns)
        return image_grid(gan.generate(64, seed=seed), columns=8)
    spec = data.get_mixture(dataset)
    return scatter_image(gan.generate(num_samples, seed=seed), spec.centers, spec.sigma)


def _check_writable(out_dir):
    try:
        os.makedirs(out_dir, exist_ok=True)
        probe = os.path.join(out_dir, ".write_test")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as error:
        raise ValueError(f"Cannot write to the run directory {out_dir!r}: {error}") from None


def environment():
    """The software and hardware a run used (recorded in metrics and cards).

    Example:
    >>> sorted(environment())[:3]
    ['cpu_count', 'gpus', 'keras']
    """
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "gpus": len(tf.config.list_physical_devices("GPU")),
        "tf_intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
    }


def _check_gan_dataset(dataset):
    kind = dataset_kind(dataset)  # an unknown name lists the known ones
    if kind not in ("points", "images"):
        raise ValueError(f"A GAN trains on points or images; {dataset!r} holds {kind} (train "
                         "it with a translation entry, e.g. pix2pix_digits).")


class _RunSetup:
    """What `train_run` and `train_translation_run` share: the checks done before
    anything is built (dataset, output directory, strategy, global batch, dtype
    policy), the seeds, building in the strategy scope, the checkpointed fit,
    the common part of `metrics.json`, and the multi-worker run directories."""

    def __init__(self, config, out_dir, overrides, *, strategy, tpu, mixed_precision, lr_scaling,
                 deterministic, check_dataset):
        self.training = dict(config.get("training", {}))
        self.training.update({k: v for k, v in overrides.items() if v is not None})
        self.seed = int(self.training.get("seed", 0))
        check_dataset()
        _check_writable(out_dir)
        if strategy is None or isinstance(strategy, str):
            strategy = distribute.make_strategy(strategy or "default", tpu=tpu)
        self.strategy = strategy
        self.global_batch = distribute.check_global_batch(
            int(self.training.get("batch_size", 256)), strategy)
        self.policy = check_policy(mixed_precision or keras.mixed_precision.global_policy().name)
        task_type, task_id, self.chief = distribute.worker_role(strategy)
        if deterministic:
            tf.config.experimental.enable_op_determinism()
        # Every worker resumes from the chief's checkpoints (shared storage).
        self.resume_from = os.path.join(out_dir, "checkpoints")
        if not self.chief:  # only the chief writes the run directory
            out_dir = tempfile.mkdtemp(prefix=f"kerasgan-{task_type}{task_id}-")
        self.out_dir = out_dir
        self.lr_scaling = lr_scaling
        keras.utils.set_random_seed(self.seed)
        self.config = scale_learning_rates(config, self.global_batch, lr_scaling)

    def build(self, make_model):
        """`make_model()` under the run's dtype policy, in its strategy's scope."""
        previous_policy = keras.mixed_precision.global_policy()
        keras.mixed_precision.set_global_policy(self.policy)
        try:
            with self.strategy.scope():
                return make_model()
        finally:
            keras.mixed_precision.set_global_policy(previous_policy)

    def fit(self, model, ds, callbacks, **options):
        fit = fit_with_checkpoints(
            model, ds, os.path.join(self.out_dir, "checkpoints"),
            epochs=int(self.training.get("epochs", 10)),
            steps_per_epoch=int(self.training.get("steps_per_epoch", 1000)),
            callbacks=callbacks, resume_directory=self.resume_from, **options)
        model.save_weights(os.path.join(self.out_dir, "model.weights.h5"))
        return fit

    def results(self, model, fit, dataset, metrics):
        strategy = self.strategy
        return {
            "name": self.config.get("name"),
            "dataset": dataset,
            "training": self.training,
            "train_wall_time_s": round(fit.times[-1] if fit.times else 0.0, 2),
            "scale": {
                "strategy": ("MultiWorkerMirroredStrategy" if distribute.is_multi_worker(strategy)
                             else type(strategy).__name__),
                "replicas": strategy.num_replicas_in_sync,
                "workers": distribute.num_workers(strategy), "mixed_precision": self.policy,
                "jit_compile": bool(model.jit_compile), "lr_scaling": self.lr_scaling,
            },
            "weights_digest": distribute.weights_digest(model),
            "train_steps": int(model.g_optimizer.iterations.numpy()),
            "epoch_end_wall_time_s": fit.times,
            "resumed_from_epoch": fit.initial_epoch,
            "nonfinite_restores": fit.restores,
            "metrics": metrics,
            "history": fit.history,
            "environment": environment(),
            "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
        }

    def finish(self):
        if not self.chief:
            shutil.rmtree(self.out_dir, ignore_errors=True)


def train_run(
    config,
    out_dir,
    *,
    dataset=None,
    epochs=None,
    steps_per_epoch=None,
    batch_size=None,
    seed=None,
    data_dir=None,
    download=True,
    verbose="auto",
    export=True,
    strategy=None,
    tpu=None,
    mixed_precision=None,
    jit_compile="auto",
    lr_scaling="none",
    resume=True,
    deterministic=False,
    on_nonfinite="stop",
    nonfinite_lr_factor=0.5,
):
    """Train the GAN a config describes and write a run directory.

    Arguments given here override the config's `training` section;
    `data_dir` and `download` go to `kerasgan.data.load`.
    Returns `(gan, results)` where `results` is what `metrics.json` holds.

    Scale options:
        strategy: a `tf.distribute.Strategy`, or a name for
            `kerasgan.distribute.make_strategy` (`"default"`, `"mirrored"`,
            `"multi_worker"` (TF_CONFIG), `"tpu"`, with `tpu` its address).
            The GAN is built and compiled in its scope; the batch size is the
            global batch and must split over the replicas (checked before
            anything is built). In a multi-worker run only the chief writes
            `out_dir`; the other workers write to temporary directories that
            are removed at the end.
        mixed_precision: a `kerasgan.precision.POLICIES` name (e.g.
            `"mixed_float16"`, with loss scaling), set while the nets are built.
        jit_compile: XLA for the train step (True / False / "auto"). With
            "auto", a recipe's `training.jit_compile` (True / False) decides
            (e.g. False for nets XLA compiles slowly on CPU), else XLA is on
            with one replica.
        lr_scaling: `"none"`, `"linear"` or `"sqrt"`: learning rates for a
            global batch other than the recipe's (`scale_learning_rates`).

    Reliability options:
        resume: continue from the newest verified checkpoint of
            `out_dir/checkpoints` (`kerasgan.checkpoints`): its full state is
            loaded, the epoch count continues, and the data pipeline skips the
            batches already trained on.
        on_nonfinite: at the first NaN / Inf loss or weight, `"stop"` raises
            `NonFiniteError` and leaves the last good checkpoint as the latest;
            `"restore"` reloads that checkpoint and continues with the learning
            rates multiplied by `nonfinite_lr_factor` (at most 3 times;
            `kerasgan.checkpoints.fit_with_checkpoints`).
        deterministic: `tf.config.experimental.enable_op_determinism()` on
            top of the seeds: a run killed and resumed ends with the same
            weights, bit for bit, as one that was not.

    Example:
    >>> from kerasgan.core.entries import get_entry
    >>> gan, results = train_run(get_entry("nsgan_ring8").config, "runs/demo",
    ...                          epochs=1, steps_per_epoch=50)  # doctest: +SKIP
    """
    run = _RunSetup(config, out_dir, dict(epochs=epochs, steps_per_epoch=steps_per_epoch,
                                          batch_size=batch_size, seed=seed),
                    strategy=strategy, tpu=tpu, mixed_precision=mixed_precision,
                    lr_scaling=lr_scaling, deterministic=deterministic,
                    check_dataset=lambda: _check_gan_dataset(dataset or config["dataset"]))
    training, seed, config, out_dir = run.training, run.seed, run.config, run.out_dir
    dataset = dataset or config["dataset"]
    config = normalize_config(config, "gan")
    config["model_args"] = {**config["model_args"], "seed": seed}
    if jit_compile == "auto" and isinstance(training.get("jit_compile"), bool):
        jit_compile = training["jit_compile"]
    gan = run.build(lambda: compile_gan(build_gan(config), config, jit_compile=jit_compile))
    preprocessing = {k: training[k] for k in ("image_size", "center_crop") if k in training}
    ds = data.load(
        dataset, training.get("split", "train"), run.global_batch, seed=seed,
        **preprocessing,
        data_dir=data_dir, download=download,
    )
    log_dir = os.path.join(out_dir, "logs")
    callbacks = []
    evaluation = dict(config.get("evaluation", {}))
    monitor = evaluation.pop("monitor", {})
    if is_mixture_dataset(dataset):
        callbacks.append(MixtureMetricsCallback.for_mixture(dataset, log_dir=log_dir))
    elif data.dataset_info(dataset).protocol.get("metrics") == "stacked_mnist":
        every = int(monitor.get("every_n_epochs", 1))
        callbacks.append(StackedMnistModesCallback(
            num_samples=int(monitor.get("num_samples", 26_000)), every=every, log_dir=log_dir))
        callbacks.append(SampleGridCallback(every_n_epochs=every, log_dir=log_dir,
                                            directory=os.path.join(out_dir, "grids")))
    else:
        every = int(monitor.get("every_n_epochs", 1))
        callbacks.append(SampleQualityCallback.for_dataset(
            dataset, num_samples=int(monitor.get("num_samples", 500)), every_n_epochs=every,
            log_dir=log_dir, data_dir=data_dir, download=download, preprocessing=preprocessing))
        callbacks.append(SampleGridCallback(every_n_epochs=every, log_dir=log_dir,
                                            directory=os.path.join(out_dir, "grids")))
    callbacks.append(keras.callbacks.TensorBoard(log_dir=log_dir))
    fit = run.fit(gan, ds, callbacks, verbose=verbose, resume=resume,
                  on_nonfinite=on_nonfinite, lr_factor=nonfinite_lr_factor)
    if not is_mixture_dataset(dataset):
        evaluation.update(data_dir=data_dir, download=download, preprocessing=preprocessing)
    results = run.results(gan, fit, dataset, evaluate_gan(gan, dataset, **evaluation))
    write_json(os.path.join(out_dir, "metrics.json"), results)
    picture_args = {k: v for k, v in evaluation.items() if k in ("num_samples", "seed")}
    save_png(sample_picture(gan, dataset, **picture_args), os.path.join(out_dir, "samples.png"))
    if export:
        gan.export(os.path.join(out_dir, "saved_model"))
    run.finish()
    return gan, results


def _optimizer(config, role):
    spec = config.get("optimizers", {}).get(role)
    return None if spec is None else keras.optimizers.deserialize(copy.deepcopy(spec))


def build_translation(config, compile=True, jit_compile=False):
    """Build (and compile) the `Pix2Pix` / `CycleGAN` a translation config describes.

    `config` has `model` (a `kerasgan.models.MODELS` name of kind
    `"translation"`: `"pix2pix"` / `"cyclegan"`), `nets` (`{role: {"builder":
    name, "args": {...}}}` for `kerasgan.nets.build_net`; each net is named
    after its role), optional `model_args` and `optimizers` (Keras optimizer
    configs for `generator` / `discriminator`).

    Example:
    >>> from kerasgan.core.entries import get_entry
    >>> model = build_translation(get_entry("pix2pix_digits").config)
    >>> sorted(model.networks())
    ['discriminator', 'generator']
    """
    config = normalize_config(config, "translation")
    translators = models.MODELS.names(kind="translation")
    if config.get("model") not in translators:
        raise unknown_name_error("translation model", config.get("model"), translators)
    parts = {role: nets.build_net({"builder": spec["builder"],
                                   "args": {**spec.get("args", {}), "name": role}})
             for role, spec in config["nets"].items()}
    model = models.MODELS.get(config["model"])(**parts, **config.get("model_args", {}))
    if compile:
        model.compile(g_optimizer=_optimizer(config, "generator"),
                      d_optimizer=_optimizer(config, "discriminator"), jit_compile=jit_compile)
    return model


def build_feature_net(config):
    """Build the (untrained) classifier of a feature-net config (`nets["classifier"]`).

    Example:
    >>> from kerasgan.core.entries import get_entry
    >>> build_feature_net(get_entry("digits-net").config).output.shape
    (None, 10)
    """
    config = normalize_config(config, "feature_net")
    return nets.build_net(config["nets"]["classifier"])


def build_model(config, compile=False, jit_compile="auto"):
    """The model a zoo config of any kind describes (`config["kind"]`, default `"gan"`).

    A GAN (`build_gan`, compiled with `compile_gan`), a `Pix2Pix` /
    `CycleGAN` (`build_translation`; `jit_compile="auto"` means off) or a
    feature net's classifier (`build_feature_net`; `compile` does not apply).

    Example:
    >>> from kerasgan.core.entries import get_entry
    >>> type(build_model(get_entry("cyclegan_digits").config)).__name__
    'CycleGAN'
    """
    kind = config.get("kind", "gan")
    if kind == "gan":
        gan = build_gan(config)
        return compile_gan(gan, config, jit_compile=jit_compile) if compile else gan
    if kind == "translation":
        jit = False if jit_compile == "auto" else jit_compile
        return build_translation(config, compile=compile, jit_compile=jit)
    if kind == "feature_net":
        return build_feature_net(config)
    raise unknown_name_error("zoo entry kind", kind, ("gan", "translation", "feature_net"))


def known_transform(dataset):
    """`(T, T⁻¹)` when `dataset` is translated by a known transform (digit_pairs), else None.

    Example:
    >>> known_transform("digit_pairs") is not None, known_transform("cycle_gan/horse2zebra")
    (True, None)
    """
    if isinstance(dataset, str) and dataset.split("/")[0].split(":")[0] == data.DigitPairs.name:
        return data.digit_transform, data.inverse_digit_transform
    return None


def evaluate_translation(model, dataset="digit_pairs", data_dir=None):
    """Per-pixel errors against the known transform T on digit_pairs' 450 test pairs.

    Returns `{"errors": {...}, "identity_errors": {...}}` (mean absolute error
    on the [0, 1] scale of G(x) vs T(x), and for CycleGAN F(y) vs T⁻¹(y) and the
    cycles; the identity map for reference), or `{}` for other datasets, whose
    transform is not known (`known_transform`).

    Example:
    >>> from kerasgan.core.entries import get_entry
    >>> model = build_translation(get_entry("pix2pix_digits").config, compile=False)
    >>> sorted(evaluate_translation(model))
    ['errors', 'identity_errors']
    """
    transform = known_transform(dataset)
    if transform is None:
        return {}
    x, y, _ = pair_arrays("test")
    x, y = uint8_to_model_range(x).numpy(), uint8_to_model_range(y).numpy()
    if hasattr(model, "translate_y_to_x"):
        errors = translation_errors(model.translate_x_to_y, x, y, *transform,
                                    model.translate_y_to_x)
    else:
        errors = translation_errors(model.translate, x, y, *transform)
    return {"errors": errors, "identity_errors": identity_errors(x, y, *transform)}


def translation_picture(model, dataset="digit_pairs", split="test", num=10, **source):
    """A picture of a translation model at work on `num` test images: rows x, G(x)
    [and y, F(y) for CycleGAN], plus T(x) [and T⁻¹(y)] for digit_pairs; `source`
    goes to `load_translation` (`image_size`, `paired`, `data_dir` ...).

    Example:
    >>> from kerasgan.core.entries import get_entry
    >>> translation_picture(build_translation(get_entry("pix2pix_digits").config)).shape
    (104, 342, 3)
    """
    batch = next(iter(data.load_translation(dataset, split, num, shuffle=False, repeat=False,
                                            drop_remainder=False, **source)))
    x, y = np.asarray(batch["x"]), np.asarray(batch["y"])
    num = len(x)  # a folder may hold fewer
    transform = known_transform(dataset)
    forward = [transform[0](x)] if transform else []
    if hasattr(model, "translate_y_to_x"):
        backward = [transform[1](y)] if transform else []
        rows = [x, model.translate_x_to_y(x)] + forward + [y, model.translate_y_to_x(y)] + backward
    else:
        rows = [x, model.translate(x)] + forward
    return image_grid(np.concatenate(rows), columns=num)


def train_translation_run(
    config,
    out_dir,
    *,
    dataset=None,
    epochs=None,
    steps_per_epoch=None,
    batch_size=None,
    seed=None,
    data_dir=None,
    download=True,
    verbose="auto",
    export=True,
    strategy=None,
    tpu=None,
    mixed_precision=None,
    jit_compile=False,
    lr_scaling="none",
    resume=True,
    deterministic=False,
    on_nonfinite="stop",
    nonfinite_lr_factor=0.5,
):
    """Train the `Pix2Pix` / `CycleGAN` a translation config describes; write a run directory.

    The run directory and every option are as in `train_run`: verified epoch
    checkpoints of the full state (nets, optimizers, dropout seed states, the
    CycleGAN image pools), automatic resume, the non-finite guard, strategies,
    mixed precision, `--deterministic`. `metrics.json` holds the errors against
    the known transform on digit_pairs (`evaluate_translation`); `samples.png`
    shows test images translated; `dataset` may be `"FOLDER_X,FOLDER_Y"` (paired
    by file name for pix2pix); the config's `training.image_size` resizes; `saved_model/` serves `translate` (pix2pix) or
    `translate_x_to_y` / `translate_y_to_x` (CycleGAN).

    Example:
    >>> from kerasgan.core.entries import get_entry
    >>> model, results = train_translation_run(
    ...     get_entry("pix2pix_digits").config, "runs/p2p", epochs=1,
    ...     steps_per_epoch=20)  # doctest: +SKIP
    """
    dataset = dataset or config["dataset"]
    if isinstance(dataset, str) and "," in dataset:  # "FOLDER_X,FOLDER_Y" from the command line
        dataset = tuple(dataset.split(","))
    split = config.get("train_split", "train")
    run = _RunSetup(config, out_dir, dict(epochs=epochs, steps_per_epoch=steps_per_epoch,
                                          batch_size=batch_size, seed=seed),
                    strategy=strategy, tpu=tpu, mixed_precision=mixed_precision,
                    lr_scaling=lr_scaling, deterministic=deterministic,
                    check_dataset=lambda: None)  # load_translation names what is wrong
    config = normalize_config(run.config, "translation")
    config["model_args"] = {**config["model_args"], "seed": run.seed}
    jit = False if jit_compile == "auto" else jit_compile
    model = run.build(lambda: build_translation(config, jit_compile=jit))
    source = dict(image_size=run.training.get("image_size"), data_dir=data_dir, download=download,
                  **({"paired": config["model"] == "pix2pix"} if isinstance(dataset, tuple) else {}))
    ds = data.load_translation(dataset, split, run.global_batch, seed=run.seed, **source)
    callbacks = [keras.callbacks.TensorBoard(log_dir=os.path.join(run.out_dir, "logs"))]
    fit = run.fit(model, ds, callbacks, verbose=verbose, resume=resume,
                  on_nonfinite=on_nonfinite, lr_factor=nonfinite_lr_factor)
    results = run.results(model, fit, dataset, evaluate_translation(model, dataset, data_dir))
    results["model"] = config["model"]
    write_json(os.path.join(run.out_dir, "metrics.json"), results)
    picture_split = "test" if isinstance(dataset, str) else split  # named datasets have a test split
    save_png(translation_picture(model, dataset, picture_split, **source),
             os.path.join(run.out_dir, "samples.png"))
    if export:
        model.export(os.path.join(run.out_dir, "saved_model"))
    run.finish()
    return model, results
