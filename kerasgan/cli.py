"""`kerasgan`: train, evaluate, sample, export and browse the zoo from the shell.

    kerasgan train [NAME] [--dataset D] [--source IDX_DIR] [--epochs N] [--steps-per-epoch N]
                   [--batch-size N] [--seed S] [--out RUN_DIR]
                   [--strategy default|mirrored|multi_worker|tpu] [--tpu ADDRESS]
                   [--mixed-precision float32|mixed_float16|mixed_bfloat16] [--jit auto|on|off]
                   [--lr-scaling none|linear|sqrt] [--deterministic] [--noresume]
                   [--on-nonfinite stop|restore] [--nonfinite-lr-factor F] [--noexport]
    kerasgan evaluate NAME [--weights FILE] [--num-samples N] [--split S] [--seed S]
                      [--source IDX_DIR] [--noconditional] [--out FILE.json]
    kerasgan sample NAME [--weights FILE] [--num N] [--seed S] [--label K] [--truncation T]
                    --out FILE(.png|.npy)
    kerasgan export NAME [--weights FILE] --out DIR
    kerasgan zoo [list [PATTERN] | show NAME] [--pretrained]

NAME is a zoo entry (`kerasgan zoo list`: GANs, then translation entries and
feature nets); `train` defaults to `kerasgan.zoo.DEFAULT_ENTRY` and also trains
the translation entries (`pix2pix_digits`, `cyclegan_digits` ...); `evaluate`,
`sample` and `export` take GAN entries. Without `--weights`, `evaluate`, `sample`
and `export` use the entry's pretrained weights. Errors print one paragraph and
exit with status 2 (`--debug` shows the traceback).

The train-step benchmarks (plain Keras, PyTorch) are development tools of the
repository: `python tools/bench.py` (see tools/benchmarks/).
"""

import datetime
import json
import os
import sys

# Before TensorFlow is first imported (by kerasgan): keep its C++ INFO lines off the console.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402
from absl import logging as absl_logging  # noqa: E402

from kerasgan import data, distribute, zoo  # noqa: E402
from kerasgan.checkpoints import NONFINITE_ACTIONS  # noqa: E402
from kerasgan.core.io import atomic_path, write_json  # noqa: E402
from kerasgan.core.naming import unknown_name_error  # noqa: E402
from kerasgan.distribute import STRATEGIES  # noqa: E402
from kerasgan.plotting import image_grid, save_png, scatter_image  # noqa: E402
from kerasgan.precision import check_policy  # noqa: E402
from kerasgan.training import evaluate_gan, train_run, train_translation_run  # noqa: E402

FLAGS = flags.FLAGS

flags.DEFINE_string("dataset", None, "TFDS dataset name (default: the entry's dataset).")
flags.DEFINE_integer("epochs", None, "Training epochs (default: the entry's recipe).")
flags.DEFINE_integer("steps-per-epoch", None, "Training steps per epoch (default: recipe).")
flags.DEFINE_integer("batch-size", None, "Global batch size (default: recipe).")
flags.DEFINE_integer("seed", None, "Random seed (train: default recipe; others: 12345).")
flags.DEFINE_string("out", None, "Output: run directory, JSON, PNG/NPY file or SavedModel dir.")
flags.DEFINE_string("weights", None, "A .weights.h5 file to use instead of the zoo's weights.")
flags.DEFINE_integer("num-samples", None, "Samples used by `evaluate` (default: the "
                     "dataset's protocol: 2500 for the 2-D mixtures; for images the "
                     "sample count of the card's real-data floor, else 10000).")
flags.DEFINE_string("split", None, "`evaluate`: the real split to compare with (default: "
                    "the dataset's held-out split).")
flags.DEFINE_bool("conditional", True, "`evaluate`, conditional entries: also measure "
                  "intra-class FID and the Classification Accuracy Score (about 40 s on 2 CPU "
                  "cores for the digits; needs the dataset's labelled train split); "
                  "--noconditional skips them.")
flags.DEFINE_integer("num", None, "Samples written by `sample` (default: 64 images, or "
                     "2500 points for the 2-D mixtures).")
flags.DEFINE_integer("label", None, "`sample`: the class of every sample (conditional "
                     "entries; default: one row per class).")
