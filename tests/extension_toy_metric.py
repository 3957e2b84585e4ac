"""A metric of a user's own, in its own module: registered, it is computed by the
evaluation report and becomes a column of the zoo table."""

import numpy as np

from kerasgan.metrics import register_metric


@register_metric("toy_mean_gap", label="mean gap", kinds=("images",))
def toy_mean_gap(inputs):
    """Distance between the mean real and the mean generated feature vector."""
    return float(np.linalg.norm(inputs.real.features.mean(axis=0)
                                - inputs.fake.features.mean(axis=0)))
