"""Rewrite every zoo entry's config.json and results.json in the one entry schema.

    python tools/migrate_zoo_schema.py            # rewrite zoo/ in place
    python tools/migrate_zoo_schema.py --check    # exit 1 if an entry is not migrated yet
    python tools/migrate_zoo_schema.py --zoo DIR  # another zoo folder (e.g. $KERASGAN_ZOO)

The schema is `kerasgan.core.entries`': a config has `name`, `kind`
(`"gan"`, `"translation"`, `"feature_net"`), `description`, `dataset`,
`model` (the GAN variant, `"pix2pix"` / `"cyclegan"`, or `"classifier"`),
`model_args` and `nets: {role: {"builder", "args"}}`, then the entry's other
sections unchanged (optimizers, training, evaluation, recipe, ...). GAN
configs had top-level `generator` / `discriminator` / `variant` /
`variant_args`, feature nets a top-level `builder` / `args`.

`results.json` records its weights as `{"files": {role: {"file", "sha256",
"bytes"}}}` (a single-file entry under the role `"model"`); missing byte counts
are filled in from the files. The weights files themselves are not touched,
and a file whose sha256 does not match its record stops the migration.
Running it twice changes nothing.
"""

import argparse
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from kerasgan.core.entries import KINDS, normalize_config, normalize_results  # noqa: E402
from kerasgan.core.io import atomic_path, write_json  # noqa: E402

#: Keys written first, in this order; every other key keeps its place after them.
LEADING_KEYS = ("name", "kind", "description", "dataset", "model", "model_args", "nets")


def migrate_config(config, kind, name):
    """`config` in the one schema, with its leading keys in a fixed order."""
    config = normalize_config(config, kind)
    config["name"] = config.get("name") or name
    ordered = {key: config[key] for key in LEADING_KEYS if key in config}
    ordered.update((key, value) for key, value in config.items() if key not in ordered)
    return ordered


def migrate_results(results, folder):
    """`results` with `weights.files`, each file's byte count filled in and its sha256 checked."""
    results = normalize_results(results)
    for role, info in results.get("weights", {}).get("files", {}).items():
        path = os.path.join(folder, info["file"])
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            blob = f.read()
        if hashlib.sha256(blob).hexdigest() != info["sha256"]:
            raise SystemExit(f"{path}: sha256 differs from results.json; fix that first.")
        info.setdefault("bytes", len(blob))
    return results


def entry_folders(zoo):
    """`(kind, name, folder)` of every entry folder (one holding a config.json)."""
    for kind, sub in KINDS.items():
        base = os.path.join(zoo, sub)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            folder = os.path.join(base, name)
            if os.path.isfile(os.path.join(folder, "config.json")):
                yield kind, name, folder


def write_config(path, config):
    """Write a config as indented JSON in its key order (the leading keys first), atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(config, f, indent=2, ensure_ascii=False)
            f.write("\n")


def _read(path):
    with open(path) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", default=os.path.join(ROOT, "zoo"))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for kind, name, folder in entry_folders(args.zoo):
        targets = {"config.json": (lambda c: migrate_config(c, kind, name), write_config),
                   "results.json": (lambda r: migrate_results(r, folder), write_json)}
        for file, (migrate, write) in targets.items():
            path = os.path.join(folder, file)
            if not os.path.isfile(path):
                continue
            old = _read(path)
            new = migrate(old)
            if json.dumps(new) == json.dumps(old):
                continue
            stale.append(os.path.relpath(path, args.zoo))
            if not args.check:
                write(path, new)
    verb = "not migrated" if args.check else "rewritten"
    print(f"{len(stale)} file(s) {verb}" + "".join(f"\n  {p}" for p in stale))
    if args.check and stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
