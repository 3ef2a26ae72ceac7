"""BatchNormalization computed by TensorFlow's fused kernel: the same math, faster on CPU.

Keras 3's `keras.layers.BatchNormalization` computes the batch moments and the
normalisation as separate element-wise ops (mean, squared difference, rsqrt, ...),
upcasting bfloat16 inputs to float32 first; on 2 CPU cores those ops and their
gradients take a large share of a small ResNet's training step
(`benchmarks.heartbeat_throughput`, docs/benchmarks.md). `FusedBatchNormalization`
keeps the layer, its weights (gamma, beta, moving mean, moving variance), its config
and its outputs, and hands the work to ``FusedBatchNormV3`` (oneDNN on CPU), which
normalises and differentiates in one kernel each and reads bfloat16 directly
(statistics in float32).

Same math, up to rounding:

* training normalises with the batch's biased variance, as Keras does; the fused
  kernel returns the unbiased one (PyTorch's), so the moving variance is updated
  with ``variance * (n - 1) / n``, n the values per channel, exactly as Keras' layer;
* inference normalises with the moving statistics;
* outputs are in the layer's compute dtype.

Anything the fused kernel does not cover (another backend, an axis other than the
last, inputs that are not 2-4D, a mask, renormalisation, synchronised statistics,
no scale or no center) falls back to Keras' own computation, so the layer is a
drop-in replacement. Input and output shapes: ``(batch, ..., channels)``, unchanged.
"""

from __future__ import annotations

import keras


def last_axis_only(axis, rank: int) -> bool:
    """Whether a normalisation `axis` (an int or a list of them) is just the last of `rank`."""
    return [a % rank for a in (axis if isinstance(axis, (list, tuple)) else [axis])] == [rank - 1]


@keras.saving.register_keras_serializable(package="keras_models")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` (same arguments, weights and config) computed by
    ``tf.compat.v1.nn.fused_batch_norm`` where it applies.

    Input shape: ``(batch, channels)``, ``(batch, steps, channels)`` or ``(batch, height,
    width, channels)`` for the fused kernel (any other shape: Keras' computation);
    output shape: the same, in the layer's compute dtype.
    """

    def _fused(self, inputs, mask) -> bool:
        rank = len(inputs.shape)
        return (keras.backend.backend() == "tensorflow" and mask is None and 2 <= rank <= 4
                and last_axis_only(self.axis, rank) and self.scale and self.center
                and not self.renorm and not getattr(self, "synchronized", False))

    def call(self, inputs, training=None, mask=None):
        if not self._fused(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        shape = tf.shape(inputs)
        x = tf.cast(inputs, self.compute_dtype)
        # The kernel wants (batch, height, width, channels): 2D and 3D inputs gain unit axes.
        flat = len(inputs.shape) < 4
        x4 = tf.reshape(x, tf.stack([-1, 1, tf.reduce_prod(shape[1:-1]), shape[-1]])) if flat else x
        gamma, beta = tf.cast(self.gamma, "float32"), tf.cast(self.beta, "float32")
        if training and self.trainable:
            y, mean, unbiased = tf.compat.v1.nn.fused_batch_norm(x4, gamma, beta, epsilon=self.epsilon,
                                                                 is_training=True)
            n = tf.cast(tf.size(x4) // tf.shape(x4)[-1], "float32")
            variance = unbiased * tf.maximum(n - 1.0, 0.0) / n
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            y, _, _ = tf.compat.v1.nn.fused_batch_norm(
                x4, gamma, beta, mean=tf.cast(self.moving_mean, "float32"),
                variance=tf.cast(self.moving_variance, "float32"), epsilon=self.epsilon, is_training=False)
        return tf.reshape(y, shape) if flat else y
