"""The model zoo: one schema and one lookup for every kind of entry.

An entry is a GAN (`kind="gan"`), an image-to-image translation model
(`"translation"`: pix2pix, CycleGAN) or a domain feature net of the metrics
(`"feature_net"`). Every entry is a folder with the same files, read by
`kerasgan.core.entries`:

    <entry>/config.json      {"name", "kind", "description", "dataset", "model", "model_args",
                              "nets": {role: {"builder", "args"}}, "optimizers", "training", ...}
    <entry>/results.json     measured metrics, wall time, hardware, command and
                             "weights": {"files": {role: {"file", "sha256", "bytes"}}}
    <entry>/README.md        the model card
    <entry>/*.weights.h5     the weights (once trained), verified against their sha256 on load

GAN entries sit at the top of the zoo folder (the installed `kerasgan_zoo`
package, or `$KERASGAN_ZOO`), translation entries under `translation/`,
feature nets under `feature_nets/`.

`list_models`, `get_entry`, `describe` and `create` serve every kind;
`create` returns a GAN, a `Pix2Pix` / `CycleGAN` or a feature net's
classifier. The older per-kind names (`create_translation`,
`translation_entries`, `get_feature_net_entry`, `verify_weights`, ...) are
thin aliases of the same lookup.

Example:
>>> from kerasgan import zoo
>>> "nsgan_ring8" in zoo.list_models(kind="gan")
True
>>> zoo.get_entry("cyclegan_digits").kind
'translation'
>>> gan = zoo.create("nsgan_ring8", pretrained=True)   # doctest: +SKIP
>>> gan.generate(5, seed=0).shape                       # doctest: +SKIP
(5, 2)
"""

import fnmatch
import io
import json
import os
import tempfile

from kerasgan import data, metrics, models, training
from kerasgan.core import entries as _entries
from kerasgan.core.entries import (  # noqa: F401  (part of kerasgan.zoo's API)
    KINDS,
    WeightsVerificationError,
    ZooEntry,
    package_zoo_root,
    refresh,
    zoo_root,
)

__all__ = [
    "DEFAULT_ENTRY", "KINDS", "ZooEntry", "WeightsVerificationError", "create", "describe",
    "entries", "get_entry", "list_models", "package_zoo_root", "refresh", "render_table",
    "variant_label", "zoo_root",
    # older per-kind names, aliases of the one lookup
    "create_translation", "feature_net_entries", "get_feature_net_entry",
    "get_translation_entry", "translation_entries", "verify_weights",
]

#: The entry `kerasgan train` trains when no name is given.
DEFAULT_ENTRY = "cdcgan_digits"


# -- the one lookup ------------------------------------------------------------------------------


def entries(kind=None, pretrained=None):
    """Zoo entries as `{name: ZooEntry}`, sorted by name (re-read after `refresh()`).

    Args:
        kind: `"gan"`, `"translation"`, `"feature_net"`, a sequence of them,
            or None for every kind.
        pretrained: True / False keeps the entries with / without weights.

    Example:
    >>> len(entries(kind="gan")), sorted(entries(kind="feature_net"))
    (26, ['digits-net', 'fashion-net', 'mnist-net'])
    """
    return _entries.entries(kind=kind, pretrained=pretrained)


def get_entry(name, kind=None):
    """The `ZooEntry` called `name`, of any kind (or of `kind`); an unknown name lists the valid ones.

    Example:
    >>> get_entry("sngan_grid25").config["model"], get_entry("digits-net").kind
    ('sngan', 'feature_net')
    """
    return _entries.get_entry(name, kind=kind)


def list_models(filter=None, pretrained=None, kind=None):
    """Names of the zoo entries, sorted.

    Args:
        filter: a shell-style pattern (`"*ring8"`), or None for all.
        pretrained: True for entries with weights only, False for those without.
        kind: `"gan"`, `"translation"`, `"feature_net"` (or a sequence of
            them); None lists every kind.

    Example:
    >>> list_models(filter="wgan*ring8")
    ['wgan_gp_ring8', 'wgan_ring8']
    >>> list_models(kind="translation", pretrained=True)
    ['cyclegan_digits', 'pix2pix_digits']
    """
    return [name for name in entries(kind=kind, pretrained=pretrained)
            if not filter or fnmatch.fnmatch(name, filter)]


