"""Render the zoo's model cards and the README's tables from the zoo's files.

    python tools/render_readme.py          # rewrite README.md's zoo table in place
    python tools/render_readme.py --check  # exit 1 if README.md is out of date

The zoo table sits between the markers `<!-- zoo-table:start -->` and
`<!-- zoo-table:end -->`, the translation table between
`<!-- translation-table:start -->` and `<!-- translation-table:end -->`, the
feature nets' table (accuracy, real-data floors) between
`<!-- feature-nets:start -->` and `<!-- feature-nets:end -->`; nothing in them is
typed by hand: the tables are `kerasgan.zoo.render_table(kind)` (columns from
`kerasgan.metrics.report_columns`, variant names from `kerasgan.models.VARIANTS`).
The cards name variants the same way.
"""

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from kerasgan import data, metrics, zoo  # noqa: E402
from kerasgan.core.io import write_text  # noqa: E402

README = os.path.join(ROOT, "README.md")
START, END = "<!-- zoo-table:start -->", "<!-- zoo-table:end -->"
NETS_START, NETS_END = "<!-- feature-nets:start -->", "<!-- feature-nets:end -->"
TRANSLATION_START, TRANSLATION_END = ("<!-- translation-table:start -->",
                                      "<!-- translation-table:end -->")
def _is_image_entry(entry):
    return data.dataset_info(entry.config["dataset"]).kind == "images"


def _floor(entry):
    """The real-data floor metrics of the entry's dataset (from its feature net's card)."""
    net = zoo.entries(kind="feature_net").get(
        metrics.default_extractor_name(entry.config["dataset"]))
    return ((net.results or {}).get("floors") or {}).get("metrics") if net else None


def _model_lines(c):
    """The card's lines on the variant, its arguments, the nets and the optimizers."""
    lines = [f"- Variant: {zoo.variant_label(c['model'])} "
             f"(`kerasgan.models.create_variant({c['model']!r}, ...)`), "
             f"arguments `{json.dumps(c.get('model_args', {}))}`"]
    for role, spec in c["nets"].items():
        lines.append(f"- {role.capitalize()}: `{spec['builder']}({json.dumps(spec['args'])})`")
    return lines + [f"- Optimizers: `{json.dumps(c.get('optimizers', {}))}`", ""]


def _weights_line(entry):
    return "- Weights: " + ", ".join(
        f"`{info['file']}`, sha256 `{info['sha256']}`"
        for info in entry.weight_files.values()) + " (verified on load)"


def zoo_table():
    """The README's GAN tables (Markdown): `kerasgan.zoo.render_table("gan")`."""
    return zoo.render_table("gan")