flags.DEFINE_float("truncation", None, "`sample`: truncation trick threshold for the latents.")
flags.DEFINE_string("data-dir", None, "TFDS data directory.")
flags.DEFINE_string("source", None, "`train` / `evaluate`: read the dataset (a TFDS name such as "
                    "mnist or fashion_mnist) from this local folder of its IDX files instead of "
                    "TFDS (train-*/t10k-* files; see kerasgan.data.sources).")
flags.DEFINE_bool("download", False, "Let TFDS download a dataset that is not prepared "
                  "(the project's own datasets are always generated locally).")
flags.DEFINE_bool("pretrained", False, "`zoo list`: only entries with weights.")
flags.DEFINE_bool("debug", False, "Show full tracebacks on errors.")
flags.DEFINE_string("strategy", "default", "`train`: tf.distribute strategy: default, mirrored "
                    "(all local GPUs), multi_worker (cluster from TF_CONFIG) or tpu.")
flags.DEFINE_string("tpu", None, "`train --strategy tpu`: TPU name or grpc:// address "
                    "(default: $TPU_NAME, else TPUs attached to this host).")
flags.DEFINE_string("mixed-precision", None, "`train`: dtype policy: float32, mixed_float16 "
                    "(with loss scaling) or mixed_bfloat16 (default: float32).")
flags.DEFINE_bool("resume", True, "`train`: continue from the newest verified checkpoint in "
                  "the run directory (--noresume starts over).")
flags.DEFINE_bool("export", True, "`train`: write RUN_DIR/saved_model at the end (--noexport "
                  "skips it).")
flags.DEFINE_bool("deterministic", False, "`train`: deterministic ops (with the seeds): a killed "
                  "and resumed run ends bit-identical to an uninterrupted one.")
flags.DEFINE_string("lr-scaling", "none", "`train`: learning rates for a --batch-size other "
                    "than the recipe's: none, linear or sqrt (x global/recipe batch).")
flags.DEFINE_string("on-nonfinite", "stop", "`train`: at a NaN / Inf loss or weight: stop (the "
                    "last good checkpoint stays the latest) or restore (reload it and continue "
                    "with lower learning rates, at most 3 times).")
flags.DEFINE_float("nonfinite-lr-factor", 0.5, "`train --on-nonfinite restore`: learning-rate "
                   "factor applied at each restore, in (0, 1).")
flags.DEFINE_string("jit", "auto", "`train`: XLA for the train step: auto (on with one "
                    "replica), on or off.")

COMMANDS = ("train", "evaluate", "sample", "export", "zoo")


class UsageError(ValueError):
    """A mistake in the command line."""


def _flag(name):
    return FLAGS[name].value


def _gan_entry(name, command):
    """The GAN entry `name` (`evaluate`, `sample` and `export` take GANs)."""
    entry = zoo.get_entry(name)
    if entry.kind != "gan":
        raise UsageError(f"{command} takes a GAN entry; {name!r} is a {entry.kind} entry. GAN "
                         "entries: `kerasgan zoo list`.")
    return entry


def _load(name, command):
    """The zoo entry's GAN with --weights or its verified pretrained weights."""
    _gan_entry(name, command)
    weights = _flag("weights")
    gan = zoo.create(name, pretrained=weights is None, compile=False)
    if weights is not None:
        if not os.path.isfile(weights):
            raise UsageError(f"--weights: no such file {weights!r}.")
        gan.load_weights(weights)
    return gan


def _use_source(dataset, splits):
    """`--source DIR`: read `dataset` from a local folder of its IDX files (checked first)."""
    directory = _flag("source")
    if directory is None:
        return
    info = data.dataset_info(dataset)
    if info.source not in ("registered", "tfds") or data.builds_locally(dataset):
        raise UsageError(f"--source names a local copy of a TFDS dataset such as mnist or "
                         f"fashion_mnist; the dataset here is {dataset!r}, which kerasgan reads "
                         "without one.")
    # A dataset drawn from another (stacked_mnist from mnist): the source is the other's.
    family = info.metadata.get("source_dataset", info.family)
    data.check_local_source(family, directory, splits)
    data.set_local_source(family, directory)


