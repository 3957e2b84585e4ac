"""Write the zoo configs of the image entries (digits, MNIST, CIFAR-10, CelebA).

    python tools/make_image_configs.py

One place for the image recipes: each entry's `zoo/NAME/config.json` is written
from the table below, in the zoo's one entry schema (`kerasgan.core.entries`;
written as `tools/migrate_zoo_schema.py` writes configs); existing results and
cards are left alone.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from migrate_zoo_schema import migrate_config, write_config  # noqa: E402


def adam(lr, beta_1=0.5, beta_2=0.999, decay_steps=None):
    rate = lr if decay_steps is None else {
        "module": "keras.optimizers.schedules", "class_name": "CosineDecay",
        "config": {"initial_learning_rate": lr, "decay_steps": decay_steps, "alpha": 0.1}}
    return {"module": "keras.optimizers", "class_name": "Adam",
            "config": {"learning_rate": rate, "beta_1": beta_1, "beta_2": beta_2}}


def dcgan(image_shape, latent_dim, filters, num_classes=None, spectral_norm=False,
          conditioning="projection"):
    g = {"latent_dim": latent_dim, "image_shape": list(image_shape), "base_filters": filters}
    d = {"image_shape": list(image_shape), "base_filters": filters, "spectral_norm": spectral_norm}
    if num_classes:
        g["num_classes"] = num_classes
        d.update(num_classes=num_classes, conditioning=conditioning)
    return ({"builder": "dcgan_generator", "args": g},
            {"builder": "dcgan_discriminator", "args": d})


def entry(name, description, dataset, variant, nets, optimizers, training, variant_args=None,
          notes=None, target=None, evaluation=None):
    g, d = nets
    config = {
        "name": name, "kind": "gan", "description": description, "dataset": dataset,
        "model": variant, "model_args": variant_args or {},
        "nets": {"generator": g, "discriminator": d},
        "optimizers": {"generator": optimizers[0], "discriminator": optimizers[1]},
        "training": training,
        "evaluation": evaluation or {"seed": 12345, "monitor": {"every_n_epochs": 2,
                                                                "num_samples": 500}},
        "recipe": f"python tools/train_zoo.py {name}",
    }
    if notes:
        config["notes"] = notes
    if target:
        config["target"] = target
    return config


DIGITS = "digits/28x28"
STEPS = 6000
DIGITS_TRAINING = {"batch_size": 64, "epochs": 12, "steps_per_epoch": STEPS // 12, "seed": 0}
NS_OPT = (adam(2e-4, decay_steps=STEPS), adam(2e-4, decay_steps=STEPS))

ENTRIES = [
    entry("dcgan_digits",
          "DCGAN (non-saturating loss) on the embedded digits, 28x28. The default entry of "
          "`kerasgan train`.",
          DIGITS, "nsgan", dcgan((28, 28, 1), 64, 32), NS_OPT, DIGITS_TRAINING),
    entry("cdcgan_digits",
          "Class-conditional DCGAN on the embedded digits: the generator takes (z, label) "
          "(label embedding concatenated to z), the discriminator (x, label) by projection.",
          DIGITS, "nsgan", dcgan((28, 28, 1), 64, 32, num_classes=10), NS_OPT, DIGITS_TRAINING,
          variant_args={"num_classes": 10}),
    entry("lsgan_digits", "LSGAN (least-squares loss) with the DCGAN nets on the embedded digits.",
          DIGITS, "lsgan", dcgan((28, 28, 1), 64, 32), NS_OPT, DIGITS_TRAINING),
    entry("wgan_gp_digits",
          "WGAN-GP (lambda 10, 5 critic steps, Adam(1e-4, 0.0, 0.9) as in Gulrajani et al.) "
          "with the DCGAN nets on the embedded digits.",
          DIGITS, "wgan_gp", dcgan((28, 28, 1), 64, 32),
          (adam(1e-4, 0.0, 0.9), adam(1e-4, 0.0, 0.9)),
          {"batch_size": 64, "epochs": 10, "steps_per_epoch": 200, "seed": 0},
          evaluation={"seed": 12345, "monitor": {"every_n_epochs": 2, "num_samples": 500}}),
    entry("sngan_digits",
          "SNGAN: hinge loss, spectral normalization in every discriminator layer, TTUR "
          "(D 4e-4, G 1e-4, Adam(0.0, 0.9)), DCGAN nets on the embedded digits.",
          DIGITS, "sngan", dcgan((28, 28, 1), 64, 32, spectral_norm=True),
          (adam(1e-4, 0.0, 0.9, STEPS), adam(4e-4, 0.0, 0.9, STEPS)), DIGITS_TRAINING),
]

MNIST_TRAINING = {"batch_size": 64, "epochs": 12, "steps_per_epoch": STEPS // 12, "seed": 0,
                  "split": "test[:2500]+test[5000:6500]"}
MNIST_NOTE = (
    "Trained on 4,000 images of MNIST's test split, test[:2500]+test[5000:6500] (when it was "
    "trained, the project's machine held only MNIST's test split: `python tools/train_zoo.py "
    "NAME --source ../shared/data/mnist`). It is evaluated against the other 4,000 images of "
    "test[:8000], test[2500:5000]+test[6500:8000], held out from it (the standard MNIST "
    "protocol, the whole test split, would contain its training images), with 4,000 samples, "
    "in the features of the current mnist-net (trained on MNIST's train split). The real-data"
    " floor beside it is measured at the standard protocol (10,000 train images vs the test "
    "split); FID's bias grows as the sample count falls, so at 4,000 samples the ratio to "
    "that floor is somewhat pessimistic."
)
MNIST_EVALUATION = {"seed": 12345, "split": "test[2500:5000]+test[6500:8000]", "num_samples": 4000,
                    "monitor": {"every_n_epochs": 2, "num_samples": 500}}
ENTRIES += [
    entry("dcgan_mnist", "DCGAN (non-saturating loss) on MNIST, 28x28.", "mnist", "nsgan",
          dcgan((28, 28, 1), 64, 32), NS_OPT, MNIST_TRAINING, notes=MNIST_NOTE,
          evaluation=MNIST_EVALUATION),
    entry("cdcgan_mnist", "Class-conditional DCGAN on MNIST (projection discriminator).",
          "mnist", "nsgan", dcgan((28, 28, 1), 64, 32, num_classes=10), NS_OPT, MNIST_TRAINING,
          variant_args={"num_classes": 10}, notes=MNIST_NOTE,
          evaluation=MNIST_EVALUATION),
]


def resnet(image_shape, latent_dim, filters, num_classes=None, hierarchical=False,
           attention=None, d_filters=None):
    g = {"latent_dim": latent_dim, "image_shape": list(image_shape), "base_filters": filters,
         "hierarchical": hierarchical, "attention_resolution": attention}
    d = {"image_shape": list(image_shape), "base_filters": d_filters or filters,
         "spectral_norm": True, "attention_resolution": attention}
    if num_classes:
        g["num_classes"] = num_classes
        d["num_classes"] = num_classes
    return ({"builder": "resnet_generator", "args": g},
            {"builder": "resnet_discriminator", "args": d})


UNTRAINED_NOTE = ("Not trained here: a CIFAR-10 / CelebA run needs a GPU (the recipe's "
                  "generator steps at batch 64 take days on this project's 2-core CPU) and the "
                  "dataset download. The architecture builds and trains (tests run a few steps "
                  "on mocked data); `kerasgan train NAME --download` runs the recipe where the "
                  "data and a GPU are available.")
ENTRIES += [
    entry("sngan_resnet_cifar10",
          "SNGAN with the ResNet generator/discriminator (ResBlock up / down) on CIFAR-10, "
          "unconditional: hinge loss, spectral normalization, 5 critic steps.",
          "cifar10", "sngan", resnet((32, 32, 3), 128, 256, d_filters=128),
          (adam(2e-4, 0.0, 0.9), adam(2e-4, 0.0, 0.9)),
          {"batch_size": 64, "epochs": 50, "steps_per_epoch": 1000, "seed": 0},
          variant_args={"d_steps": 5}, notes=UNTRAINED_NOTE,
          target={"summary": "SNGAN ResNet, CIFAR-10 unconditional (Miyato et al. 2018): "
                             "Inception score 8.22, FID 21.7 (Inception features, 10k/50k "
                             "samples as in the paper).",
                  "inception_score": 8.22, "fid_inception": 21.7}),
    entry("biggan_cifar10",
          "BigGAN-style class-conditional ResNet GAN on CIFAR-10: conditional batch norm from a "
          "shared class embedding, hierarchical latents, self-attention at 16x16, projection "
          "discriminator, hinge loss, spectral normalization; sample with truncation.",
          "cifar10", "sngan", resnet((32, 32, 3), 128, 256, num_classes=10, hierarchical=True,
                                     attention=16),
          (adam(2e-4, 0.0, 0.999), adam(2e-4, 0.0, 0.999)),
          {"batch_size": 50, "epochs": 50, "steps_per_epoch": 1000, "seed": 0},
          variant_args={"num_classes": 10, "d_steps": 4, "ema_decay": 0.9999},
          notes=UNTRAINED_NOTE,
          target={"summary": "BigGAN, CIFAR-10 class-conditional (Brock et al. 2019): "
                             "Inception score 9.22, FID 14.73.",
                  "inception_score": 9.22, "fid_inception": 14.73}),
    entry("dcgan_celeba64",
          "DCGAN at 64x64 on CelebA (central 140x140 crop resized to 64), TTUR learning rates.",
          "celeb_a", "nsgan", dcgan((64, 64, 3), 100, 64),
          (adam(1e-4, 0.5), adam(5e-4, 0.5)),
          {"batch_size": 64, "epochs": 50, "steps_per_epoch": 1000, "seed": 0,
           "image_size": 64, "center_crop": 140},
          notes=UNTRAINED_NOTE,
          target={"summary": "DCGAN on CelebA 64x64 with TTUR (Heusel et al. 2017, as reported "
                             "there): FID 12.5 (21.4 with equal learning rates).",
                  "fid_inception": 12.5}),
]


def write_entries(entries, names=None):
    """Write `zoo/NAME/config.json` of each entry (of those in `names`, when given)."""
    for config in entries:
        if names and config["name"] not in names:
            continue
        folder = os.path.join(ROOT, "zoo", config["name"])
        os.makedirs(folder, exist_ok=True)
        write_config(os.path.join(folder, "config.json"),
                     migrate_config(config, "gan", config["name"]))
        print("wrote", config["name"])


def main():
    write_entries(ENTRIES)


if __name__ == "__main__":
    main()
