"""Training batches whose order depends only on (seed, epoch), so a resumed run sees
the same batches as an uninterrupted one.

Keras shuffles arrays with a random generator seeded once per `fit`: a run resumed at
epoch k would replay epoch 0's order. Here epoch e draws its permutation from the
stateless seed (seed, e); `EpochClock` (a callback) tells the dataset which epoch
begins, and Keras builds each epoch's iterator after `on_epoch_begin`.

With ``steps_per_epoch`` an epoch is that many full batches taken from an endless
stream of passes (pass p shuffled with (seed, p)): each epoch goes on where the last
stopped, as Keras does with its own iterator.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf


class EpochClock(keras.callbacks.Callback):
    """Holds the current epoch in a variable that the training dataset reads."""

    def __init__(self):
        super().__init__()
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="data_epoch")

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch.assign(epoch)


def _permutation(n: int, seed: int, number):
    """A permutation of range(n), fixed by (seed, number)."""
    return tf.random.experimental.stateless_shuffle(
        tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), tf.cast(number, tf.int64)]))


def training_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int,
                     steps_per_epoch: int | None = None, prefetch: bool = True) -> tuple[tf.data.Dataset, EpochClock]:
    """The shuffled training batches of (x, y) and the clock callback to pass to `fit`.

    Args:
        x: inputs, shape (n, ...); y: targets, shape (n, ...).
        steps_per_epoch: batches per epoch (None: one pass, the last batch possibly short).
        prefetch: gather the next batches on a background thread while a step trains
            (`tf.data` prefetch, AUTOTUNE); False gathers each batch when it is asked for.

    Returns:
        (dataset of (x_batch, y_batch), `EpochClock`): pass both to `model.fit`, the
        dataset without `steps_per_epoch` (its length is the epoch's).
    """
    n = len(x)
    xs, ys = tf.constant(x), tf.constant(y)
    clock = EpochClock()
    if steps_per_epoch is None:
        steps = math.ceil(n / batch_size)

        def epoch_indices(_):
            return tf.data.Dataset.from_tensor_slices(_permutation(n, seed, clock.epoch)).batch(batch_size)
    else:
        steps = steps_per_epoch
        per_epoch = steps_per_epoch * batch_size

        def epoch_indices(_):
            start = clock.epoch * per_epoch
            first_pass = start // n
            passes = tf.data.Dataset.range(first_pass, (start + per_epoch - 1) // n + 1)
            stream = passes.flat_map(lambda p: tf.data.Dataset.from_tensor_slices(_permutation(n, seed, p)))
            return stream.skip(start - first_pass * n).take(per_epoch).batch(batch_size)

    dataset = (tf.data.Dataset.from_tensors(0).flat_map(epoch_indices)
               .map(lambda index: (tf.gather(xs, index), tf.gather(ys, index)),
                    num_parallel_calls=tf.data.AUTOTUNE if prefetch else None)
               .apply(tf.data.experimental.assert_cardinality(steps)))
    return steady(dataset.prefetch(tf.data.AUTOTUNE) if prefetch else dataset), clock


def steady(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset` with tf.data's autotuner off (AUTOTUNE values then fall back to
    TensorFlow's fixed defaults instead of being tuned while training).

    On 2 cores the autotuner's background work made whole training epochs run at one
    core's speed, at random (cnn2d_resnet float32: epochs of ~400 or ~680 samples/s;
    with autotuning off every epoch ~680; docs/benchmarks.md, "Why Keras trailed PyTorch").
    Batches and their order do not change.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)