def cmd_train(args):
    name = args[0] if args else zoo.DEFAULT_ENTRY
    entry = zoo.get_entry(name)
    if entry.kind not in ("gan", "translation"):
        raise UsageError(f"train takes a GAN or translation entry; {name!r} is a {entry.kind} "
                         "entry (feature nets: python tools/train_feature_net.py NAME).")
    translation = entry.kind == "translation"
    if _flag("on-nonfinite") not in NONFINITE_ACTIONS:
        raise UsageError(f"--on-nonfinite must be one of {', '.join(NONFINITE_ACTIONS)}; got "
                         f"{_flag('on-nonfinite')!r}.")
    if not 0.0 < _flag("nonfinite-lr-factor") < 1.0:
        raise UsageError("--nonfinite-lr-factor must be in (0, 1) to lower the learning rates; "
                         f"got {_flag('nonfinite-lr-factor')!r}.")

    if _flag("strategy") not in STRATEGIES:
        raise UsageError(f"--strategy must be one of {', '.join(STRATEGIES)}; got "
                         f"{_flag('strategy')!r}.")
    if _flag("mixed-precision") is not None:
        check_policy(_flag("mixed-precision"))
    jits = {"auto": "auto", "on": True, "off": False}
    if _flag("jit") not in jits:
        raise UsageError(f"--jit must be auto, on or off; got {_flag('jit')!r}.")
    jit = jits[_flag("jit")]
    _use_source(_flag("dataset") or entry.config["dataset"], ["train"])
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = _flag("out") or os.path.join("runs", f"{name}-{stamp}")
    print(f"Training zoo entry {name!r} into {out}")
    gan, results = (train_translation_run if translation else train_run)(
        entry.config,
        out,
        dataset=_flag("dataset"),
        epochs=_flag("epochs"),
        steps_per_epoch=_flag("steps-per-epoch"),
        batch_size=_flag("batch-size"),
        seed=_flag("seed"),
        data_dir=_flag("data-dir"),
        download=_flag("download"),
        strategy=_flag("strategy"),
        tpu=_flag("tpu"),
        mixed_precision=_flag("mixed-precision"),
        jit_compile=jit,
        lr_scaling=_flag("lr-scaling"),
        resume=_flag("resume"),
        deterministic=_flag("deterministic"),
        export=_flag("export"),
        on_nonfinite=_flag("on-nonfinite"),
        nonfinite_lr_factor=_flag("nonfinite-lr-factor"),
    )
    role = distribute.worker_role(gan.distribute_strategy)
    if not role[2]:
        print(f"Worker {role[0]}:{role[1]} done (final weights sha256 {results['weights_digest']}); "
              "the chief wrote the run directory.")
        return
    metrics = {k: v for k, v in results["metrics"].items() if k != "protocol"}
    print(json.dumps({"run_dir": out, "train_wall_time_s": results["train_wall_time_s"],
                      "metrics": metrics}, indent=2))
    saved_model = f"; SavedModel: {os.path.join(out, 'saved_model')}" if _flag("export") else ""
    print(f"Samples: {os.path.join(out, 'samples.png')}{saved_model}; TensorBoard: "
          f"tensorboard --logdir {out}/logs")


def cmd_evaluate(args):
    name = _one_name(args, "evaluate")
    _check_output(_flag("out"))
    gan = _load(name, "evaluate")
    config = zoo.get_entry(name).config
    training = config.get("training", {})
    dataset = _flag("dataset") or config["dataset"]
    seed = 12345 if _flag("seed") is None else _flag("seed")
    if _flag("source") is not None:
        split = _flag("split") or data.dataset_info(dataset).protocol.get("split") or "test"
        _use_source(dataset, sorted({p.split("[")[0].strip() for p in split.split("+")}))
    extra = {}
    if data.dataset_info(dataset).kind == "images":
        extra["preprocessing"] = {k: training[k] for k in ("image_size", "center_crop")
                                  if k in training}
    metrics = evaluate_gan(gan, dataset, num_samples=_flag("num-samples"), seed=seed,
                           split=_flag("split"), data_dir=_flag("data-dir"),
                           download=_flag("download"),
                           conditional=None if _flag("conditional") else False, **extra)
    result = {"entry": name, "dataset": dataset,
              "weights": _flag("weights") or "zoo (pretrained)", **metrics}
    labels = metrics.get("labels")
    if labels:  # image metrics: one readable line each, named by extractor
        for key, label in labels.items():
            print(f"{label:32s} {metrics[key]:.6g}")
        p = metrics["protocol"]
        print(f"protocol: {p['n_fake']} generated vs {p['n_real']} real images of "
              f"{p['dataset']} [{p['split']}], extractor {p['extractor']}, seed {p['seed']}")
        for line in conditional_report_lines(metrics):
            print(line)
    else:
        print(json.dumps(result, indent=2))
    if _flag("out"):
        write_json(_flag("out"), result)
        print(f"Wrote {_flag('out')}")


