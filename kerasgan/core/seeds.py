"""The one derivation of the stateless random seeds of a training step.

Random numbers in kerasgan's train steps are stateless and keyed on (model
seed, training step, purpose..., replica id): every replica draws different
numbers, reruns with the same seed draw the same ones, and a checkpoint of the
optimizer's step counter is all a resumed run needs to continue the stream.

Example:
>>> import tensorflow as tf
>>> a = step_seed(0, tf.constant(5), 1, 2)
>>> b = step_seed(0, tf.constant(5), 1, 3)
>>> a.shape, bool(tf.reduce_all(a == step_seed(0, tf.constant(5), 1, 2))), bool(tf.reduce_all(a == b))
(TensorShape([2]), True, False)
"""

import tensorflow as tf

__all__ = ["step_seed", "replica_id"]


def replica_id():
    """The id of the replica running the current code (0 outside a strategy's `run`).

    Example:
    >>> int(replica_id())
    0
    """
    replica = tf.distribute.get_replica_context()
    return replica.replica_id_in_sync_group if replica is not None else 0


def step_seed(seed, step, *purpose):
    """An int64 `[2]` stateless seed for one random draw of a training step.

    Args:
        seed: the model's integer seed.
        step: the training step (an optimizer's `iterations`).
        *purpose: integers that tell the draws of one step apart.

    The replica id is folded in last, so replicas draw independently.

    Example:
    >>> int(step_seed(7, 0).shape[0])
    2
    """
    step = tf.cast(step, tf.int64)
    key = tf.stack([tf.constant(seed, tf.int64), step])
    for part in purpose:
        key = tf.random.experimental.stateless_fold_in(key, part)
    return tf.random.experimental.stateless_fold_in(key, tf.cast(replica_id(), tf.int32))
