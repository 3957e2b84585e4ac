"""Zoo entries on disk: one schema, one scan, one sha256-verified read of the weights.

Every zoo entry — a GAN, an image-to-image translation model, a domain feature
net — is a folder with the same files:

    <entry>/config.json   {"name", "kind", "description", "dataset", "nets": {role: {"builder", "args"}},
                           "model", "model_args", "optimizers", "training", "evaluation", "recipe", ...}
    <entry>/results.json  measured metrics, command, hardware, and
                          "weights": {"files": {role: {"file", "sha256", "bytes"}}}
    <entry>/README.md     the model card
    <entry>/*.weights.h5  the weights (once trained)

`kind` is `"gan"`, `"translation"` or `"feature_net"`. GAN entries sit at the
top of the zoo folder, translation entries under `translation/`, feature nets
under `feature_nets/`. The zoo folder is the installed `kerasgan_zoo` package,
or `$KERASGAN_ZOO` when set (for all three kinds).

This module reads files only (json, bytes): every layer of kerasgan may use it
(the feature extractors of `kerasgan.metrics` load their nets through it);
`kerasgan.zoo` builds models from the entries.

Example:
>>> entry = get_entry("r1gan_ring8")
>>> entry.kind, entry.config["dataset"], entry.pretrained
('gan', 'gaussian_mixture/ring8', True)
>>> sorted(entries(kind="feature_net"))
['digits-net', 'fashion-net', 'mnist-net']
"""

import dataclasses
import functools
import hashlib
import json
import os

import importlib_resources

from kerasgan.core.naming import unknown_name_error

__all__ = [
    "KINDS", "ZooEntry", "WeightsVerificationError", "package_zoo_root", "zoo_root", "entries",
    "get_entry", "refresh", "normalize_config", "normalize_results",
]

#: Entry kinds and the sub-folder of the zoo that holds each.
KINDS = {"gan": "", "translation": "translation", "feature_net": "feature_nets"}

#: The role under which a single-file entry's weights are recorded.
MODEL_ROLE = "model"


class WeightsVerificationError(ValueError):
    """A zoo entry's weights file does not match its recorded sha256."""


def normalize_config(config, kind):
    """A config in the one schema (`kind`, `model`, `nets`, `model_args`) from any layout.

    Configs written before the schema was unified keep loading: GAN configs
    had top-level `generator` / `discriminator` / `variant` / `variant_args`,
    feature nets a top-level `builder` / `args`. The result is a new dict.

    Example:
    >>> old = {"variant": "nsgan", "variant_args": {"seed": 1},
    ...        "generator": {"builder": "mlp_generator"}, "discriminator": {"builder": "mlp_discriminator"}}
    >>> new = normalize_config(old, "gan")
    >>> new["kind"], new["model"], new["model_args"], sorted(new["nets"])
    ('gan', 'nsgan', {'seed': 1}, ['discriminator', 'generator'])
    """
    config = dict(config)
    config.setdefault("kind", kind)
    nets = dict(config.get("nets", {}))
    if kind == "gan":
        for role in ("generator", "discriminator"):
            if role in config:
                nets.setdefault(role, config.pop(role))
        if "variant" in config:
            config.setdefault("model", config.pop("variant"))
        if "variant_args" in config:
            config.setdefault("model_args", config.pop("variant_args"))
    elif kind == "feature_net" and "builder" in config:
        nets.setdefault("classifier", {"builder": config.pop("builder"),
                                       "args": config.pop("args", {})})
        config.setdefault("model", "classifier")
    config["nets"] = nets
    config.setdefault("model_args", {})
    return config