def conditional_report_lines(metrics):
    """The readable lines of a report's conditional metrics (none for other reports).

    Intra-class FID and the Classification Accuracy Score
    (`kerasgan.metrics.conditional`), each with its per-class values on one line.

    Example:
    >>> report = {"intra_fid": 3.0, "intra_fid_per_class": [2.0, 4.0], "cas": 0.9,
    ...           "cas_real": 0.95, "cas_per_class": [0.8, 1.0], "cas_real_per_class": [0.9, 1.0],
    ...           "conditional_protocol": {"intra_fid": {"extractor": "digits-net",
    ...           "samples_per_class": 1000, "split": "train", "reference_per_class": [130, 136]},
    ...           "cas": {"train_images": 266, "train_split": "train", "test_images": 450,
    ...                   "test_split": "test", "steps": 500, "batch_size": 64, "seed": 0}}}
    >>> print("\\n".join(conditional_report_lines(report)))
    intra-class FID (digits-net)     3 (mean over 2 classes)
      per class: 2 4
      1000 generated per class vs 130-136 real images per class [train]
    CAS (train on generated, test on real) 0.9 (trained on real: 0.95)
      per class: 0.80 1.00
      real per class: 0.90 1.00
      266 training images [train], 450 test images [test], 500 steps of 64, seed 0
    """
    lines = []
    protocol = metrics.get("conditional_protocol", {})
    if "intra_fid" in metrics:
        p = protocol.get("intra_fid", {})
        per_class = metrics["intra_fid_per_class"]
        label = f"intra-class FID ({p.get('extractor', '?')})"
        lines.append(f"{label:32s} {metrics['intra_fid']:.6g} (mean over {len(per_class)} classes)")
        lines.append("  per class: " + " ".join(f"{v:.4g}" for v in per_class))
        if p:
            ref = p["reference_per_class"]
            counts = f"{min(ref)}" if min(ref) == max(ref) else f"{min(ref)}-{max(ref)}"
            lines.append(f"  {p['samples_per_class']} generated per class vs {counts} "
                         f"real images per class [{p['split']}]")
    if "cas" in metrics:
        p = protocol.get("cas", {})
        lines.append(f"{'CAS (train on generated, test on real)':32s} {metrics['cas']:.4g} "
                     f"(trained on real: {metrics['cas_real']:.4g})")
        for name, key in (("per class", "cas_per_class"), ("real per class", "cas_real_per_class")):
            lines.append(f"  {name}: " + " ".join("-" if v is None else f"{v:.2f}"
                                                  for v in metrics[key]))
        if p:
            lines.append(f"  {p['train_images']} training images [{p['train_split']}], "
                         f"{p['test_images']} test images [{p['test_split']}], {p['steps']} steps "
                         f"of {p['batch_size']}, seed {p['seed']}")
    return lines


def _check_output(path):
    """Fail before any work when an output file cannot be written."""
    if not path:
        return
    if os.path.isdir(path):
        raise UsageError(f"--out {path!r} is a directory; give a file name (e.g. metrics.json).")
    parent = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
        probe = os.path.join(parent, f".kerasgan-write-test-{os.getpid()}")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as error:
        raise UsageError(f"--out {path!r}: {parent!r} is not writable ({error}).") from None