def create(name, pretrained=False, compile=True, jit_compile="auto"):
    """Build the model of zoo entry `name`, optionally with its pretrained weights.

    A GAN entry gives a GAN (`kerasgan.models.create_variant`), a translation
    entry a `Pix2Pix` / `CycleGAN` (`kerasgan.models.MODELS`), a feature net
    its classifier (`kerasgan.nets.build_net`). Every weights file is checked
    against its recorded sha256 before anything is built or loaded
    (`WeightsVerificationError` otherwise).

    Args:
        name: a name from `list_models()`.
        pretrained: load the entry's weights.
        compile: compile with the entry's optimizers, ready for `fit` (GANs
            and translation models).
        jit_compile: passed to `compile` (for translation models `"auto"`
            means off).

    Example:
    >>> gan = create("nsgan_ring8", pretrained=True)
    >>> gan.generate(5, seed=0).shape
    (5, 2)
    >>> type(create("pix2pix_digits", compile=False)).__name__
    'Pix2Pix'
    """
    entry = get_entry(name)
    weights = entry.verified_weights() if pretrained else None
    model = training.build_model(entry.config, compile=compile, jit_compile=jit_compile)
    if weights is not None:
        _load_weights(model, entry, weights)
    return model


def _load_weights(model, entry, weights):
    if entry.kind == "gan":
        model.load_weights(io.BytesIO(weights[_entries.MODEL_ROLE]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for role, blob in weights.items():
            path = os.path.join(tmp, f"{role}.weights.h5")
            with open(path, "wb") as f:
                f.write(blob)
            net = model if role in (_entries.MODEL_ROLE, "classifier") else getattr(model, role)
            net.load_weights(path)


def describe(name):
    """A short human-readable description of an entry of any kind (`kerasgan zoo show`).

    Example:
    >>> print(describe("sngan_ring8").splitlines()[1])
      dataset:    gaussian_mixture/ring8
    >>> print(describe("digits-net").splitlines()[2])
      model:      classifier {}
    """
    entry = get_entry(name)
    config = entry.config
    what = "variant" if entry.kind == "gan" else "model"
    lines = [
        f"{entry.name}: {config.get('description', '')}",
        f"  dataset:    {config['dataset']}",
        f"  {what + ':':11s} {config['model']} {json.dumps(config.get('model_args', {}))}",
        f"  kind:       {entry.kind}",
        "  nets:       " + ", ".join(f"{role}={spec['builder']}"
                                     for role, spec in config["nets"].items()),
        f"  pretrained: {entry.pretrained}",
    ]
    if config.get("recipe"):
        lines.append(f"  recipe:     {config['recipe']}")
    results = entry.results or {}
    measured = entry.metrics or {key: results[key] for key in ("errors", "accuracy")
                                 if key in results}
    for key, value in measured.items():
        if key != "protocol":
            lines.append(f"  {key}: {value}")
    return "\n".join(lines)


# -- the README tables ---------------------------------------------------------------------------


def variant_label(name):
    """The readable name of a GAN variant (its `kerasgan.models.VARIANTS` label).

    Example:
    >>> variant_label("wgan_gp")
    'WGAN-GP'
    """
    return models.VARIANTS.metadata(name).get("label", name)


def _model_label(entry):
    label = variant_label(entry.config["model"])
    if entry.config.get("model_args", {}).get("num_classes"):
        label = f"conditional {label}"
    return label


def _wall(entry):
    wall = (entry.results or {}).get("train_wall_time_s")
    return f"{wall / 60:.1f} min" if wall else ""


def _floor(entry):
    """The real-data floor metrics of the entry's dataset (from its feature net's card)."""
    net = entries(kind="feature_net").get(metrics.default_extractor_name(entry.config["dataset"]))
    return ((net.results or {}).get("floors") or {}).get("metrics") if net else None


#: The sentence above each GAN table, by dataset kind (`kerasgan.data.dataset_info`).
GAN_TABLE_INTROS = {
    "images": "**Image GANs** — FID / KID in the features of the dataset's domain net (digits-net, "
              "mnist-net, fashion-net) against the held-out reference, at the sample counts of "
              "the real-data floor (see [Evaluation](#evaluation-fid-kid-is-precisionrecall-"
              "intra-class-fid-cas-stacked-mnist-modes)); classes judged by the same net; for "
              "conditional entries intra-class FID and the Classification Accuracy Score (the "
              "same classifier trained on real images in brackets).",
    "points": "**2-D mixtures** — the PacGAN / VEEGAN mode-collapse benchmark.",
}


#: Columns of the conditional metrics (`kerasgan.metrics.conditional`), shown in a section
#: when a card in it has them.
CONDITIONAL_COLUMNS = (("intra_fid", "intra-FID"), ("cas", "CAS (real-trained)"))


def _conditional_cells(m):
    """Intra-class FID and CAS cells of a card's metrics; a dash where it has none."""
    intra = f"{m['intra_fid']:.2f}" if "intra_fid" in m else "—"
    cas = f"{m['cas']:.3f} ({m['cas_real']:.3f})" if "cas" in m and "cas_real" in m else "—"
    return [intra, cas]


def _gan_rows(names, columns, dataset_kind, with_classes, with_conditional=False):
    rows = []
    for name in names:
        entry = get_entry(name, kind="gan")
        m = entry.metrics
        link = f"[{name}](zoo/{name}/README.md)"
        info = data.dataset_info(entry.config["dataset"])
        # A 2-D mixture is named by its configuration (ring8), an image dataset in full.
        dataset = info.config if dataset_kind == "points" and info.config else info.name
        cells = [link, dataset, _model_label(entry)]
        if not m:
            target = entry.config.get("target", {}).get("summary", "")
            cells.append("not trained" + (f": {target}" if target else ""))
            cells += [""] * len(columns)  # "not trained" took the first metric's column
            if with_conditional:
                cells[-1:-1] = ["", ""]
        else:
            floor = _floor(entry) if dataset_kind == "images" else None
            for key, _ in columns:
                cell = metrics.format_cell(key, m)
                if floor and key in floor and key == "fid":
                    cell += f" ({m[key] / floor[key]:.1f}× floor)"
                cells.append(cell)
            if with_conditional:
                cells += _conditional_cells(m)
            cells.append(_classes_cell(m))
        if not with_classes:
            cells.pop()
        cells.append(_wall(entry))
        rows.append(" ".join(f"| {cell}" if cell else "|" for cell in cells) + " |")
    return rows


def _classes_cell(m):
    if "conditional_accuracy" in m:
        ca = m["conditional_accuracy"]
        return (f"accuracy per requested class {100 * ca['mean']:.1f}% "
                f"(min {100 * ca['min']:.0f}%)")
    if "classes" in m:
        c = m["classes"]
        return (f"{c['classes_present']}/{len(c['ratios'])} classes, max "
                f"{c['max_ratio']:.2f}× data freq.")
    return ""


def _gan_table():
    by_kind = {}
    for name, entry in entries(kind="gan").items():
        by_kind.setdefault(data.dataset_info(entry.config["dataset"]).kind, []).append(name)
    lines = []
    for dataset_kind in sorted(by_kind, key=lambda k: (k not in GAN_TABLE_INTROS, k)):
        columns = list(metrics.report_columns(dataset_kind))
        with_classes = any(_classes_cell(get_entry(name, kind="gan").metrics)
                           for name in by_kind[dataset_kind])
        with_conditional = any(key in (get_entry(name, kind="gan").metrics or {})
                               for name in by_kind[dataset_kind] for key, _ in CONDITIONAL_COLUMNS)
        header = ["entry", "dataset", "variant"] + [label for _, label in columns]
        header += [label for _, label in CONDITIONAL_COLUMNS] * with_conditional
        header += ["classes"] * with_classes + ["train time"]
        if lines:
            lines.append("")
        lines += [GAN_TABLE_INTROS.get(dataset_kind, f"**{dataset_kind}**"), "",
                  "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += _gan_rows(by_kind[dataset_kind], columns, dataset_kind, with_classes,
                           with_conditional)
    return lines


def _translation_table():
    lines = ["| entry | model | G(x) vs T(x) | F(y) vs T⁻¹(y) | cycle x / y | identity map "
             "(x→y / y→x) | train time |", "|---|---|---|---|---|---|---|"]
    for name, entry in entries(kind="translation").items():
        r = entry.results
        link = f"[{name}](zoo/translation/{name}/README.md)"
        if not r:
            lines.append(f"| {link} | {entry.config['model']} | recipe only, not trained "
                         "| | | | |")
            continue
        e, i = r["errors"], r["identity_errors"]
        y_to_x = f"{e['y_to_x']:.4f}" if "y_to_x" in e else "—"
        cycle = f"{e['cycle_x']:.4f} / {e['cycle_y']:.4f}" if "cycle_x" in e else "—"
        lines.append(f"| {link} | {entry.config['model']} | {e['x_to_y']:.4f} | {y_to_x} | "
                     f"{cycle} | {i['x_to_y']:.4f} / {i['y_to_x']:.4f} | {_wall(entry)} |")
    return lines


def _feature_net_table():
    lines = ["| feature net | dataset | held-out accuracy | floor: real vs real | "
             "n (real / reference) | FID | KID ×10³ | precision | recall | density | coverage |",
             "|" + "---|" * 11]
    for name, entry in entries(kind="feature_net").items():
        r = entry.results or {}
        link = f"[{name}](zoo/feature_nets/{name}/README.md)"
        if "floors" not in r:
            lines.append(f"| {link} | {entry.config['dataset']} | not trained |" + " |" * 8)
            continue
        f, m = r["floors"]["protocol"], r["floors"]["metrics"]
        cells = [link, entry.config["dataset"],
                 f"{100 * r['accuracy']['held_out']:.2f}% ({r['protocol']['n_eval']} images)",
                 f"`{f['real_split']}` vs `{f['reference_split']}`",
                 f"{f['n_fake']} / {f['n_real']}", f"{m['fid']:.3f}",
                 f"{1e3 * m['kid']:.2f} ± {1e3 * m['kid_std']:.2f}"]
        cells += [f"{m[key]:.3f}" for key in ("precision", "recall", "density", "coverage")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_table(kind="gan"):
    """The zoo's Markdown table of one kind of entry, from the cards and the registries.

    The GAN table has one section per dataset kind (images, 2-D points) and
    one column per metric `kerasgan.metrics.report_columns` lists for it; the
    variants are named by `variant_label`. A section in which a card has the
    conditional metrics (`kerasgan.metrics.conditional`) adds `CONDITIONAL_COLUMNS`:
    intra-class FID and CAS (with, in brackets, the real-trained classifier's
    accuracy); a card without them shows a dash. The translation table shows the
    errors against the known transform, the feature-net table the accuracy
    and the real-data floors.

    Example:
    >>> table = render_table("gan")
    >>> "[r1gan_ring8](zoo/r1gan_ring8/README.md)" in table
    True
    >>> render_table("translation").splitlines()[0].startswith("| entry | model |")
    True
    """
    refresh()  # other processes may have written cards since this one read them
    tables = {"gan": _gan_table, "translation": _translation_table,
              "feature_net": _feature_net_table}
    if kind not in tables:
        raise ValueError(f"Unknown zoo entry kind {kind!r}. Expected one of: "
                         + ", ".join(repr(k) for k in tables) + ".")
    return "\n".join(tables[kind]())


# -- older per-kind names: aliases of the one lookup ---------------------------------------------


def translation_entries():
    """The translation entries, `{name: ZooEntry}`: `entries(kind="translation")`.

    Example:
    >>> sorted(translation_entries())[:2]
    ['cyclegan_digits', 'cyclegan_horse2zebra']
    """
    return entries(kind="translation")


def get_translation_entry(name):
    """The translation entry `name`: `get_entry(name, kind="translation")`.

    Example:
    >>> get_translation_entry("cyclegan_digits").config["model"]
    'cyclegan'
    """
    return get_entry(name, kind="translation")


def create_translation(name, pretrained=False, compile=True):
    """The `Pix2Pix` / `CycleGAN` of a translation entry: `create(name, ...)`.

    Example:
    >>> type(create_translation("cyclegan_digits", compile=False)).__name__
    'CycleGAN'
    """
    get_translation_entry(name)  # a GAN's name is an error here, as it always was
    return create(name, pretrained=pretrained, compile=compile)


def feature_net_entries():
    """The domain feature nets, `{name: ZooEntry}`: `entries(kind="feature_net")`.

    Example:
    >>> sorted(feature_net_entries())
    ['digits-net', 'fashion-net', 'mnist-net']
    """
    return entries(kind="feature_net")


def get_feature_net_entry(name):
    """The feature net `name`: `get_entry(name, kind="feature_net")`.

    Example:
    >>> get_feature_net_entry("digits-net").config["dataset"]
    'digits/28x28'
    """
    return get_entry(name, kind="feature_net")


def verify_weights(entry):
    """The entry's weights, checked against their sha256: `entry.verified_weights()`.

    Returns the bytes of a single-file entry (GANs, feature nets), else
    `{role: bytes}`.

    Example:
    >>> len(verify_weights(get_entry("r1gan_ring8"))) > 0
    True
    """
    verified = entry.verified_weights()
    return verified[_entries.MODEL_ROLE] if set(verified) == {_entries.MODEL_ROLE} else verified
