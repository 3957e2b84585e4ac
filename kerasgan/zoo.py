"""The model zoo: one registry for the CLI, the README table and the tests.

Each entry is a folder of the installed `kerasgan_zoo` package (the repository's
`zoo/` directory):

    zoo/<name>/config.json      architecture, variant, optimizers, training recipe
    zoo/<name>/results.json     measured metrics, wall time, hardware, command,
                                weights file and its sha256 (once trained)
    zoo/<name>/README.md        the model card (written by tools/train_zoo.py)
    zoo/<name>/model.weights.h5 the weights (once trained)
    zoo/<name>/samples.png      generated samples

and the domain feature nets of the sample-quality metrics
(`kerasgan.metrics.get_extractor`) in `zoo/feature_nets/<name>/` (config.json,
results.json with accuracy and sha256, README.md card, model.weights.h5).

Example:
>>> from kerasgan import zoo
>>> "nsgan_ring8" in zoo.list_models()
True
>>> gan = zoo.create("nsgan_ring8", pretrained=True)   # doctest: +SKIP
>>> gan.generate(5, seed=0).shape                       # doctest: +SKIP
(5, 2)
"""

import dataclasses
import fnmatch
import functools
import hashlib
import io
import json
import os

import importlib_resources

from kerasgan.core.naming import unknown_name_error

#: The entry `kerasgan train` trains when no name is given.
DEFAULT_ENTRY = "cdcgan_digits"


class WeightsVerificationError(ValueError):
    """The weights file of a zoo entry does not match its recorded sha256."""


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    """One zoo entry: its folder, config and (if trained) results.

    Attributes:
        name: the entry's name, e.g. `"r1gan_ring8"`.
        path: the entry's folder.
        config: the parsed `config.json`.
        results: the parsed `results.json`, or None if not trained yet.

    Example:
    >>> entry = get_entry("r1gan_ring8")
    >>> entry.config["dataset"], entry.pretrained
    ('gaussian_mixture/ring8', True)
    """

    name: str
    path: str
    config: dict
    results: dict = None

    @property
    def pretrained(self):
        """True when trained weights ship with the entry.

        Example:
        >>> get_entry("r1gan_ring8").pretrained
        True
        """
        return self.results is not None and os.path.exists(self.weights_path)

    @property
    def weights_path(self):
        """Path of the entry's weights file (it may not exist for untrained entries).

        Example:
        >>> os.path.basename(get_entry("r1gan_ring8").weights_path)
        'model.weights.h5'
        """
        file = (self.results or {}).get("weights", {}).get("file", "model.weights.h5")
        return os.path.join(self.path, file)

    @property
    def sha256(self):
        """The weights' sha256 recorded in `results.json` (None if untrained).

        Example:
        >>> len(get_entry("r1gan_ring8").sha256)
        64
        """
        return (self.results or {}).get("weights", {}).get("sha256")

    @property
    def metrics(self):
        """The measured metrics of the card (`{}` if untrained).

        Example:
        >>> get_entry("r1gan_ring8").metrics["modes_captured"]
        8
        """
        return (self.results or {}).get("metrics", {})


def package_zoo_root():
    """The zoo shipped inside the installed package (`kerasgan_zoo`).

    Example:
    >>> os.path.isdir(package_zoo_root())
    True
    """
    return str(importlib_resources.files("kerasgan_zoo"))


def zoo_root():
    """The folder holding the GAN entries: `$KERASGAN_ZOO` if set, else the package's.

    Point `KERASGAN_ZOO` at a folder of your own entries (same layout) to use
    them with the CLI and `create`; the domain feature nets always come from
    the package.

    Example:
    >>> os.path.isdir(zoo_root())
    True
    """
    return os.environ.get("KERASGAN_ZOO") or package_zoo_root()


@functools.lru_cache(maxsize=None)
def _scan(root):
    entries = {}
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        config_path = os.path.join(folder, "config.json")
        if not os.path.isfile(config_path):
            continue
        with open(config_path) as f:
            config = json.load(f)
        results = None
        results_path = os.path.join(folder, "results.json")
        if os.path.isfile(results_path):
            with open(results_path) as f:
                results = json.load(f)
        entries[name] = ZooEntry(name, folder, config, results)
    return entries


def _lookup(table, kind, name):
    """`table[name]`, or a ValueError listing the valid names, closest first."""
    if name not in table:
        raise unknown_name_error(kind, name, table)
    return table[name]


def entries():
    """All entries, `{name: ZooEntry}` (re-read after `refresh()`).

    Example:
    >>> len(entries())
    24
    """
    return _scan(zoo_root())


def refresh():
    """Forget cached entries (after tools/ wrote new results).

    Example:
    >>> refresh(); len(entries())
    24
    """
    _scan.cache_clear()


#: Sub-folder of the zoo holding the domain feature nets.
FEATURE_NETS_DIR = "feature_nets"


def feature_net_entries():
    """The domain feature nets, `{name: ZooEntry}` (`"digits-net"`, `"mnist-net"`).

    Example:
    >>> sorted(feature_net_entries())
    ['digits-net', 'mnist-net']
    """
    return _scan(os.path.join(package_zoo_root(), FEATURE_NETS_DIR))


def get_feature_net_entry(name):
    """The `ZooEntry` of domain feature net `name`; unknown names list the valid ones.

    Example:
    >>> get_feature_net_entry("digits-net").config["dataset"]
    'digits/28x28'
    """
    return _lookup(feature_net_entries(), "feature net", name)