def cmd_sample(args):
    name = _one_name(args, "sample")
    out = _flag("out")
    if not out or not out.endswith((".png", ".npy")):
        raise UsageError(f"sample needs --out FILE.png or FILE.npy; got --out={out!r}.")
    _check_output(out)
    gan = _load(name, "sample")
    seed = 12345 if _flag("seed") is None else _flag("seed")
    num = _flag("num") or (64 if len(gan.data_shape) == 3 else 2500)
    labels = _flag("label")
    columns = 8
    if gan.num_classes is not None and labels is None:
        columns = gan.num_classes  # one class per column, rows of all classes
        labels = np.arange(num) % gan.num_classes
    elif gan.num_classes is None and labels is not None:
        raise UsageError(f"--label: {name!r} is not a conditional entry.")
    samples = gan.generate(num, seed=seed, labels=labels, truncation=_flag("truncation"))
    if out.endswith(".npy"):
        with atomic_path(out) as tmp:
            np.save(tmp, samples)
    elif samples.ndim == 4:
        save_png(image_grid(samples, columns=columns), out)
    else:
        spec = data.get_mixture(zoo.get_entry(name).config["dataset"])
        save_png(scatter_image(samples, spec.centers, spec.sigma), out)
    print(f"Wrote {len(samples)} samples to {out}")


def cmd_export(args):
    name = _one_name(args, "export")
    if not _flag("out"):
        raise UsageError("export needs --out DIR (the SavedModel directory).")
    gan = _load(name, "export")
    gan.export(_flag("out"))
    print(f"Exported the generator of {name!r} to {_flag('out')} "
          "(endpoints: generate, sample, serving_default)")


def _status(entry):
    """One line of `zoo list`: what the entry's card measured."""
    m, results = entry.metrics, entry.results or {}
    if not entry.pretrained:
        return "not trained"
    if entry.kind == "translation":
        return f"G(x) vs T(x) error {results['errors']['x_to_y']:.4f}"
    if entry.kind == "feature_net":
        return f"held-out accuracy {100 * results['accuracy']['held_out']:.2f}%"
    if "fid" in m:
        return f"{m['labels']['fid']} {m['fid']:.2f}, precision {m['precision']:.2f}"
    return (f"modes {m.get('modes_captured')}, HQ {m.get('high_quality_percent', 0):.1f}%, "
            f"rKL {m.get('reverse_kl', float('nan')):.4f}")


def cmd_zoo(args):
    action = args[0] if args else "list"
    if action == "list":
        pattern = args[1] if len(args) > 1 else None
        pretrained = True if _flag("pretrained") else None
        for kind in zoo.KINDS:  # GANs first, then translation entries and feature nets
            for name in zoo.list_models(filter=pattern, pretrained=pretrained, kind=kind):
                entry = zoo.get_entry(name)
                dataset = entry.config["dataset"]
                dataset = dataset if len(dataset) <= 26 else dataset[:25] + "…"
                print(f"{name:22s} {dataset:26s} {_status(entry)}")
    elif action == "show":
        print(zoo.describe(_one_name(args[1:], "zoo show")))
    else:
        raise UsageError(f"zoo takes 'list' or 'show NAME'; got {action!r}.")


def _one_name(args, command):
    if len(args) != 1:
        raise UsageError(f"{command} takes one zoo entry name; got {args}. See `kerasgan zoo list`.")
    return args[0]


def main(argv):
    absl_logging.set_verbosity(absl_logging.WARNING)  # keep TensorFlow's INFO chatter off
    args = argv[1:]
    if args and args[0] == "bench":
        raise UsageError("`kerasgan bench` is no longer part of the installed command line: the "
                         "benchmarks are development tools; run `python tools/bench.py` in a "
                         "checkout of the repository.")
    if not args or args[0] not in COMMANDS:
        if not args:
            raise UsageError(f"Give a command: one of {', '.join(COMMANDS)}.\n{__doc__}")
        raise unknown_name_error("command", args[0], COMMANDS)
    handler = globals()[f"cmd_{args[0]}"]
    handler(args[1:])


def _main_with_errors(argv):
    try:
        main(argv)
    except Exception as error:  # one paragraph, no traceback, unless --debug
        if FLAGS.is_parsed() and FLAGS.debug:
            raise
        print(f"kerasgan: error: {error}", file=sys.stderr)
        sys.exit(2)


def _parse_flags(argv):
    """absl's flag parsing, with a wrong flag reported like every other error (exit 2)."""
    try:
        return FLAGS(argv)
    except flags.Error as error:
        print(f"kerasgan: error: {error}. `kerasgan --helpfull` lists the flags.", file=sys.stderr)
        sys.exit(2)


def run():
    """Console-script entry point."""
    app.run(_main_with_errors, flags_parser=_parse_flags)


if __name__ == "__main__":
    run()
