"""Measure the real-data floors of a domain feature net and add them to its card.

    python tools/measure_floors.py digits-net
    python tools/measure_floors.py mnist-net --source ../shared/data/mnist

The floor is what a perfect generator would score: real images of the net's
`floor.real` split (digits: the train split, 1,347 images; MNIST:
test[:2500]+test[5000:6500], 4,000 images) scored with
`kerasgan.metrics.sample_quality` against the `floor.reference` split (digits:
test, 450 images; MNIST: test[2500:5000]+test[6500:8000], 4,000 images) -- the
same reference and sample count `kerasgan evaluate` uses for generators of that
dataset, so a generator's FID reads directly against it. The config's
`floor.note` says why the splits are what they are. A net whose config has
`stacked_mnist_floor` (mnist-net) also gets the Stacked MNIST floor: modes of
1,000 and KL(q ‖ uniform) of real digit triples, read by the net.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from kerasgan import zoo  # noqa: E402
from kerasgan.core.io import write_json  # noqa: E402
from kerasgan.data import load, set_local_source  # noqa: E402
from kerasgan.metrics import (get_extractor, reference_set, sample_quality,  # noqa: E402
                              stacked_mnist_floor)
from train_feature_net import write_card  # noqa: E402


def measure(name, data=None):
    entry = zoo.get_entry(name, kind="feature_net")
    floor = entry.config["floor"]
    source = entry.config["dataset"]
    if data is not None:
        set_local_source(source, data)
    extractor = get_extractor(name)
    reference = reference_set(source, floor["reference"], extractor, cache=False)
    real = load(source, split=floor["real"], batch_size=256, shuffle=False, repeat=False,
                drop_remainder=False, download=False)
    report = sample_quality(real, reference, extractor, source=f"real images {floor['real']}")
    protocol = report["protocol"]
    protocol.update(real_split=floor["real"], reference_split=floor["reference"],
                    dataset=entry.config["dataset"])
    if protocol["n_fake"] != floor["num_samples"]:
        raise SystemExit(f"{floor['real']} has {protocol['n_fake']} images; the config "
                         f"says {floor['num_samples']}")
    results = dict(entry.results)
    results["floors"] = {
        "metrics": report["metrics"], "protocol": protocol,
        "command": f"python tools/measure_floors.py {name}"
                   + (f" --source {data}" if data else ""),
    }
    stacked = entry.config.get("stacked_mnist_floor")
    if stacked:
        measured = stacked_mnist_floor(stacked["num_samples"], split=stacked["split"],
                                       seed=stacked["seed"], classifier=extractor)
        results["floors"]["stacked_mnist"] = {
            "modes": measured["modes"], "kl": measured["kl"],
            "num_samples": measured["num_samples"], "split": stacked["split"],
            "seed": stacked["seed"], "classifier": name}
        print(f"{name} Stacked MNIST floor: {measured['modes']} modes, KL {measured['kl']:.4f} "
              f"({measured['num_samples']} real triples of {stacked['split']})")
    write_json(os.path.join(entry.path, "results.json"), results)
    write_card(name)
    m = report["metrics"]
    print(f"{name} floor: FID {m['fid']:.3f}, KID {m['kid']:.5f} ± {m['kid_std']:.5f}, "
          f"precision {m['precision']:.3f}, recall {m['recall']:.3f}, density "
          f"{m['density']:.3f}, coverage {m['coverage']:.3f}, IS {m['inception_score']:.2f} "
          f"(n_fake {protocol['n_fake']}, n_real {protocol['n_real']})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=zoo.list_models(kind="feature_net"))
    parser.add_argument("--source", dest="data", help="local source of the dataset: a directory of its IDX files "
                        "(read instead of TFDS, which cannot download here)")
    args = parser.parse_args()
    measure(args.name, args.data)


if __name__ == "__main__":
    main()