def normalize_results(results):
    """`results.json` with its weights as `{"files": {role: {"file", "sha256", ...}}}`.

    Single-file records (`{"file", "sha256"}`) become the role `"model"`;
    per-network records (`{role: {"file", "sha256"}}`) are kept by role.

    Example:
    >>> normalize_results({"weights": {"file": "m.h5", "sha256": "ab"}})["weights"]
    {'files': {'model': {'file': 'm.h5', 'sha256': 'ab'}}}
    """
    if results is None:
        return None
    results = dict(results)
    weights = results.get("weights") or {}
    if weights and "files" not in weights:
        if "file" in weights:
            weights = {"files": {MODEL_ROLE: dict(weights)}}
        else:
            weights = {"files": {role: dict(info) for role, info in weights.items()}}
    if weights:
        results["weights"] = weights
    return results


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    """One zoo entry: its name, kind, folder, config and (if trained) results.

    Attributes:
        name: the entry's name, e.g. `"r1gan_ring8"`.
        kind: `"gan"`, `"translation"` or `"feature_net"`.
        path: the entry's folder.
        config: the parsed `config.json`, in the one schema (`normalize_config`).
        results: the parsed `results.json` (`normalize_results`), or None if
            not trained yet.

    Example:
    >>> entry = get_entry("r1gan_ring8")
    >>> entry.config["model"], entry.pretrained
    ('r1gan', True)
    """

    name: str
    kind: str
    path: str
    config: dict
    results: dict = None

    @property
    def weight_files(self):
        """`{role: {"file", "sha256", ...}}` of the recorded weights (`{}` if untrained).

        Example:
        >>> sorted(get_entry("cyclegan_digits").weight_files)
        ['generator_xy', 'generator_yx']
        """
        return dict((self.results or {}).get("weights", {}).get("files", {}))

    @property
    def pretrained(self):
        """True when trained weights ship with the entry (every recorded file exists).

        Example:
        >>> get_entry("r1gan_ring8").pretrained, get_entry("pix2pix_facades").pretrained
        (True, False)
        """
        files = self.weight_files
        return bool(files) and all(
            os.path.exists(os.path.join(self.path, info["file"])) for info in files.values())

    @property
    def weights_path(self):
        """Path of a single-file entry's weights (it may not exist for untrained entries).

        Example:
        >>> os.path.basename(get_entry("r1gan_ring8").weights_path)
        'model.weights.h5'
        """
        info = self.weight_files.get(MODEL_ROLE, {})
        return os.path.join(self.path, info.get("file", "model.weights.h5"))

    @property
    def sha256(self):
        """The recorded sha256 of a single-file entry's weights (None if untrained).

        Example:
        >>> len(get_entry("r1gan_ring8").sha256)
        64
        """
        return self.weight_files.get(MODEL_ROLE, {}).get("sha256")

    @property
    def metrics(self):
        """The measured metrics of the card (`{}` if untrained).

        Example:
        >>> get_entry("r1gan_ring8").metrics["modes_captured"]
        8
        """
        return (self.results or {}).get("metrics", {})

    def verified_weights(self):
        """`{role: bytes}` of every weights file, each checked against its recorded sha256.

        Load from the returned bytes, not from the files again, so that what is
        loaded is exactly what was checked. Raises `WeightsVerificationError`
        on a mismatch and ValueError when the entry has no weights; in both
        cases nothing is returned.

        Example:
        >>> sorted(get_entry("r1gan_ring8").verified_weights())
        ['model']
        """
        if not self.pretrained:
            trained = entries(kind=self.kind, pretrained=True)
            raise ValueError(
                f"Zoo entry {self.name!r} has no trained weights yet (expected its weights "
                f"file(s) in {self.path} and a results.json recording their sha256). "
                f"Pretrained {self.kind} entries: {sorted(trained)}.")
        verified = {}
        for role, info in self.weight_files.items():
            path = os.path.join(self.path, info["file"])
            with open(path, "rb") as f:
                data = f.read()
            actual = hashlib.sha256(data).hexdigest()
            if actual != info["sha256"]:
                raise WeightsVerificationError(
                    f"Refusing to load {path}: its sha256 is {actual}, but the zoo card records "
                    f"{info['sha256']}. The file is corrupt or was modified; nothing was loaded.")
            verified[role] = data
        return verified


def package_zoo_root():
    """The zoo shipped inside the installed package (`kerasgan_zoo`).

    Example:
    >>> os.path.isdir(package_zoo_root())
    True
    """
    return str(importlib_resources.files("kerasgan_zoo"))


def zoo_root():
    """The zoo folder: `$KERASGAN_ZOO` if set, else the package's.

    Point `KERASGAN_ZOO` at a folder of your own entries (same layout:
    GAN entries at the top, `translation/`, `feature_nets/`) to use them with
    the CLI, `kerasgan.zoo.create` and the metrics.

    Example:
    >>> os.path.isdir(zoo_root())
    True
    """
    return os.environ.get("KERASGAN_ZOO") or package_zoo_root()


def _read_json(path):
    with open(path) as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def _scan(root, kind):
    folder = os.path.join(root, KINDS[kind])
    found = {}
    if not os.path.isdir(folder):
        return found
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        config_path = os.path.join(path, "config.json")
        if not os.path.isfile(config_path):
            continue
        results_path = os.path.join(path, "results.json")
        results = _read_json(results_path) if os.path.isfile(results_path) else None
        config = normalize_config(_read_json(config_path), kind)
        found[name] = ZooEntry(name, kind, path, config, normalize_results(results))
    return found


def entries(kind=None, pretrained=None, root=None):
    """Zoo entries as `{name: ZooEntry}`, sorted by name.

    Args:
        kind: one of `KINDS`, a sequence of them, or None for all.
        pretrained: True / False keeps the entries with / without weights.
        root: the zoo folder (default `zoo_root()`); given explicitly, only
            that folder is read.

    With `$KERASGAN_ZOO` set, the GAN and translation entries are those of
    that folder; the feature nets are its own and, under any other name, the
    package's (they judge the samples of every zoo).

    Example:
    >>> sorted(entries(kind="translation", pretrained=True))
    ['cyclegan_digits', 'pix2pix_digits']
    """
    kinds = list(KINDS) if kind is None else [kind] if isinstance(kind, str) else list(kind)
    for k in kinds:
        if k not in KINDS:
            raise unknown_name_error("zoo entry kind", k, KINDS)
    roots = [root or zoo_root()]
    found = {}
    for k in kinds:
        # The shipped feature nets judge every zoo: a user's folder (`$KERASGAN_ZOO`)
        # need not copy them, and its own nets of the same name take precedence.
        for folder in roots + ([package_zoo_root()] if k == "feature_net" and root is None else []):
            for name, entry in _scan(folder, k).items():
                if pretrained is None or entry.pretrained == bool(pretrained):
                    found.setdefault(name, entry)
    return dict(sorted(found.items()))


def get_entry(name, kind=None, root=None):
    """The `ZooEntry` called `name`; an unknown name lists the valid ones, closest first.

    Example:
    >>> get_entry("digits-net").kind
    'feature_net'
    """
    found = entries(kind=kind, root=root)
    if name not in found:
        what = "zoo entry" if kind is None else {
            "gan": "zoo entry", "translation": "translation entry",
            "feature_net": "feature net"}.get(kind, "zoo entry")
        raise unknown_name_error(what, name, found)
    return found[name]


def refresh():
    """Forget the cached scans (after a tool wrote new entries or results).

    Example:
    >>> refresh(); "r1gan_ring8" in entries()
    True
    """
    _scan.cache_clear()
