"""sha256 digests of what every pretrained zoo entry computes on fixed inputs.

The restructuring of the package must not change a single output bit of the
shipped models: `tests/fixtures/zoo_output_digests.json` was written by this
module *before* the restructuring (`python -m tests.output_digests --write`),
and `tests/test_zoo_output_digests.py` recomputes every digest and compares.

An entry whose weights change on purpose (retrained) gets its digest rewritten
with the reason, which is appended to `CHANGES` (one line per change):
`python -m tests.output_digests --update mnist-net --reason "retrained on ..."`.

Fixed inputs:
- GAN entries: `generate(64, seed=0)` (labels cycling through the classes for
  conditional entries), the samples as float32.
- Translation entries: the first 32 test images of `digit_pairs` (x for
  pix2pix and for CycleGAN's G, y for CycleGAN's F), the outputs as float32.
- Feature nets: features and class probabilities of the first 64 test digits
  of the net's dataset at its input size (the embedded digits; MNIST-shaped).
"""

import hashlib
import json
import os
import sys

import numpy as np

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "zoo_output_digests.json")
#: Why recorded digests were rewritten: one line per change, newest last.
CHANGES = os.path.join(os.path.dirname(__file__), "fixtures", "zoo_output_digests.changes.md")


def _digest(*arrays):
    h = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(np.asarray(array, np.float32))
        h.update(str(array.shape).encode())
        h.update(array.tobytes())
    return h.hexdigest()


def gan_digest(name):
    from kerasgan import zoo

    return _digest(zoo.create(name, pretrained=True, compile=False).generate(64, seed=0))


def translation_digest(name):
    from kerasgan import zoo
    from kerasgan.data.digit_pairs.digit_pairs import pair_arrays

    model = zoo.create_translation(name, pretrained=True, compile=False)
    x, y, _ = pair_arrays("test")
    x, y = x[:32], y[:32]
    if hasattr(model, "translate_x_to_y"):
        return _digest(model.translate_x_to_y(x), model.translate_y_to_x(y))
    return _digest(model.translate(x))


def feature_net_digest(name):
    from kerasgan.data.digits import digits_arrays
    from kerasgan.metrics import get_extractor

    extractor = get_extractor(name)
    height = extractor.image_shape[0]
    images, _ = digits_arrays(height, "test")
    images = images[:64].astype(np.float32) / 127.5 - 1.0
    features, probs = extractor.network(images, training=False)
    return _digest(features, probs)


def pretrained_entries():
    """`{kind: [names]}` of every entry that ships weights."""
    from kerasgan import zoo

    return {
        "gan": zoo.list_models(pretrained=True, kind="gan"),
        "translation": sorted(n for n, e in zoo.translation_entries().items() if e.results),
        "feature_net": sorted(zoo.feature_net_entries()),
    }


DIGESTS = {"gan": gan_digest, "translation": translation_digest, "feature_net": feature_net_digest}


def compute_all():
    return {kind: {name: DIGESTS[kind](name) for name in names}
            for kind, names in pretrained_entries().items()}


def _write(result):
    tmp = FIXTURE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, FIXTURE)


def update(names, reason):
    """Rewrite the digests of `names` (new or retrained entries) and log `reason` in CHANGES."""
    import datetime

    with open(FIXTURE) as f:
        recorded = json.load(f)
    kinds = {name: kind for kind, entries in pretrained_entries().items() for name in entries}
    for name in names:
        if name not in kinds:
            sys.exit(f"{name!r} is not a pretrained entry")
        recorded.setdefault(kinds[name], {})[name] = DIGESTS[kinds[name]](name)
    _write(recorded)
    with open(CHANGES, "a") as f:
        f.write(f"- {datetime.date.today().isoformat()}: {', '.join(names)}: {reason}\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) >= 4 and args[0] == "--update" and args[-2] == "--reason":
        update(args[1:-2], args[-1])
        sys.exit(0)
    if args != ["--write"]:
        sys.exit("usage: python -m tests.output_digests --write | --update NAME... --reason TEXT")
    result = compute_all()
    _write(result)
    print(json.dumps({k: len(v) for k, v in result.items()}))