def render_image_card(entry):
    """The model card (Markdown) of an image zoo entry."""
    c, r = entry.config, entry.results or {}
    m = entry.metrics
    out = [f"# {entry.name}", "", c.get("description", ""), ""]
    out += ["## Model", ""] + _model_lines(c)
    out += ["## Data and recipe", "",
            f"- Dataset: `{c['dataset']}`, split `{c.get('training', {}).get('split', 'train')}`"
            + (f" ({r['data_source']})" if r.get("data_source") else ""),
            f"- Training: `{json.dumps(c.get('training', {}))}`",
            f"- Command: `{r.get('command', c.get('recipe', ''))}`", ""]
    if c.get("target"):
        out += ["## Target", "", c["target"].get("summary", ""), ""]
    if not m:
        out += ["## Measured", "", "Not trained yet: architecture and recipe only.", ""]
    else:
        p = m["protocol"]
        floor = _floor(entry)
        env = r.get("environment", {})
        out += ["## Measured", "",
                f"Protocol: {p['fake']} vs {p['n_real']} real "
                f"images of `{p['dataset']}` [`{p['split']}`], features of **{p['extractor']}** "
                f"(metrics are named after it).", "",
                "| metric | this model | real-data floor |", "|---|---|---|"]
        for key in ("fid", "kid", "precision", "recall", "density", "coverage",
                    "inception_score"):
            value = m[key]
            shown = f"{1e3 * value:.2f} ×10⁻³" if key == "kid" else f"{value:.3f}"
            base = ""
            if floor:
                base = f"{1e3 * floor[key]:.2f} ×10⁻³" if key == "kid" else f"{floor[key]:.3f}"
            out.append(f"| {m['labels'][key]} | {shown} | {base} |")
        out.append("")
        if floor:
            ratio = m["fid"] / floor["fid"]
            verdict = "meets" if ratio <= 2 else "misses"
            out += [f"FID is {ratio:.1f}× the floor: {verdict} the target (within 2×).", ""]
        if "classes" in m:
            cl = m["classes"]
            out += [f"Classes of {cl['num_samples']} unconditional samples (as {p['extractor']} "
                    f"classifies them), relative to the data's frequencies: "
                    + ", ".join(f"{k}: {v:.2f}×" for k, v in enumerate(cl["ratios"]))
                    + f". Present (≥ {cl['min_share']}× data frequency): "
                    f"{cl['classes_present']}/{len(cl['ratios'])}; largest {cl['max_ratio']:.2f}× "
                    f"(target: all present, none above 2×: "
                    f"{'met' if cl['classes_present'] == len(cl['ratios']) and cl['max_ratio'] <= 2 else 'missed'}).", ""]
        if "conditional_accuracy" in m:
            ca = m["conditional_accuracy"]
            out += [f"Conditional accuracy ({p['extractor']} on {ca['samples_per_class']} samples "
                    "generated per requested class): "
                    + ", ".join(f"{k}: {100 * v:.0f}%" for k, v in enumerate(ca["per_class"]))
                    + f"; mean {100 * ca['mean']:.1f}% (target ≥ 95% per class: "
                    f"{'met' if ca['min'] >= 0.95 else 'missed'}).", ""]
        if "intra_fid" in m:  # kerasgan.metrics.conditional
            q = m.get("conditional_protocol", {}).get("intra_fid", {})
            out += [f"Intra-class FID ({p['extractor']}, each class's samples vs its real images"
                    + (f", {q['samples_per_class']} generated per class, [`{q['split']}`]"
                       if q else "") + "): "
                    + ", ".join(f"{k}: {v:.2f}" for k, v in enumerate(m["intra_fid_per_class"]))
                    + f"; mean {m['intra_fid']:.2f}.", ""]
        if "cas" in m:
            q = m.get("conditional_protocol", {}).get("cas", {})
            out += [f"Classification Accuracy Score (a classifier trained only on generated "
                    f"samples, tested on real images): {100 * m['cas']:.1f}%, against "
                    f"{100 * m['cas_real']:.1f}% for the same classifier trained on real images"
                    + (f" ({q['train_images']} training images, {q['steps']} steps)" if q else "")
                    + ".", ""]
        out += [f"- Training wall time: {r.get('train_wall_time_s')} s for "
                f"{r.get('train_steps')} generator steps",
                f"- Hardware: {env.get('cpu_count')} CPU cores ({env.get('machine')}), "
                f"TensorFlow intra-op threads {env.get('tf_intra_op_threads') or 'default'}; "
                f"TensorFlow {env.get('tensorflow')}, Keras {env.get('keras')}",
                f"- Trained on: {r.get('trained_on')}",
                _weights_line(entry), "",
                "![samples](samples.png)", ""]
    if c.get("notes"):
        out += ["## Notes", "", c["notes"], ""]
    return "\n".join(out)


def render_card(entry):
    """The model card (Markdown) of a zoo entry."""
    if _is_image_entry(entry):
        return render_image_card(entry)
    c, r = entry.config, entry.results or {}
    m = entry.metrics
    out = [f"# {entry.name}", "", c.get("description", ""), ""]
    out += ["## Model", ""] + _model_lines(c)
    out += ["## Data and recipe", "",
            f"- Dataset: `{c['dataset']}` (train split; generated locally by kerasgan's TFDS builder)",
            f"- Training: `{json.dumps(c.get('training', {}))}`",
            f"- Command: `{r.get('command', c.get('recipe', ''))}`", ""]
    if m:
        p = m.get("protocol", {})
        env = r.get("environment", {})
        out += ["## Measured", "",
                f"Protocol: {p.get('num_samples')} samples (seed {p.get('seed')}) from the "
                f"{p.get('sampler')} generator; a sample is high quality within "
                f"{p.get('threshold_sigma')}σ of its nearest mode.", "",
                "| modes captured | % high quality | reverse KL | spread (×σ) |",
                "|---|---|---|---|",
                f"| {m['modes_captured']} / {len(_centers(c))} | {m['high_quality_percent']:.2f} | "
                f"{m['reverse_kl']:.4f} | {m['spread']:.3f} |", "",
                "Samples of the true mixture score 98.9% high quality and spread 0.974.", "",
                f"- Training wall time: {r.get('train_wall_time_s')} s for {r.get('train_steps')} steps",
                f"- Hardware: {env.get('cpu_count')} CPU cores ({env.get('machine')}), "
                f"{env.get('gpus')} GPUs, TensorFlow intra-op threads "
                f"{env.get('tf_intra_op_threads') or 'default'}; TensorFlow "
                f"{env.get('tensorflow')}, Keras {env.get('keras')}",
                f"- Trained on: {r.get('trained_on')}",
                _weights_line(entry), "",
                "![samples](samples.png)", ""]
    else:
        out += ["## Measured", "", "Not trained yet.", ""]
    if c.get("notes"):
        out += ["## Notes", "", c["notes"], ""]
    return "\n".join(out)


