"""sha256 digests of what every pretrained zoo entry computes on fixed inputs.

The restructuring of the package must not change a single output bit of the
shipped models: `tests/fixtures/zoo_output_digests.json` was written by this
module *before* the restructuring (`python -m tests.output_digests --write`),
and `tests/test_zoo_output_digests.py` recomputes every digest and compares.

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


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.output_digests --write")
    result = compute_all()
    tmp = FIXTURE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, FIXTURE)
    print(json.dumps({k: len(v) for k, v in result.items()}))