def list_models(*, filter=None, pretrained=None):
    """Names of the zoo entries.

    Args:
        filter: a shell-style pattern (`"*ring8"`), or None for all.
        pretrained: True for entries with weights only, False for those without.

    Example:
    >>> list_models(filter="wgan*ring8")
    ['wgan_gp_ring8', 'wgan_ring8']
    """
    names = []
    for name, entry in entries().items():
        if filter and not fnmatch.fnmatch(name, filter):
            continue
        if pretrained is not None and entry.pretrained != bool(pretrained):
            continue
        names.append(name)
    return names


def get_entry(name):
    """The `ZooEntry` called `name`; an unknown name lists the valid ones, closest first.

    Example:
    >>> get_entry("sngan_grid25").config["variant"]
    'sngan'
    """
    return _lookup(entries(), "zoo entry", name)


def verify_weights(entry):
    """Read the entry's weights file and check it against its recorded sha256.

    Returns the verified bytes (load from them, not from the file again, so
    what is loaded is exactly what was checked). Raises
    `WeightsVerificationError` on a mismatch and ValueError when the entry has
    no weights; in both cases nothing is loaded.

    Example:
    >>> len(verify_weights(get_entry("r1gan_ring8"))) > 0
    True
    """
    if not entry.pretrained:
        raise ValueError(
            f"Zoo entry {entry.name!r} has no trained weights yet (expected "
            f"{entry.weights_path} and a results.json recording its sha256). "
            f"Pretrained GAN entries: {list_models(pretrained=True)}."
        )
    with open(entry.weights_path, "rb") as f:
        data = f.read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != entry.sha256:
        raise WeightsVerificationError(
            f"Refusing to load {entry.weights_path}: its sha256 is {actual}, but the "
            f"zoo card records {entry.sha256}. The file is corrupt or was modified; "
            "nothing was loaded."
        )
    return data


def create(name, pretrained=False, compile=True, jit_compile="auto"):
    """Build the GAN of zoo entry `name`, optionally with its pretrained weights.

    Args:
        name: a name from `list_models()`.
        pretrained: load the entry's weights (verified against their sha256).
        compile: compile with the entry's optimizers, ready for `fit`.
        jit_compile: passed to `GAN.compile`.

    Example:
    >>> gan = create("nsgan_ring8", pretrained=True)   # doctest: +SKIP
    >>> samples = gan.generate(2500, seed=0)           # doctest: +SKIP
    """
    from kerasgan.training import build_gan, compile_gan

    entry = get_entry(name)
    weights = verify_weights(entry) if pretrained else None
    gan = build_gan(entry.config)
    if compile:
        compile_gan(gan, entry.config, jit_compile=jit_compile)
    if weights is not None:
        gan.load_weights(io.BytesIO(weights))
    return gan


def describe(name):
    """A short human-readable description of an entry (used by `kerasgan zoo show`).

    Example:
    >>> print(describe("sngan_ring8").splitlines()[1])
      dataset:    gaussian_mixture/ring8
    """
    entry = get_entry(name)
    lines = [
        f"{entry.name}: {entry.config.get('description', '')}",
        f"  dataset:    {entry.config['dataset']}",
        f"  variant:    {entry.config['variant']} {json.dumps(entry.config.get('variant_args', {}))}",
        f"  pretrained: {entry.pretrained}",
        f"  recipe:     {entry.config.get('recipe', '')}",
    ]
    for key, value in entry.metrics.items():
        if key != "protocol":
            lines.append(f"  {key}: {value}")
    return "\n".join(lines)


#: Sub-folder of the zoo holding the image-to-image translation entries.
TRANSLATION_DIR = "translation"


def translation_entries():
    """The translation entries (pix2pix, CycleGAN), `{name: ZooEntry}`.

    Example:
    >>> sorted(translation_entries())[:2]
    ['cyclegan_digits', 'cyclegan_horse2zebra']
    """
    return _scan(os.path.join(package_zoo_root(), TRANSLATION_DIR))


def get_translation_entry(name):
    """The `ZooEntry` of translation entry `name`; unknown names list the valid ones.

    Example:
    >>> get_translation_entry("cyclegan_digits").config["model"]
    'cyclegan'
    """
    return _lookup(translation_entries(), "translation entry", name)


def create_translation(name, pretrained=False, compile=True):
    """Build the `Pix2Pix` / `CycleGAN` of a translation entry, optionally with its weights.

    Each network's weights file is checked against its sha256 in the card
    before anything is loaded.

    Example:
    >>> model = create_translation("cyclegan_digits", pretrained=True)  # doctest: +SKIP
    >>> model.translate_x_to_y(x).shape                                 # doctest: +SKIP
    (450, 32, 32, 3)
    """
    import tempfile

    from kerasgan.training import build_translation

    entry = get_translation_entry(name)
    model = build_translation(entry.config, compile=compile)
    if pretrained:
        files = (entry.results or {}).get("weights", {})
        if not files:
            raise ValueError(f"Translation entry {name!r} has no trained weights yet.")
        verified = {}
        for role, info in files.items():
            with open(os.path.join(entry.path, info["file"]), "rb") as f:
                data = f.read()
            if hashlib.sha256(data).hexdigest() != info["sha256"]:
                raise WeightsVerificationError(
                    f"Refusing to load {info['file']} of {name!r}: its sha256 does not match "
                    "the card; nothing was loaded.")
            verified[role] = data
        with tempfile.TemporaryDirectory() as tmp:
            for role, data in verified.items():
                path = os.path.join(tmp, f"{role}.weights.h5")
                with open(path, "wb") as f:
                    f.write(data)
                getattr(model, role).load_weights(path)
    return model