def render_feature_net_card(entry):
    """The card (Markdown) of a domain feature net (zoo/feature_nets/NAME)."""
    c, r = entry.config, entry.results or {}
    out = [f"# {entry.name} (domain feature net)", "", c.get("description", ""), "",
           "Metrics computed with it are named after it, e.g. "
           f"\"FID ({entry.name})\": they are not comparable with Inception FIDs.", "",
           "## Model and recipe", "",
           f"- Net: `kerasgan.nets.{c['nets']['classifier']['builder']}"
           f"(**{json.dumps(c['nets']['classifier']['args'])})`; features: the "
           "linear `features` layer; probabilities: softmax of the logits",
           f"- Data: `{c['dataset']}`, trained on `{c['train_split']}`, held out "
           f"`{c['eval_split']}`",
           f"- Training: `{json.dumps(c.get('training', {}))}`",
           f"- Command: `{r.get('command', '')}`", ""]
    if not r:
        return "\n".join(out + ["## Measured", "", "Not trained yet.", ""])
    acc = r["accuracy"]
    p = r["protocol"]
    env = r.get("env", {})
    out += ["## Measured", "",
            f"- Held-out accuracy: **{100 * acc['held_out']:.2f}%** on {p['n_eval']} images "
            f"(`{p['eval_split']}`); train accuracy {100 * acc['train']:.2f}% on {p['n_train']}",
            "- Per class (held out): " + ", ".join(
                f"{k}: {100 * v:.1f}%" for k, v in enumerate(acc["per_class"])),
            f"- Training wall time: {r['train_wall_time_s']:.0f} s on {env.get('cpu_count')} "
            f"CPU cores; TensorFlow {env.get('tensorflow')}, Keras {env.get('keras')}",
            f"- Trained on: {r.get('trained_on')}; data source: {p.get('source')}",
            _weights_line(entry), ""]
    floors = r.get("floors")
    if floors:
        fp = floors["protocol"]
        m = floors["metrics"]
        out += ["## Real-data floor", "",
                f"Real images `{fp['real_split']}` (n = {fp['n_fake']}) scored against the "
                f"reference `{fp['reference_split']}` (n = {fp['n_real']}) of `{fp['dataset']}`: "
                "what a perfect generator would score at these sample counts. Command: "
                f"`{floors['command']}`." + (f" {c['floor']['note']}" if c["floor"].get("note") else ""),
                "",
                "| FID | KID ×10³ | precision | recall | density | coverage | IS |",
                "|---|---|---|---|---|---|---|",
                f"| {m['fid']:.3f} | {1e3 * m['kid']:.3f} ± {1e3 * m['kid_std']:.3f} | "
                f"{m['precision']:.3f} | {m['recall']:.3f} | {m['density']:.3f} | "
                f"{m['coverage']:.3f} | {m['inception_score']:.2f} |", ""]
    if c.get("notes"):
        out += ["## Notes", "", c["notes"], ""]
    stacked = (floors or {}).get("stacked_mnist")
    if stacked:
        out += ["## Stacked MNIST floor", "",
                f"{c['stacked_mnist_floor']['note']} On {stacked['num_samples']} real triples of "
                f"`{stacked['split']}` (seed {stacked['seed']}): **{stacked['modes']} of 1000 "
                f"modes**, **KL(q ‖ uniform) = {stacked['kl']:.4f}** nats.", ""]
    return "\n".join(out)


def _centers(config):
    return data.get_mixture(config["dataset"]).centers


def feature_net_table():
    """The README's table of domain feature nets (`kerasgan.zoo.render_table("feature_net")`),
    with the Stacked MNIST floor under it."""
    out = zoo.render_table("feature_net")
    for name, entry in sorted(zoo.entries(kind="feature_net").items()):
        stacked = ((entry.results or {}).get("floors") or {}).get("stacked_mnist")
        if stacked:
            out += (f"\n\nStacked MNIST floor (real digit triples of `{stacked['split']}`, each "
                    f"channel read by {name}, {stacked['num_samples']} samples): "
                    f"{stacked['modes']} of 1000 modes, KL(q ‖ uniform) = {stacked['kl']:.4f}.")
    return out


def translation_table():
    """The README's table of translation entries: `kerasgan.zoo.render_table("translation")`."""
    return zoo.render_table("translation")


def _replace_between(text, start, end, body):
    head, found, rest = text.partition(start)
    if not found:
        raise ValueError(f"README.md has no {start} marker")
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{body}\n{end}{tail}"


def rendered_readme():
    with open(README) as f:
        text = f.read()
    text = _replace_between(text, START, END, zoo_table())
    text = _replace_between(text, TRANSLATION_START, TRANSLATION_END, translation_table())
    return _replace_between(text, NETS_START, NETS_END, feature_net_table())


def update_readme():
    write_text(README, rendered_readme())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--cards", action="store_true", help="also re-render every card")
    args = parser.parse_args()
    if args.cards:
        for name in zoo.list_models(kind="gan"):
            entry = zoo.get_entry(name)
            write_text(os.path.join(entry.path, "README.md"), render_card(entry))
    if args.check:
        with open(README) as f:
            if f.read() != rendered_readme():
                print("README.md's zoo table is out of date: run python tools/render_readme.py")
                sys.exit(1)
        print("README.md's zoo table matches the cards.")
    else:
        update_readme()


if __name__ == "__main__":
    main()
