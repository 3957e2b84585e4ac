"""Train a translation zoo entry (pix2pix / CycleGAN on the embedded digit pairs) and write its card.

    python tools/train_translation.py pix2pix_digits
    python tools/train_translation.py cyclegan_digits [--threads 1]

Trains `zoo/translation/NAME/config.json` on `digit_pairs` (its `train_split`) with
`kerasgan.training.train_translation_run` (run directory `runs/NAME`: checkpoints,
so an interrupted training resumes when rerun; `--noresume` starts over),
measures on the 450 held-out test pairs the per-pixel errors of G(x) vs T(x)
(and for CycleGAN F(y) vs T^-1(y) and the cycle errors) next to the identity map,
and writes the generators' weights, `results.json` (the weights recorded as
`{"files": {role: {"file", "sha256", "bytes"}}}`, the zoo's one schema),
`samples.png` (rows: x, G(x), T(x) [, y, F(y), T^-1(y)]) and the card.
"""

import argparse
import datetime
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import tensorflow as tf  # noqa: E402

from kerasgan import zoo  # noqa: E402
from kerasgan.core.io import atomic_path, sha256_of, write_json, write_text  # noqa: E402
from kerasgan.plotting import save_png  # noqa: E402
from kerasgan.training import train_translation_run, translation_picture  # noqa: E402


def card(entry):
    c, r = entry.config, entry.results or {}
    out = [f"# {entry.name}", "", c["description"], "",
           "## Model and recipe", ""]
    for role, spec in c["nets"].items():
        out.append(f"- {role}: `kerasgan.nets.{spec['builder']}(**{spec['args']})`")
    out += [f"- Model: `{c['model']}` with `{c.get('model_args', {})}`",
            f"- Data: `{c['dataset']}`, split `{c['train_split']}`",
            f"- Training: `{c['training']}`",
            f"- Command: `{r.get('command', 'python tools/train_translation.py ' + entry.name)}`", ""]
    if c.get("target"):
        out += ["## Target", "", c["target"], ""]
    if not r:
        return "\n".join(out + ["## Measured", "", "Not trained yet: recipe only.", ""])
    e, i = r["errors"], r["identity_errors"]
    out += ["## Measured", "",
            "Mean absolute per-pixel error on the [0, 1] scale, 450 held-out test digits "
            "(`digit_pairs` test split), against the known transform T:", "",
            "| error | this model | identity map |", "|---|---|---|",
            f"| G(x) vs T(x) | {e['x_to_y']:.4f} | {i['x_to_y']:.4f} |"]
    if "y_to_x" in e:
        out += [f"| F(y) vs T⁻¹(y) | {e['y_to_x']:.4f} | {i['y_to_x']:.4f} |",
                f"| F(G(x)) vs x (cycle) | {e['cycle_x']:.4f} | 0 |",
                f"| G(F(y)) vs y (cycle) | {e['cycle_y']:.4f} | 0 |"]
    ref = None
    if c["model"] == "cyclegan":
        paired = zoo.entries(kind="translation").get("pix2pix_digits")
        if paired is not None and paired.results:
            ref = {"name": "pix2pix_digits", **paired.results["errors"]}
    if ref:
        out += ["", f"Paired reference ({ref['name']}): G(x) vs T(x) {ref['x_to_y']:.4f}; "
                f"this model / reference = {e['x_to_y'] / ref['x_to_y']:.2f} (target ≤ 2)."]
    env = r.get("env", {})
    out += ["", f"- Training wall time: {r['train_wall_time_s']:.0f} s for {r['train_steps']} steps "
            f"on {env.get('cpu_count')} CPU cores (TensorFlow {env.get('tensorflow')})",
            "- Weights: " + ", ".join(f"`{w['file']}` sha256 `{w['sha256'][:16]}…`"
                                       for w in entry.weight_files.values()) + " (verified on load)",
            "", "Rows: x, G(x), T(x)" + (", y, F(y), T⁻¹(y)" if "y_to_x" in e else "") + ".",
            "", "![samples](samples.png)", ""]
    return "\n".join(out)


def write_card(name):
    zoo.refresh()
    entry = zoo.get_entry(name, kind="translation")
    write_text(os.path.join(entry.path, "README.md"), card(entry))


def train(name, resume=True):
    entry = zoo.get_entry(name, kind="translation")
    config = entry.config
    # The shared training run: checkpoints in runs/NAME (rerunning resumes), guard, metrics.
    model, run = train_translation_run(config, os.path.join(ROOT, "runs", name), verbose=2,
                                       export=False, resume=resume)
    files = {}
    for role, net in model.networks().items():
        if not role.startswith("generator"):  # the discriminators are not shipped
            continue
        path = os.path.join(entry.path, f"{role}.weights.h5")
        with atomic_path(path) as tmp:
            net.save_weights(tmp)
        files[role] = {"file": os.path.basename(path), "sha256": sha256_of(path),
                       "bytes": os.path.getsize(path)}
    save_png(translation_picture(model, config["dataset"]), os.path.join(entry.path, "samples.png"))
    results = {
        **run["metrics"],
        "train_wall_time_s": run["train_wall_time_s"], "train_steps": run["train_steps"],
        "history": run["history"], "weights": {"files": files}, "env": run["environment"],
        "command": f"python tools/train_translation.py {name}",
        "trained_on": datetime.date.today().isoformat(),
    }
    write_json(os.path.join(entry.path, "results.json"), results)
    write_card(name)
    print(name, run["metrics"], f"{run['train_wall_time_s']:.0f} s", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=zoo.list_models(kind="translation"))
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--card-only", action="store_true", help="re-render the card only")
    parser.add_argument("--noresume", action="store_true",
                        help="start over instead of resuming from runs/NAME/checkpoints")
    args = parser.parse_args()
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    if args.card_only:
        write_card(args.name)
    else:
        train(args.name, resume=not args.noresume)


if __name__ == "__main__":
    main()
