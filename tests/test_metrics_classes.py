"""Class balance of unconditional samples and per-class accuracy of conditional ones."""

import numpy as np
import pytest

from kerasgan.metrics.classes import class_balance, conditional_accuracy


def test_class_balance_closed_form():
    probs = np.eye(4)[[0, 0, 0, 0, 1, 1, 2, 2]]  # class 3 missing, class 0 doubled
    m = class_balance(probs, [0.25, 0.25, 0.25, 0.25])
    assert m["frequencies"] == [0.5, 0.25, 0.25, 0.0]
    assert m["ratios"] == [2.0, 1.0, 1.0, 0.0]
    assert (m["classes_present"], m["max_ratio"], m["min_ratio"]) == (3, 2.0, 0.0)
    # Data frequencies need not be uniform; they are normalised.
    assert class_balance(np.eye(2)[[0, 1, 1]], [1, 2])["ratios"] == pytest.approx([1.0, 1.0])


def test_class_balance_refuses_mismatched_inputs():
    with pytest.raises(ValueError, match=r"K positive data frequencies; got probs \(2, 3\)"):
        class_balance(np.ones((2, 3)) / 3, [0.5, 0.5])


def test_conditional_accuracy_needs_a_conditional_gan():
    from kerasgan.models import create_variant
    from kerasgan.nets import mlp_discriminator, mlp_generator
    from kerasgan.metrics import get_extractor

    gan = create_variant("nsgan", mlp_generator(4, (28, 28, 1), (8,), output_activation="tanh"),
                         mlp_discriminator((28, 28, 1), (8,)))
    with pytest.raises(ValueError, match="needs a conditional GAN"):
        conditional_accuracy(gan, get_extractor("digits-net"))
