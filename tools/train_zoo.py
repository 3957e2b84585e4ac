"""Train zoo entries reproducibly and write their cards.

    python tools/train_zoo.py NAME [NAME ...]     # or --all, or a pattern: '*_ring8'

For each entry it runs `kerasgan.training.train_run` with the entry's config
(`zoo/NAME/config.json`) into a scratch run directory, then copies into
`zoo/NAME/`: the weights, `results.json` (metrics, wall time, hardware,
software, command, and the weights as `{"files": {"model": {"file", "sha256",
"bytes"}}}`, the zoo's one schema), `samples.png` and the model card
`README.md`. The zoo table in the repository's README is re-rendered from the
cards (tools/render_readme.py). Tests only load these weights; they never
retrain them.
"""

import argparse
import datetime
import fnmatch
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from kerasgan import data as data_lib  # noqa: E402
from kerasgan import zoo  # noqa: E402
from kerasgan.core.entries import MODEL_ROLE  # noqa: E402
from kerasgan.core.io import atomic_path, sha256_of, write_json, write_text  # noqa: E402
from kerasgan.training import evaluate_gan, train_run  # noqa: E402
from render_readme import render_card, update_readme  # noqa: E402

ZOO_DIR = os.path.join(ROOT, "zoo")


def weights_record(path):
    """The `results.json` record of a single-file entry's weights (the zoo's one schema)."""
    return {"files": {MODEL_ROLE: {"file": os.path.basename(path), "sha256": sha256_of(path),
                                   "bytes": os.path.getsize(path)}}}


def use_source(entry, source):
    """Read the entry's TFDS dataset from the local IDX folder `source` (None: TFDS)."""
    if source:
        data_lib.set_local_source(entry.config["dataset"], source)


def train_entry(name, scratch, source=None):
    entry = zoo.get_entry(name, kind="gan")
    use_source(entry, source)
    run_dir = os.path.join(scratch, name)
    _, results = train_run(entry.config, run_dir, verbose=2, export=False, download=False)
    target = os.path.join(ZOO_DIR, name)
    weights = os.path.join(target, "model.weights.h5")
    with atomic_path(weights) as tmp:
        shutil.copyfile(os.path.join(run_dir, "model.weights.h5"), tmp)
    with atomic_path(os.path.join(target, "samples.png")) as tmp:
        shutil.copyfile(os.path.join(run_dir, "samples.png"), tmp)
    results["weights"] = weights_record(weights)
    results["command"] = f"python tools/train_zoo.py {name}" + (
        f" --source {source}" if source else "")
    if source:
        results["dataset"] = entry.config["dataset"]
        results["data_source"] = f"local copy of its IDX files ({source})"
    results["trained_on"] = datetime.date.today().isoformat()
    write_json(os.path.join(target, "results.json"), results)
    zoo.refresh()
    write_text(os.path.join(target, "README.md"), render_card(zoo.get_entry(name)))
    m = results["metrics"]
    if "fid" in m:
        print(f"{name}: {m['labels']['fid']} {m['fid']:.3f}, KID {m['kid']:.4f}, precision "
              f"{m['precision']:.3f}, recall {m['recall']:.3f} "
              f"({results['train_wall_time_s']:.0f} s)", flush=True)
    else:
        print(f"{name}: modes {m['modes_captured']}, HQ {m['high_quality_percent']:.1f}%, "
              f"rKL {m['reverse_kl']:.4f}, spread {m['spread']:.2f} "
              f"({results['train_wall_time_s']:.0f} s)", flush=True)


def reevaluate_entry(name, source=None):
    """Recompute the card's metrics from the shipped weights (no training)."""
    entry = zoo.get_entry(name, kind="gan")
    use_source(entry, source)
    config = entry.config
    evaluation = {k: v for k, v in config.get("evaluation", {}).items() if k != "monitor"}
    dataset = config["dataset"]
    if data_lib.dataset_info(dataset).kind == "images":
        training = config.get("training", {})
        evaluation["preprocessing"] = {k: training[k] for k in ("image_size", "center_crop")
                                       if k in training}
    gan = zoo.create(name, pretrained=True, compile=False)
    results = dict(entry.results)
    results["metrics"] = evaluate_gan(gan, dataset, **evaluation)
    results["reevaluated"] = {
        "on": datetime.date.today().isoformat(),
        "command": f"python tools/train_zoo.py --reevaluate {name}"
                   + (f" --source {source}" if source else ""),
        "why": "metrics recomputed from the shipped weights with the current evaluation code",
    }
    write_json(os.path.join(entry.path, "results.json"), results)
    zoo.refresh()
    write_text(os.path.join(entry.path, "README.md"), render_card(zoo.get_entry(name)))
    print(f"{name}: re-evaluated", {k: results["metrics"][k] for k in ("fid", "precision")
                                     if k in results["metrics"]}, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="entry names or shell patterns")
    parser.add_argument("--all", action="store_true", help="train every entry")
    parser.add_argument("--reevaluate", action="store_true",
                        help="recompute the metrics of trained entries from their weights")
    parser.add_argument("--source", help="read the entries' TFDS dataset from this local folder "
                        "of its IDX files (kerasgan.data.sources; e.g. ../shared/data/mnist)")
    parser.add_argument("--threads", type=int, default=0,
                        help="TensorFlow intra/inter-op threads (0: TensorFlow's default); "
                        "1 lets two trainings share two cores efficiently")
    args = parser.parse_args()
    if args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    available = zoo.list_models(kind="gan")
    if args.all:
        names = available
    else:
        names = []
        for pattern in args.names:
            matched = fnmatch.filter(available, pattern)
            if not matched:
                zoo.get_entry(pattern, kind="gan")  # raises with the closest names
            names += matched
    if not names:
        parser.error("name at least one entry, a pattern, or --all")
    if args.reevaluate:
        for name in names:
            reevaluate_entry(name, args.source)
        update_readme()
        return
    with tempfile.TemporaryDirectory(prefix="kerasgan-zoo-") as scratch:
        for name in names:
            train_entry(name, scratch, args.source)
    update_readme()


if __name__ == "__main__":
    main()
